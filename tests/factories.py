"""Shop data for tests, built with Oscar's own factories where they fit."""

from decimal import Decimal

from oscar.core.loading import get_model
from oscar.test.factories import create_product

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
