"""The loyalty blocks on the basket page sit in Oscar's voucher/totals grid, in real Chromium."""

import pytest

from tests.factories import create_buyable_product, create_redemption_settings
from tests.referrals import enable_referrals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMN_TOP = "(el) => el.closest('.col-sm-6').getBoundingClientRect().top"


def test_referral_code_field_sits_beside_pay_with_points_not_between_voucher_and_totals(page):
    """It used to squeeze in beside the voucher block, pushing Totals down a row and leaving a
    gap beside it."""
    enable_referrals()
    create_redemption_settings()
    teapot = create_buyable_product("Regency Teapot", "30.00")
    page.goto(teapot.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.goto("/basket/")

    voucher = page.locator("#voucher_form_link").evaluate(COLUMN_TOP)
    totals = page.locator("#basket_totals").evaluate(COLUMN_TOP)
    totals_bottom = page.locator("#basket_totals").evaluate(
        "(el) => el.closest('.col-sm-6').getBoundingClientRect().bottom"
    )
    referral = page.locator("[data-loyalty=referral-basket]").bounding_box()
    redeem = page.locator("[data-loyalty=redeem]").bounding_box()

    assert totals == voucher  # side by side
    assert referral["y"] >= totals_bottom and referral["y"] == redeem["y"]  # the next row
    assert referral["x"] > redeem["x"]
