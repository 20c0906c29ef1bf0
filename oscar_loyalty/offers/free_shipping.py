"""A tier's free shipping, which never stacks on another shipping discount.

Oscar discounts a basket's shipping with its first shipping offer only, yet ``OrderCreator``
records every shipping offer that applied, each with that same discount: a VIP's free shipping
next to the shop's own "free shipping over £50" would show the order's shipping twice and
discounted twice. So the tier's offer runs just after the shop's own offers and vouchers
(:data:`PRIORITY`) and stands aside when one of them already discounts the shipping. It finds
them through the basket lines their conditions consumed (:func:`another_shipping_offer_applied`),
as Oscar publishes ``basket.offer_applications`` only once every offer has applied; this
package's customer and tier conditions consume no items, so they note their offers instead
(:func:`note_applied`). Points paying for shipping stand aside the same way.

Free-shipping reward vouchers keep Oscar's benefit: Oscar uses up every voucher in the basket
when the order is placed, so a voucher must never stand aside.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import chain

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class

ShippingBenefit = get_class("offer.benefits", "ShippingBenefit")
ShippingPercentageDiscountBenefit = get_class("offer.benefits", "ShippingPercentageDiscountBenefit")
ZERO_DISCOUNT = get_class("offer.results", "ZERO_DISCOUNT")

PATH = "oscar_loyalty.offers.free_shipping.FreeShippingBenefit"
PRIORITY = -1  # after the shop's offers (0 unless set), before points (-1000)


def _noted(basket) -> dict:
    """{offer id: offer} noted by :func:`note_applied`. Kept on the basket's cached lines,
    which Oscar drops whenever it resets the offers, so the notes go with the lines'
    consumption."""
    return vars(basket.all_lines()).setdefault("_loyalty_applied_offers", {})


def note_applied(offer, basket) -> None:
    """Record that ``offer`` applied to the basket though its condition consumed no line (a
    customer's tier, say): a free-shipping offer on such a condition is otherwise invisible
    to :func:`another_shipping_offer_applied`, and the order would record shipping twice."""
    _noted(basket)[offer.pk] = offer


def another_shipping_offer_applied(basket, excluding: Collection[int] = ()) -> bool:
    """Whether a shipping offer other than those in ``excluding`` (offer ids) applied to the
    basket so far: read from the offers that consumed its lines or were noted, which works
    while Oscar's Applicator is still applying offers."""
    consumers = (offer for line in basket.all_lines() for offer in line.discounts.consumers)
    return any(
        offer.pk not in excluding and isinstance(offer.benefit.proxy(), ShippingBenefit)
        for offer in chain(consumers, _noted(basket).values())
    )


class FreeShippingBenefit(ShippingPercentageDiscountBenefit):
    """Oscar's shipping percentage discount, unless the basket's shipping is already
    discounted by an offer applied before it."""

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Shipping discount (unless shipping is already discounted)")
        verbose_name_plural = _("Shipping discounts (unless shipping is already discounted)")

    def apply(self, basket, condition, offer, **kwargs):
        if another_shipping_offer_applied(basket, excluding={offer.pk}):
            return ZERO_DISCOUNT
        return super().apply(basket, condition, offer, **kwargs)
