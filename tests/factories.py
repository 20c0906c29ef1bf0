"""Shop data for tests, built with Oscar's own factories where they fit."""

from decimal import Decimal

from oscar.core.loading import get_model
from oscar.test.factories import create_product

from oscar_loyalty.models import SpendRule

Country = get_model("address", "Country")


def create_shipping_country(code: str = "GB", name: str = "United Kingdom") -> "Country":
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


def place_order(user, lines: list[tuple[str, int]], currency: str = "GBP", **kwargs):
    """Place a real order through Oscar's OrderCreator (fires order_placed) for ``lines`` of
    (unit price, quantity), each a new product."""
    from oscar.core.loading import get_class
    from oscar.test.factories import create_order, create_stockrecord
    from oscar.test.factories import create_product as oscar_create_product

    Default = get_class("partner.strategy", "Default")

    Basket = get_model("basket", "Basket")
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for price, quantity in lines:
        product = oscar_create_product()
        create_stockrecord(
            product, price=Decimal(price), num_in_stock=quantity + 5, currency=currency
        )
        basket.add_product(product, quantity)
    return create_order(basket=basket, user=user, **kwargs)


def create_redemption_settings(**kwargs):
    from oscar_loyalty.models import RedemptionSettings

    kwargs.setdefault("points_per_unit", 100)
    return RedemptionSettings.objects.create(currency="GBP", **kwargs)


def open_basket(user, lines: list[tuple[str, int]]):
    """The user's open basket with ``lines`` of (unit price, quantity), each a new product."""
    from oscar.core.loading import get_class
    from oscar.test.factories import create_stockrecord
    from oscar.test.factories import create_product as oscar_create_product

    Basket = get_model("basket", "Basket")
    Default = get_class("partner.strategy", "Default")
    basket, _created = Basket.open.get_or_create(owner=user)
    basket.strategy = Default()
    for price, quantity in lines:
        product = oscar_create_product()
        create_stockrecord(product, price=Decimal(price), num_in_stock=quantity + 5)
        basket.add_product(product, quantity)
    return basket


def with_offers(basket, user):
    """Apply site offers like Oscar's middleware does on every request, on a fresh copy."""
    from oscar.core.loading import get_class

    Basket = get_model("basket", "Basket")
    Default = get_class("partner.strategy", "Default")
    Applicator = get_class("offer.applicator", "Applicator")
    fresh = Basket.objects.get(pk=basket.pk)
    fresh.strategy = Default()
    fresh.owner = user
    Applicator().apply(fresh, user)
    return fresh
