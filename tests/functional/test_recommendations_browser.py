"""A shopper with a purchase history sees recommendations, in real headless Chromium."""

import pytest

from tests.functional.test_points_checkout import sign_in
from tests.recommendation_shop import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Strong-passw0rd"


def test_shopper_sees_buy_it_again_and_recommendations_and_a_product_page_its_companions(page):
    products, _ = make_shop(password=PASSWORD)
    sign_in(page, "bob@example.com", PASSWORD)  # bob bought tea and cup

    page.goto("/accounts/profile/")
    again = page.locator("[data-recommendations=buy-it-again]")
    assert again.locator("h2").inner_text() == "Buy it again"
    assert sorted(again.locator("li a").all_inner_texts()) == ["Cup", "Tea"]
    for_you = page.locator("[data-recommendations=for-you]")
    assert for_you.locator("h2").inner_text() == "Recommended for you"
    assert for_you.locator("li a").all_inner_texts() == ["Saucer", "Biscuits"]

    page.goto(products["cup"].get_absolute_url())
    together = page.locator("[data-recommendations=bought-together]")
    assert together.locator("h2").inner_text() == "Frequently bought together"
    assert together.locator("li a").all_inner_texts() == ["Tea", "Saucer", "Biscuits"]
    together.locator("li a", has_text="Saucer").click()
    page.wait_for_url(f"**{products['saucer'].get_absolute_url()}")
