"""Walking Oscar's stock checkout as a shopper would: with Django's test client or a browser."""

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_class
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_shipping_country,
    create_spend_rule,
)

FixedPrice = get_class("shipping.methods", "FixedPrice")
Repository = get_class("shipping.repository", "Repository")

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Street",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


def shipping_method(code: str, excl_tax: str, incl_tax: str | None = None):
    """A fixed-price shipping method; without ``incl_tax`` its tax is not known (Oscar then
    discounts it exclusive of tax)."""
    method = FixedPrice(Decimal(excl_tax), Decimal(incl_tax) if incl_tax else None)
    method.code, method.name = code, code.title()
    return method


def offer_shipping(monkeypatch, *methods) -> None:
    """The shop's shipping methods, the first being the default (set on Oscar's Repository,
    as a shop's own Repository would)."""
    monkeypatch.setattr(Repository, "methods", methods)


def go_to_preview(client: Client) -> None:
    """Shipping address, then the only shipping method; leaves the client on the preview."""
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"), follow=True)


def basket_with_points_applied(client: Client, points: int = 500, **rules) -> None:
    """A signed-in shopper with 1000 points (or ``points`` if more), three products in the
    basket and ``points`` applied to it, in a shop with a spend rule and points redemption set
    up (with ``rules``)."""
    create_spend_rule("1")
    create_redemption_settings(**rules)
    create_shipping_country()
    user = UserFactory()
    ledger.earn(ledger.account_for_user(user), max(points, 1000), key="funding")
    client.force_login(user)
    for title in ("Jumbo Bag Red Retrospot", "Regency Cakestand", "Party Bunting"):
        product = create_buyable_product(title, "12.50")
        client.post(reverse("basket:add", args=[product.pk]), {"quantity": 2})
    client.post(
        reverse("oscar_loyalty:redeem-points"),
        {"action": "apply", "points": str(points), "token": "a" * 32},
    )


def checkout_in_browser(page) -> str:
    """From the basket page to the thank-you page in Chromium; returns the page's text."""
    page.goto("/basket/")
    page.click("text=Proceed to checkout")
    if page.locator("#id_first_name").count():
        for field in ("first_name", "last_name", "line1", "line4", "postcode"):
            page.fill(f"#id_{field}", ADDRESS[field])
        page.click("form#new_shipping_address button[type=submit]")
    else:
        page.click("text=Ship to this address")
    page.wait_for_url(re.compile(r"/checkout/(payment-details|preview)/"))
    if "/payment-details/" in page.url:
        page.click("#view_preview")
    page.click("#place-order")
    page.wait_for_url(re.compile(r"/checkout/thank-you/"))
    return page.inner_text("body")
