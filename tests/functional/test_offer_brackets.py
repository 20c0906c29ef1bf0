"""Spend brackets and a second-order offer on the basket page, in real headless Chromium."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import create_buyable_product, place_order
from tests.offers import bracket_offer, customer_offer, percent_off

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Strong-passw0rd"


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_selector("#logout_link")


def set_quantity(page, quantity: int) -> None:
    page.fill("#id_form-0-quantity", str(quantity))
    page.click("#basket_formset button[type=submit]")
    page.wait_for_selector(f"#id_form-0-quantity[value='{quantity}']")


def hints(page) -> list[str]:
    return [
        text.strip() for text in page.locator("[data-loyalty=offer-hint] strong").all_inner_texts()
    ]


def totals(page) -> str:
    return page.inner_text("#basket_totals")


def shopper(email: str, previous_orders: int):
    user = get_user_model().objects.create_user(email.split("@")[0], email, PASSWORD)
    for _ in range(previous_orders):
        place_order(user, [("10.00", 1)])
    return user


def add_to_basket(page, product) -> None:
    page.goto(product.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.get_by_text("has been added to your basket").first.wait_for()
    page.goto("/basket/")


def test_brackets_hints_and_the_second_order_offer(page, browser, live_server):
    bracket_offer(exclusive=False)
    thanks = customer_offer("Thanks for coming back", "exact-orders", 1, benefit=percent_off("10"))
    thanks.exclusive = False
    thanks.save()
    chest = create_buyable_product("Tea chest", "50.00", stock=100)
    shopper("returning@example.com", previous_orders=1)
    shopper("new@example.com", previous_orders=0)

    sign_in(page, "returning@example.com")
    add_to_basket(page, chest)
    assert hints(page) == ["Add £50.00 to get 5 % off"]
    assert "Thanks for coming back" in totals(page)
    assert "Spend more, save more" not in totals(page)

    for quantity, line, hint in [
        (2, "5 % off from £100.00", ["Add £100.00 to get 10 % off"]),
        (4, "10 % off from £200.00", ["Add £100.00 to get 15 % off"]),
        (6, "15 % off from £300.00", []),
    ]:
        set_quantity(page, quantity)
        assert line in totals(page)
        assert hints(page) == hint

    assert "-£45.00" in totals(page)  # 15 % of £300.00

    newcomer = browser.new_context(base_url=live_server.url, locale="en-GB")
    other = newcomer.new_page()
    sign_in(other, "new@example.com")
    add_to_basket(other, chest)
    assert "Thanks for coming back" not in totals(other)
    assert hints(other) == ["Add £50.00 to get 5 % off"]
    newcomer.close()
