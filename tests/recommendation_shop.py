"""A small hand-made purchase history the recommendation tests share.

Seven customers, one order each a month ago. Worked out by hand (cosine of buyer sets, links
need two shared buyers): tea-cup 3/sqrt(4*4) = 0.75, cup-saucer 2/sqrt(4*2) = 0.7071,
candle-matches 1.0; biscuits and kettle have no neighbours.
"""

from datetime import timedelta

from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty.recommendations.build import build_recommendations
from tests.factories import buy_products, create_buyable_product

BASKETS = {
    "ann": ["tea", "cup", "saucer"],
    "bob": ["tea", "cup"],
    "cat": ["tea", "cup", "biscuits"],
    "dan": ["candle", "matches"],
    "eve": ["candle", "matches"],
    "fay": ["tea"],
    "gus": ["cup", "saucer"],
}
PRODUCTS = ["tea", "cup", "saucer", "biscuits", "candle", "matches", "kettle"]


def make_shop(password: str | None = None):
    """Products, customers (``<name>@example.com``) and their orders, then the model."""
    products = {name: create_buyable_product(name.title(), "5.00") for name in PRODUCTS}
    customers = {}
    placed = timezone.now() - timedelta(days=30)
    for name, items in BASKETS.items():
        customer = UserFactory(email=f"{name}@example.com")
        if password:
            customer.set_password(password)
            customer.save()
        customers[name] = customer
        buy_products(customer, [products[item] for item in items], date_placed=placed)
    build_recommendations()
    return products, customers
