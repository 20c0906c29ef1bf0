"""Progressive spend brackets, applied by Oscar's own Applicator and recorded on orders."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_offer, create_order, create_voucher

from oscar_loyalty.offers.brackets import bracket_progress
from oscar_loyalty.offers.hints import basket_hints
from tests.checkout import offer_shipping, shipping_method
from tests.factories import open_basket, place_order, with_offers
from tests.offers import (
    FIVE_TEN_FIFTEEN,
    bracket_offer,
    customer_offer,
    discounts_by_offer,
    everything,
    free_shipping,
    new_basket,
    percent_off,
    spend_brackets,
)

Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return UserFactory()


def applied(user, lines):
    """A new basket of ``user`` with ``lines``, offers applied."""
    return with_offers(new_basket(user, lines), user)


@pytest.fixture
def brackets():
    return bracket_offer()


@pytest.mark.parametrize(
    "lines, discount",
    [
        ([("99.99", 1)], None),
        ([("100.00", 1)], Decimal("5.00")),
        ([("50.00", 2)], Decimal("5.00")),
        ([("199.99", 1)], Decimal("9.99")),
        ([("200.00", 1)], Decimal("20.00")),
        ([("299.99", 1)], Decimal("29.99")),
        ([("100.00", 3)], Decimal("45.00")),
        ([("1000.00", 1)], Decimal("150.00")),
    ],
)
def test_the_best_bracket_reached_applies(brackets, customer, lines, discount):
    found = discounts_by_offer(applied(customer, lines))
    assert found == ({"Spend more, save more": discount} if discount else {})


def test_the_discount_line_names_the_offer_and_the_bracket(brackets, customer):
    basket = applied(customer, [("250.00", 1)])
    (line,) = basket.offer_discounts
    assert line["name"] == "Spend more, save more"
    assert line["description"] == "10 % off from £200.00"


def test_a_percentage_is_rounded_to_the_penny_and_spread_exactly(customer):
    bracket_offer("A third off", ("0.00", "percentage", "33.33"))
    basket = applied(customer, [("10.00", 1), ("20.00", 1), ("3.33", 3)])  # 39.99

    assert discounts_by_offer(basket) == {"A third off": Decimal("13.32")}  # 13.328667 down
    assert sum(line.discount_value for line in basket.all_lines()) == Decimal("13.32")
    assert basket.total_excl_tax == Decimal("26.67")


def test_a_fixed_amount_bracket_takes_that_amount_off(customer):
    bracket_offer("Money off", ("50.00", "amount", "5.00"), ("100.00", "amount", "15.00"))
    assert discounts_by_offer(applied(customer, [("49.99", 1)])) == {}
    assert discounts_by_offer(applied(customer, [("60.00", 1)])) == {"Money off": Decimal("5.00")}
    assert discounts_by_offer(applied(customer, [("120.00", 1)])) == {"Money off": Decimal("15.00")}


def test_only_products_of_the_benefit_range_count_and_are_discounted(customer):
    basket = open_basket(customer, [("150.00", 1), ("80.00", 1)])
    cups, _others = [line.product for line in basket.all_lines()]
    cups_only = Range.objects.create(name="Cups")
    cups_only.add_product(cups)
    benefit = spend_brackets(*FIVE_TEN_FIFTEEN, product_range=cups_only)
    customer_offer("Cups brackets", "everyone", benefit=benefit)
    basket = with_offers(basket, customer)
    assert discounts_by_offer(basket) == {"Cups brackets": Decimal("7.50")}  # 5 % of 150


def test_the_order_records_the_bracket_discount_under_the_offer(brackets, customer):
    basket = applied(customer, [("120.00", 2)])
    order = create_order(basket=basket, user=customer)
    discount = order.discounts.get()
    assert (discount.offer_name, discount.amount) == ("Spend more, save more", Decimal("24.00"))
    assert order.total_excl_tax == Decimal("216.00")


def test_brackets_for_second_order_customers_only(customer):
    bracket_offer("Second order brackets", kind="exact-orders", value=1)
    assert discounts_by_offer(applied(customer, [("200.00", 1)])) == {}
    place_order(customer, [("10.00", 1)])
    assert discounts_by_offer(applied(customer, [("200.00", 1)])) == {
        "Second order brackets": Decimal("20.00")
    }


def test_per_customer_limit_applies_brackets_once(brackets, customer):
    brackets.max_user_applications = 1
    brackets.save()
    basket = applied(customer, [("200.00", 1)])
    create_order(basket=basket, user=customer)
    assert discounts_by_offer(applied(customer, [("200.00", 1)])) == {}


def test_an_exclusive_site_offer_with_higher_priority_takes_the_items_first(brackets, customer):
    create_offer(name="Flash sale", benefit=percent_off("20"), priority=10)
    assert discounts_by_offer(applied(customer, [("300.00", 1)])) == {
        "Flash sale": Decimal("60.00")
    }


def test_non_exclusive_offers_combine(brackets, customer):
    sale = create_offer(name="Flash sale", benefit=percent_off("20"), priority=10)
    ConditionalOffer.objects.filter(pk__in=[sale.pk, brackets.pk]).update(exclusive=False)
    assert discounts_by_offer(applied(customer, [("300.00", 1)])) == {
        "Flash sale": Decimal("60.00"),
        "Spend more, save more": Decimal("45.00"),
    }


def voucher_basket(customer, exclusive: bool):
    voucher = create_voucher(code="TENOFF")
    voucher.offers.update(exclusive=exclusive, priority=20)
    basket = new_basket(customer, [("200.00", 1)])
    basket.vouchers.add(voucher)
    return with_offers(basket, customer)


def test_an_exclusive_voucher_wins_over_exclusive_brackets(brackets, customer):
    basket = voucher_basket(customer, exclusive=True)
    assert discounts_by_offer(basket) == {}  # voucher discounts are listed apart
    assert [d["discount"] for d in basket.voucher_discounts] == [Decimal("40.00")]  # 20 %
    assert basket.total_excl_tax == Decimal("160.00")


def test_a_non_exclusive_voucher_combines_with_non_exclusive_brackets(brackets, customer):
    ConditionalOffer.objects.filter(pk=brackets.pk).update(exclusive=False)
    basket = voucher_basket(customer, exclusive=False)
    assert discounts_by_offer(basket) == {"Spend more, save more": Decimal("20.00")}
    assert [d["discount"] for d in basket.voucher_discounts] == [Decimal("40.00")]
    assert basket.total_excl_tax == Decimal("140.00")


def test_the_applied_offer_records_where_the_basket_stands(brackets, customer):
    (progress,) = bracket_progress(applied(customer, [("150.00", 1)]))
    assert progress.spend == Decimal("150.00")
    assert progress.reached.value == Decimal("5") and progress.next.value == Decimal("10")
    assert progress.missing == Decimal("50.00")


@pytest.mark.parametrize(
    "price, hint",
    [
        ("77.00", "Add £23.00 to get 5 % off"),
        ("150.00", "Add £50.00 to get 10 % off"),
        ("200.00", "Add £100.00 to get 15 % off"),
        ("300.00", None),
    ],
)
def test_the_hint_names_the_next_bracket_until_the_last_is_reached(brackets, customer, price, hint):
    found, _upsells = basket_hints(applied(customer, [(price, 1)]), [])
    assert [h.message for h in found] == ([hint] if hint else [])


def free_shipping_over_50():
    value_condition = Condition.objects.create(range=everything(), type=Condition.VALUE, value=50)
    return create_offer(
        name="Free shipping over £50", condition=value_condition, benefit=free_shipping()
    )


def test_free_shipping_hint_replaces_oscars_upsell_line(customer, monkeypatch):
    offer_shipping(monkeypatch, shipping_method("standard", "4.99", "4.99"))
    offer = free_shipping_over_50()
    basket = applied(customer, [("38.00", 1)])
    oscar_upsells = [{"offer": offer, "message": "Spend £12.00 more from Everything"}]
    found, remaining = basket_hints(basket, oscar_upsells)
    assert [h.message for h in found] == ["Add £12.00 for free shipping"]
    assert remaining == []


def test_free_shipping_hint_disappears_once_reached(customer):
    free_shipping_over_50()
    basket = applied(customer, [("50.00", 1)])
    assert basket_hints(basket, []) == ([], [])
    assert "Free shipping over £50" in [a["name"] for a in basket.offer_applications]
