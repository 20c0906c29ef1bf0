"""Turn ranked product ids into products a shopper can buy right now, in at most two queries.

One query for the products in the shopper's basket (none when the basket's lines are already
loaded, as on the basket page) and one for the candidates' stock records, products, classes
and first image together. Products that are not public, have no stock record or that the
shop's strategy says are not available to buy are skipped, like those already in the basket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from oscar.core.loading import get_class, get_model

Selector = get_class("partner.strategy", "Selector")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

CANDIDATE_FACTOR = 3  # candidates fetched per product shown, to survive the exclusions


@dataclass(frozen=True)
class Card:
    """A product ready to show: the product, its price and its first image's path (or "")."""

    product: Any
    price: Any
    image: str


def basket_product_ids(request) -> set[int]:
    """Products in the shopper's basket, looked up once per request."""
    if request is None:
        return set()
    if not hasattr(request, "_loyalty_basket_products"):
        basket = getattr(request, "basket", None)
        ids: set[int] = set()
        if basket is not None and basket.id is not None:
            loaded = getattr(basket, "_lines", None)
            if loaded is not None and getattr(loaded, "_result_cache", None) is not None:
                ids = {line.product_id for line in loaded}
            else:
                ids = set(basket.lines.values_list("product_id", flat=True))
        request._loyalty_basket_products = ids
    return request._loyalty_basket_products


def available_cards(
    request, product_ids: Sequence[int], limit: int, exclude: Iterable[int] = ()
) -> list[Card]:
    """Up to ``limit`` buyable products from ``product_ids``, in that order."""
    if not product_ids or limit <= 0:
        return []
    excluded = set(exclude) | basket_product_ids(request)
    candidates = [pid for pid in dict.fromkeys(product_ids) if pid not in excluded]
    candidates = candidates[: limit * CANDIDATE_FACTOR]
    if not candidates:
        return []
    first_image = ProductImage.objects.filter(product_id=OuterRef("product_id")).order_by(
        "display_order", "pk"
    )
    records = (
        StockRecord.objects.filter(product_id__in=candidates, product__is_public=True)
        .select_related("product", "product__product_class", "product__parent__product_class")
        .annotate(image=Subquery(first_image.values("original")[:1]))
        .order_by("pk")
    )
    by_product: dict[int, Any] = {}
    for record in records:
        by_product.setdefault(record.product_id, record)  # Oscar's default: the first record
    strategy = getattr(request, "strategy", None) or Selector().strategy(request=request)
    cards = []
    for pid in candidates:
        record = by_product.get(pid)
        if record is None:
            continue
        info = strategy.fetch_for_product(record.product, stockrecord=record)
        if info.availability.is_available_to_buy:
            cards.append(Card(record.product, info.price, _image_url(record.image)))
            if len(cards) == limit:
                break
    return cards


def _image_url(name: str | None) -> str:
    """The address of an image file, from its storage (no query, no thumbnail)."""
    return ProductImage._meta.get_field("original").storage.url(name) if name else ""
