"""Cached recommendation blocks never show what has changed since they were rendered.

Each test renders a block once (the cache is then warm), changes the shop the way a shopper or
a shop manager would, and renders again.
"""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation
from oscar.apps.partner import strategy as oscar_strategy
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from tests.recommendation_shop import make_shop, render, request_for, titles

StockRecord = get_model("partner", "StockRecord")
BOUGHT_TOGETHER = "{% loyalty_bought_together product %}"

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


def bought_together_with_cup(products, request=None) -> str:
    """The product page block of the cup: tea, saucer, biscuits, while they can be bought."""
    return render(BOUGHT_TOGETHER, request or request_for(), product=products["cup"])


def price_shown(html: str, product) -> str:
    card = html.split(f'data-product="{product.pk}"', 1)[1].split("</li>", 1)[0]
    return card.split('class="price_color">', 1)[1].split("<", 1)[0]


def test_a_product_whose_last_items_sell_disappears_from_a_cached_block(shop):
    products, _ = shop
    assert titles(bought_together_with_cup(products), products) == ["tea", "saucer", "biscuits"]
    record = products["tea"].stockrecords.get()
    record.allocate(record.num_in_stock)  # someone's order took the rest (Oscar's checkout)
    assert titles(bought_together_with_cup(products), products) == ["saucer", "biscuits"]


def test_stock_changed_by_a_bulk_update_shows_at_once(shop):
    products, _ = shop
    bought_together_with_cup(products)
    # A stock import writing with QuerySet.update() sends no signals.
    StockRecord.objects.filter(product=products["saucer"]).update(num_in_stock=0)
    assert titles(bought_together_with_cup(products), products) == ["tea", "biscuits"]
    StockRecord.objects.filter(product=products["saucer"]).update(num_in_stock=8)
    assert titles(bought_together_with_cup(products), products) == ["tea", "saucer", "biscuits"]


def test_a_product_taken_off_the_shop_disappears_from_a_cached_block(shop):
    products, _ = shop
    bought_together_with_cup(products)
    products["tea"].is_public = False
    products["tea"].save()
    assert titles(bought_together_with_cup(products), products) == ["saucer", "biscuits"]


def test_a_new_price_shows_in_a_cached_block_at_once(shop):
    products, _ = shop
    assert price_shown(bought_together_with_cup(products), products["saucer"]) == "£5.00"
    record = products["saucer"].stockrecords.get()
    record.price = Decimal("7.25")
    record.save()
    html = bought_together_with_cup(products)
    assert price_shown(html, products["saucer"]) == "£7.25"
    assert price_shown(html, products["tea"]) == "£5.00"


def test_a_renamed_product_shows_its_new_name_in_a_cached_block(shop):
    products, _ = shop
    bought_together_with_cup(products)
    products["saucer"].title = "Bone china saucer"
    products["saucer"].save()
    assert "Bone china saucer" in bought_together_with_cup(products)


def test_a_product_put_in_the_basket_leaves_a_cached_block(shop):
    products, _ = shop
    shopper = UserFactory()
    assert titles(bought_together_with_cup(products, request_for(shopper)), products) == [
        "tea",
        "saucer",
        "biscuits",
    ]
    with_tea = request_for(shopper, basket_products=[products["tea"]])
    assert titles(bought_together_with_cup(products, with_tea), products) == ["saucer", "biscuits"]


def test_a_shopper_who_switches_language_gets_the_block_in_that_language(shop):
    products, _ = shop
    assert "Frequently bought together" in bought_together_with_cup(products)
    with translation.override("nl"):
        dutch = bought_together_with_cup(products)
    assert "Vaak samen gekocht" in dutch
    assert price_shown(dutch, products["tea"]) == "£\xa05,00"  # Dutch number format
    with translation.override("ar"):
        assert "يُشترى معًا كثيرًا" in bought_together_with_cup(products)
    english = bought_together_with_cup(products)
    assert "Frequently bought together" in english
    assert price_shown(english, products["tea"]) == "£5.00"


class TwentyPercentTax(
    oscar_strategy.UseFirstStockRecord,
    oscar_strategy.StockRequired,
    oscar_strategy.FixedRateTax,
    oscar_strategy.Structured,
):
    rate = Decimal("0.20")


def test_each_pricing_strategy_gets_its_own_prices(shop):
    products, _ = shop
    untaxed = bought_together_with_cup(products)  # now cached
    assert price_shown(untaxed, products["tea"]) == "£5.00"
    taxed = request_for()
    taxed.strategy = TwentyPercentTax(request=taxed)
    assert price_shown(bought_together_with_cup(products, taxed), products["tea"]) == "£6.00"


def test_a_cached_block_is_what_a_fresh_render_shows(shop):
    products, customers = shop
    request = request_for(customers["ann"], basket_products=[products["tea"]])
    tags = ["{% loyalty_buy_it_again %}", "{% loyalty_recommended_for_you %}", BOUGHT_TOGETHER]
    cached = [render(tag, request, product=products["cup"]) for tag in tags]
    assert [render(tag, request, product=products["cup"]) for tag in tags] == cached
    with override_settings(OSCAR_LOYALTY_RECOMMENDATIONS_CACHE_BLOCKS=False):
        assert [render(tag, request, product=products["cup"]) for tag in tags] == cached
