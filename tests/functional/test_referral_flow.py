"""Give £10, get 1000 points (or a £10 voucher): a referrer and a friend in real Chromium."""

import re
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_loyalty import tasks
from oscar_loyalty.models import ProgramSettings, Referral, ReferralSettings
from tests.checkout import checkout_in_browser
from tests.factories import create_buyable_product, create_shipping_country
from tests.functional.test_points_checkout import sign_in
from tests.referrals import PASSWORD, enable_referrals, first_order, make_referrer, refer_friend

Order = get_model("order", "Order")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_friend_orders_with_the_referral_discount_and_the_referrer_is_paid_after_confirmation(
    browser, live_server, page
):
    create_shipping_country()
    enable_referrals(referrer_points=1000)
    ProgramSettings.objects.update_or_create(pk=1, defaults={"return_window_days": 0})
    ada, _code = make_referrer("ada@example.com")
    ada.set_password(PASSWORD)
    ada.save()
    teapot = create_buyable_product("Regency Teapot", "30.00")

    referrer_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    referrer_context.set_default_timeout(15_000)
    referrer_context.grant_permissions(["clipboard-read", "clipboard-write"])
    referrer = referrer_context.new_page()
    try:
        sign_in(referrer, "ada@example.com", PASSWORD)
        referrer.goto("/loyalty/account/")
        referrer.click("[data-loyalty=copy-link]")
        referrer.get_by_text("Copied!").wait_for()
        link = referrer.evaluate("navigator.clipboard.readText()")
        assert re.fullmatch(rf"{live_server.url}/\?ref=[A-Z2-9]{{8}}", link)

        friend = page
        friend.goto(link)
        friend.get_by_text("Ada invited you: you get £10.00 off your first order.").wait_for()
        friend.goto("/accounts/register/")
        assert friend.input_value("#id_referral_code") == link.rsplit("=", 1)[1]
        friend.fill("#id_email", "bob@example.net")
        friend.fill("#id_password1", PASSWORD)
        friend.fill("#id_password2", PASSWORD)
        friend.click("button[name=registration_submit]")
        friend.wait_for_selector("#logout_link")

        friend.goto(teapot.get_absolute_url())
        friend.click("#add_to_basket_form button[type=submit]")
        friend.get_by_text("has been added to your basket").first.wait_for()
        friend.goto("/basket/")
        assert "Referred by Ada: £10.00 off your first order." in friend.inner_text(
            "[data-loyalty=referral-basket]"
        )
        totals = friend.inner_text("#basket_totals")
        assert "Referral: £10.00 off your first order" in totals and "£20.00" in totals
        thank_you = checkout_in_browser(friend)
        assert "Referral: £10.00 off your first order" in thank_you
        order = Order.objects.get(user__email="bob@example.net")
        assert order.total_incl_tax == 20

        referrer.goto("/loyalty/account/")
        assert referrer.inner_text("[data-loyalty=available]") == "0"
        assert "waiting for the return window" in referrer.inner_text("[data-loyalty=my-referrals]")

        tasks.confirm_due_points.apply()  # the periodic sweep: the return window is over

        referrer.goto("/loyalty/account/")
        assert referrer.inner_text("[data-loyalty=available]") == "1,000"
        row = referrer.inner_text("[data-loyalty=my-referrals] tbody")
        assert "b•••@example.net" in row and "Rewarded" in row and "+1,000" in row
        assert "Referral: your friend's first order was confirmed" in referrer.inner_text(
            "[data-loyalty=history]"
        )
        assert Referral.objects.get().status == Referral.REWARDED
    finally:
        referrer_context.close()


def test_referrer_earns_a_voucher_and_spends_it_at_checkout(live_server, page):
    create_shipping_country()
    enable_referrals(
        referrer_reward_type=ReferralSettings.VOUCHER, referrer_discount_value=Decimal("10.00")
    )
    ProgramSettings.objects.update_or_create(pk=1, defaults={"return_window_days": 0})
    ada, code = make_referrer("ada@example.com")
    ada.set_password(PASSWORD)
    ada.save()
    bob, _referral = refer_friend(code)
    first_order(bob)
    tasks.confirm_due_points.apply()  # the periodic sweep: the return window is over
    voucher = Referral.objects.get(status=Referral.REWARDED).referrer_voucher
    teapot = create_buyable_product("Regency Teapot", "30.00")

    sign_in(page, "ada@example.com", PASSWORD)
    page.goto("/loyalty/account/")
    assert page.inner_text("[data-loyalty=referral-offer]") == (
        "Give your friends £10.00 off their first order. You get a voucher for £10.00 off "
        "your next order when their order is confirmed."
    )
    assert page.inner_text("[data-loyalty=referrer-voucher]") == voucher.code
    assert page.inner_text("[data-loyalty=available]") == "0"

    page.goto(teapot.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.get_by_text("has been added to your basket").first.wait_for()
    page.goto("/basket/")
    page.click("#voucher_form_link a")
    page.fill("#voucher_form input[name=code]", voucher.code)
    page.click("#voucher_form button[type=submit]")
    page.get_by_text(f"Voucher '{voucher.code}' added to basket").wait_for()
    assert "£20.00" in page.inner_text("#basket_totals")
    checkout_in_browser(page)
    order = Order.objects.get(user=ada)
    assert order.total_incl_tax == 20
    assert order.discounts.get().voucher_code == voucher.code
