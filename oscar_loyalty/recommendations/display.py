"""Turn ranked product ids into products a shopper can buy right now.

Which ids are candidates (not excluded, not in the basket, a few more than the block shows to
survive the unavailable ones) is decided here, and so is what a card holds: the product, the
price the shop's strategy gives for it and its first image. Products that are not public, have
no stock record or that the strategy says are not available to buy are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from oscar.core.loading import get_class, get_model

from .prepared import PreparedQuery

Selector = get_class("partner.strategy", "Selector")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
BasketLine = get_model("basket", "Line")

CANDIDATE_FACTOR = 3  # candidates fetched per product shown, to survive the exclusions


def _basket_products_queryset(basket_ids: list[int]):
    return BasketLine.objects.filter(basket_id__in=basket_ids).order_by().values_list("product_id")


BASKET_PRODUCTS = PreparedQuery(BasketLine, _basket_products_queryset)


@dataclass(frozen=True)
class Card:
    """A product ready to show: the product, its price and its first image's path (or "")."""

    product: Any
    price: Any
    image: str


def basket_product_ids(request) -> set[int]:
    """Products in the shopper's basket, looked up once per request (no query when the
    basket's lines are already loaded, as on the basket page)."""
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
                ids = {product_id for (product_id,) in BASKET_PRODUCTS.rows([basket.id])}
        request._loyalty_basket_products = ids
    return request._loyalty_basket_products


def candidate_ids(
    request, product_ids: Sequence[int], limit: int, exclude: Iterable[int] = ()
) -> list[int]:
    """The ids worth looking up for a block of ``limit`` products, best first: neither
    excluded nor in the basket, at most ``limit * CANDIDATE_FACTOR`` of them."""
    if not product_ids or limit <= 0:
        return []
    excluded = set(exclude) | basket_product_ids(request)
    candidates = [pid for pid in dict.fromkeys(product_ids) if pid not in excluded]
    return candidates[: limit * CANDIDATE_FACTOR]


def strategy_for(request):
    """The shop's pricing and availability strategy for this request (Oscar's middleware
    sets ``request.strategy``; a template rendered without it gets the Selector's)."""
    return getattr(request, "strategy", None) or Selector().strategy(request=request)


def available_cards(strategy, candidates: Sequence[int], limit: int) -> list[Card]:
    """Up to ``limit`` buyable products from ``candidates``, in that order (one query for
    their stock records, products, classes and first images together)."""
    if not candidates or limit <= 0:
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
    cards = []
    for pid in candidates:
        record = by_product.get(pid)
        if record is None:
            continue
        info = strategy.fetch_for_product(record.product, stockrecord=record)
        if info.availability.is_available_to_buy:
            cards.append(Card(record.product, info.price, image_url(record.image)))
            if len(cards) == limit:
                break
    return cards


def image_url(name: str | None) -> str:
    """The address of an image file, from its storage (no query, no thumbnail)."""
    return ProductImage._meta.get_field("original").storage.url(name) if name else ""
