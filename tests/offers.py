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


def customer_offer(name: str, kind: str, value: int | None = None, benefit=None, **fields):
    """A site offer with one of our customer conditions (default benefit: 10 % off);
    ``fields`` are set on the offer (``exclusive``, ``priority``, ``max_user_applications``)."""
    offer = create_offer(
        name=name,
        condition=customer_condition(kind, value),
        benefit=benefit or percent_off("10"),
    )
    if fields:
        for field, field_value in fields.items():
            setattr(offer, field, field_value)
        offer.save()
    return offer


def discounts_by_offer(basket) -> dict[str, Decimal]:
    """What each applied offer took off the basket, by offer name (as the basket page lists)."""
    return {item["name"]: item["discount"] for item in basket.offer_discounts}


def new_basket(owner, lines: list[tuple[str, int]]):
    """A new basket of ``owner`` (None: a guest) holding ``lines`` of (unit price, quantity)."""
    basket = Basket.objects.create(owner=owner)
    basket.strategy = Default()
    for price, quantity in lines:
        basket.add_product(create_buyable_product("Item", price), quantity)
    return basket


def guest_basket(lines: list[tuple[str, int]]):
    return new_basket(None, lines)


def spend_brackets(*brackets: tuple[str, str, str], product_range=None):
    """A spend-brackets benefit row with ``brackets`` of (threshold, kind, value)."""
    from oscar.apps.offer.custom import create_benefit

    from oscar_loyalty.models import SpendBracket
    from oscar_loyalty.offers.brackets import SpendBracketsBenefit

    benefit = create_benefit(SpendBracketsBenefit, range=product_range)
    SpendBracket.objects.bulk_create(
        SpendBracket(benefit=benefit, threshold=Decimal(t), kind=k, value=Decimal(v))
        for t, k, v in brackets
    )
    return benefit


FIVE_TEN_FIFTEEN = (
    ("100.00", "percentage", "5"),
    ("200.00", "percentage", "10"),
    ("300.00", "percentage", "15"),
)


def bracket_offer(
    name: str = "Spend more, save more", *brackets, kind="everyone", value=None, **kw
):
    """A site offer holding ``brackets`` (default 5/10/15 % from 100/200/300) for the
    customers of the customer condition ``kind``."""
    return customer_offer(
        name, kind, value, benefit=spend_brackets(*(brackets or FIVE_TEN_FIFTEEN)), **kw
    )
