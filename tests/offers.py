"""Offer building helpers for tests of our conditions and benefits (Oscar's factories inside)."""

from decimal import Decimal

from oscar.core.loading import get_model
from oscar.test.factories import create_offer

from oscar_loyalty.offers.customer_conditions import customer_condition
from tests.factories import Basket, Default, create_buyable_product

Benefit = get_model("offer", "Benefit")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")


def everything() -> Range:
    product_range, _created = Range.objects.get_or_create(
        name="Everything", defaults={"includes_all_products": True}
    )
    return product_range


def percent_off(percent: str) -> Benefit:
    """Oscar's own percentage benefit on every product."""
    return Benefit.objects.create(
        range=everything(), type=Benefit.PERCENTAGE, value=Decimal(percent)
    )


def free_shipping() -> Benefit:
    return Benefit.objects.create(type=Benefit.SHIPPING_PERCENTAGE, value=Decimal("100"))


def customer_offer(name: str, kind: str, value: int | None = None, benefit=None, **kwargs):
    """A site offer with one of our customer conditions (default benefit: 10 % off)."""
    return create_offer(
        name=name,
        condition=customer_condition(kind, value),
        benefit=benefit or percent_off("10"),
        **kwargs,
    )


def discounts_by_offer(basket) -> dict[str, Decimal]:
    """What each applied offer took off the basket, by offer name (as the basket page lists)."""
    return {item["name"]: item["discount"] for item in basket.offer_discounts}


def guest_basket(lines: list[tuple[str, int]]):
    """A basket without an owner holding ``lines`` of (unit price, quantity)."""
    basket = Basket.objects.create()
    basket.strategy = Default()
    for price, quantity in lines:
        basket.add_product(create_buyable_product("Guest item", price), quantity)
    return basket
