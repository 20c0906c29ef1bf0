"""The nightly tier re-evaluation on 100,000 and 1,000,000 accounts (PostgreSQL).

One command (from the repository root)::

    .venv/bin/python benchmarks/tier_scale.py [--sizes 100000 1000000] [--batch 20000] [--reuse]

It recreates ``bench_tiers`` (override with ``--db``; the name must start with ``bench_``),
migrates it with ``sandbox/manage.py migrate``, and for each size bulk-loads with COPY:

* the accounts (no shop users, so no email is sent: the figure is the evaluation itself);
* their order histories as the tiers see them: 1-5 confirmed orders per account spread over the
  last 18 months, £10-£400 each (``TierActivity``: one row per confirmed order, what
  ``tiers.record_order_activity`` writes when an order's points are confirmed);
* where each customer stood after yesterday's run (``CustomerTier``), equal to what they earn
  today except for a realistic night's changes: every 50th member's oldest orders dropped out of
  the window (a downgrade notice is due), every 200th is past their grace period (a downgrade
  is due), every 1000th has a missed upgrade (with entry bonuses posted through the ledger).

The ladder is Bronze £100, Silver £500 and Gold £1,500 of spend over a rolling 12 months, with a
30-day grace period. It then times ``tiers.reevaluate_all()`` in this process (Django already
set up) and prints seconds, microseconds per account and the changes it made, per size, side by
side. Target: 1M accounts in under 2 minutes, growing linearly.
"""

# ruff: noqa: T201
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)
THRESHOLDS = [Decimal("100"), Decimal("500"), Decimal("1500")]


def orders_of(a: int) -> list[tuple[int, datetime]]:
    """Deterministic orders of account ``a``: (spend in pence, placed at)."""
    count = 1 + a % 5
    return [
        (1000 + (a * 7919 + j * 104_729) % 39_000, NOW - DAY * (1 + (a * 31 + j * 97) % 540))
        for j in range(count)
    ]


def rank_for(pence: int) -> int:
    """0 = no tier, 1-3 = Bronze..Gold."""
    return sum(1 for threshold in THRESHOLDS if pence >= threshold * 100)


def load(dbname: str, accounts: int, tier_ids: list[int]) -> dict[str, int]:
    import psycopg

    window_start = NOW - DAY * 365  # 12 months before NOW, as the ladder's window sees it
    counts = {"accounts": 0, "orders": 0, "members": 0}
    with psycopg.connect(_common.pg_url(dbname)) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK/trigger work per row
        cursor = conn.cursor()
        for table in (
            "customertier",
            "tieractivity",
            "tierchange",
            "sentnotice",
            "lotallocation",
            "pointslot",
            "ledgerentry",
            "pointsaccount",
        ):
            cursor.execute(f"TRUNCATE oscar_loyalty_{table} CASCADE")
        columns = "id, owner_key, available, pending, held, created_at"
        with cursor.copy(f"COPY oscar_loyalty_pointsaccount ({columns}) FROM STDIN") as copy:
            for a in range(1, accounts + 1):
                copy.write_row((a, f"bench:{a}", 0, 0, 0, NOW))
        counts["accounts"] = accounts
        columns = "account_id, order_number, spend, points, occurred_at"
        statuses = []
        with cursor.copy(f"COPY oscar_loyalty_tieractivity ({columns}) FROM STDIN") as copy:
            for a in range(1, accounts + 1):
                in_window = 0
                for j, (pence, placed) in enumerate(orders_of(a)):
                    copy.write_row((a, f"{a}-{j}", Decimal(pence) / 100, pence // 100, placed))
                    counts["orders"] += 1
                    if placed >= window_start:
                        in_window += pence
                rank = rank_for(in_window)
                earned, due = rank, None
                if a % 50 == 0 and rank < 3:
                    earned = rank + 1  # orders aged out: tonight starts a downgrade
                elif a % 200 == 1 and rank < 3:
                    earned, due = rank + 1, NOW - DAY  # grace over: tonight moves them down
                elif a % 1000 == 2 and rank > 0:
                    earned = rank - 1  # an upgrade the confirmation missed
                if earned:
                    statuses.append((a, tier_ids[earned - 1], due))
        columns = "account_id, tier_id, earned_tier_id, downgrade_due_at"
        with cursor.copy(f"COPY oscar_loyalty_customertier ({columns}) FROM STDIN") as copy:
            for a, tier_id, due in statuses:
                copy.write_row((a, tier_id, tier_id, due))
        counts["members"] = len(statuses)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('oscar_loyalty_pointsaccount', 'id'), %s)",
            [accounts],
        )
    with psycopg.connect(_common.pg_url(dbname), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return counts


def set_up_ladder() -> list[int]:
    from oscar_loyalty.models import Tier, TierSettings

    settings = TierSettings.load()
    settings.metric, settings.window = TierSettings.SPEND, TierSettings.ROLLING
    settings.rolling_months, settings.grace_days = 12, 30
    settings.save()
    ids = []
    for position, (name, threshold) in enumerate(
        zip(["Bronze", "Silver", "Gold"], THRESHOLDS, strict=True), start=1
    ):
        tier, _created = Tier.objects.update_or_create(
            name=name,
            defaults={"position": position, "threshold": threshold, "entry_bonus": 50 * position},
        )
        ids.append(tier.pk)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--db", default="bench_tiers")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the migrated database of an earlier run"
    )
    args = parser.parse_args()

    url = _common.pg_url(args.db)
    if not args.reuse:
        _common.recreate_pg_database(args.db)
        print(f"== migrate {_common.migrate(url):.1f} s")
    _common.setup_django(url)
    from oscar_loyalty import tiers

    tier_ids = set_up_ladder()
    results = []
    for size in args.sizes:
        start = time.perf_counter()
        counts = load(args.db, size, tier_ids)
        loaded = time.perf_counter() - start
        print(
            f"== {size:,} accounts: loaded {counts['orders']:,} orders and {counts['members']:,} "
            f"members in {loaded:.1f} s"
        )
        start = time.perf_counter()
        done = tiers.reevaluate_all(NOW, batch_size=args.batch)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        again = tiers.reevaluate_all(NOW, batch_size=args.batch)
        replay = time.perf_counter() - start
        results.append((size, counts, seconds, done, replay, again))
        print(
            f"   re-evaluation {seconds:.1f} s {dict(done)}; run again {replay:.1f} s {dict(again)}"
        )

    print()
    base = results[0]
    rows = []
    for size, counts, seconds, done, replay, _again in results:
        rows.append(
            [
                f"{size:,}",
                f"{counts['orders']:,}",
                f"{counts['members']:,}",
                f"{seconds:.1f}",
                f"{seconds / size * 1e6:.0f}",
                f"{seconds / base[2] / (size / base[0]):.2f}",
                ", ".join(f"{key} {value:,}" for key, value in sorted(done.items()) if value),
                f"{replay:.1f}",
            ]
        )
    _common.print_table(
        [
            "accounts",
            "orders",
            "members",
            "seconds",
            "µs/account",
            "growth vs linear",
            "changes",
            "replay s",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
