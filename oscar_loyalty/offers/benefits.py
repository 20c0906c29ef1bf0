import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

from oscar_loyalty import ledger, redemption
from oscar_loyalty.utils import format_points

Benefit = get_model("offer", "Benefit")
BasketDiscount = get_class("offer.results", "BasketDiscount")
ZERO_DISCOUNT = get_class("offer.results", "ZERO_DISCOUNT")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

logger = logging.getLogger(__name__)


class PointsDiscountBenefit(Benefit):
    """Turns the basket's points hold into a discount on what is left after other offers.

    Points act as tender: the offer runs last (lowest priority, not exclusive), so merchant
    offers, exclusive or not, have taken their share first; the discount is spread over every
    unit of the payable lines (Oscar splits a line discount over its affected units when it
    records line prices), and the result is final so Oscar applies it once. At order placement,
    :meth:`apply_deferred` captures the points the discount used.
    """

    @property
    def name(self) -> str:
        return str(_("Paid with loyalty points"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Loyalty points discount")

    def apply(self, basket, condition, offer, **kwargs):
        hold = redemption.active_hold(basket)
        rules = redemption.redemption_settings(basket.currency)
        if hold is None or rules is None or redemption.why_not_combined(basket, rules):
            return ZERO_DISCOUNT
        rows = redemption.payable_lines(basket)
        cap = redemption.payable_cap(basket, rules, points_discount=0)
        amount = min(redemption.value_of(hold.points, rules), cap)
        if amount <= 0:
            return ZERO_DISCOUNT
        total = sum(price for _line, price in rows)
        incl = settings.OSCAR_OFFERS_INCL_TAX
        applied = 0
        for index, (line, price) in enumerate(rows):
            if index == len(rows) - 1:
                share = amount - applied
            else:
                share = self.round(price / total * amount, basket.currency)
            line.discount(share, line.quantity, incl_tax=incl, offer=offer)
            applied += share
        result = BasketDiscount(amount)
        result.is_final = True
        return result

    def apply_deferred(self, basket, order, application):
        """Capture the points, inside Oscar's order transaction (see :func:`capture_points`)."""
        captured = capture_points(basket, order)
        if not captured.lines:
            return None
        return gettext("%(points)s points redeemed") % {"points": format_points(captured.lines)}


@dataclass(frozen=True)
class CapturedPoints:
    """Points an order spent, split between its items and its shipping."""

    lines: int = 0
    shipping: int = 0


def capture_points(basket, order) -> CapturedPoints:
    """Capture the points the basket's points discounts used, once per order, for the items and
    the shipping together (the hold is captured once; whichever of the two offers asks first
    captures, the other gets the same answer). Never gives an unpaid discount: if the points are
    no longer held, the order is not placed."""
    done = getattr(basket, "_loyalty_captured", None)
    if done is not None and done[0] == order.number:
        return done[1]
    on_lines = on_shipping = Decimal(0)
    for application in basket.offer_applications:
        offer_id = application["offer"].pk
        if offer_id == redemption.points_offer_id():
            on_lines = application["discount"]
        elif offer_id == redemption.shipping_offer_id():
            tender = getattr(application["offer"].benefit, "tender", None)
            on_shipping = tender.settle(order) if tender is not None else Decimal(0)
    if not on_lines and not on_shipping:
        captured = CapturedPoints()
    else:
        captured = _capture(basket, order, on_lines, on_shipping)
    basket._loyalty_captured = (order.number, captured)
    return captured


def _capture(basket, order, on_lines: Decimal, on_shipping: Decimal) -> CapturedPoints:
    hold = redemption.active_hold(basket)
    rules = redemption.redemption_settings(basket.currency)
    if hold is None or rules is None:
        raise UnableToPlaceOrder(
            gettext("Your points were released from this basket. Please apply them again.")
        )
    points = min(redemption.points_for(on_lines + on_shipping, rules), hold.points)
    try:
        entry = ledger.capture_hold(hold, points, order_number=order.number)
    except ledger.LedgerError as error:
        raise UnableToPlaceOrder(
            gettext("These points have already been used for another order.")
        ) from error
    if entry.order_number != order.number:
        raise UnableToPlaceOrder(gettext("These points have already been used for another order."))
    for_lines = min(redemption.points_for(on_lines, rules), points)
    return CapturedPoints(lines=for_lines, shipping=points - for_lines)
