"""A shopper pays with points and with a reward voucher, in real headless Chromium."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from oscar_loyalty import ledger
from oscar_loyalty.models import AmountOffReward
from tests.checkout import checkout_in_browser
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_shipping_country,
)

Order = get_model("order", "Order")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    page.click("button[name=login_submit]")
    page.wait_for_selector("#logout_link")


def test_shopper_pays_with_points_then_with_a_reward_voucher(page, points_offer):
    create_shipping_country()
    create_redemption_settings(points_per_unit=100)
    user = get_user_model().objects.create_user("ada", "ada@example.com", "a-Strong-passw0rd")
    ledger.earn(ledger.account_for_user(user), 2500, key="welcome", description="Welcome gift")
    AmountOffReward.objects.create(name="£5 off your order", points_cost=1000, amount=5)
    teapot = create_buyable_product("Regency Teapot", "30.00")
    sign_in(page, "ada@example.com", "a-Strong-passw0rd")

    page.goto(teapot.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.get_by_text("has been added to your basket").first.wait_for()
    page.goto("/basket/")
    assert "You have 2,500 points to spend." in page.inner_text("[data-loyalty=redeem]")
    page.fill("#loyalty-points", "1000")
    page.click("button[value=apply]")
    page.get_by_text("1,000 points applied to your basket.").wait_for()
    totals = page.inner_text("#basket_totals")
    assert "Pay with your points" in totals and "-£10.00" in totals
    assert "£20.00" in totals

    thank_you = checkout_in_browser(page)
    assert "Pay with your points" in thank_you and "£20.00" in thank_you
    first = Order.objects.get(user=user)
    assert first.total_incl_tax == Decimal("20.00")
    assert first.discounts.get().message == "1,000 points redeemed"

    page.goto("/loyalty/account/")
    assert page.inner_text("[data-loyalty=available]") == "1,500"
    assert f"Order {first.number}" in page.inner_text("[data-loyalty=history]")

    page.click("[data-loyalty=catalogue] button:has-text('Redeem')")
    page.get_by_text("Your reward is ready").wait_for()
    code = page.inner_text("[data-loyalty=my-rewards] code")
    assert code.startswith("RWD-")
    assert page.inner_text("[data-loyalty=available]") == "500"

    page.goto(teapot.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.get_by_text("has been added to your basket").first.wait_for()
    page.goto("/loyalty/account/")
    page.click("[data-loyalty=my-rewards] button:has-text('Apply to basket')")
    page.get_by_text(f"Reward {code} added to your basket.").wait_for()
    assert "£25.00" in page.inner_text("#basket_totals")

    checkout_in_browser(page)
    second = Order.objects.filter(user=user).latest("date_placed")
    assert second.total_incl_tax == Decimal("25.00")
    assert second.discounts.get().voucher_code == code
