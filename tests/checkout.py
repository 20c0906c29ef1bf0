"""Walking Oscar's stock checkout with Django's test client, as a shopper would."""

from django.test import Client
from django.urls import reverse

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "1 Analytical Street",
    "line4": "London",
    "postcode": "N1 9GU",
    "country": "GB",
}


def go_to_preview(client: Client) -> None:
    """Shipping address, then the only shipping method; leaves the client on the preview."""
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"), follow=True)
