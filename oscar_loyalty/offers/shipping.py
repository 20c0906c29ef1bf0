"""Points paying for shipping: the "Pay shipping with your points" site offer.

Oscar gives a shipping benefit only the charge (``shipping_discount(charge, currency)``), never
the basket, and only the first shipping offer a basket qualifies for discounts its shipping. So
this offer runs after "Pay with your points" (one priority lower) and works in two steps:

1. ``apply`` (which gets the basket) works out what the held points the basket's items did not
   use may still pay, as a :class:`ShippingTender`, and pins this benefit instance on the offer,
   so that Oscar's later calls on the same offer object (``shipping_discount`` from the shipping
   method wrapper, ``apply_deferred`` from ``OrderCreator``) reach it with that state;
2. ``shipping_discount`` turns the tender into a discount on whichever shipping charge Oscar
   quotes, remembering each quote, and the order's capture settles on the quote the order was
   priced with.

It never applies when the redemption settings keep shipping out, or when another shipping offer
(a free-shipping reward, say) already took the basket's shipping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class

from oscar_loyalty import redemption
from oscar_loyalty.utils import format_points

from .benefits import capture_points

ShippingBenefit = get_class("offer.benefits", "ShippingBenefit")
ShippingDiscount = get_class("offer.results", "ShippingDiscount")
ZERO_DISCOUNT = get_class("offer.results", "ZERO_DISCOUNT")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

ZERO = Decimal("0.00")


@dataclass
class ShippingTender:
    """What held points may pay of a shipping charge, once the basket's items had theirs.

    ``budget``: value of the held points the items did not use; ``lines``: what the items cost
    after other offers, before points; ``on_lines``: the points discount on the items; ``share``:
    the most of the order (items and shipping) points may pay, in per cent.
    """

    budget: Decimal
    lines: Decimal
    on_lines: Decimal
    share: int
    quotes: dict[Decimal, Decimal] = field(default_factory=dict)
    settled: Decimal | None = None

    def discount(self, charge: Decimal) -> Decimal:
        """The points discount on ``charge``. Once the order has captured its points, the
        discount Oscar records must be the one they paid: any other means the order changed
        under it, and it is not placed."""
        cap = ((self.lines + charge) * self.share / 100).quantize(
            redemption.CENT, rounding=ROUND_DOWN
        )
        amount = max(ZERO, min(charge, self.budget, cap - self.on_lines))
        if self.settled is not None:
            if amount != self.settled:
                raise UnableToPlaceOrder(
                    gettext("The shipping charge changed. Please check your order and try again.")
                )
            return amount
        self.quotes.pop(charge, None)
        self.quotes[charge] = amount  # latest last
        return amount

    def settle(self, order) -> Decimal:
        """The discount on the charge ``order`` was priced with (the latest quote that leaves
        what the order charges for shipping), fixed from now on; 0 if none does.

        Oscar's checkout views, its API and ``create_order`` all quote the order's shipping
        method last before placing it; if the recorded discount then differs anyway,
        :meth:`discount` stops the order. A free method is never wrapped by Oscar, so it is
        never quoted: placing with one right after another method was quoted in full, on the
        same basket object, is the one sequence this cannot tell apart (no Oscar flow does it).
        """
        charged = {order.shipping_incl_tax, order.shipping_excl_tax}
        for charge, amount in reversed(self.quotes.items()):
            if amount and charge - amount in charged:
                self.settled = amount
                return amount
        self.settled = ZERO
        return ZERO


class PointsShippingBenefit(ShippingBenefit):
    """Turns the held points the basket's items did not use into a shipping discount, within
    the share of the order points may pay. Captured with the items' points, once."""

    @property
    def name(self) -> str:
        return str(_("Shipping paid with loyalty points"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Loyalty points shipping discount")

    def apply(self, basket, condition, offer, **kwargs):
        hold = redemption.active_hold(basket)
        rules = redemption.redemption_settings(basket.currency)
        if (
            hold is None
            or rules is None
            or not rules.pay_shipping
            or redemption.why_not_combined(basket, rules)
            or redemption.shipping_taken_by_another_offer(basket)
        ):
            return ZERO_DISCOUNT
        on_lines = redemption.points_on_lines(basket)
        budget = redemption.value_of(hold.points, rules) - on_lines
        if budget <= 0:
            return ZERO_DISCOUNT
        left = sum((price for _line, price in redemption.payable_lines(basket)), ZERO)
        self.tender = ShippingTender(
            budget=budget, lines=left + on_lines, on_lines=on_lines, share=rules.max_order_share
        )
        # Oscar's proxy() hands back an instance of the proxy class as is: pinning this one on
        # the offer lets shipping_discount() and apply_deferred() see the tender.
        offer.benefit = self
        return ShippingDiscount()

    def shipping_discount(self, charge, currency=None) -> Decimal:
        tender = getattr(self, "tender", None)
        return tender.discount(charge) if tender is not None else ZERO

    def apply_deferred(self, basket, order, application):
        """Inside Oscar's order transaction: the points are captured once for the items and
        the shipping together (by whichever of the two offers comes first)."""
        captured = capture_points(basket, order)
        if not captured.shipping:
            return None
        return gettext("%(points)s points redeemed for shipping") % {
            "points": format_points(captured.shipping)
        }

    @staticmethod
    def tender_of(offer) -> ShippingTender | None:
        """The tender this offer's benefit worked out for the basket, if it applied."""
        return getattr(offer.benefit, "tender", None)
