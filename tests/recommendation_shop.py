"""A small hand-made purchase history the recommendation tests share.

Seven customers, one order each a month ago. By hand: tea and cup share 3 buyers, cup and
saucer 2, candle and matches 2, and biscuits, saucer and tea 1 with some other product each; the
candle group never meets the tea group, and nobody bought the kettle. So cup's neighbours rank
tea, saucer, biscuits; candle and matches link only to each other; the kettle has no link.
"""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.recommendations.build import build_recommendations
from tests.factories import buy_products, create_buyable_product

Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")

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


def request_for(user=None, basket_products=()):
    """A page request of ``user`` (a guest when None) with these products in the basket,
    whose lines are not loaded yet, as on most pages."""
    request = RequestFactory().get("/")
    request.user = user if user is not None else AnonymousUser()
    request.strategy = Selector().strategy()
    request.basket = Basket.objects.create(owner=user)
    request.basket.strategy = request.strategy
    for product in basket_products:
        request.basket.add_product(product)
    request.basket = Basket.objects.get(pk=request.basket.pk)
    return request


def render(tag: str, request, **context) -> str:
    template = Template("{% load recommendation_tags %}" + tag)
    return template.render(Context({"request": request, **context}))


def titles(html: str, products) -> list[str]:
    """The names of the shop's products a block shows, in the shop's order of ``products``."""
    return [name for name, product in products.items() if f'data-product="{product.pk}"' in html]
