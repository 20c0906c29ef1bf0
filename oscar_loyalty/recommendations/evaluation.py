"""The quality report: a temporal split of purchase history, three recommenders, four metrics.

Everything bought before the cutoff trains the model; what each customer buys from the cutoff
on is what the recommender should have predicted. Two tasks:

* ``repeat``: every product a customer buys after the cutoff counts (re-orders included);
* ``discovery``: only products the customer had never bought before the cutoff count.

Only customers with history before the cutoff and at least one relevant product after it are
scored. Metrics at ``k`` (binary relevance): HitRate (share of customers with at least one hit),
Recall (hits / relevant products), NDCG (``sum 1/log2(rank+1)`` over hits, divided by the best
possible for that customer) and catalogue coverage (distinct products recommended / products
in the training history).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from . import algorithm
from .algorithm import History, Parameters

TASKS = ("repeat", "discovery")
METHODS = ("ours", "popularity", "buy_again")
#: An extra method for side-by-side comparisons (e.g. ALS in the benchmark): given the training
#: history and the list length, each task's ranked product codes (rows = customer codes).
Baseline = Callable[[History, int], dict[str, np.ndarray]]
DEFAULT_K = 10
LIST_LENGTH = 60  # recommendations written per customer: enough for other tools' cut-offs


@dataclass(frozen=True)
class Metrics:
    """Means over the scored customers; ``None`` when no customer could be scored (a mean of
    nothing), which stores as JSON ``null`` where NaN would be refused."""

    hit_rate: float | None
    recall: float | None
    ndcg: float | None
    coverage: float
    customers: int


@dataclass
class Report:
    """Metrics per task and method, plus what the split held."""

    cutoff: float
    k: int
    train_lines: int
    test_lines: int
    customers: int
    products: int
    results: dict[str, dict[str, Metrics]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "cutoff_day": self.cutoff,
            "k": self.k,
            "train_lines": self.train_lines,
            "test_lines": self.test_lines,
            "customers": self.customers,
            "products": self.products,
            "results": {
                task: {method: vars(metrics) for method, metrics in methods.items()}
                for task, methods in self.results.items()
            },
        }


def relevant_matrix(train: History, test: History, task: str) -> sparse.csr_matrix:
    """Customers x products, 1 where the product counts as a hit for that customer."""
    relevant = algorithm.bought_matrix(test)
    if task == "discovery":
        known = algorithm.bought_matrix(train)
        relevant = relevant - relevant.multiply(known)
        relevant.eliminate_zeros()
    return relevant.tocsr()


def score_lists(ranked: np.ndarray, relevant: sparse.csr_matrix, k: int) -> Metrics:
    """Metrics of ranked product codes (rows = the customers of ``relevant``, -1 = empty)."""
    ranked = ranked[:, :k]
    if not ranked.shape[0]:  # e.g. discovery when nobody bought anything new after the cutoff
        return Metrics(None, None, None, 0.0, 0)
    n_relevant = np.diff(relevant.indptr).astype(np.float64)
    rows = np.repeat(np.arange(ranked.shape[0]), ranked.shape[1])
    cols = ranked.ravel()
    valid = cols >= 0
    hits = np.zeros(ranked.size)
    hits[valid] = np.asarray(relevant[rows[valid], cols[valid]]).ravel()
    hits = hits.reshape(ranked.shape)
    discounts = 1.0 / np.log2(np.arange(2, ranked.shape[1] + 2))
    dcg = hits @ discounts
    ideal_counts = np.minimum(n_relevant, ranked.shape[1]).astype(np.int64)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[ideal_counts]
    found = hits.sum(axis=1)
    recommended = np.unique(cols[valid])
    return Metrics(
        hit_rate=float(np.mean(found > 0)),
        recall=float(np.mean(found / n_relevant)),
        ndcg=float(np.mean(dcg / ideal)),
        coverage=float(len(recommended) / max(relevant.shape[1], 1)),
        customers=int(ranked.shape[0]),
    )


def ranked_lists(
    train: History, now: float, parameters: Parameters, length: int
) -> dict[str, dict[str, np.ndarray]]:
    """Per task and method, the ranked product codes of every customer (rows = customer codes)."""
    profile = algorithm.decayed_profile(train, now, parameters.half_life_days)
    counts = algorithm.purchase_counts(train)
    neighbours = algorithm.item_neighbours(train, parameters)
    popular = algorithm.popularity(train)
    popular_scores = np.zeros(train.shape[1])
    popular_scores[popular] = np.linspace(1.0, 0.5, num=len(popular)) if len(popular) else 0
    popular_row = np.broadcast_to(popular_scores, train.shape).copy()
    bought = counts.tocoo()
    # Buy again: most often bought first, then most recently (the decayed weight breaks ties).
    again = np.asarray(counts.todense()) + _scaled_tiebreak(profile)
    lists = {
        "repeat": {
            "ours": algorithm.top_n(
                algorithm.blended_scores(profile, neighbours, parameters), length, popular
            ),
            "popularity": algorithm.top_n(popular_row, length),
            "buy_again": algorithm.top_n(again, length, popular),
        }
    }
    discovery_popular = popular_row.copy()
    discovery_popular[bought.row, bought.col] = -np.inf
    lists["discovery"] = {
        "ours": algorithm.top_n(algorithm.discovery_scores(profile, neighbours), length, popular),
        "popularity": algorithm.top_n(discovery_popular, length),
        "buy_again": lists["repeat"]["buy_again"],
    }
    return lists


def _scaled_tiebreak(profile: sparse.csr_matrix) -> np.ndarray:
    dense = np.asarray(profile.todense())
    return 0.5 * dense / (1.0 + dense)  # < 0.5: never outweighs one more purchase


def evaluate(
    history: History,
    cutoff: float,
    parameters: Parameters = algorithm.DEFAULTS,
    k: int = DEFAULT_K,
    progress: Callable[[str], None] | None = None,
    baselines: Mapping[str, Baseline] | None = None,
) -> tuple[Report, dict[str, np.ndarray], History]:
    """The report of a temporal split at ``cutoff`` (days since the epoch).

    ``baselines`` adds other methods, scored on exactly the same split, customers and metrics.

    Returns the report, our ranked lists per task for every customer with training history
    (rows = customer codes of the training history, ``LIST_LENGTH`` columns; the discovery
    lists hold only products new to the customer) and the training history.
    """
    note = progress or (lambda stage: None)
    before = history.days < cutoff
    train, test = history.select(before), history.select(~before)
    note("model")
    lists = ranked_lists(train, cutoff, parameters, max(k, LIST_LENGTH))
    for name, baseline in (baselines or {}).items():
        note(name)
        for task, ranked in baseline(train, max(k, LIST_LENGTH)).items():
            lists[task][name] = ranked
    has_history = np.zeros(train.shape[0], dtype=bool)
    has_history[train.customers] = True
    report = Report(
        cutoff=cutoff,
        k=k,
        train_lines=int(before.sum()),
        test_lines=int((~before).sum()),
        customers=int(has_history.sum()),
        products=int(len(np.unique(train.products))),
    )
    for task in TASKS:
        note(task)
        relevant = relevant_matrix(train, test, task)
        scored = has_history & (np.diff(relevant.indptr) > 0)
        report.results[task] = {
            method: _with_coverage(
                score_lists(ranked[scored], relevant[scored], k), ranked[scored, :k], report
            )
            for method, ranked in lists[task].items()
        }
    return report, {task: lists[task]["ours"][has_history] for task in TASKS}, train


def _with_coverage(metrics: Metrics, ranked: np.ndarray, report: Report) -> Metrics:
    """Coverage against the products of the training history (what could be recommended)."""
    recommended = len(np.unique(ranked[ranked >= 0]))
    return Metrics(
        metrics.hit_rate,
        metrics.recall,
        metrics.ndcg,
        recommended / max(report.products, 1),
        metrics.customers,
    )
