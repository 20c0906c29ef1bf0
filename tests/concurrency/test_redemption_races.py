"""Two tabs or two devices spending the same points at once, on real PostgreSQL connections."""

from collections import Counter

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, redemption
from oscar_loyalty.models import LedgerEntry, PointsHold
from oscar_loyalty.verification import find_discrepancies
from tests.checkout import go_to_preview
from tests.concurrency.test_ledger_races import run_in_threads
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_shipping_country,
)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Default = get_class("partner.strategy", "Default")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_devices_cannot_hold_the_same_points():
    create_redemption_settings()
    shopper = UserFactory()
    account = ledger.account_for_user(shopper)
    ledger.earn(account, 1000, key="funding")
    product = create_buyable_product("Paper Chain Kit", "50.00")
    baskets = []
    for _device in range(2):
        basket = Basket.objects.create(owner=shopper)
        basket.strategy = Default()
        basket.add_product(product, 1)
        baskets.append(basket)

    results = run_in_threads(
        2,
        lambda i: redemption.apply_points(
            baskets[i], ledger.account_for_user(shopper), 1000, key=f"hold:{baskets[i].id}:{i}"
        ),
    )

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"PointsHold": 1, "RedemptionError": 1}
    account.refresh_from_db()
    assert (account.available, account.held) == (0, 1000)
    assert find_discrepancies() == []


def _shopper_at_order_preview(points: int) -> tuple[Client, object]:
    create_redemption_settings()
    create_shipping_country()
    shopper = UserFactory()
    ledger.earn(ledger.account_for_user(shopper), points, key="funding")
    product = create_buyable_product("Paper Chain Kit", "50.00")
    client = Client()
    client.force_login(shopper)
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    client.post(
        reverse("oscar_loyalty:redeem-points"),
        {"action": "apply", "points": str(points), "token": "f" * 32},
    )
    go_to_preview(client)
    preview = client.get(reverse("checkout:preview"))
    assert preview.status_code == 200
    assert preview.context["basket"].total_incl_tax == 50 - points / 100  # the points discount
    return client, shopper


def test_two_tabs_placing_the_same_order_spend_the_points_once(points_offer):
    client, shopper = _shopper_at_order_preview(1000)
    tabs = [Client() for _ in range(2)]
    for tab in tabs:
        tab.cookies = client.cookies

    def place(i: int):
        response = tabs[i].post(reverse("checkout:preview"), {"action": "place_order"})
        connections.close_all()
        return response

    responses = run_in_threads(2, place)

    assert all(not isinstance(response, Exception) for response in responses)
    order = Order.objects.get(user=shopper)  # exactly one order
    thank_you = [r for r in responses if r.get("Location") == reverse("checkout:thank-you")]
    assert len(thank_you) == 1
    other = next(r for r in responses if r is not thank_you[0])
    assert other.status_code in (200, 302)  # the preview with an error, or back to the basket
    points_discount = sum(
        d.amount for d in order.discounts.all() if d.offer_name == "Pay with your points"
    )
    captured = sum(hold.captured_points for hold in PointsHold.objects.all())
    assert LedgerEntry.objects.filter(kind=LedgerEntry.CAPTURE, held_delta__lt=0).count() <= 1
    assert points_discount * 100 == captured  # no discount without its points, none twice
    assert captured == 1000  # the order that went through was the discounted one
    assert order.total_incl_tax == 50 - points_discount
    account = ledger.account_for_user(shopper)
    assert account.available + account.held + captured == 1000
    assert find_discrepancies() == []
