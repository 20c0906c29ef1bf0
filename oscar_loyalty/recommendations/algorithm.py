"""The recommender's maths: item-item neighbours from purchase history, and scoring a customer.

Pure numpy/scipy on integer-coded arrays, no database and no Python loop over order lines, so
the same code builds the model from Oscar's order lines, scores customers at request time and
scores whole test sets in the evaluation report (what is measured is what is served).

The method, chosen for principled defaults rather than for any one shop:

* Neighbours: EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019),
  a closed-form item-item regression: ``W = -P / diag(P)`` with ``P = (B^T B + lambda I)^-1``
  over the customers x products purchase matrix ``B``. Unlike a plain similarity it learns what
  a product says *beyond* the rest of a customer's history (popular products that go with
  everything stop dominating) and it learns negative weights (substitutes: who bought this
  kettle will not buy another). Each product keeps its ``neighbours`` largest weights by
  magnitude, signs included; on the shop's own orders this beats both cosine neighbours and
  ALS (benchmarks/recommendations.py). The exact solve is cubic in the number of products, so
  it covers the ``dense_products`` most-bought products; rarer products are linked by cosine
  similarity of their buyer sets (at least ``min_support`` shared customers), rescaled to the
  same range.
* A customer's profile: every purchase of a product counts, decayed by its age with a
  half-life (recent purchases say more about what comes next than old ones).
* "Recommended for you" (discovery): the profile times the neighbour matrix, products already
  bought left out. "Buy it again" and the blended list: the customer's own decayed purchase
  frequency, plus the neighbour score, each scaled to 0..1 for that customer, so products the
  customer buys often *and* that fit the rest of the basket rank first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse

SECONDS_PER_DAY = 86400.0
ROW_BLOCK = 1024  # products per block when picking each product's top neighbours


@dataclass(frozen=True)
class Parameters:
    """The recommender's knobs, with defaults that do not depend on a particular shop."""

    neighbours: int = 50  # stored neighbours per product
    min_support: int = 2  # customers who must have bought both products of a cosine link
    half_life_days: float = 180.0  # a purchase counts half after this many days
    neighbour_weight: float = 0.5  # weight of the neighbour score next to repeat frequency
    regularization: float = 300.0  # EASE's lambda, in customers (the paper's range: 100-3000)
    dense_products: int = 8000  # most-bought products solved exactly (memory ~ 12 n^2 bytes)


DEFAULTS = Parameters()


@dataclass(frozen=True)
class History:
    """Purchases as integer codes: line ``n`` is customer ``customers[n]`` buying product
    ``products[n]`` at ``days[n]`` (days since the epoch, float). ``customer_ids`` and
    ``product_ids`` turn codes back into the shop's ids."""

    customers: np.ndarray
    products: np.ndarray
    days: np.ndarray
    customer_ids: np.ndarray
    product_ids: np.ndarray

    @classmethod
    def from_ids(
        cls,
        customer_ids: np.ndarray,
        product_ids: np.ndarray,
        days: np.ndarray,
        all_products: np.ndarray | None = None,
    ) -> History:
        """Code raw ids. Lines repeating a (customer, product, day) are one purchase: an order
        holding a product on two lines bought it once. ``all_products`` fixes the product
        coding (so two histories share one product space)."""
        days = np.asarray(days, dtype=np.float64)
        customer_ids = np.asarray(customer_ids)
        product_ids = np.asarray(product_ids)
        customer_index, customers = np.unique(customer_ids, return_inverse=True)
        if all_products is None:
            product_index, products = np.unique(product_ids, return_inverse=True)
        else:
            product_index = np.asarray(all_products)
            products = np.searchsorted(product_index, product_ids)
        keys = np.stack([customers, products, days])
        unique = np.unique(keys, axis=1) if keys.size else keys
        return cls(
            customers=unique[0].astype(np.int64),
            products=unique[1].astype(np.int64),
            days=unique[2],
            customer_ids=customer_index,
            product_ids=product_index,
        )

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.customer_ids), len(self.product_ids)

    def select(self, mask: np.ndarray) -> History:
        """The lines where ``mask`` is true, keeping both codings."""
        return History(
            self.customers[mask],
            self.products[mask],
            self.days[mask],
            self.customer_ids,
            self.product_ids,
        )


def purchase_counts(history: History) -> sparse.csr_matrix:
    """Customers x products: how many times (orders) each customer bought each product."""
    ones = np.ones(len(history.customers), dtype=np.float64)
    matrix = sparse.csr_matrix((ones, (history.customers, history.products)), shape=history.shape)
    matrix.sum_duplicates()
    return matrix


def decayed_profile(history: History, now: float, half_life_days: float) -> sparse.csr_matrix:
    """Customers x products: each purchase weighs ``0.5 ** (age / half_life)``, summed."""
    age = np.maximum(now - history.days, 0.0)
    weights = np.power(0.5, age / half_life_days)
    matrix = sparse.csr_matrix(
        (weights, (history.customers, history.products)), shape=history.shape
    )
    matrix.sum_duplicates()
    return matrix


def item_neighbours(history: History, parameters: Parameters = DEFAULTS) -> sparse.csr_matrix:
    """Products x products: row ``i`` holds the products whose score buying ``i`` moves most.

    EASE weights among the ``dense_products`` most-bought products, ``neighbours`` per row;
    links that touch a rarer product come from :func:`cosine_neighbours` (so such a row can
    hold up to twice as many), scaled so their typical strongest link matches the typical
    strongest EASE link.
    """
    bought = bought_matrix(history)
    buyers = np.asarray(bought.sum(axis=0)).ravel()
    size, k = len(buyers), parameters.neighbours
    order = np.argsort(-buyers, kind="stable")
    most_bought = order[: parameters.dense_products]
    head = np.sort(most_bought[buyers[most_bought] > 0])
    if not len(head):
        return sparse.csr_matrix((size, size))
    weights = _top_by_magnitude(_ease(bought[:, head], parameters.regularization), k)
    dense = sparse.coo_matrix(weights)
    rows, cols = head[dense.row], head[dense.col]
    exact = sparse.csr_matrix((dense.data.astype(np.float64), (rows, cols)), shape=(size, size))
    if len(head) == np.count_nonzero(buyers):
        return exact
    in_head = np.zeros(size, dtype=bool)
    in_head[head] = True
    cosine = cosine_neighbours(bought, parameters).tocoo()
    rare = ~(in_head[cosine.row] & in_head[cosine.col])
    scale = _typical_row_max(exact) / max(_typical_row_max(cosine.tocsr()), 1e-12)
    rare_links = sparse.csr_matrix(
        (cosine.data[rare] * scale, (cosine.row[rare], cosine.col[rare])), shape=(size, size)
    )
    return exact + rare_links


def bought_matrix(history: History) -> sparse.csr_matrix:
    """Customers x products, 1 where the customer ever bought the product."""
    bought = purchase_counts(history)
    bought.data[:] = 1.0
    return bought


def _ease(bought: sparse.csr_matrix, regularization: float) -> np.ndarray:
    """EASE's dense item-item weights (zero diagonal) for the columns of ``bought``."""
    bought = bought.astype(np.float32)
    gram = (bought.T @ bought).toarray()
    gram[np.diag_indices_from(gram)] += regularization
    inverse = linalg.inv(gram, overwrite_a=True, check_finite=False)
    weights = inverse / -np.diag(inverse)[None, :]
    weights[np.diag_indices_from(weights)] = 0.0
    return weights


def _top_by_magnitude(weights: np.ndarray, k: int) -> np.ndarray:
    """``weights`` with all but each row's ``k`` largest absolute values set to zero."""
    if weights.shape[1] <= k:
        return weights
    for start in range(0, weights.shape[0], ROW_BLOCK):
        block = weights[start : start + ROW_BLOCK]
        drop = np.argpartition(-np.abs(block), k - 1, axis=1)[:, k:]
        np.put_along_axis(block, drop, 0.0, axis=1)
    return weights


def _typical_row_max(matrix: sparse.csr_matrix) -> float:
    """The median over non-empty rows of each row's largest weight."""
    maxima = np.asarray(abs(matrix).max(axis=1).todense()).ravel()
    maxima = maxima[maxima > 0]
    return float(np.median(maxima)) if len(maxima) else 1.0


def cosine_neighbours(bought: sparse.csr_matrix, parameters: Parameters) -> sparse.csr_matrix:
    """Products x products: each row's top ``neighbours`` by cosine of the buyer sets.

    ``(B^T B)_ij`` counts the customers who bought both ``i`` and ``j``; dividing by
    ``sqrt(n_i n_j)`` makes it the cosine of the two buyer sets. The top ``neighbours`` of each
    row are picked block by block on dense slices, which bounds memory at ``ROW_BLOCK`` rows.
    """
    buyers = np.asarray(bought.sum(axis=0)).ravel()
    co_bought = (bought.T @ bought).tocsr()
    co_bought.setdiag(0)
    co_bought.data[co_bought.data < parameters.min_support] = 0
    co_bought.eliminate_zeros()
    norms = np.sqrt(np.maximum(buyers, 1.0))
    rows, cols, scores = [], [], []
    size = co_bought.shape[0]
    k = parameters.neighbours
    for start in range(0, size, ROW_BLOCK):
        block = co_bought[start : start + ROW_BLOCK].toarray()
        block /= norms[start : start + ROW_BLOCK, None]
        block /= norms[None, :]
        if block.shape[1] > k:
            top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        else:
            top = np.tile(np.arange(block.shape[1]), (block.shape[0], 1))
        values = np.take_along_axis(block, top, axis=1)
        keep = values > 0
        rows.append(np.nonzero(keep)[0] + start)
        cols.append(top[keep])
        scores.append(values[keep])
    if not rows:
        return sparse.csr_matrix((size, size))
    return sparse.csr_matrix(
        (np.concatenate(scores), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    )


def neighbour_scores(profile: sparse.csr_matrix, neighbours: sparse.csr_matrix) -> np.ndarray:
    """Customers x products (dense): how well each product fits each customer's history."""
    return np.asarray((profile @ neighbours).todense())


def _scaled(scores: np.ndarray) -> np.ndarray:
    """Each row divided by its maximum, so every customer's scores run from 0 to 1."""
    top = scores.max(axis=1, keepdims=True)
    return np.divide(scores, top, out=np.zeros_like(scores), where=top > 0)


def blended_scores(
    profile: sparse.csr_matrix, neighbours: sparse.csr_matrix, parameters: Parameters
) -> np.ndarray:
    """Repeat frequency plus fit with the rest of the history: the "repeat" list."""
    own = _scaled(np.asarray(profile.todense()))
    fit = _scaled(neighbour_scores(profile, neighbours))
    return own + parameters.neighbour_weight * fit


def discovery_scores(profile: sparse.csr_matrix, neighbours: sparse.csr_matrix) -> np.ndarray:
    """Neighbour scores with products the customer already bought set to -inf."""
    scores = neighbour_scores(profile, neighbours)
    bought = profile.tocoo()
    scores[bought.row, bought.col] = -np.inf
    return scores


def top_n(scores: np.ndarray, n: int, fill: np.ndarray | None = None) -> np.ndarray:
    """Each row's ``n`` best columns (``-1`` where fewer qualify), best first.

    Columns scoring 0 or ``-inf`` do not qualify; ``fill`` (product codes, best first, e.g.
    popularity) completes short rows with products not already in or excluded from the row.
    """
    n = min(n, scores.shape[1])
    if n <= 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    top = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    picked = np.take_along_axis(scores, top, axis=1)
    top = np.where(picked > 0, top, -1)
    if fill is None:
        return top
    fill = np.asarray(fill)
    for row in np.nonzero((top < 0).any(axis=1))[0]:  # one loop per short row, not per line
        have = top[row][top[row] >= 0]
        allowed = fill[np.isfinite(scores[row, fill]) & ~np.isin(fill, have)]
        extra = allowed[: n - len(have)]
        top[row, : len(have) + len(extra)] = np.concatenate([have, extra])
    return top


def popularity(history: History, since: float | None = None) -> np.ndarray:
    """Product codes by how many customers bought each (since ``since``), most popular first;
    products nobody bought are left out."""
    mask = np.ones(len(history.days), dtype=bool) if since is None else history.days >= since
    pairs = np.unique(np.stack([history.customers[mask], history.products[mask]]), axis=1)
    counts = np.bincount(pairs[1], minlength=history.shape[1]) if pairs.size else np.zeros(0)
    order = np.argsort(-counts, kind="stable")
    return order[counts[order] > 0] if len(counts) else order
