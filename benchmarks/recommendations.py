"""Recommendations: quality on the Online Retail data, build time on 1M order lines, block cost.

One run prints three tables:

1. Quality (no database): the temporal split at 2011-09-01 of the cleaned UCI Online Retail file,
   our recommender next to popularity and buy-again, with the issue's reference figures; then
   the same method, unchanged, on other cutoffs and on two disjoint halves of the customers
   (robustness: the defaults were not fitted to one split).
2. Build: the whole file loaded into a PostgreSQL shop (database ``bench_recs``; the prefix
   comes from ``BENCH_DB_PREFIX``) and ``build_recommendations`` (read lines, model, write
   neighbours) timed; then the customers
   and their orders are copied (new customers, same purchases) until the shop holds >= 1M
   order lines, and the build is timed again.
3. Blocks: each template tag rendered for the demo shopper on a warm cache: queries and median
   milliseconds (at both sizes), with the block cache off (``OSCAR_LOYALTY_RECOMMENDATIONS_
   CACHE_BLOCKS=False``: every product loaded and priced on each render, as before the cache
   existed) and on; the two must render the same HTML.

    .venv/bin/python benchmarks/recommendations.py [--lines 1000000] [--skip-load]
    .venv/bin/python benchmarks/recommendations.py --quality-only   # table 1 only, ~2 minutes
    .venv/bin/python benchmarks/recommendations.py --blocks-only    # table 3 only, ~1 minute

``--blocks-only`` loads the sandbox's 400-customer demo sample (same catalogue, 3,659 products)
into ``bench_recs_blocks`` (same prefix) instead of the whole file (``--skip-load`` reuses it).

Needs the venv and PostgreSQL (``BENCH_PG``); takes ~10 minutes on 2 cores, mostly loading.
"""

# ruff: noqa: T201

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit's advice for its ALS

from benchmarks._common import (  # noqa: E402
    DB_PREFIX,
    migrate,
    pg_url,
    print_table,
    recreate_pg_database,
    run_manage,
    setup_django,
)

DB = f"{DB_PREFIX}recs"
DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared/data/online_retail/online_retail.csv.gz"
)
TARGET_CUTOFF = "2011-09-01"
OTHER_CUTOFFS = ["2011-06-01", "2011-10-15"]
#: The issue's measurements on this file at 2011-09-01 (NDCG@10).
REFERENCE = {"repeat": ("buy again", 0.384), "discovery": ("ALS (implicit)", 0.108)}


#: ALS from the ``implicit`` library with its documented, untuned defaults (``pip install -e
#: '.[bench]'``): the same training history, split, customers and metrics as ours.
ALS_SETTINGS = {"factors": 64, "regularization": 0.01, "iterations": 15, "random_state": 42}
METHODS = {
    "ours": "ours",
    "als_bm25": "ALS bm25",
    "als_counts": "ALS counts",
    "buy_again": "buy-again",
    "popularity": "popularity",
}


def als_baseline(weighting: str):
    """An ``evaluation.Baseline``: ALS on purchase counts, BM25-weighted (as implicit's
    examples do) or as plain confidence; repeat lists keep bought products, discovery lists
    filter them out (implicit's ``filter_already_liked_items``)."""
    import numpy as np

    def lists(train, length: int) -> dict:
        from implicit.als import AlternatingLeastSquares
        from implicit.nearest_neighbours import bm25_weight

        from oscar_loyalty.recommendations import algorithm

        counts = algorithm.purchase_counts(train)
        if weighting == "bm25":
            counts = bm25_weight(counts, K1=100, B=0.8)
        items = counts.tocsr().astype(np.float32)
        model = AlternatingLeastSquares(**ALS_SETTINGS)
        model.fit(items, show_progress=False)
        users = np.arange(train.shape[0])
        return {
            task: model.recommend(users, items, N=length, filter_already_liked_items=new)[0]
            for task, new in (("repeat", False), ("discovery", True))
        }

    return lists


def quality(with_als: bool = True) -> None:
    import numpy as np

    from oscar_loyalty.recommendations import evaluation, report

    history = report.history_from_online_retail(os.environ.get("ONLINE_RETAIL", DATA))
    splits = [(f"cutoff {TARGET_CUTOFF}", history, TARGET_CUTOFF)]
    splits += [(f"cutoff {cutoff}", history, cutoff) for cutoff in OTHER_CUTOFFS]
    for half in (0, 1):
        mask = (history.customer_ids[history.customers].astype(np.int64) % 2) == half
        splits.append((f"{TARGET_CUTOFF}, {'even' if half == 0 else 'odd'} customers",
                       history.select(mask), TARGET_CUTOFF))  # fmt: skip
    baselines = {"als_bm25": als_baseline("bm25"), "als_counts": als_baseline("counts")}
    methods = [name for name in METHODS if with_als or not name.startswith("als")]
    rows = []
    for label, data, cutoff in splits:
        start = time.perf_counter()
        result, _, _ = evaluation.evaluate(
            data, report.to_day(report.parse_date(cutoff)),
            baselines=baselines if with_als else None,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        for task in evaluation.TASKS:
            found = result.results[task]
            rows.append(
                [label, task, f"{found['ours'].coverage:.3f}"]
                + [f"{found[name].hit_rate:.3f} / {found[name].ndcg:.3f}" for name in methods]
                + [f"{seconds:.1f}"]
            )
    print("\n1. Quality: HitRate@10 / NDCG@10 of each method on the same split and customers")
    print_table(
        ["split", "task", "our coverage"] + [METHODS[name] for name in methods] + ["eval s"],
        rows,
    )
    for task, (name, value) in REFERENCE.items():
        ours = next(row[3] for row in rows if row[0].endswith(TARGET_CUTOFF) and row[1] == task)
        print(f"   {task}: ours {ours} (HR / NDCG) vs {name} NDCG {value} (issue's figure)")


def load_shop(database: str, sample: bool = False) -> None:
    """The whole file as a shop (every customer with every order), or the demo sample."""
    start = time.perf_counter()
    recreate_pg_database(database)
    migrate(pg_url(database))
    code, out, _ = run_manage(
        pg_url(database), "loyalty_load_demo_data", *([] if sample else ["--all"]), "-v0"
    )
    if code:
        raise SystemExit(out)
    analyze()
    what = "the demo sample" if sample else "the whole file"
    print(f"\n(loaded {what} in {time.perf_counter() - start:.0f} s)")


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would soon give a shop after such a load
    (without them PostgreSQL scans whole tables for a block's dozen products)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def grow_shop(lines: int) -> None:
    """Copies of the demo customers and their orders until the shop holds ``lines`` lines."""
    from oscar_loyalty.recommendations.build import Line

    start, copies = time.perf_counter(), 0
    while Line.objects.count() < lines:
        copies += 1
        copy_customers_and_orders(copies)
    analyze()
    print(f"(copied customers {copies}x in {time.perf_counter() - start:.0f} s)")


def copy_customers_and_orders(copy: int) -> None:
    """Every demo customer again (``copyN.`` e-mail) with copies of all their orders and lines,
    in three INSERT ... SELECT statements."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from oscar_loyalty.recommendations.build import Line, Order

    User = get_user_model()
    prefix = f"copy{copy}."

    def columns(model, replace: dict[str, str]) -> tuple[str, str]:
        names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        return ", ".join(names), ", ".join(replace.get(name, f"src.{name}") for name in names)

    user_cols, user_select = columns(User, {
        "email": f"'{prefix}' || src.email",
        **({"username": f"'{prefix}' || src.username"} if any(
            f.name == "username" for f in User._meta.fields) else {}),
    })  # fmt: skip
    order_cols, order_select = columns(Order, {
        "number": f"src.number || '-{copy}'", "user_id": "dst.id", "basket_id": "NULL",
    })  # fmt: skip
    line_cols, line_select = columns(Line, {"order_id": "dst.id"})
    users, orders, lines = User._meta.db_table, Order._meta.db_table, Line._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {users} ({user_cols}) SELECT {user_select} FROM {users} src "
            "WHERE src.email LIKE 'customer%%@demo.example.com'"
        )
        cursor.execute(
            f"INSERT INTO {orders} ({order_cols}) SELECT {order_select} FROM {orders} src "
            f"JOIN {users} u ON u.id = src.user_id JOIN {users} dst ON dst.email = '{prefix}' "
            "|| u.email WHERE src.number NOT LIKE '%%-%%'"
        )
        cursor.execute(
            f"INSERT INTO {lines} ({line_cols}) SELECT {line_select} FROM {lines} src "
            f"JOIN {orders} o ON o.id = src.order_id "
            f"JOIN {orders} dst ON dst.number = o.number || '-{copy}'"
        )


def build_times(total_lines: int) -> None:
    from django.db import connection

    from oscar_loyalty.recommendations.build import build_recommendations

    stages: dict[str, float] = {}
    last = [time.perf_counter(), "start"]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[:] = [now, stage]

    start = time.perf_counter()
    build = build_recommendations(progress)
    total = time.perf_counter() - start
    stages[last[1]] = stages.get(last[1], 0.0) + time.perf_counter() - last[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM oscar_loyalty_productneighbour")
        stored = cursor.fetchone()[0]
    print(f"\n2. Build on {total_lines:,} order lines ({os.cpu_count()} cores)")
    print_table(
        ["order lines", "purchases", "customers", "products", "links", "reading s", "model s",
         "writing s", "total s", "target"],
        [[f"{total_lines:,}", f"{build.order_lines:,}", f"{build.customers:,}",
          f"{build.products:,}", f"{stored:,}", f"{stages.get('reading', 0):.1f}",
          f"{stages.get('model', 0):.1f}", f"{stages.get('writing', 0):.1f}", f"{total:.1f}",
          "< 60 s"]],
    )  # fmt: skip


TAGS = {
    "Buy it again (account)": "{% loyalty_buy_it_again %}",
    "Recommended for you (account)": "{% loyalty_recommended_for_you %}",
    "Frequently bought together (product)": "{% loyalty_bought_together product %}",
    "Also bought (basket)": "{% loyalty_basket_also_bought basket %}",
    "Popular now (guest)": "{% loyalty_recommended_for_you %}",
}


def block_costs(rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.test import RequestFactory
    from oscar.core.loading import get_class, get_model

    Basket = get_model("basket", "Basket")
    Selector = get_class("partner.strategy", "Selector")
    from oscar_loyalty.recommendations.build import Line

    shopper = get_user_model().objects.get(email="shopper@example.com")
    bought = list(Line.objects.filter(order__user=shopper).values_list("product", flat=True)[:2])
    product = Line.objects.filter(product_id=bought[0]).first().product
    basket = Basket.objects.create(owner=shopper)
    basket.strategy = Selector().strategy()
    basket.add_product(product)

    def request_for(user):
        request = RequestFactory().get("/")
        request.user = user
        request.strategy = Selector().strategy()
        request.basket = Basket.objects.get(pk=basket.pk)
        return request

    rows, differing = [], []
    for label, tag in TAGS.items():
        user = AnonymousUser() if "guest" in label else shopper
        context = {"product": product, "basket": basket}
        cache.clear()
        figures, html = {}, {}
        for cached in (False, True):
            figures[cached], html[cached] = render_warm(tag, partial(request_for, user), context,
                                                        rounds, cached)  # fmt: skip
        if html[False] != html[True]:
            differing.append(label)
        rows.append(
            [label, html[True].count("data-product="), *figures[False], *figures[True],
             "<= 2, < 5 ms"]
        )  # fmt: skip
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n3. Blocks on a warm cache (median of {rounds} renders, demo shopper with one "
          f"product in the basket; load average {load})")  # fmt: skip
    print_table(
        ["block", "products", "uncached queries", "uncached ms", "cached queries", "cached ms",
         "target"],
        rows,
    )  # fmt: skip
    print("   uncached: OSCAR_LOYALTY_RECOMMENDATIONS_CACHE_BLOCKS=False (each render loads and "
          "prices the products); same HTML both ways: "
          + (f"NO, differs for {differing}" if differing else "yes"))  # fmt: skip


def render_warm(tag: str, new_request, context: dict, rounds: int, cached: bool):
    """Render ``tag`` once to warm the caches, then ``rounds`` times, each for a new request
    (so the basket is read each time, as on a page): (max queries, median ms), last HTML."""
    from django.db import connection
    from django.template import Context, Template
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    template = Template("{% load recommendation_tags %}" + tag)
    with override_settings(OSCAR_LOYALTY_RECOMMENDATIONS_CACHE_BLOCKS=cached):
        template.render(Context({"request": new_request(), **context}))
        times, queries, html = [], 0, ""
        for _ in range(rounds):
            request = new_request()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                html = template.render(Context({"request": request, **context}))
                times.append((time.perf_counter() - start) * 1000)
            queries = max(queries, len(captured))
    return (queries, f"{statistics.median(times):.2f}"), html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--blocks-only", action="store_true", help="table 3 only, on the 400-customer sample"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--quality-only", action="store_true", help="no database, no build")
    parser.add_argument("--no-als", action="store_true", help="without implicit installed")
    args = parser.parse_args()
    os.environ.setdefault("HAYSTACK_WHOOSH_PATH", tempfile.mkdtemp(prefix="bench-whoosh-"))
    database = f"{DB}_blocks" if args.blocks_only else DB
    setup_django(pg_url(database))
    from oscar_loyalty.recommendations.build import Line

    if args.blocks_only:
        if not args.skip_load:
            load_shop(database, sample=True)
            build_times(Line.objects.count())
        block_costs(args.rounds)
        return
    if not args.skip_quality:
        quality(with_als=not args.no_als)
    if args.quality_only:
        return
    if not args.skip_load:
        load_shop(database)
        build_times(Line.objects.count())
        block_costs(args.rounds)
        grow_shop(args.lines)
    build_times(Line.objects.count())
    block_costs(args.rounds)


if __name__ == "__main__":
    main()
