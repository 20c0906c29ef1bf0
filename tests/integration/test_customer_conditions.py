"""Customer-history conditions, applied by Oscar's own Applicator to real baskets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty.offers import facts
from tests.factories import open_basket, place_order, with_offers
from tests.offers import customer_offer, discounts_by_offer, guest_basket

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def customer_with_orders(count: int, days_ago: int = 1):
    user = UserFactory()
    for _ in range(count):
        order = place_order(user, [("10.00", 1)])
        Order.objects.filter(pk=order.pk).update(
            date_placed=timezone.now() - timedelta(days=days_ago)
        )
    return user


def discounts_for(user, lines=(("50.00", 1),)):
    return discounts_by_offer(with_offers(open_basket(user, list(lines)), user))


@pytest.fixture
def second_order_offer():
    return customer_offer("Thank you for coming back", "exact-orders", 1)


def test_a_customer_with_one_previous_order_gets_the_second_order_offer(second_order_offer):
    assert discounts_for(customer_with_orders(1)) == {"Thank you for coming back": Decimal("5.00")}


def test_a_new_customer_does_not_get_the_second_order_offer(second_order_offer):
    assert discounts_for(customer_with_orders(0)) == {}


def test_a_third_order_does_not_get_the_second_order_offer(second_order_offer):
    assert discounts_for(customer_with_orders(2)) == {}


def test_a_guest_does_not_get_customer_offers(second_order_offer):
    customer_offer("Welcome", "first-order")
    basket = with_offers(guest_basket([("50.00", 1)]), None)
    assert discounts_by_offer(basket) == {}


def test_a_cancelled_order_does_not_make_a_repeat_customer(second_order_offer, settings):
    settings.OSCAR_LOYALTY_REVERSE_STATUSES = ["Cancelled"]
    user = customer_with_orders(1)
    Order.objects.filter(user=user).update(status="Cancelled")
    assert discounts_for(user) == {}


def test_the_first_order_offer_is_for_signed_in_customers_without_orders():
    customer_offer("Welcome", "first-order")
    assert discounts_for(customer_with_orders(0)) == {"Welcome": Decimal("5.00")}
    assert discounts_for(customer_with_orders(1)) == {}


def test_at_least_n_orders_counts_loyal_customers():
    customer_offer("Loyal customers", "minimum-orders", 2)
    assert discounts_for(customer_with_orders(1)) == {}
    assert discounts_for(customer_with_orders(2)) == {"Loyal customers": Decimal("5.00")}
    assert discounts_for(customer_with_orders(3)) == {"Loyal customers": Decimal("5.00")}


def test_win_back_needs_a_past_order_older_than_n_days():
    customer_offer("We miss you", "win-back", 90)
    assert discounts_for(customer_with_orders(1, days_ago=89)) == {}
    assert discounts_for(customer_with_orders(1, days_ago=90)) == {"We miss you": Decimal("5.00")}
    assert discounts_for(customer_with_orders(0)) == {}


def test_a_segment_condition_asks_the_registered_segments_fact():
    customer_offer("Segment 7", "segment", 7)
    insider, outsider = UserFactory(), UserFactory()
    facts.register_fact(
        facts.SEGMENTS, lambda user: {7} if user == insider else set(), replace=True
    )
    try:
        assert discounts_for(insider) == {"Segment 7": Decimal("5.00")}
        assert discounts_for(outsider) == {}
    finally:
        facts.register_fact(
            facts.SEGMENTS, lambda user: frozenset(), anonymous=frozenset(), replace=True
        )


def test_per_customer_application_limit_stops_the_offer_after_one_order():
    offer = customer_offer("Once per loyal customer", "minimum-orders", 1)
    offer.max_user_applications = 1
    offer.save()
    user = customer_with_orders(1)
    basket = with_offers(open_basket(user, [("50.00", 1)]), user)
    assert discounts_by_offer(basket) == {"Once per loyal customer": Decimal("5.00")}
    order = create_order(basket=basket, user=user)
    assert order.discounts.get().offer_name == "Once per loyal customer"

    assert discounts_for(user) == {}


def test_the_discount_is_recorded_on_the_order_under_the_offer_name(second_order_offer):
    user = customer_with_orders(1)
    basket = with_offers(open_basket(user, [("80.00", 1)]), user)
    order = create_order(basket=basket, user=user)
    discount = order.discounts.get()
    assert (discount.offer_name, discount.amount) == ("Thank you for coming back", Decimal("8.00"))
    assert order.total_incl_tax == Decimal("72.00")


def test_five_customer_offers_read_the_order_history_once():
    for kind, value in [
        ("exact-orders", 1),
        ("minimum-orders", 3),
        ("win-back", 30),
        ("first-order", None),
        ("segment", 4),
    ]:
        customer_offer(f"{kind} {value}", kind, value)
    user = customer_with_orders(1)
    basket = open_basket(user, [("50.00", 1)])
    basket.owner = user
    basket.all_lines()
    offers = list(Applicator().get_site_offers())

    with CaptureQueriesContext(connection) as queries:
        Applicator().apply_offers(basket, offers)
        basket.reset_offer_applications()
        Applicator().apply_offers(basket, offers)  # as a later re-application on the same page
    history = [q for q in queries.captured_queries if '"order_order"' in q["sql"]]

    assert len(history) == 1
    assert list(discounts_by_offer(basket)) == ["exact-orders 1"]
