"""Basket page hints: the next bracket and free shipping, in place of Oscar's generic upsell."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_offer

from oscar_loyalty import ledger
from oscar_loyalty.models import CustomerTier, Tier
from tests.checkout import offer_shipping, shipping_method
from tests.factories import create_buyable_product
from tests.offers import bracket_offer, everything, free_shipping

Condition = get_model("offer", "Condition")

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_shipping_over_50(monkeypatch):
    offer_shipping(monkeypatch, shipping_method("standard", "4.99", "4.99"))
    condition = Condition.objects.create(range=everything(), type=Condition.VALUE, value=50)
    return create_offer(name="Free shipping over £50", condition=condition, benefit=free_shipping())


def fill_basket(client, price: str, quantity: int = 1):
    product = create_buyable_product("Lantern", price)
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": quantity})
    return client.get(reverse("basket:summary")).content.decode()


def test_free_shipping_hint_replaces_oscars_generic_upsell(client, free_shipping_over_50):
    page = fill_basket(client, "38.00")
    assert "Add £12.00 for free shipping" in page
    assert "to qualify for the" not in page  # Oscar's "Spend £12.00 more ... special offer"


def test_no_shipping_hint_nor_upsell_when_shipping_is_free_anyway(
    client, free_shipping_over_50, monkeypatch
):
    offer_shipping(monkeypatch, shipping_method("collect", "0.00", "0.00"))
    page = fill_basket(client, "38.00")
    assert "for free shipping" not in page
    assert "to qualify for the" not in page  # Oscar's line would promise the same


def test_no_shipping_hint_for_a_vip_who_already_ships_free(client, free_shipping_over_50):
    vip = Tier.objects.create(
        name="VIP", position=1, threshold=500, free_shipping=Tier.SHIPPING_ALWAYS
    )
    member = UserFactory()
    CustomerTier.objects.create(account=ledger.account_for_user(member), tier=vip, earned_tier=vip)
    client.force_login(member)
    page = fill_basket(client, "38.00")
    assert "for free shipping" not in page
    assert "to qualify for the" not in page
    client.force_login(UserFactory())  # a customer outside the tier still hears of the offer
    assert "Add £12.00 for free shipping" in fill_basket(client, "38.00")


def test_no_shipping_hint_once_the_threshold_is_reached(client, free_shipping_over_50):
    page = fill_basket(client, "50.00")
    assert "for free shipping" not in page and 'data-loyalty="offer-hints"' not in page


def test_in_page_quantity_update_returns_fresh_hints(client):
    bracket_offer()
    assert "Add £40.00 to get 5 % off" in fill_basket(client, "60.00")
    response = client.post(
        reverse("basket:summary"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(
                client.get(reverse("basket:summary")).context["basket"].all_lines()[0].pk
            ),
            "form-0-quantity": "2",
        },
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    html = response.json()["content_html"]
    assert "Add £80.00 to get 10 % off" in html
    assert "5 % off from £100.00" in html
