"""Paying with points at checkout: how many points a basket can take, and applying them.

The flow (see ``offers``): the shopper applies points -> :func:`apply_points` puts them on hold
for the basket -> the "pay with points" site offer turns the hold into a discount on what is left
of the basket after other offers -> at order placement the offer captures the points the
discount used, inside Oscar's order transaction, and gives back the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_loyalty.utils import format_points

from . import caching, ledger
from .models import LedgerEntry, PointsAccount, PointsHold, ProgramSettings, RedemptionSettings

ConditionalOffer = get_model("offer", "ConditionalOffer")

CENT = Decimal("0.01")
# The points history line, shown again in the reader's language by :mod:`.history`.
POINTS_RETURNED_LINE = _("Points returned for order %(number)s")


POINTS_BENEFIT = "oscar_loyalty.offers.benefits.PointsDiscountBenefit"
SHIPPING_BENEFIT = "oscar_loyalty.offers.shipping.PointsShippingBenefit"

# The two site offers our migrations create, by benefit. Points pay for the items first, then
# (when the settings allow it) for shipping: the shipping offer runs one priority lower.
POINTS_OFFERS = {
    POINTS_BENEFIT: {
        "name": "Pay with your points",
        "slug": "pay-with-your-points",
        "description": "Loyalty points applied on the basket page pay for part of the order.",
        "priority": -1000,
    },
    SHIPPING_BENEFIT: {
        "name": "Pay shipping with your points",
        "slug": "pay-shipping-with-your-points",
        "description": "Loyalty points the items did not use pay for shipping, where the "
        "points redemption settings allow it.",
        "priority": -1001,
    },
}


def _points_offer_ids() -> dict[str, int]:
    """{benefit class path: offer id} of our site offers, cached (the first one of each)."""
    return caching.cached(
        "points_offers",
        lambda: dict(
            ConditionalOffer.objects.filter(benefit__proxy_class__in=list(POINTS_OFFERS))
            .order_by("-pk")
            .values_list("benefit__proxy_class", "pk")
        ),
    )


def points_offer_id() -> int | None:
    """The id of the "Pay with your points" site offer (created by our migrations)."""
    return _points_offer_ids().get(POINTS_BENEFIT)


def shipping_offer_id() -> int | None:
    """The id of the "Pay shipping with your points" site offer (created by our migrations)."""
    return _points_offer_ids().get(SHIPPING_BENEFIT)


def ensure_points_offer():
    """The "Pay with your points" site offer, created if missing, with its shipping companion
    (our migrations create both; this puts them back after a database flush or an accidental
    delete). Idempotent."""
    Benefit = get_model("offer", "Benefit")
    Condition = get_model("offer", "Condition")
    offers = {}
    for benefit, fields in POINTS_OFFERS.items():
        offers[benefit] = ConditionalOffer.objects.filter(benefit__proxy_class=benefit).first()
        if offers[benefit] is None:
            offers[benefit] = ConditionalOffer.objects.create(
                **fields,
                offer_type=ConditionalOffer.SITE,
                exclusive=False,
                condition=Condition.objects.create(
                    proxy_class="oscar_loyalty.offers.conditions.PointsAppliedCondition"
                ),
                benefit=Benefit.objects.create(proxy_class=benefit),
            )
    caching.forget("points_offers")
    return offers[POINTS_BENEFIT]


def redemption_settings(currency: str) -> RedemptionSettings | None:
    """The enabled settings for ``currency`` (cached), or None where points cannot pay."""
    every = caching.cached(
        "redemption", lambda: {row.currency: row for row in RedemptionSettings.objects.all()}
    )
    found = every.get(currency)
    return found if found is not None and found.is_enabled else None


def value_of(points: int, rules: RedemptionSettings) -> Decimal:
    return (Decimal(points) / rules.points_per_unit).quantize(CENT, rounding=ROUND_DOWN)


def points_for(amount: Decimal, rules: RedemptionSettings) -> int:
    """Points that pay ``amount`` (rounded up: a discount is never worth more than its points)."""
    return int((amount * rules.points_per_unit).to_integral_value(rounding=ROUND_CEILING))


def active_hold(basket) -> PointsHold | None:
    """The basket's active hold, looked up once per basket object."""
    if basket is None or not basket.id:
        return None
    if not hasattr(basket, "_loyalty_hold"):
        basket._loyalty_hold = (
            PointsHold.objects.filter(basket_id=basket.id, status=PointsHold.ACTIVE)
            .select_related("account")
            .first()
        )
    return basket._loyalty_hold


def payable_lines(basket) -> list[tuple[object, Decimal]]:
    """(line, price still to pay after other offers) for lines points may pay for."""
    incl = settings.OSCAR_OFFERS_INCL_TAX
    rows = []
    for line in basket.all_lines():
        if not line.stockrecord_id or not line.product.is_discountable:
            continue
        left = (
            line.line_price_incl_tax_incl_discounts
            if incl
            else line.line_price_excl_tax_incl_discounts
        )
        if left and left > 0:
            rows.append((line, left))
    return rows


def points_on_lines(basket) -> Decimal:
    """The "Pay with your points" discount on the basket's lines, read from Oscar's line
    discounts (so it is right while the Applicator is still applying offers)."""
    offer_id = points_offer_id()
    return sum(
        (
            discount.amount
            for line in basket.all_lines()
            for discount in line.discounts
            if discount.offer is not None and discount.offer.pk == offer_id
        ),
        Decimal(0),
    )


def _other_offers(basket) -> list:
    """Offers other than ours that discounted or consumed the basket's lines."""
    ours = set(_points_offer_ids().values())
    return list(
        {
            offer.pk: offer
            for line in basket.all_lines()
            for offer in line.discounts.consumers
            if offer.pk not in ours
        }.values()
    )


def why_not_combined(basket, rules: RedemptionSettings) -> str:
    """Why points cannot pay for this basket now, or '' when they can.

    Reads the offers that discounted the lines, which works both while Oscar's Applicator is
    still applying offers (it publishes ``basket.offer_applications`` only at the end) and after.
    """
    others = _other_offers(basket)
    if not rules.combine_with_vouchers and any(
        offer.offer_type == ConditionalOffer.VOUCHER for offer in others
    ):
        return str(_("Points can't be combined with a voucher. Remove the voucher to use points."))
    if not rules.combine_with_offers and others:
        return str(_("Points can't be combined with the other discounts on this basket."))
    return ""


def shipping_taken_by_another_offer(basket) -> bool:
    """Whether another shipping offer (a free-shipping reward, say) applied to the basket:
    Oscar discounts shipping with the first such offer only, so points cannot pay for it."""
    from .offers.free_shipping import another_shipping_offer_applied  # loads Oscar's benefits

    return another_shipping_offer_applied(basket, excluding=set(_points_offer_ids().values()))


def shipping_for_points(basket, method) -> tuple[Decimal, Decimal]:
    """(the shipping charge points may pay, the points discount on it now) for the shipping
    method the shopper sees. (0, 0) when another offer discounts the shipping."""
    if method is None:
        return Decimal(0), Decimal(0)
    offer = getattr(method, "offer", None)  # Oscar's shipping offer wrapper
    if offer is not None:
        if offer.pk != shipping_offer_id():
            return Decimal(0), Decimal(0)
        charge = method.calculate_excl_discount(basket)
        discount = method.discount(basket)
    else:
        charge, discount = method.calculate(basket), Decimal(0)
    # Oscar discounts shipping inclusive of tax when the tax is known (Repository).
    return (charge.incl_tax if charge.is_tax_known else charge.excl_tax), discount


def payable_cap(
    basket, rules: RedemptionSettings, points_discount: Decimal, shipping: Decimal = Decimal(0)
) -> Decimal:
    """Most money points may pay: the configured share of the basket left after other
    discounts (and of ``shipping``, the charge points may pay). ``points_discount`` is the
    points discount already applied to the lines, added back."""
    left = sum((price for _line, price in payable_lines(basket)), Decimal(0)) + points_discount
    return ((left + shipping) * rules.max_order_share / 100).quantize(CENT, rounding=ROUND_DOWN)


@dataclass
class Allowance:
    """What the shopper may apply to this basket, for the form and for validation."""

    rules: RedemptionSettings | None
    balance: int = 0
    held: int = 0
    used: int = 0
    max_points: int = 0
    reason: str = ""

    @property
    def min_points(self) -> int:
        return max(self.rules.min_points, self.rules.step) if self.rules else 0

    @property
    def clamped(self) -> bool:
        return 0 < self.used < self.held or (self.held and not self.used)


def allowance(basket, account: PointsAccount | None, shipping_method=None) -> Allowance:
    """How many points this shopper can apply to this basket right now. With
    ``shipping_method`` (the one the shopper sees) and the settings allowing it, the points
    may pay for shipping too."""
    offer_id = points_offer_id()
    rules = redemption_settings(basket.currency) if basket is not None else None
    if rules is None or account is None or basket.is_empty:
        return Allowance(rules=rules)
    hold = active_hold(basket)
    held = hold.points if hold else 0
    applied = _points_discount(basket, offer_id)
    shipping, on_shipping = Decimal(0), Decimal(0)
    if rules.pay_shipping:
        shipping, on_shipping = shipping_for_points(basket, shipping_method)
    result = Allowance(rules=rules, balance=account.available + held, held=held)
    if applied or on_shipping:
        result.used = min(points_for(applied + on_shipping, rules), held)
    result.reason = why_not_combined(basket, rules)
    if result.reason:
        return result
    by_value = points_for(payable_cap(basket, rules, applied, shipping), rules)
    most = min(result.balance, by_value)
    result.max_points = most - most % rules.step
    if result.max_points < result.min_points:
        result.max_points = 0
    return result


def _points_discount(basket, offer_id: int | None) -> Decimal:
    for application in basket.offer_applications.offer_discounts:
        if application["offer"].id == offer_id:
            return application["discount"]
    return Decimal(0)


class RedemptionError(Exception):
    """A message for the shopper."""


def apply_points(
    basket, account: PointsAccount, points: int, *, key: str, shipping_method=None
) -> PointsHold:
    """Hold ``points`` for the basket after checking them against the allowance."""
    allowed = allowance(basket, account, shipping_method)
    if allowed.rules is None:
        raise RedemptionError(_("Points can't be used for this basket."))
    if allowed.reason:
        raise RedemptionError(allowed.reason)
    if points < allowed.min_points:
        raise RedemptionError(
            _("Use at least %(min)s points.") % {"min": format_points(allowed.min_points)}
        )
    if points % allowed.rules.step:
        raise RedemptionError(
            _("Use points in steps of %(step)s.") % {"step": format_points(allowed.rules.step)}
        )
    if points > allowed.balance:
        raise RedemptionError(
            _("You have %(balance)s points to spend.") % {"balance": format_points(allowed.balance)}
        )
    if points > allowed.max_points:
        raise RedemptionError(
            _("At most %(max)s points can be used on this basket.")
            % {"max": format_points(allowed.max_points)}
        )
    try:
        hold = ledger.hold(account, points, key=key, basket_id=basket.id, currency=basket.currency)
    except ledger.LedgerError as error:
        raise RedemptionError(str(error)) from error
    basket._loyalty_hold = hold
    return hold


def remove_points(basket) -> None:
    hold = active_hold(basket)
    if hold is not None:
        ledger.release_hold(hold)
    basket._loyalty_hold = None


def restore_points_for_order(order, fraction: Decimal, *, key: str):
    """Give back points an order spent: all of them when ``fraction`` >= 1 (cancelled or fully
    refunded), else that share, as new lots. Restores never add up to more than was spent."""
    spent = PointsHold.objects.filter(order_number=order.number, status=PointsHold.CAPTURED)
    captured = spent.aggregate(total=Sum("captured_points"))["total"] or 0
    if not captured:
        return None
    restored = (
        LedgerEntry.objects.filter(order_number=order.number, kind=LedgerEntry.RESTORE).aggregate(
            total=Sum("available_delta")
        )["total"]
        or 0
    )
    target = captured if fraction >= 1 else int(captured * fraction)
    owed = target - restored
    if owed <= 0:
        return None
    days = ProgramSettings.load().lot_expiry_days
    return ledger.restore(
        spent.first().account,
        owed,
        key=key,
        order_number=order.number,
        description=POINTS_RETURNED_LINE % {"number": order.number},
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
