"""The stock Oscar shopper journey still works with oscar_loyalty installed."""

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import expect

from tests.checkout import checkout_in_browser
from tests.factories import create_buyable_product, create_shipping_country, create_spend_rule

Order = get_model("order", "Order")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_shopper_registers_browses_and_places_an_order(page):
    create_shipping_country()
    create_spend_rule("2")
    product = create_buyable_product("Regency Teacup And Saucer", "12.50")

    page.goto("/accounts/login/")
    page.fill("#id_registration-email", "new.shopper@example.com")
    page.fill("#id_registration-password1", "a-Strong-passw0rd")
    page.fill("#id_registration-password2", "a-Strong-passw0rd")
    page.click("button[name=registration_submit]")
    expect(page.get_by_text("Thanks for registering!")).to_be_visible()  # waits for the page

    page.goto("/catalogue/")
    page.click(f"text={product.title}")
    page.click("#add_to_basket_form button[type=submit]")
    checkout_in_browser(page)

    order = Order.objects.get(user__email="new.shopper@example.com")
    assert order.number in page.inner_text("body")
    assert "This order earns you 25 points" in page.inner_text("[data-loyalty=order-points]")
    assert order.lines.get().product_id == product.id
    assert order.total_incl_tax == product.stockrecords.get().price
