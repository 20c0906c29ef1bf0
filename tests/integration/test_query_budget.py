"""Loyalty blocks cost at most 2 SQL queries on the basket and checkout preview pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from oscar_loyalty.redemption import points_offer_id, shipping_offer_id
from tests.checkout import (
    basket_with_points_applied,
    go_to_preview,
    offer_shipping,
    shipping_method,
)

ConditionalOffer = get_model("offer", "ConditionalOffer")

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["items", "items and shipping"])
def shopper_with_points_applied(client, monkeypatch, request):
    if request.param == "items":
        basket_with_points_applied(client)
    else:  # half of the 75.00 of goods, and 2.50 of the 6.00 shipping
        offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
        basket_with_points_applied(client, points=4000, pay_shipping=True, max_order_share=50)
    return client


def count_queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm caches, as on any running shop
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def loyalty_switched_off(settings):
    """As if the plugin were not installed: its blocks hidden and its site offers suspended."""
    settings.OSCAR_HIDDEN_FEATURES = ["loyalty"]
    ConditionalOffer.objects.filter(pk__in=[points_offer_id(), shipping_offer_id()]).update(
        status=ConditionalOffer.SUSPENDED
    )


@pytest.mark.parametrize("page", ["basket", "preview"])
def test_loyalty_adds_at_most_two_queries(shopper_with_points_applied, settings, page, request):
    client = shopper_with_points_applied
    if page == "preview":
        go_to_preview(client)
    url = reverse("basket:summary" if page == "basket" else "checkout:preview")

    with_loyalty, html = count_queries(client, url)
    assert "Pay with your points" in html and "You will earn" in html  # the blocks rendered
    if request.node.callspec.params["shopper_with_points_applied"] != "items":
        assert "Pay shipping with your points" in html

    loyalty_switched_off(settings)
    without_loyalty, html = count_queries(client, url)
    assert "Pay with your points" not in html

    assert with_loyalty - without_loyalty <= 2
