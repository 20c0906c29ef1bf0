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


def test_two_products_always_bought_together_link_as_ease_says():
    # G = [[3, 3], [3, 3]] + lambda I; -P_12 / P_22 of its inverse is 3 / (3 + lambda)
    h = history({"ann": ["tea", "cup"], "bob": ["tea", "cup"], "cy": ["tea", "cup"]})
    found = neighbours_by_name(h, algorithm.item_neighbours(h, Parameters(regularization=7)))
    assert found == {"tea": {"cup": 0.3}, "cup": {"tea": 0.3}}


def test_products_never_bought_together_get_no_link():
    h = history()
    found = neighbours_by_name(h, algorithm.item_neighbours(h))
    for product in ("tea", "cup", "saucer", "biscuits"):
        assert not {"candle", "matches"} & set(found[product])
    assert set(found["candle"]) == {"matches"}


def test_more_shared_buyers_make_a_stronger_link():
    found = neighbours_by_name(h := history(), algorithm.item_neighbours(h))
    cup = found["cup"]  # tea: 3 shared buyers, saucer 2, biscuits 1
    assert cup["tea"] > cup["saucer"] > cup["biscuits"] > 0


def test_products_bought_instead_of_each_other_link_negatively():
    # everyone buys tea with one kettle or the other, never both kettles
    baskets = {f"c{n}": ["tea", "red kettle" if n % 2 else "blue kettle"] for n in range(6)}
    found = neighbours_by_name(h := history(baskets), algorithm.item_neighbours(h))
    assert found["red kettle"]["blue kettle"] < 0 < found["red kettle"]["tea"]


def test_only_the_strongest_links_are_kept():
    h = history()
    found = neighbours_by_name(h, algorithm.item_neighbours(h, Parameters(neighbours=1)))
    assert list(found["cup"]) == ["tea"]


def test_rare_products_beyond_the_exact_solve_get_rescaled_cosine_links():
    h = history()
    exact_only = Parameters(dense_products=2)  # tea and cup (4 buyers each)
    found = neighbours_by_name(h, algorithm.item_neighbours(h, exact_only))
    pair = neighbours_by_name(
        h2 := history(
            {name: [p for p in items if p in ("tea", "cup")] for name, items in BASKETS.items()}
        ),  # fmt: skip
        algorithm.item_neighbours(h2),
    )
    assert found["tea"] == pair["tea"]  # the head is solved as if alone
    assert found["candle"]["matches"] > 0 and found["saucer"]["cup"] > 0  # the tail is linked
    # cosine tea-cup 0.75 and cup-saucer 0.7071 keep their order after rescaling
    assert found["cup"]["tea"] > found["cup"]["saucer"]


def test_discovery_leaves_out_what_the_customer_bought_and_follows_neighbours():
    h = history()
    profile = algorithm.decayed_profile(h, now=100.0, half_life_days=90)
    scores = algorithm.discovery_scores(profile, algorithm.item_neighbours(h))
    bob = int(np.searchsorted(h.customer_ids, "bob"))  # bought tea and cup
    top = algorithm.top_n(scores[bob : bob + 1], 3)[0]
    assert [str(h.product_ids[code]) for code in top if code >= 0] == ["saucer", "biscuits"]


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
