"""Recommendation blocks as HTML, rendered once and reused for as long as what they show holds.

Loading products and asking the shop's strategy for their prices costs far more than the two
queries a block is allowed (mostly Django building model instances and SQL, and the template),
so the rendered block is cached. Its key is made of what the block shows, read fresh on every
render by one narrow query: each candidate product's first stock record (every column: price,
currency, stock, allocations, last change), the product's public flag, last change and parent,
whether its class tracks stock, its first image, plus the candidates' order, the block's kind,
size and title, the language and the strategy's class. Nothing can go stale: a product that
sells out, is hidden or is repriced changes the key of every block it is in on the next render,
even when the change came through ``QuerySet.update()`` (as Oscar's stock allocation does) and
not through signals. New builds, orders and basket changes change the candidate ids themselves.

Not in the key, by design: the user and the request. A strategy that prices or stocks per
shopper (a trade price list, tax by the shopper's country) must turn the cache off with
``OSCAR_LOYALTY_RECOMMENDATIONS_CACHE_BLOCKS = False``. For the same reason the block template
is rendered without the request in its context. A shop that changes ``block.html`` on a cache
shared across deployments should clear it (or bump ``CACHES``' ``VERSION``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .. import caching, conf
from . import display, prepared
from .display import ProductImage, StockRecord

BLOCK = "oscar_loyalty/recommendations/block.html"
#: What of a product besides its stock record can change its card or whether it is shown.
PRODUCT_FIELDS = (
    "product__is_public",
    "product__date_updated",
    "product__structure",
    "product__parent_id",
    "product__product_class__track_stock",
    "product__parent__date_updated",
    "product__parent__product_class__track_stock",
)


def render_block(
    request, kind: str, title, product_ids: Sequence[int], limit: int, exclude: Iterable[int] = ()
) -> SafeString:
    """The block's HTML: up to ``limit`` buyable products of ``product_ids`` in that order,
    leaving out ``exclude`` and the basket's products; "" when none is left."""
    candidates = display.candidate_ids(request, product_ids, limit, exclude)
    if not candidates:
        return mark_safe("")
    strategy = display.strategy_for(request)
    if not conf.get("RECOMMENDATIONS_CACHE_BLOCKS"):
        return _render(kind, title, display.available_cards(strategy, candidates, limit))
    rows = _stock_rows(candidates)
    shown = [pid for pid in candidates if pid in rows]
    if not shown:
        return mark_safe("")
    strategy_class = type(strategy)
    signature = repr(
        (kind, str(title), limit, get_language(), strategy_class.__module__,
         strategy_class.__qualname__, [rows[pid] for pid in shown])
    )  # fmt: skip
    key = f"{caching.PREFIX}recommendations:block:{hashlib.sha1(signature.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = _render(kind, title, display.available_cards(strategy, shown, limit))
        cache.set(key, str(html), int(conf.get("RECOMMENDATIONS_CACHE_TIMEOUT")))
    return mark_safe(html)


def _render(kind: str, title, cards: list[display.Card]) -> SafeString:
    if not cards:
        return mark_safe("")
    return render_to_string(BLOCK, {"kind": kind, "title": title, "cards": cards})


def _stock_rows_queryset(product_ids: list[int]):
    first_image = ProductImage.objects.filter(product_id=OuterRef("product_id")).order_by(
        "display_order", "pk"
    )
    stock_fields = [field.attname for field in StockRecord._meta.concrete_fields]
    return (
        StockRecord.objects.filter(product_id__in=product_ids)
        .annotate(first_image=Subquery(first_image.values("original")[:1]))
        .order_by("pk")
        .values_list("product_id", *PRODUCT_FIELDS, "first_image", *stock_fields)
    )


STOCK_ROWS = prepared.PreparedQuery(StockRecord, _stock_rows_queryset)


def _stock_rows(product_ids: list[int]) -> dict[int, tuple]:
    """Each public product's first stock record with what else decides its card, as raw
    database values (compared, never shown), in one query."""
    rows: dict[int, tuple] = {}
    for row in STOCK_ROWS.rows(product_ids):  # product_id, is_public, ... by stock record id
        if row[1]:
            rows.setdefault(row[0], row)
    return rows
