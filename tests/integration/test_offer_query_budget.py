"""The basket page costs no more queries with five of our offers than with five stock ones."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_offer

from tests.factories import create_buyable_product, place_order
from tests.offers import bracket_offer, customer_offer, everything, percent_off

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")

pytestmark = pytest.mark.django_db


def our_five_offers() -> None:
    bracket_offer("Spend more, save more", exclusive=False)
    customer_offer("Second order", "exact-orders", 1, exclusive=False)
    customer_offer("Welcome", "first-order")
    customer_offer("We miss you", "win-back", 60)
    bracket_offer("Loyal brackets", kind="minimum-orders", value=3)


def stock_five_offers() -> None:
    for name, kind, value, percent in [
        ("Any item", Condition.COUNT, 1, "5"),
        ("Spend 100", Condition.VALUE, 100, "10"),
        ("Three items", Condition.COUNT, 3, "10"),
        ("Spend 200", Condition.VALUE, 200, "15"),
        ("Everything covered", Condition.COVERAGE, 1, "20"),
    ]:
        condition = Condition.objects.create(range=everything(), type=kind, value=Decimal(value))
        create_offer(name=name, condition=condition, benefit=percent_off(percent))
    ConditionalOffer.objects.filter(name__in=["Any item", "Spend 100"]).update(exclusive=False)


def basket_page_queries(client) -> tuple[int, str]:
    url = reverse("basket:summary")
    client.get(url)  # warm caches, as on any running shop
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.fixture
def shopper(client):
    """A returning customer with three items in the basket."""
    user = UserFactory()
    place_order(user, [("10.00", 1)])
    client.force_login(user)
    for title, price in [("Teapot", "60.00"), ("Cups", "45.00"), ("Tray", "30.00")]:
        product = create_buyable_product(title, price)
        client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    return client


def test_five_of_our_offers_cost_no_more_than_five_stock_offers(shopper):
    our_five_offers()
    ours, html = basket_page_queries(shopper)
    assert "Second order" in html and "Spend more, save more" in html  # they applied
    assert "Add £65.00 to get 10 % off" in html

    ConditionalOffer.objects.update(status=ConditionalOffer.SUSPENDED)
    stock_five_offers()
    stock, html = basket_page_queries(shopper)
    assert "Any item" in html  # the stock offers applied too

    print(f"basket page queries: five loyalty offers {ours}, five stock offers {stock}")  # noqa: T201
    assert ours <= stock
