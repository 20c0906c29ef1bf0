"""Where a ledger posting's time goes, and what candidate changes to the ledger would gain.

One command (from the repository root; recreates ``bench_loyalty`` like ledger_throughput.py)::

    .venv/bin/python benchmarks/ledger_profile.py [--rounds 3] [--duration 5] [--lots 30]

1. One connection, an account holding ``--lots`` open lots (what the throughput run builds up),
   each variant of ``ledger_variants.py`` in turn: per earn and per redeem the statements Django
   logs (``CaptureQueriesContext``) and the round trips libpq really makes (``PQtrace``: the
   server-side cursor of the FIFO read adds DECLARE, describe, FETCH and CLOSE that Django does
   not log); the client CPU per earn and per redeem, and per posting the backend's CPU and the
   wall time. A hand-written SQL earn with the shipped 7 statements shows the cost without ORM.
2. The client CPU of each statement of a posting, one by one.
3. 8 client processes on 8 accounts per variant (the harness of ledger_throughput.py), next to
   pgbench simple-update.

The machine may be shared, so variants are interleaved in ``--rounds`` rounds and the medians
are printed (for CPU per posting, the best round).
"""

# ruff: noqa: T201
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from statistics import median

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import ledger_throughput as bench  # noqa: E402

RAW_EARN = [
    "SELECT id, available, pending, held FROM oscar_loyalty_pointsaccount WHERE id = %s FOR UPDATE",
    "SELECT id, account_id FROM oscar_loyalty_ledgerentry WHERE idempotency_key = %s",
    "INSERT INTO oscar_loyalty_ledgerentry (account_id, kind, available_delta, pending_delta, "
    "held_delta, idempotency_key, description, order_number, reason, detail, created_at) "
    "VALUES (%s, 'earn', %s, 0, 0, %s, '', '', '', '{}', now()) RETURNING id",
    "INSERT INTO oscar_loyalty_pointslot (account_id, entry_id, status, points, remaining, "
    "earned_at, available_at, expires_at, order_number) "
    "VALUES (%s, %s, 'available', %s, %s, now(), now(), now() + interval '1 year', '')",
    "UPDATE oscar_loyalty_pointsaccount SET available = available + %s, last_activity_at = now() "
    "WHERE id = %s",
]


def single_connection(variants: list[str], lots: int, rounds: int, out) -> None:
    """Spawned: all variants in one process, one connection, interleaved."""
    _common.setup_django(_common.pg_url(bench.BENCH_DB))
    from datetime import timedelta

    import ledger_variants
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from psycopg import pq

    from oscar_loyalty import ledger

    tag, expires = f"profile:{time.time_ns()}", timezone.now() + timedelta(days=365)
    account = ledger.account_for_owner(tag)
    for i in range(lots):
        ledger.earn(account, 50, key=f"{tag}:seed:{i}", expires_at=expires)
    connection.ensure_connection()
    pgconn, backend = connection.connection.pgconn, connection.connection.info.backend_pid

    def count(post) -> tuple[int, int]:
        with tempfile.TemporaryFile("w+") as trace, CaptureQueriesContext(connection) as logged:
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            post()
            pgconn.untrace()
            trace.seek(0)
            # Each simple Query, and each Sync of the extended protocol, is one round trip.
            parts = [line.split("\t") for line in trace]
            trips = sum(len(p) > 2 and p[2].strip() in ("Query", "Sync") for p in parts)
        return len(logged.captured_queries), trips

    def mixed(n: int, label: str) -> dict[str, float]:
        """Earn 50 then redeem 50, n times: the account keeps ``lots`` lots."""
        cpu = {"earn": 0.0, "redeem": 0.0}
        wall, server = time.perf_counter(), _common._cpu_of(backend)
        for i in range(n):
            for kind in ("earn", "redeem"):
                start = time.process_time()
                if kind == "earn":
                    ledger.earn(account, 50, key=f"{tag}:{label}:{i}:e", expires_at=expires)
                else:
                    ledger.redeem(account, 50, key=f"{tag}:{label}:{i}:r")
                cpu[kind] += time.process_time() - start
        return {
            "earn cpu": cpu["earn"] * 1000 / n,
            "redeem cpu": cpu["redeem"] * 1000 / n,
            "server cpu": (_common._cpu_of(backend) - server) * 1000 / (2 * n),
            "wall": (time.perf_counter() - wall) * 1000 / (2 * n),
        }

    raw_account = ledger.account_for_owner(f"{tag}:raw")

    def raw_earn(n: int, label: str) -> dict[str, float]:
        cpu, server = time.process_time(), _common._cpu_of(backend)
        for i in range(n):
            with transaction.atomic(), connection.cursor() as cursor:
                key = f"{tag}:raw:{label}:{i}"
                cursor.execute(RAW_EARN[0], [raw_account.pk])
                cursor.execute(RAW_EARN[1], [key])
                cursor.execute(RAW_EARN[2], [raw_account.pk, 50, key])
                cursor.execute(RAW_EARN[3], [raw_account.pk, cursor.fetchone()[0], 50, 50])
                cursor.execute(RAW_EARN[4], [50, raw_account.pk])
        return {
            "earn cpu": (time.process_time() - cpu) * 1000 / n,
            "server cpu": (_common._cpu_of(backend) - server) * 1000 / n,
        }

    result: dict = {"counts": {}, "runs": {v: [] for v in [*variants, "raw"]}}
    result["statements"] = statement_costs(account, raw_account)
    for variant in variants:
        ledger_variants.install(variant)
        mixed(10, f"warm:{variant}")
        key = f"{tag}:{variant}"
        earn = count(lambda key=key: ledger.earn(account, 50, key=f"{key}:e", expires_at=expires))
        redeem = count(lambda key=key: ledger.redeem(account, 50, key=f"{key}:r"))
        result["counts"][variant] = (earn, redeem)
    for r in range(rounds):
        for variant in variants:
            ledger_variants.install(variant)
            result["runs"][variant].append(mixed(100, f"{variant}:{r}"))
        result["runs"]["raw"].append(raw_earn(100, str(r)))
    out.put(result)


def statement_costs(account, other) -> dict[str, float]:
    """Client CPU (ms, best of 5 rounds of 100) of each statement of a posting, inside one
    transaction that is rolled back (BEGIN + COMMIT measured on their own)."""
    import ledger_variants
    from django.db import connection, transaction
    from django.db.models import Subquery
    from django.utils import timezone

    from oscar_loyalty.models import LedgerEntry, PointsAccount, PointsLot

    now, tag, entries = timezone.now(), time.time_ns(), []
    keys = LedgerEntry.objects.order_by()

    def create_entry(i: int) -> None:
        key = f"cost:{tag}:{len(entries)}"
        entries.append(
            LedgerEntry.objects.create(
                account=other, kind="earn", idempotency_key=key, available_delta=1, created_at=now
            )
        )

    def create_lot(i: int) -> None:  # one lot for each entry created above
        PointsLot.objects.create(
            account=other, entry=entries.pop(), points=1, remaining=1, status="available",
            earned_at=now, available_at=now, expires_at=now,
        )  # fmt: skip

    def one_statement(i: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def begin_commit(i: int) -> None:
        with transaction.atomic():
            one_statement(i)

    cases = {
        "lock: select_for_update().get(pk=...)": lambda i: (
            PointsAccount.objects.select_for_update().get(pk=other.pk)
        ),
        "key check: filter(idempotency_key=...).first()": lambda i: LedgerEntry.objects.filter(
            idempotency_key=f"none:{i}"
        ).first(),
        "lock + key check in one (merged_key)": lambda i: (
            PointsAccount.objects.select_for_update(of=("self",))
            .annotate(e=Subquery(keys.filter(idempotency_key=f"none:{i}").values("pk")[:1]))
            .get(pk=other.pk)
        ),
        "INSERT entry: LedgerEntry.objects.create()": create_entry,
        "INSERT lot: PointsLot.objects.create()": create_lot,
        "UPDATE account: save(update_fields=...)": lambda i: other.save(
            update_fields=["available", "pending", "held", "last_activity_at"]
        ),
        "FIFO read, shipped (server-side cursor)": lambda i: ledger_variants._core("take")(
            account, 50
        ),
        "FIFO read, fifo_paged (LIMIT 4)": lambda i: ledger_variants.take_fifo_paged(account, 50),
        "one statement through a raw cursor": one_statement,
    }

    def best(step) -> float:
        rounds = []
        for _round in range(5):
            start = time.process_time()
            for i in range(100):
                step(i)
            rounds.append((time.process_time() - start) * 10)  # ms per call
        return min(rounds)

    costs = {"BEGIN + COMMIT: transaction.atomic()": best(begin_commit) - best(one_statement)}
    with transaction.atomic():
        for label, step in cases.items():
            costs[label] = best(step)
        transaction.set_rollback(True)
    return costs


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    """CPU: the best round (the least disturbed by other processes); wall time: the median."""
    return {key: (min if "cpu" in key else median)(run[key] for run in runs) for key in runs[0]}


def print_single(result: dict, lots: int) -> None:
    print(f"\n1. One connection, account with {lots} open lots; ms per posting (CPU: best round)")
    rows = []
    for variant, ((earn_q, earn_rt), (redeem_q, redeem_rt)) in result["counts"].items():
        m = summarise(result["runs"][variant])
        rows.append(
            [variant, f"{earn_q} / {earn_rt}", f"{redeem_q} / {redeem_rt}"]
            + [f"{m['earn cpu']:.2f}", f"{m['redeem cpu']:.2f}"]
            + [f"{m['server cpu']:.2f}", f"{m['wall']:.2f}"]
        )
    raw = summarise(result["runs"]["raw"])
    rows.append(["hand-written SQL earn", "7 / 7", "", f"{raw['earn cpu']:.2f}", ""])
    rows[-1] += [f"{raw['server cpu']:.2f}", ""]
    headers = ["variant", "earn: logged/trips", "redeem: logged/trips", "earn client CPU"]
    headers += ["redeem client CPU", "backend CPU", "wall, 1 client"]
    _common.print_table(headers, rows)

    print("\n2. Client CPU of each statement (ms per call, best of 5 rounds of 100)")
    costs = [[label, f"{ms:.3f}"] for label, ms in result["statements"].items()]
    _common.print_table(["statement (shipped unless marked)", "client CPU ms"], costs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per 8-client run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--lots", type=int, default=30, help="open lots of the profiled account")
    parser.add_argument("--variants", default="baseline,fifo_paged,merged_key,both,update_first")
    opts = parser.parse_args()
    variants = opts.variants.split(",")

    print(f"load average before: {os.getloadavg()[0]:.2f}, CPUs: {os.cpu_count()}")
    bench.prepare_ledger_db(8)
    bench.init_pgbench()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=single_connection, args=(variants, opts.lots, opts.rounds, out))
    proc.start()
    print_single(out.get(timeout=1800), opts.lots)
    proc.join()

    print(f"\n3. 8 client processes on 8 accounts: {opts.rounds} interleaved rounds of")
    print(f"   {opts.duration} s after {opts.warmup:g} s warm-up; medians")
    from oscar_loyalty import ledger

    for variant in variants:
        for i in range(8):
            key = f"bench:{variant}:{i}"
            ledger.earn(ledger.account_for_owner(key), 1000, key=f"seed:{key}")
    runs: dict[str, list[bench.Run]] = {name: [] for name in ["pgbench", *variants]}
    for _round in range(opts.rounds):
        runs["pgbench"].append(bench.pgbench(opts.duration, 8, "pgbench simple-update"))
        for variant in variants:
            keys = [f"bench:{variant}:{i}" for i in range(8)]
            run = bench.run_clients(variant, keys, opts.warmup, opts.duration, variant)
            runs[variant].append(run)
    summary = []
    for name, results in runs.items():
        label = "pgbench simple-update" if name == "pgbench" else f"ledger {name}"
        summary.append(
            bench.Run(
                label=f"{label} ({'/'.join(f'{r.tps:.0f}' for r in results)})",
                tps=median(r.tps for r in results),
                client_cpu_ms=median(r.client_cpu_ms for r in results),
                server_cpu_ms=median(r.server_cpu_ms for r in results),
                p50_ms=median(r.p50_ms for r in results),
                p95_ms=median(r.p95_ms for r in results),
                mix=results[0].mix if name == "pgbench" else "",
            )
        )
    bench.print_runs(summary, summary[0].tps)
    code, verdict, _seconds = _common.run_manage(_common.pg_url(bench.BENCH_DB), "loyalty_verify")
    print(f"\nloyalty_verify on {bench.BENCH_DB} after all variants: exit code {code}: {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return code


if __name__ == "__main__":
    sys.exit(main())
