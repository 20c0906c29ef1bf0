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

from . import caching, ledger
from .models import LedgerEntry, PointsAccount, PointsHold, ProgramSettings, RedemptionSettings

ConditionalOffer = get_model("offer", "ConditionalOffer")

CENT = Decimal("0.01")


POINTS_BENEFIT = "oscar_loyalty.offers.benefits.PointsDiscountBenefit"


def points_offer_id() -> int | None:
    """The id of the "pay with points" site offer (created by our migrations), cached."""
    found = caching.cached(
        "points_offer",
        lambda: (
            ConditionalOffer.objects.filter(benefit__proxy_class=POINTS_BENEFIT)
            .values_list("pk", flat=True)
            .first()
            or 0
        ),
    )
    return found or None


def ensure_points_offer():
    """The "Pay with your points" site offer, created if missing (our migration creates it;
    this puts it back after a database flush or an accidental delete). Idempotent."""
    Benefit = get_model("offer", "Benefit")
    Condition = get_model("offer", "Condition")
    offer = ConditionalOffer.objects.filter(benefit__proxy_class=POINTS_BENEFIT).first()
    if offer is None:
        offer = ConditionalOffer.objects.create(
            name="Pay with your points",
            slug="pay-with-your-points",
            description="Loyalty points applied on the basket page pay for part of the order.",
            offer_type=ConditionalOffer.SITE,
            exclusive=False,
            priority=-1000,
            condition=Condition.objects.create(
                proxy_class="oscar_loyalty.offers.conditions.PointsAppliedCondition"
            ),
            benefit=Benefit.objects.create(proxy_class=POINTS_BENEFIT),
        )
        caching.forget("points_offer")
    return offer


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


def why_not_combined(basket, rules: RedemptionSettings, own_offer_id: int | None) -> str:
    """Why points cannot pay for this basket now, or '' when they can.

    Reads the offers that discounted the lines, which works both while Oscar's Applicator is
    still applying offers (it publishes ``basket.offer_applications`` only at the end) and after.
    """
    others = {
        offer.pk: offer
        for line in basket.all_lines()
        for offer in line.discounts.consumers
        if offer.pk != own_offer_id
    }.values()
    if not rules.combine_with_vouchers and any(
        offer.offer_type == ConditionalOffer.VOUCHER for offer in others
    ):
        return str(_("Points can't be combined with a voucher. Remove the voucher to use points."))
    if not rules.combine_with_offers and others:
        return str(_("Points can't be combined with the other discounts on this basket."))
    return ""


def payable_cap(basket, rules: RedemptionSettings, points_discount: Decimal) -> Decimal:
    """Most money points may pay: the configured share of the basket left after other
    discounts. ``points_discount`` is the points discount already applied, added back."""
    left = sum((price for _line, price in payable_lines(basket)), Decimal(0)) + points_discount
    return (left * rules.max_order_share / 100).quantize(CENT, rounding=ROUND_DOWN)


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


def allowance(basket, account: PointsAccount | None) -> Allowance:
    """How many points this shopper can apply to this basket right now."""
    offer_id = points_offer_id()
    rules = redemption_settings(basket.currency) if basket is not None else None
    if rules is None or account is None or basket.is_empty:
        return Allowance(rules=rules)
    hold = active_hold(basket)
    held = hold.points if hold else 0
    applied = _points_discount(basket, offer_id)
    result = Allowance(rules=rules, balance=account.available + held, held=held)
    result.used = min(points_for(applied, rules), held) if applied else 0
    result.reason = why_not_combined(basket, rules, offer_id)
    if result.reason:
        return result
    by_value = points_for(payable_cap(basket, rules, applied), rules)
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


def apply_points(basket, account: PointsAccount, points: int, *, key: str) -> PointsHold:
    """Hold ``points`` for the basket after checking them against the allowance."""
    allowed = allowance(basket, account)
    if allowed.rules is None:
        raise RedemptionError(_("Points can't be used for this basket."))
    if allowed.reason:
        raise RedemptionError(allowed.reason)
    if points < allowed.min_points:
        raise RedemptionError(_("Use at least %(min)s points.") % {"min": allowed.min_points})
    if points % allowed.rules.step:
        raise RedemptionError(_("Use points in steps of %(step)s.") % {"step": allowed.rules.step})
    if points > allowed.balance:
        raise RedemptionError(
            _("You have %(balance)s points to spend.") % {"balance": allowed.balance}
        )
    if points > allowed.max_points:
        raise RedemptionError(
            _("At most %(max)s points can be used on this basket.") % {"max": allowed.max_points}
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
        description=str(_("Points returned for order %(number)s") % {"number": order.number}),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
