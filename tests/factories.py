"""Shop data for tests, built with Oscar's own factories where they fit."""

from decimal import Decimal

from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order, create_product, create_stockrecord

from oscar_loyalty.models import RedemptionSettings, SpendRule

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
Default = get_class("partner.strategy", "Default")


def create_shipping_country(code: str = "GB", name: str = "United Kingdom") -> Country:
    country, _ = Country.objects.update_or_create(
        iso_3166_1_a2=code,
        defaults={"name": name, "printable_name": name, "is_shipping_country": True},
    )
    return country


def create_buyable_product(title: str, price: str, stock: int = 50):
    """A product with a stock record, so the storefront shows it and lets shoppers buy it."""
    return create_product(title=title, price=Decimal(price), num_in_stock=stock)


def create_spend_rule(points_per_unit: str = "1", **kwargs) -> SpendRule:
    kwargs.setdefault("name", f"{points_per_unit} points per unit")
    return SpendRule.objects.create(points_per_unit=Decimal(points_per_unit), **kwargs)


def create_redemption_settings(**kwargs) -> RedemptionSettings:
    kwargs.setdefault("points_per_unit", 100)
    return RedemptionSettings.objects.create(currency="GBP", **kwargs)


def _add_lines(basket, lines: list[tuple[str, int]], currency: str = "GBP") -> None:
    basket.strategy = Default()
    for price, quantity in lines:
        product = create_product()
        create_stockrecord(
            product, price=Decimal(price), num_in_stock=quantity + 5, currency=currency
        )
        basket.add_product(product, quantity)


def open_basket(user, lines: list[tuple[str, int]]):
    """The user's open basket with ``lines`` of (unit price, quantity), each a new product."""
    basket, _created = Basket.open.get_or_create(owner=user)
    _add_lines(basket, lines)
    return basket


def with_offers(basket, user):
    """A fresh copy of the basket with site offers applied, as Oscar's middleware does."""
    fresh = Basket.objects.get(pk=basket.pk)
    fresh.strategy = Default()
    fresh.owner = user
    Applicator().apply(fresh, user)
    return fresh


def place_order(user, lines: list[tuple[str, int]], currency: str = "GBP", **kwargs):
    """Place a real order through Oscar's OrderCreator (fires order_placed) for ``lines`` of
    (unit price, quantity), each a new product."""
    basket = Basket.objects.create(owner=user)
    _add_lines(basket, lines, currency)
    return create_order(basket=basket, user=user, **kwargs)


def dashboard_url(name: str, *args) -> str:
    """A loyalty dashboard URL by its name (``loyalty-...``)."""
    from django.urls import reverse

    return reverse(f"oscar_loyalty_dashboard:{name}", args=args)


def buy_products(user, products, **kwargs):
    """A real order of one unit of each of ``products`` through Oscar's OrderCreator (fires
    order_placed); ``date_placed=...`` backdates it."""
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product in products:
        basket.add_product(product)
    return create_order(basket=basket, user=user, **kwargs)
