"""A shopper's confirmed order lifts them into a tier; the next basket gets its discount."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_loyalty import ledger
from oscar_loyalty.models import Tier, TierActivity
from tests.checkout import checkout_in_browser
from tests.factories import create_buyable_product, create_shipping_country, create_spend_rule
from tests.functional.test_points_checkout import sign_in

Order = get_model("order", "Order")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_to_basket(page, product) -> None:
    page.goto(product.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.get_by_text("has been added to your basket").first.wait_for()


def test_confirmed_order_crossing_the_threshold_brings_the_tier_discount(page):
    create_shipping_country()
    create_spend_rule("1")
    Tier.objects.create(
        name="Family", position=1, threshold=Decimal("100"), discount_percentage=Decimal("10")
    )
    user = get_user_model().objects.create_user("ada", "ada@example.com", "a-Strong-passw0rd")
    TierActivity.objects.create(
        account=ledger.account_for_user(user),
        order_number="EARLIER",
        spend=Decimal("80.00"),
        points=80,
        occurred_at=timezone.now(),
    )
    teapot = create_buyable_product("Regency Teapot", "30.00")
    sign_in(page, "ada@example.com", "a-Strong-passw0rd")

    add_to_basket(page, teapot)
    page.goto("/basket/")
    assert "Once this order is confirmed you reach Family!" in page.inner_text(
        "[data-loyalty=tier-nudge]"
    )
    checkout_in_browser(page)
    page.goto("/loyalty/account/")
    assert "You have not reached a tier yet." in page.inner_text("[data-loyalty=tier-status]")

    order = Order.objects.get(user=user)  # the shop ships it: points and spend are confirmed
    order.set_status("Being processed")
    order.set_status("Complete")

    page.goto("/loyalty/account/")
    assert "Family" in page.inner_text("[data-loyalty=current-tier]")
    assert "10% off every order" in page.inner_text("[data-loyalty=tier-status]")

    add_to_basket(page, teapot)
    page.goto("/basket/")
    totals = page.inner_text("#basket_totals")
    assert "Family tier discount" in totals and "-£3.00" in totals
    assert "£27.00" in totals
