"""Recommendations at request time: ranked product ids from the stored neighbours, cached.

Ranked lists (ids only) are cached per customer, per product and per basket content, under
keys holding the current build's id, so a new build retires them all; a customer's lists are
also dropped when they place an order (see ``receivers``). Turning ids into products a shopper
can buy is :mod:`.display`'s job. Scoring uses the same :mod:`.algorithm` functions as the
evaluation report, so what the report measures is what the shop serves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model
from scipy import sparse

from .. import caching, conf
from ..models import ProductNeighbour, RecommendationBuild
from . import algorithm
from .build import BUILD_CACHE_NAME, counted_lines, counted_orders, parameters

Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")

LIST_LENGTH = 60  # ids kept per cached list: enough to survive the exclusions of a block
REASONS_KEPT = 3
IN_CHUNK = 500


@dataclass(frozen=True)
class BuildInfo:
    """What serving needs of the current build, small enough to cache."""

    id: int
    popular: dict = field(default_factory=dict)

    def popular_in(self, category_ids: Iterable[int]) -> list[int]:
        categories = self.popular.get("categories", {})
        found = [pid for cid in category_ids for pid in categories.get(str(cid), [])]
        return list(dict.fromkeys(found))


NO_BUILD = BuildInfo(id=0)


@dataclass(frozen=True)
class CustomerLists:
    """A customer's two lists, best first, and for each discovery the products behind it."""

    build_id: int
    buy_again: list[int]
    discover: list[int]
    reasons: dict[int, list[int]]


def current_build() -> BuildInfo:
    """The newest successful build (cached; ``NO_BUILD`` when none has run yet)."""

    def load() -> BuildInfo:
        build = (
            RecommendationBuild.objects.filter(status=RecommendationBuild.SUCCEEDED)
            .only("pk", "popular")
            .order_by("-finished_at", "-pk")
            .first()
        )
        return BuildInfo(build.pk, build.popular or {}) if build else NO_BUILD

    return caching.cached(BUILD_CACHE_NAME, load)


def _timeout() -> int:
    return int(conf.get("RECOMMENDATIONS_CACHE_TIMEOUT"))


def customer_cache_key(user_id: int) -> str:
    return f"{caching.PREFIX}recommendations:customer:{user_id}"


def forget_customer(user_id: int) -> None:
    """Drop a customer's cached lists (their history changed)."""
    cache.delete(customer_cache_key(user_id))


def lists_for_customer(user_id: int) -> CustomerLists:
    """The customer's "buy it again" and "recommended for you" ids, from cache when fresh."""
    build = current_build()
    key = customer_cache_key(user_id)
    lists = cache.get(key)
    if lists is None or lists.build_id != build.id:
        lists = compute_customer_lists(user_id, build.id)
        cache.set(key, lists, _timeout())
    return lists


def compute_customer_lists(user_id: int, build_id: int = 0) -> CustomerLists:
    """Score one customer: their history (one query) and its products' neighbours."""
    history = list(
        counted_lines(
            Line.objects.filter(order__in=counted_orders().filter(user_id=user_id))
        ).values_list("product_id", "order__date_placed")
    )
    if not history:
        return CustomerLists(build_id, [], [], {})
    bought = np.array([pid for pid, _ in history], dtype=np.int64)
    days = np.array([placed.timestamp() for _, placed in history]) / algorithm.SECONDS_PER_DAY
    links = neighbour_links(np.unique(bought).tolist())
    products = np.unique(np.concatenate([bought, links[:, 1].astype(np.int64)]))
    customer = algorithm.History.from_ids(
        np.zeros(len(bought), dtype=np.int64), bought, days, all_products=products
    )
    params = parameters()
    now = timezone.now().timestamp() / algorithm.SECONDS_PER_DAY
    profile = algorithm.decayed_profile(customer, now, params.half_life_days)
    similarity = _local_matrix(links, products)
    blended = algorithm.blended_scores(profile, similarity, params)
    own = np.full(blended.shape, -np.inf)
    own[0, customer.products] = blended[0, customer.products]
    again = algorithm.top_n(own, LIST_LENGTH)[0]
    discover = algorithm.top_n(algorithm.discovery_scores(profile, similarity), LIST_LENGTH)[0]
    again, discover = again[again >= 0], discover[discover >= 0]
    return CustomerLists(
        build_id,
        products[again].tolist(),
        products[discover].tolist(),
        _reasons(profile, similarity, discover, products),
    )


def _reasons(profile, similarity, picked: np.ndarray, products: np.ndarray) -> dict[int, list]:
    """For each recommended product, the bought products that contributed most to its score."""
    if not len(picked):
        return {}
    weights = np.asarray(profile.todense()).ravel()
    contributions = similarity[:, picked].toarray() * weights[:, None]  # history x picked
    reasons = {}
    top = np.argsort(-contributions, axis=0)[:REASONS_KEPT]
    for column, product in enumerate(picked.tolist()):
        causes = top[:, column]
        causes = causes[contributions[causes, column] > 0]
        reasons[int(products[product])] = products[causes].tolist()
    return reasons


def neighbour_links(product_ids: list[int]) -> np.ndarray:
    """``(product, neighbour, score)`` rows of these products (one query per 500 products)."""
    rows: list[tuple[int, int, float]] = []
    for start in range(0, len(product_ids), IN_CHUNK):
        chunk = product_ids[start : start + IN_CHUNK]
        rows += ProductNeighbour.objects.filter(product_id__in=chunk).values_list(
            "product_id", "neighbour_id", "score"
        )
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _local_matrix(links: np.ndarray, products: np.ndarray) -> sparse.csr_matrix:
    size = len(products)
    rows = np.searchsorted(products, links[:, 0].astype(np.int64))
    cols = np.searchsorted(products, links[:, 1].astype(np.int64))
    return sparse.csr_matrix((links[:, 2], (rows, cols)), shape=(size, size))


def bought_with(product_ids: Iterable[int]) -> list[int]:
    """Products most often bought with all of these (the basket's), best first, cached.

    Each basket product's neighbours add up, so products that go with several of them rank
    first; the products themselves are left out.
    """
    wanted = sorted(set(product_ids))
    if not wanted:
        return []
    build = current_build()
    digest = hashlib.sha1(",".join(map(str, wanted)).encode()).hexdigest()[:16]
    key = f"{caching.PREFIX}recommendations:with:{build.id}:{digest}"
    found = cache.get(key)
    if found is None:
        links = neighbour_links(wanted)
        found = _sum_scores(links, exclude=wanted)
        cache.set(key, found, _timeout())
    return found


def _sum_scores(links: np.ndarray, exclude: list[int]) -> list[int]:
    if not len(links):
        return []
    neighbours = links[:, 1].astype(np.int64)
    ids, at = np.unique(neighbours, return_inverse=True)
    totals = np.bincount(at, weights=links[:, 2])
    totals[np.isin(ids, exclude)] = 0
    order = np.argsort(-totals, kind="stable")
    return ids[order[totals[order] > 0]][:LIST_LENGTH].tolist()


def bought_together(product_id: int) -> list[int]:
    """ "Frequently bought together" for one product; popular products of its categories when
    the model has nothing for it (a new product). Cached per product and build.

    A parent product is never bought itself, its variants are: its page shows what goes with
    any of them (and never one of them). A variant falls back on its parent's categories.
    """
    build = current_build()
    key = f"{caching.PREFIX}recommendations:product:{build.id}:{product_id}"
    found = cache.get(key)
    if found is None:
        family = [
            product_id,
            *Product.objects.filter(parent_id=product_id).values_list("pk", flat=True),
        ]
        found = bought_with(family)
        if not found:
            categories = ProductCategory.objects.filter(
                Q(product_id=product_id) | Q(product__children=product_id)
            ).values_list("category_id", flat=True)
            found = [pid for pid in build.popular_in(categories) if pid not in family]
        cache.set(key, found, _timeout())
    return found


def popular_now() -> list[int]:
    """What most customers bought lately (the newest month of orders), then of all time."""
    popular = current_build().popular
    return list(dict.fromkeys([*popular.get("recent", []), *popular.get("overall", [])]))
