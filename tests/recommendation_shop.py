"""A small hand-made purchase history the recommendation tests share.

Seven customers, one order each a month ago. By hand: tea and cup share 3 buyers, cup and
saucer 2, candle and matches 2, and biscuits, saucer and tea 1 with some other product each; the
candle group never meets the tea group, and nobody bought the kettle. So cup's neighbours rank
tea, saucer, biscuits; candle and matches link only to each other; the kettle has no link.
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
