"""Build the recommendation model from Oscar's order lines and store it in the database.

Reads the lines as integer columns (two queries plus one per 50,000 lines), hands them to
:mod:`.algorithm` as arrays and replaces all ``ProductNeighbour`` rows in one transaction, so
the shop serves either the old model or the new one, never a mix. Cancelled orders (the
``OSCAR_LOYALTY_REVERSE_STATUSES``), guest orders (no customer to learn from) and lines that
buy nothing (quantity 0, or a product deleted since) are left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from .. import caching, conf
from ..models import ProductNeighbour, RecommendationBuild
from . import algorithm
from .algorithm import History, Parameters

Line = get_model("order", "Line")
Order = get_model("order", "Order")
ProductCategory = get_model("catalogue", "ProductCategory")

READ_CHUNK = 50_000
WRITE_BATCH = 5_000
POPULAR_KEPT = 100  # product ids kept per popularity list
CATEGORY_POPULAR_KEPT = 20
BUILD_CACHE_NAME = "recommendation_build"

#: ``progress(stage, done, total)``; stages: reading (lines), model, writing (links).
Progress = Callable[[str, int, int], None]


def parameters() -> Parameters:
    """The recommender's parameters from the ``OSCAR_LOYALTY_RECOMMENDATIONS_*`` settings."""
    return Parameters(
        neighbours=int(conf.get("RECOMMENDATIONS_NEIGHBOURS")),
        half_life_days=float(conf.get("RECOMMENDATIONS_HALF_LIFE_DAYS")),
        dense_products=int(conf.get("RECOMMENDATIONS_DENSE_PRODUCTS")),
    )


def counted_orders():
    """The orders the model learns from: placed by a customer, not cancelled."""
    return Order.objects.filter(user__isnull=False).exclude(status__in=conf.get("REVERSE_STATUSES"))


def counted_lines(lines):
    """The lines that are purchases of a product the shop still has: not of a since-deleted
    product (``product`` is NULL) and not emptied to quantity 0 (an edited order)."""
    return lines.filter(product__isnull=False, quantity__gt=0)


def history_from_orders(progress: Progress | None = None) -> History:
    """Every counted order line as (customer, product, day) arrays."""
    report = progress or (lambda stage, done, total: None)
    orders = np.array(
        [
            (pk, user_id, placed.timestamp() / algorithm.SECONDS_PER_DAY)
            for pk, user_id, placed in counted_orders().values_list("pk", "user_id", "date_placed")
        ],
        dtype=np.float64,
    ).reshape(-1, 3)
    lines = counted_lines(Line.objects.filter(order__in=counted_orders()))
    total = lines.count()
    pairs = np.empty((total, 2), dtype=np.int64)
    done = 0
    for chunk in _chunked(lines.values_list("order_id", "product_id").order_by(), READ_CHUNK):
        block = np.array(chunk, dtype=np.int64).reshape(-1, 2)[: total - done]
        pairs[done : done + len(block)] = block
        done += len(block)
        report("reading", done, total)
    pairs = pairs[:done]
    order_ids = orders[:, 0].astype(np.int64)
    sort = np.argsort(order_ids)
    at = sort[np.searchsorted(order_ids, pairs[:, 0], sorter=sort)]
    return History.from_ids(orders[at, 1].astype(np.int64), pairs[:, 1], orders[at, 2])


def build_recommendations(
    progress: Progress | None = None, params: Parameters | None = None
) -> RecommendationBuild:
    """Rebuild the model from all counted orders; returns the build's log row.

    Safe to run again at any time (each run replaces the previous model). A failure is logged
    on the build row as ``failed`` with its message and re-raised; the previous model stays.
    """
    report = progress or (lambda stage, done, total: None)
    params = params or parameters()
    build = RecommendationBuild.objects.create()
    started = time.perf_counter()
    try:
        history = history_from_orders(report)
        report("model", 0, 1)
        neighbours = algorithm.item_neighbours(history, params).tocoo()
        popular = popular_products(history)
        report("model", 1, 1)
        links = _neighbour_rows(history, neighbours)
        with transaction.atomic():
            ProductNeighbour.objects.all().delete()
            for start in range(0, len(links), WRITE_BATCH):
                ProductNeighbour.objects.bulk_create(links[start : start + WRITE_BATCH])
                report("writing", min(start + WRITE_BATCH, len(links)), len(links))
            build.status = RecommendationBuild.SUCCEEDED
            build.order_lines = len(history.customers)
            build.customers = len(np.unique(history.customers))
            build.products = len(np.unique(history.products))
            build.neighbours = len(links)
            build.popular = popular
            _finish(build, started)
    except Exception as error:
        build.status, build.message = RecommendationBuild.FAILED, str(error)[:2000]
        _finish(build, started)
        raise
    caching.forget(BUILD_CACHE_NAME)
    return build


def _finish(build: RecommendationBuild, started: float) -> None:
    build.finished_at = timezone.now()
    build.duration = round(time.perf_counter() - started, 3)
    build.save()


def _neighbour_rows(history: History, neighbours) -> list[ProductNeighbour]:
    """Model rows from the sparse matrix, ranked 1.. within each product by score."""
    order = np.lexsort((-neighbours.data, neighbours.row))
    rows, cols, scores = neighbours.row[order], neighbours.col[order], neighbours.data[order]
    starts = np.searchsorted(rows, rows, side="left")
    ranks = np.arange(len(rows)) - starts + 1
    products = history.product_ids
    return [
        ProductNeighbour(product_id=int(p), neighbour_id=int(n), score=float(s), rank=int(r))
        for p, n, s, r in zip(
            products[rows].tolist(),
            products[cols].tolist(),
            scores.tolist(),
            ranks.tolist(),
            strict=True,
        )
    ]


def popular_products(history: History) -> dict:
    """Popularity lists for shoppers without history: overall, recent and per category."""
    ids = history.product_ids
    overall = algorithm.popularity(history)
    recent_days = float(conf.get("RECOMMENDATIONS_RECENT_DAYS"))
    newest = float(history.days.max()) if len(history.days) else 0.0
    recent = algorithm.popularity(history, since=newest - recent_days)
    rank = np.full(len(ids), len(ids), dtype=np.int64)
    rank[overall] = np.arange(len(overall))
    by_category: dict[str, list[int]] = {}
    pairs = category_pairs(ids[overall])
    if len(pairs):
        codes = np.searchsorted(ids, pairs[:, 1])
        pairs = pairs[np.lexsort((rank[codes], pairs[:, 0]))]
        for category in np.unique(pairs[:, 0]):  # one pass per category, not per line
            members = pairs[pairs[:, 0] == category, 1][:CATEGORY_POPULAR_KEPT]
            by_category[str(int(category))] = members.tolist()
    return {
        "overall": ids[overall[:POPULAR_KEPT]].tolist(),
        "recent": ids[recent[:POPULAR_KEPT]].tolist(),
        "categories": by_category,
    }


def category_pairs(product_ids: np.ndarray) -> np.ndarray:
    """``(category, product)`` rows of these products, a variant in its parent's categories
    (Oscar files parents, not their variants, in categories, and variants are what is bought).

    Two queries over the whole category table rather than an ``IN`` list of every product
    bought, which a large catalogue would take past the database's limit on parameters.
    """
    own = ProductCategory.objects.values_list("category_id", "product_id")
    inherited = ProductCategory.objects.filter(product__children__isnull=False).values_list(
        "category_id", "product__children"
    )
    pairs = np.array([*own, *inherited], dtype=np.int64).reshape(-1, 2)
    return np.unique(pairs[np.isin(pairs[:, 1], product_ids)], axis=0)


def _chunked(queryset, size: int) -> Iterator[list]:
    chunk: list = []
    for row in queryset.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
