"""``manage.py loyalty_verify`` on 100,000 accounts, on PostgreSQL and on SQLite.

One command (from the repository root)::

    .venv/bin/python benchmarks/verify_scale.py [--accounts 100000] [--no-sqlite]

For each database (PostgreSQL ``bench_verify``, dropped and recreated; SQLite in a temporary
file) it migrates with ``sandbox/manage.py migrate``, then bulk-loads a consistent ledger: per
account 1-3 lots (every third account also has a pending lot), one earn entry per lot and two
redemptions whose allocations take from the first lot or from the first two, so 3-5 entries and
2-3 allocations per account, with the cached balances equal to what they add up to. PostgreSQL
is loaded with COPY (triggers off for the load only), SQLite with ``executemany``.

It then times ``loyalty_verify``: the whole command as a user runs it (a new process, Django
start-up and system checks included), and the command alone inside an already started process.
Finally it adds 7 points to one account's cached balance and runs the command again, which must
name that account and exit non-zero; the account is put back afterwards.

Target: seconds, not minutes, on 100k accounts.
"""

# ruff: noqa: T201
from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

PG_DB = f"{_common.DB_PREFIX}verify"
SQLITE_PATH = os.path.join(tempfile.gettempdir(), f"{_common.DB_PREFIX}verify.sqlite3")
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)

ACCOUNT_COLS = ("id", "owner_key", "available", "pending", "held", "last_activity_at", "created_at")
ENTRY_COLS = (
    "id", "account_id", "kind", "available_delta", "pending_delta", "held_delta",
    "idempotency_key", "description", "order_number", "reason", "detail", "created_at",
)  # fmt: skip
LOT_COLS = (
    "id", "account_id", "entry_id", "status", "points", "remaining", "earned_at", "available_at",
    "expires_at", "order_number",
)  # fmt: skip
ALLOCATION_COLS = ("id", "entry_id", "lot_id", "points")
TABLES = {
    "oscar_loyalty_pointsaccount": ACCOUNT_COLS,
    "oscar_loyalty_ledgerentry": ENTRY_COLS,
    "oscar_loyalty_pointslot": LOT_COLS,
    "oscar_loyalty_lotallocation": ALLOCATION_COLS,
}


def ledger_rows(accounts: int) -> dict[str, list[tuple]]:
    """A consistent ledger: every cached balance equals its entries, lots and allocations."""
    rows: dict[str, list[tuple]] = {table: [] for table in TABLES}
    acc_rows, entry_rows = rows["oscar_loyalty_pointsaccount"], rows["oscar_loyalty_ledgerentry"]
    lot_rows, alloc_rows = rows["oscar_loyalty_pointslot"], rows["oscar_loyalty_lotallocation"]
    for a in range(1, accounts + 1):
        at = START + timedelta(seconds=a)
        points = [100 + (a * 37 + j * 101) % 900 for j in range(1, 2 + a % 3)]
        half = points[0] // 2
        if len(points) > 1:  # redemption 1: half of lot 1; 2: the rest of it and a third of lot 2
            takes = [[(0, half)], [(0, points[0] - half), (1, points[1] // 3)]]
        else:  # redemption 1: half of the lot; 2: half of what is left
            takes = [[(0, half)], [(0, (points[0] - half) // 2)]]
        remaining = list(points)
        for take in takes:
            for index, portion in take:
                remaining[index] -= portion
        for j, (p, left) in enumerate(zip(points, remaining, strict=True), start=1):
            entry_id, lot_id, pending = 5 * (a - 1) + j, 3 * (a - 1) + j, j == 3
            deltas = (0, p) if pending else (p, 0)
            entry_rows.append(
                (entry_id, a, "earn", *deltas, 0, f"order:{a}:{j}:earn", "Order", f"{a}-{j}")
                + ("", "{}", at)
            )
            status, available_at = ("pending", at + YEAR / 12) if pending else ("available", at)
            lot_rows.append(
                (lot_id, a, entry_id, status, p, left, at, available_at, at + YEAR, f"{a}-{j}")
            )
        for k, take in enumerate(takes, start=4):
            entry_id = 5 * (a - 1) + k
            spent = sum(portion for _index, portion in take)
            entry_rows.append(
                (entry_id, a, "redeem", -spent, 0, 0, f"redeem:{a}:{k}", "", "", "", "{}", at)
            )
            for index, portion in take:
                alloc_rows.append((len(alloc_rows) + 1, entry_id, 3 * (a - 1) + index + 1, portion))
        available = sum(remaining[:2])
        pending_left = remaining[2] if len(remaining) == 3 else 0
        acc_rows.append((a, f"bench:{a}", available, pending_left, 0, at, at))
    return rows


def seed_postgres(rows: dict[str, list[tuple]]) -> None:
    import psycopg

    with psycopg.connect(_common.pg_url(PG_DB)) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK/trigger work per row
        for table, cols in TABLES.items():
            with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row(row)
        for table in TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
            )
    with psycopg.connect(_common.pg_url(PG_DB), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def seed_sqlite(rows: dict[str, list[tuple]]) -> None:
    with sqlite3.connect(SQLITE_PATH) as conn:
        for table, cols in TABLES.items():
            marks = ", ".join("?" for _col in cols)
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                (tuple(_sqlite_value(v) for v in row) for row in rows[table]),
            )
        conn.execute("ANALYZE")


def _sqlite_value(value: object) -> object:
    """Django keeps SQLite datetimes as naive UTC text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def time_inside(database_url: str) -> None:
    """``--inside``: the command alone, timed in a process where Django is already set up."""
    _common.setup_django(database_url)
    from django.core.management import CommandError, call_command

    from oscar_loyalty.verification import find_discrepancies

    start = time.perf_counter()
    problems = find_discrepancies()
    queries = time.perf_counter() - start
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            call_command("loyalty_verify", stdout=out, stderr=err)
            code = 0
        except CommandError:
            code = 1
    command = time.perf_counter() - start
    found = {"queries": queries, "command": command, "code": code, "problems": len(problems)}
    print(json.dumps(found))


def verify_timings(database_url: str) -> tuple[int, str, float, dict]:
    """(exit code, output, wall seconds) of ``manage.py loyalty_verify``, and the in-process
    timings of ``--inside``."""
    code, output, wall = _common.run_manage(database_url, "loyalty_verify")
    inside = _common.run_python(__file__, "--inside", database_url)
    return code, output, wall, json.loads(inside.strip().splitlines()[-1])


def tamper_sql(delta: int, account_id: int) -> str:
    return (
        f"UPDATE oscar_loyalty_pointsaccount SET available = available + {delta} "
        f"WHERE id = {account_id}"
    )


def run_backend(name: str, accounts: int, rows: dict[str, list[tuple]]) -> list[list[object]]:
    if name == "PostgreSQL":
        _common.recreate_pg_database(PG_DB)
        url = _common.pg_url(PG_DB)
    else:
        if os.path.exists(SQLITE_PATH):
            os.remove(SQLITE_PATH)
        url = f"sqlite:///{SQLITE_PATH}"
    print(f"\n== {name}: migrate {_common.migrate(url):.1f} s", end="", flush=True)
    start = time.perf_counter()
    (seed_postgres if name == "PostgreSQL" else seed_sqlite)(rows)
    print(f", bulk load {time.perf_counter() - start:.1f} s")
    sizes = ", ".join(f"{len(rows[table]):,} {table.split('_')[-1]}" for table in TABLES)
    print(f"   rows: {sizes}")

    code, output, wall, inside = verify_timings(url)
    print(f"   consistent ledger -> exit code {code}: {output}")
    tampered = accounts // 2 + 7
    execute(name, url, tamper_sql(7, tampered))
    bad_code, bad_output, bad_wall, bad_inside = verify_timings(url)
    execute(name, url, tamper_sql(-7, tampered))
    print(f"   account {tampered} + 7 points -> exit code {bad_code}:")
    print("     " + bad_output.replace("\n", "\n     "))
    if code != 0 or bad_code == 0 or f" {tampered}:" not in bad_output:
        raise SystemExit(f"{name}: loyalty_verify did not behave as expected")
    return [
        [name, "consistent", code, f"{wall:.2f}", f"{inside['command']:.2f}"]
        + [f"{inside['queries']:.2f}"],
        [name, f"account {tampered} tampered", bad_code, f"{bad_wall:.2f}"]
        + [f"{bad_inside['command']:.2f}", f"{bad_inside['queries']:.2f}"],
    ]


def execute(name: str, url: str, sql: str) -> None:
    if name == "PostgreSQL":
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)
    else:
        with sqlite3.connect(SQLITE_PATH) as conn:
            conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--inside", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.inside:
        time_inside(opts.inside)
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f}, CPUs: {os.cpu_count()}")
    start = time.perf_counter()
    rows = ledger_rows(opts.accounts)
    print(f"generated {opts.accounts:,} accounts in {time.perf_counter() - start:.1f} s")
    table = []
    for name in ["PostgreSQL"] + ([] if opts.no_sqlite else ["SQLite"]):
        table += run_backend(name, opts.accounts, rows)
    print(f"\nloyalty_verify on {opts.accounts:,} accounts (seconds)")
    headers = ["database", "ledger", "exit code", "manage.py (new process)", "command alone"]
    _common.print_table([*headers, "3 checks' SQL"], table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
