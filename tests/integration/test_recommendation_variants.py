"""Recommendations in a shop that sells variants: customers buy a shirt's sizes, and Oscar files
the shirt (the parent), not its sizes, in categories."""

import pytest
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_product, create_stockrecord

from oscar_loyalty.recommendations.build import build_recommendations
from tests.factories import buy_products, create_buyable_product
from tests.recommendation_shop import render, request_for, titles

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
create_from_breadcrumbs = get_class("catalogue.categories", "create_from_breadcrumbs")


@pytest.fixture
def clothes():
    """A shirt in sizes S, M and L, a tie and a scarf nobody bought yet, all under Clothes.
    Three customers bought a shirt (S, M, M) with the tie."""
    shirt = create_product(title="Shirt", structure="parent")
    sizes = {}
    for size in "SML":
        sizes[size] = Product.objects.create(title=f"Shirt {size}", parent=shirt, structure="child")
        create_stockrecord(sizes[size], price=20, num_in_stock=10)
    tie, scarf = create_buyable_product("Tie", "9.00"), create_buyable_product("Scarf", "12.00")
    clothes = create_from_breadcrumbs("Clothes")
    for product in (shirt, tie, scarf):
        ProductCategory.objects.create(product=product, category=clothes)
    for size in "SMM":
        buy_products(UserFactory(), [sizes[size], tie])
    build_recommendations()
    return {
        "shirt": shirt,
        "tie": tie,
        "scarf": scarf,
        **{f"shirt {s}": p for s, p in sizes.items()},
    }


def test_a_parent_products_page_shows_what_goes_with_its_variants(clothes):
    html = render("{% loyalty_bought_together product %}", request_for(), product=clothes["shirt"])

    assert titles(html, clothes) == ["tie"]


def test_a_new_products_category_best_sellers_include_variants(clothes):
    html = render("{% loyalty_bought_together product %}", request_for(), product=clothes["scarf"])

    assert set(titles(html, clothes)) == {"tie", "shirt S", "shirt M"}
