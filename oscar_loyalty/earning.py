"""How many points an order, a basket or a product earns, and awarding them through the ledger.

The calculation is pure (:func:`calculate`) so the basket page, the product page and the order
receiver give the same answer. Points are computed per line as decimals, stored per line on the
earn entry (so a partial refund reverses exactly that line's share at the rate of the day it was
earned) and rounded down once per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from . import actions, caching, conf, ledger, tiers
from .models import (
    FirstOrderRule,
    LedgerEntry,
    PointsEvent,
    ProgramSettings,
    RuleMultiplier,
    SpendRule,
)

ProductCategory = get_model("catalogue", "ProductCategory")

ZERO = Decimal("0")
NO_TIER_MULTIPLIER = Decimal("1")


@dataclass(frozen=True)
class EarnLine:
    """One line of an order or basket, as the earning rules see it (prices after discounts)."""

    key: str
    product_id: int | None
    quantity: int
    price_excl_tax: Decimal
    price_incl_tax: Decimal


@dataclass
class Earning:
    points: int = 0
    line_points: dict[str, Decimal] = field(default_factory=dict)
    rules: list[dict] = field(default_factory=list)

    def as_detail(self) -> dict:
        return {
            "lines": {key: str(value) for key, value in self.line_points.items()},
            "rules": self.rules,
        }


def floor_points(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


class RuleBook:
    """The active spend rules with their multipliers, loaded once per request or task."""

    def __init__(
        self,
        rules: Sequence[SpendRule],
        multipliers: Iterable[RuleMultiplier],
        events: Iterable[PointsEvent] = (),
    ):
        self.rules = list(rules)
        self.events = list(events)
        self.product_multipliers: dict[tuple[int, int], Decimal] = {}
        self.category_multipliers: dict[int, list[tuple[str, Decimal]]] = {}
        for multiplier in multipliers:
            if multiplier.product_id:
                self.product_multipliers[(multiplier.rule_id, multiplier.product_id)] = (
                    multiplier.multiplier
                )
            else:
                self.category_multipliers.setdefault(multiplier.rule_id, []).append(
                    (multiplier.category.path, multiplier.multiplier)
                )

    @classmethod
    def load(cls) -> RuleBook:
        """Every switched-on spend rule; their dates are checked per order (:meth:`for_order`),
        so one book serves a whole backfill of historical orders."""
        rules = list(SpendRule.objects.filter(is_active=True).non_polymorphic())
        multipliers = RuleMultiplier.objects.filter(rule__in=rules).select_related("category")
        events = PointsEvent.objects.filter(is_active=True).non_polymorphic()
        return cls(rules, multipliers, events)

    @classmethod
    def cached(cls) -> RuleBook:
        """The book for storefront pages, from the cache (see ``caching``)."""
        return caching.cached("rulebook", cls.load)

    def for_order(self, currency: str, at: datetime | None = None) -> list[SpendRule]:
        """The rules that apply to an order in ``currency`` placed at ``at`` (default: now)."""
        at = at or timezone.now()
        return [
            rule
            for rule in self.rules
            if rule.currency == currency
            and (rule.starts_at is None or rule.starts_at <= at)
            and (rule.ends_at is None or rule.ends_at > at)
        ]

    def event_at(self, at: datetime) -> PointsEvent | None:
        """The points event running at ``at``; the biggest multiplier when several overlap."""
        running = [event for event in self.events if event.is_running(at)]
        return max(running, key=lambda event: event.multiplier, default=None)

    def multiplier(self, rule: SpendRule, product_id: int | None, category_paths: list[str]):
        """Product multiplier first; else 0 if any of its categories (or their ancestors) is
        excluded; else the highest category multiplier; else 1."""
        if product_id is not None and (rule.pk, product_id) in self.product_multipliers:
            return self.product_multipliers[(rule.pk, product_id)]
        matches = [
            value
            for path, value in self.category_multipliers.get(rule.pk, [])
            if any(own.startswith(path) for own in category_paths)
        ]
        if not matches:
            return Decimal("1")
        return ZERO if ZERO in matches else max(matches)


def category_paths(product_ids: Iterable[int]) -> dict[int, list[str]]:
    """Category tree paths of each product (children inherit their parent's), in one query."""
    product_ids = {pid for pid in product_ids if pid is not None}
    if not product_ids:
        return {}
    Product = get_model("catalogue", "Product")
    parents = dict(
        Product.objects.filter(pk__in=product_ids, parent__isnull=False).values_list(
            "pk", "parent_id"
        )
    )
    owners = product_ids | set(parents.values())
    paths: dict[int, list[str]] = {}
    for product_id, path in ProductCategory.objects.filter(product_id__in=owners).values_list(
        "product_id", "category__path"
    ):
        paths.setdefault(product_id, []).append(path)
    return {pid: paths.get(parents.get(pid, pid), []) for pid in product_ids}


def calculate(
    lines: Sequence[EarnLine],
    currency: str,
    book: RuleBook,
    shipping: tuple[Decimal, Decimal] = (ZERO, ZERO),
    paths: dict[int, list[str]] | None = None,
    at: datetime | None = None,
    tier_multiplier: Decimal = NO_TIER_MULTIPLIER,
) -> Earning:
    """Points the lines earn under every active spend rule of that currency.

    ``shipping`` is (excl. tax, incl. tax); it earns only under rules that include shipping,
    spread over the lines by value so refunds stay per line. ``tier_multiplier`` is the
    customer's tier perk, applied on top of every spend rule.
    """
    earning = Earning()
    rules = book.for_order(currency, at)
    if not rules or not lines:
        return earning
    event = book.event_at(at or timezone.now())
    boost = event.multiplier if event else Decimal("1")
    if paths is None:
        # Category paths matter only when a rule has category multipliers: skip the query.
        wanted = book.category_multipliers
        paths = category_paths(line.product_id for line in lines) if wanted else {}
    total = {line.key: ZERO for line in lines}
    for rule in rules:
        prices = [
            line.price_incl_tax if rule.include_tax else line.price_excl_tax for line in lines
        ]
        base = sum(prices, ZERO)
        ship = (shipping[1] if rule.include_tax else shipping[0]) if rule.include_shipping else ZERO
        if base + ship <= 0 or base + ship < rule.min_order_total:
            continue
        rule_points = ZERO
        for line, price in zip(lines, prices, strict=True):
            share = price + (ship * price / base if base else ZERO)
            factor = book.multiplier(rule, line.product_id, paths.get(line.product_id, []))
            points = max(share, ZERO) * rule.points_per_unit * factor * boost * tier_multiplier
            total[line.key] += points
            rule_points += points
        earning.rules.append(
            {
                "id": rule.pk,
                "name": rule.name,
                "rate": str(rule.points_per_unit),
                "base": str(base + ship),
                "points": str(rule_points),
                **(
                    {"event": event.pk, "event_name": event.name, "boost": str(boost)}
                    if event
                    else {}
                ),
                **({"tier_multiplier": str(tier_multiplier)} if tier_multiplier != 1 else {}),
            }
        )
    earning.line_points = {key: value for key, value in total.items() if value > 0}
    earning.points = floor_points(sum(earning.line_points.values(), ZERO))
    return earning


def order_lines(order) -> list[EarnLine]:
    return [
        EarnLine(
            key=str(line.pk),
            product_id=line.product_id,
            quantity=line.quantity,
            price_excl_tax=line.line_price_excl_tax,
            price_incl_tax=line.line_price_incl_tax,
        )
        for line in order.lines.all()
    ]


def basket_lines(basket) -> list[EarnLine]:
    return [
        EarnLine(
            key=str(line.pk),
            product_id=line.product_id,
            quantity=line.quantity,
            price_excl_tax=line.line_price_excl_tax_incl_discounts,
            price_incl_tax=(
                line.line_price_incl_tax_incl_discounts
                if line.is_tax_known
                else line.line_price_excl_tax_incl_discounts
            ),
        )
        for line in basket.all_lines()
    ]


def shopper_multiplier(basket) -> Decimal:
    """The tier multiplier of the basket's owner (1 for guests and shops without tiers): what
    the basket page, and so the product page, count on top of the spend rules and events."""
    if basket is None:
        return NO_TIER_MULTIPLIER
    return tiers.points_multiplier(tiers.tier_for_basket(basket))


def points_for_basket(basket, book: RuleBook | None = None) -> int:
    """What the basket would earn now (shipping not yet known), for the basket page."""
    if basket.is_empty:
        return 0
    lines = basket_lines(basket)
    return calculate(
        lines, basket.currency, book or RuleBook.load(), tier_multiplier=shopper_multiplier(basket)
    ).points


def points_for_product(product, price, book: RuleBook | None = None, basket=None) -> int:
    """What one unit earns at ``price`` (an Oscar ``Price``), for the product page: the same
    figure the shopper's basket (``basket``, for its owner's tier) would show for it alone."""
    if price is None or not getattr(price, "exists", False):
        return 0
    line = EarnLine(
        key="product",
        product_id=product.pk,
        quantity=1,
        price_excl_tax=price.excl_tax,
        price_incl_tax=price.incl_tax if price.is_tax_known else price.excl_tax,
    )
    return calculate(
        [line], price.currency, book or RuleBook.load(), tier_multiplier=shopper_multiplier(basket)
    ).points


# --- awarding ----------------------------------------------------------------------------------


# Points history lines, shown again in the reader's language by :mod:`.history`.
ORDER_LINE = _("Order %(number)s")
ORDER_CANCELLED_LINE = _("Order %(number)s cancelled")
ORDER_REFUND_LINE = _("Refund on order %(number)s")


def order_earn_key(order) -> str:
    return f"order:{order.number}:earn"


def award_points_for_order(
    order,
    *,
    at: datetime | None = None,
    book: RuleBook | None = None,
    paths: dict[int, list[str]] | None = None,
    program: ProgramSettings | None = None,
    tier_multiplier: Decimal | None = None,
) -> LedgerEntry | None:
    """Credit what a placed order earns under the rules of the day it was placed, pending for
    the return window. Idempotent per order; guest orders and orders that earn nothing post
    nothing. ``book``, ``paths`` and ``program`` let batch callers load them once; the
    customer's tier multiplier is looked up unless ``tier_multiplier`` is given."""
    program = program or ProgramSettings.load()
    if not program.is_enabled or order.user_id is None:
        return None
    at = at or timezone.now()
    earning = calculate(
        order_lines(order),
        order.currency,
        book or RuleBook.load(),
        shipping=(order.shipping_excl_tax, order.shipping_incl_tax),
        paths=paths,
        at=order.date_placed,
        tier_multiplier=(
            tier_multiplier
            if tier_multiplier is not None
            else tiers.points_multiplier(tiers.tier_for_user(order.user))
        ),
    )
    if earning.points <= 0:
        return None
    pending_until, expires_at = _return_window(order, program)
    return ledger.earn(
        ledger.account_for_user(order.user),
        earning.points,
        key=order_earn_key(order),
        description=ORDER_LINE % {"number": order.number},
        pending_until=pending_until,
        expires_at=expires_at,
        order_number=order.number,
        detail=earning.as_detail(),
        at=at,
    )


def _return_window(order, program: ProgramSettings) -> tuple[datetime, datetime | None]:
    pending_until = order.date_placed + timedelta(days=program.return_window_days)
    expires_at = (
        pending_until + timedelta(days=program.lot_expiry_days) if program.lot_expiry_days else None
    )
    return pending_until, expires_at


def award_first_order_bonus(order) -> list[LedgerEntry]:
    """First-order rules pay once per customer, pending like the order's own points and
    reversed with them if the order is cancelled."""
    if order.user_id is None:
        return []
    earlier = (
        type(order)
        .objects.filter(user_id=order.user_id, date_placed__lt=order.date_placed)
        .exclude(status__in=conf.get("REVERSE_STATUSES"))
    )
    if earlier.exists():
        return []
    pending_until, _expires = _return_window(order, ProgramSettings.load())
    return actions.award_action(
        ledger.account_for_user(order.user),
        FirstOrderRule,
        reference="first-order",
        pending_until=pending_until,
        order_number=order.number,
    )


def confirm_points_for_order(order) -> int:
    """Make an order's pending points spendable now (it reached a confirming status)."""
    confirmed = 0
    for credit in ledger.earned_by_order(order.number):
        lot = getattr(credit, "lot", None)
        if lot is not None and ledger.confirm_lot(lot):
            confirmed += 1
    return confirmed


def reverse_points_for_order(order, *, key_suffix: str) -> list[LedgerEntry]:
    """Take back everything the order earned (cancellation or full refund). Idempotent."""
    entries = []
    for credit in ledger.earned_by_order(order.number):
        entry = ledger.reverse(
            credit,
            key=f"{credit.idempotency_key}:reverse:{key_suffix}",
            description=ORDER_CANCELLED_LINE % {"number": order.number},
        )
        if entry:
            entries.append(entry)
    return entries


def reverse_points_for_refunded_lines(
    order, refunded: dict[str, Decimal], *, key: str
) -> LedgerEntry | None:
    """Reverse the share of the refunded lines at the rate stored at earn time.

    ``refunded`` maps order line ids to the fraction of the line refunded so far (cumulative,
    0..1). The reversal brings the total reversed for refunds up to ``floor`` of the refunded
    points, and to everything once every line is fully refunded, so per-line rounding never
    leaves points behind or takes too many.
    """
    credit = LedgerEntry.objects.filter(idempotency_key=order_earn_key(order)).first()
    if credit is None:
        return None
    stored = {key_: Decimal(value) for key_, value in credit.detail.get("lines", {}).items()}
    refunded_points = sum(
        (
            stored[line] * min(fraction, Decimal(1))
            for line, fraction in refunded.items()
            if line in stored
        ),
        ZERO,
    )
    everything = all(refunded.get(line, ZERO) >= 1 for line in stored)
    target = credit.points if everything else floor_points(refunded_points)
    owed = min(target, credit.points) - ledger.reversed_so_far(credit)
    if owed <= 0:
        return None
    return ledger.reverse(
        credit,
        owed,
        key=key,
        description=ORDER_REFUND_LINE % {"number": order.number},
    )


def refunded_line_fractions(order, refund_codes: Sequence[str]) -> dict[str, Decimal]:
    """How much of each order line has been refunded so far (0..1), from Oscar payment events.

    Events with line quantities refund those lines; events with only an amount refund every
    line pro rata of the order total.
    """
    quantities = {line.pk: line.quantity for line in order.lines.all()}
    fractions = {str(pk): ZERO for pk in quantities}
    amount_only = ZERO
    events = order.payment_events.filter(event_type__code__in=refund_codes).prefetch_related(
        "line_quantities"
    )
    for event in events:
        refunded = list(event.line_quantities.all())
        for refund in refunded:
            if quantities.get(refund.line_id):
                fractions[str(refund.line_id)] += (
                    Decimal(refund.quantity) / quantities[refund.line_id]
                )
        if not refunded:
            amount_only += event.amount
    if amount_only > 0 and order.total_incl_tax > 0:
        share = amount_only / order.total_incl_tax
        fractions = {key: value + share for key, value in fractions.items()}
    return fractions


def refunded_share(order, fractions: dict[str, Decimal]) -> Decimal:
    """The refunded share of the order's merchandise value (0..1), from line fractions."""
    values = {str(line.pk): line.line_price_before_discounts_incl_tax for line in order.lines.all()}
    total = sum(values.values(), ZERO)
    if total <= 0:
        return ZERO
    refunded = sum(
        (values[key] * min(f, Decimal(1)) for key, f in fractions.items() if key in values), ZERO
    )
    return refunded / total
