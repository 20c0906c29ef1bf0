"""A percentage discount whose line discounts add up to the discount the shopper is shown.

Oscar's ``PercentageDiscountBenefit`` records each line's exact, unrounded share (10 % of £0.85
is £0.085) and rounds only the total. Each line's price after discount is later rounded on its
own (half up), so two lines of £0.85 and £2.95 show £0.38 off but cost £0.77 + £2.66 = £3.43,
a penny more than £3.80 − £0.38, and the order's discounts excl. and incl. tax drift apart.

:class:`RoundedPercentageBenefit` works out the same exact shares and the same rounded total
(``Benefit.round``, so ``OSCAR_OFFER_ROUNDING_FUNCTION`` applies), then gives each line a whole
number of minor units by largest remainder: the line discounts sum to the total exactly, and
the basket and the order add up. Every percentage discount this package creates uses it.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

PercentageDiscountBenefit = get_class("offer.benefits", "PercentageDiscountBenefit")
BasketDiscount = get_class("offer.results", "BasketDiscount")
apply_discount = get_class("offer.benefits", "apply_discount")
Benefit = get_model("offer", "Benefit")

PATH = "oscar_loyalty.offers.percentage.RoundedPercentageBenefit"
HUNDRED = Decimal("100")


def allocate(total: Decimal, exact: list[Decimal]) -> list[Decimal]:
    """Split ``total`` (already rounded) in proportion to ``exact``, in whole steps of its last
    digit, by largest remainder: each share is its exact amount rounded down, and the steps
    left over go to the largest remainders (the earlier line on a tie)."""
    step = Decimal(1).scaleb(min(total.as_tuple().exponent, 0))
    whole = sum(exact, Decimal(0))
    if not whole:
        return [Decimal(0) * step for _amount in exact]
    targets = [amount * total / whole for amount in exact]
    shares = [target.quantize(step, ROUND_DOWN) for target in targets]
    left = int((total - sum(shares, Decimal(0))) / step)
    by_remainder = sorted(range(len(exact)), key=lambda i: shares[i] - targets[i])
    for index in by_remainder[:left]:
        shares[index] += step
    return shares


class RoundedPercentageBenefit(PercentageDiscountBenefit):
    """Oscar's percentage discount, with line discounts in whole minor units (see the module
    docstring). Same fields, limits and name as Oscar's; only the rounding differs."""

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Percentage discount (rounded per line)")
        verbose_name_plural = _("Percentage discounts (rounded per line)")

    def apply(
        self, basket, condition, offer, discount_percent=None, max_total_discount=None, **kwargs
    ):
        percent = min(self.value if discount_percent is None else discount_percent, HUNDRED)
        available = max_total_discount
        max_items = self._effective_max_affected_items()
        affected = 0
        shares = []
        # The same walk over the lines as Oscar's, collecting exact shares instead of applying.
        for price, line in self.get_applicable_lines(offer, basket):
            affected += line.quantity_with_offer_discount(offer)
            if affected >= max_items or available == 0:
                break
            quantity = min(line.quantity_without_offer_discount(offer), max_items - affected)
            if quantity <= 0:
                break
            exact = percent / HUNDRED * price * int(quantity)
            if available is not None:
                exact = min(exact, available)
                available -= exact
            shares.append((line, quantity, exact))
            affected += quantity
        total = self.round(sum((exact for _l, _q, exact in shares), Decimal(0)), basket.currency)
        amounts = allocate(total, [exact for _l, _q, exact in shares])
        for (line, quantity, _exact), amount in zip(shares, amounts, strict=True):
            apply_discount(line, amount, quantity, offer)
        return BasketDiscount(total)


def percentage_benefit(value: Decimal, product_range, **fields) -> Benefit:
    """A new benefit row of ``value`` % off ``product_range`` that rounds per line. Its type
    stays Oscar's percentage, so Oscar's validation and the dashboard's type column still
    describe it; the proxy class decides how it applies."""
    return Benefit.objects.create(
        type=Benefit.PERCENTAGE, value=value, range=product_range, proxy_class=PATH, **fields
    )
