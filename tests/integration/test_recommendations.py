"""Recommendations in the shop: the model built from real orders, the blocks, the cache."""

import pytest
from oscar.test.factories import UserFactory

from oscar_loyalty.models import ProductNeighbour
from oscar_loyalty.recommendations import serving
from oscar_loyalty.recommendations.build import build_recommendations
from tests.factories import buy_products
from tests.recommendation_shop import make_shop, render, request_for, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


def test_build_stores_each_products_neighbours_from_the_order_lines(shop):
    products, _ = shop
    names = {product.pk: name for name, product in products.items()}
    ranked: dict[str, list[str]] = {}
    for link in ProductNeighbour.objects.filter(score__gt=0).order_by("product", "rank"):
        ranked.setdefault(names[link.product_id], []).append(names[link.neighbour_id])
    assert ranked["cup"] == ["tea", "saucer", "biscuits"]  # 3, 2 and 1 shared buyers
    assert ranked["tea"][0] == "cup"
    assert ranked["candle"] == ["matches"] and ranked["matches"] == ["candle"]
    assert "kettle" not in ranked  # nobody bought it
    tea_group = {"tea", "cup", "saucer", "biscuits"}
    assert not ProductNeighbour.objects.filter(  # never bought together: no link either way
        product__in=[products[name] for name in tea_group],
        neighbour__in=[products["candle"], products["matches"]],
    ).exists()


def test_product_page_block_shows_what_is_bought_together(shop):
    products, _ = shop
    html = render("{% loyalty_bought_together product %}", request_for(), product=products["cup"])
    assert "Frequently bought together" in html
    assert titles(html, products) == ["tea", "saucer", "biscuits"]
    shown = [html.index(f'data-product="{products[name].pk}"') for name in ("tea", "saucer")]
    assert shown == sorted(shown)  # most shared buyers first


def test_blocks_leave_out_unavailable_products_and_those_in_the_basket(shop):
    products, _ = shop
    record = products["tea"].stockrecords.get()
    record.num_in_stock = 0
    record.save()
    html = render("{% loyalty_bought_together product %}", request_for(), product=products["cup"])
    assert titles(html, products) == ["saucer", "biscuits"]
    in_basket = request_for(
        UserFactory(), basket_products=[products["saucer"], products["biscuits"]]
    )
    html = render("{% loyalty_bought_together product %}", in_basket, product=products["cup"])
    assert html.strip() == ""  # nothing good left: the block renders nothing


def test_recommended_for_you_leaves_out_products_already_bought(shop):
    products, customers = shop
    html = render("{% loyalty_recommended_for_you %}", request_for(customers["bob"]))
    assert "Recommended for you" in html
    assert titles(html, products) == ["saucer", "biscuits"]  # never tea or cup, bob's own


def test_buy_it_again_lists_the_customers_own_products(shop):
    products, customers = shop
    html = render("{% loyalty_buy_it_again %}", request_for(customers["ann"]))
    assert "Buy it again" in html
    assert sorted(titles(html, products)) == ["cup", "saucer", "tea"]


def test_basket_block_shows_what_buyers_of_the_basket_also_bought(shop):
    products, customers = shop
    request = request_for(customers["fay"], basket_products=[products["tea"]])
    html = render("{% loyalty_basket_also_bought basket %}", request, basket=request.basket)
    assert "Customers who bought these also bought" in html
    assert titles(html, products)[0] == "cup"
    assert "tea" not in titles(html, products)


def test_guests_get_popular_products_instead(shop):
    products, _ = shop
    html = render("{% loyalty_recommended_for_you %}", request_for())
    assert "Popular now" in html
    assert titles(html, products)[:1] == ["tea"] or "cup" in titles(html, products)


def test_a_new_order_refreshes_the_customers_cached_lists(shop):
    products, customers = shop
    bob = customers["bob"]
    assert serving.lists_for_customer(bob.pk).discover[0] == products["saucer"].pk
    buy_products(bob, [products["saucer"]])
    lists = serving.lists_for_customer(bob.pk)
    assert products["saucer"].pk not in lists.discover
    assert products["saucer"].pk in lists.buy_again


@pytest.mark.parametrize(
    "tag, shopper",
    [
        ("{% loyalty_buy_it_again %}", "ann"),
        ("{% loyalty_recommended_for_you %}", "ann"),
        ("{% loyalty_recommended_for_you %}", None),  # "Popular now" for a guest
        ("{% loyalty_bought_together product %}", "ann"),
        ("{% loyalty_basket_also_bought basket %}", "ann"),
    ],
)
def test_a_block_costs_at_most_two_queries_on_a_warm_cache(
    shop, tag, shopper, django_assert_max_num_queries
):
    products, customers = shop
    user = customers[shopper] if shopper else None
    request = request_for(user, basket_products=[products["tea"]])
    context = {"product": products["cup"], "basket": request.basket}
    render(tag, request, **context)  # warms the cache
    request = request_for(user, basket_products=[products["tea"]])
    context["basket"] = request.basket
    with django_assert_max_num_queries(2):
        html = render(tag, request, **context)
    assert "data-recommendations" in html


def test_a_line_emptied_to_quantity_zero_is_not_a_purchase(shop):
    # hal's order was edited: the kettle line was kept with quantity 0. He bought only tea.
    products, _ = shop
    hal = UserFactory()
    order = buy_products(hal, [products["tea"], products["kettle"]])
    order.lines.filter(product=products["kettle"]).update(quantity=0)

    build = build_recommendations()

    assert build.order_lines == 16  # the shop's 15 purchases and hal's tea
    assert not ProductNeighbour.objects.filter(product=products["kettle"]).exists()
    assert serving.compute_customer_lists(hal.pk).buy_again == [products["tea"].pk]
