"""Shared helpers of the benchmarks: dedicated databases, migrations, Django set-up, tables.

Benchmark databases are created on the PostgreSQL server given by ``BENCH_PG`` (default
``postgres://postgres@127.0.0.1:5432``). Only names starting with ``bench_`` are ever dropped, so
the ``test`` database (and anything else) is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
MANAGE = str(REPO / "sandbox" / "manage.py")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("BENCH_PG_PORT", "5432")
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
# Names of the benchmark databases start with this (e.g. ``bench_wt3_`` keeps two checkouts
# benchmarking on one server apart); it must itself start with ``bench_``.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench_")

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def pg_url(dbname: str) -> str:
    return f"{PG_SERVER}/{dbname}"


def django_env(database_url: str) -> dict[str, str]:
    """Environment of a production-like sandbox: DEBUG off (no query log kept in memory)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DJANGO_DEBUG": "0",
        "PYTHONPATH": str(REPO),
    }


def recreate_pg_database(dbname: str) -> None:
    """Drop (if present) and create an empty benchmark database."""
    import psycopg

    if not dbname.startswith("bench_"):
        raise SystemExit(f"refusing to drop {dbname!r}: benchmark databases start with bench_")
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')


def migrate(database_url: str) -> float:
    """``sandbox/manage.py migrate`` into ``database_url``; returns the seconds it took."""
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, MANAGE, "migrate", "--noinput", "-v0", "--skip-checks"],
        env=django_env(database_url),
        check=True,
        cwd=REPO,
    )
    return time.perf_counter() - start


def run_manage(database_url: str, *args: str) -> tuple[int, str, float]:
    """Run a management command; returns (exit code, stdout+stderr, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, MANAGE, *args],
        env=django_env(database_url),
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return done.returncode, (done.stdout + done.stderr).strip(), time.perf_counter() - start


def setup_django(database_url: str, quiet_ledger_log: bool = True) -> None:
    """django.setup() against ``database_url`` in this process."""
    os.environ.update(django_env(database_url))
    import django

    django.setup()
    if quiet_ledger_log:
        import logging

        # The sandbox logs every posting at INFO to stderr; a shop would not log to a terminal.
        logging.getLogger("oscar_loyalty").setLevel(logging.WARNING)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        first = row[0].ljust(widths[0])
        return " | ".join([first, *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))])

    print(line(cells[0]))  # noqa: T201
    print("-+-".join("-" * w for w in widths))  # noqa: T201
    for row in cells[1:]:
        print(line(row))  # noqa: T201


def _cpu_of(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    utime, stime = text[text.rindex(")") + 2 :].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def backend_cpu(dbname: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to ``dbname`` (read from
    /proc, so only for a server on this machine). Other databases' backends are left out."""
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchall()
    return {pid: _cpu_of(pid) for (pid,) in rows}


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two ``backend_cpu`` samples by backends present in both."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def run_python(script: str, *args: str) -> str:
    """stdout of ``python script args`` (raises if it fails)."""
    done = subprocess.run(
        [PYTHON, script, *args], cwd=REPO, capture_output=True, text=True, check=True
    )
    return done.stdout
