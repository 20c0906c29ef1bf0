"""The recommender's maths on hand-made purchase histories, without a database."""

import numpy as np
import pytest

from oscar_loyalty.recommendations import algorithm, evaluation
from oscar_loyalty.recommendations.algorithm import History, Parameters
from tests.recommendation_shop import BASKETS  # one order per customer, same day


def history(baskets=BASKETS, day=100.0):
    pairs = [(customer, product) for customer, items in baskets.items() for product in items]
    customers, products = zip(*pairs, strict=True)
    return History.from_ids(np.array(customers), np.array(products), np.full(len(pairs), day))


def neighbours_by_name(h, matrix):
    coo = matrix.tocoo()
    found = {}
    for row, col, score in zip(coo.row, coo.col, coo.data, strict=True):
        found.setdefault(str(h.product_ids[row]), {})[str(h.product_ids[col])] = round(score, 4)
    return found


def test_neighbours_are_cosine_of_buyer_sets_with_two_shared_buyers_at_least():
    h = history()
    found = neighbours_by_name(h, algorithm.item_neighbours(h))
    # tea and cup: 3 shared buyers of 4 each -> 3/4; cup and saucer: 2 of 4 and 2 -> 2/sqrt(8)
    assert found == {
        "tea": {"cup": 0.75},
        "cup": {"tea": 0.75, "saucer": 0.7071},
        "saucer": {"cup": 0.7071},
        "candle": {"matches": 1.0},
        "matches": {"candle": 1.0},
    }


def test_only_the_best_neighbours_are_kept():
    h = history()
    found = neighbours_by_name(h, algorithm.item_neighbours(h, Parameters(neighbours=1)))
    assert found["cup"] == {"tea": 0.75}


def test_discovery_leaves_out_what_the_customer_bought_and_follows_neighbours():
    h = history()
    profile = algorithm.decayed_profile(h, now=100.0, half_life_days=90)
    scores = algorithm.discovery_scores(profile, algorithm.item_neighbours(h))
    bob = int(np.searchsorted(h.customer_ids, "bob"))
    top = algorithm.top_n(scores[bob : bob + 1], 3)[0]
    assert [str(h.product_ids[code]) for code in top if code >= 0] == ["saucer"]


def test_recent_purchases_weigh_more_than_old_ones():
    h = History.from_ids(np.array(["ann", "ann"]), np.array(["old", "new"]), np.array([0, 90.0]))
    profile = algorithm.decayed_profile(h, now=90.0, half_life_days=90).toarray()[0]
    assert profile[list(h.product_ids).index("new")] == 1.0
    assert profile[list(h.product_ids).index("old")] == pytest.approx(0.5)


def test_metrics_match_hand_computed_values():
    # two customers; customer 0 wants {1}, customer 1 wants {0, 2}
    relevant = evaluation.sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1]], dtype=float))
    ranked = np.array([[2, 1], [2, 1]])
    metrics = evaluation.score_lists(ranked, relevant, k=2)
    ndcg_0 = (1 / np.log2(3)) / 1.0
    ndcg_1 = 1.0 / (1 + 1 / np.log2(3))
    assert metrics.hit_rate == 1.0
    assert metrics.recall == pytest.approx((1 + 0.5) / 2)
    assert metrics.ndcg == pytest.approx((ndcg_0 + ndcg_1) / 2)


def test_extra_baselines_are_scored_on_the_same_split_and_customers():
    # before day 50 ann buys tea, bob cup and tea; after it ann tea again, bob a saucer (new to
    # him) and cy, who had no history, a cup
    h = History.from_ids(
        np.array(["ann", "bob", "bob", "ann", "bob", "cy"]),
        np.array(["tea", "cup", "tea", "tea", "saucer", "cup"]),
        np.array([0, 0, 0, 60, 60, 60.0]),
    )
    trained_on = []

    def oracle(train, length):
        trained_on.append(len(train.customers))
        code = {str(product): index for index, product in enumerate(train.product_ids)}
        ranked = np.full((train.shape[0], length), -1)
        ranked[:, 0] = [code["tea"], code["saucer"], code["cup"]]  # ann, bob, cy
        return {"repeat": ranked, "discovery": ranked}

    report, _, _ = evaluation.evaluate(h, 50.0, baselines={"oracle": oracle})
    assert trained_on == [3]  # only the purchases before the cutoff
    repeat, discovery = report.results["repeat"]["oracle"], report.results["discovery"]["oracle"]
    assert (repeat.customers, repeat.ndcg) == (2, 1.0)  # cy: no history, not scored
    assert (discovery.customers, discovery.ndcg) == (1, 1.0)  # only bob bought something new
    assert report.results["repeat"]["ours"].customers == 2
