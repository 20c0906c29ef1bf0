"""Ledger postings per second on PostgreSQL with 8 concurrent clients, next to pgbench.

One command (from the repository root)::

    .venv/bin/python benchmarks/ledger_throughput.py [--duration 10] [--warmup 3] [--clients 8]

What it does, all in one run against the same server:

1. drops and recreates the benchmark databases ``bench_loyalty`` (``sandbox/manage.py migrate``)
   and ``bench_pgbench`` (``pgbench -i -s 10``); no other database is touched;
2. ``pgbench -b simple-update -c 8 -j 2 -T <duration>``, once before and once after the ledger
   runs; the ratio uses their mean, which evens out noise from anything else on the machine;
3. the ledger: 8 client *processes* (spawned, each with its own ``django.setup()`` and
   connection), 50/50 ``ledger.earn`` and ``ledger.redeem`` of 1-100 points (a redeem only when
   the client's last known balance covers it, else an earn), a warm-up, then a fixed window in
   which committed postings are counted; once with each client on its own account and once with
   all 8 clients on the same hot account (they serialise on the account row lock);
4. ``manage.py loyalty_verify`` on ``bench_loyalty``: it must report the ledger consistent.

Besides TPS it prints, per committed transaction, the CPU used by the client processes and by
their PostgreSQL backends (read from /proc): on a 2-core machine the two share the same cores.
Target: ledger TPS (8 accounts) / pgbench TPS >= 0.5.
"""

# ruff: noqa: T201
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

BENCH_DB = f"{_common.DB_PREFIX}loyalty"
PGBENCH_DB = f"{_common.DB_PREFIX}pgbench"
TARGET_RATIO = 0.5


@dataclass
class Run:
    """One measured run: committed transactions per second and what each one cost."""

    label: str
    tps: float
    client_cpu_ms: float  # CPU of the client process(es) per committed transaction
    server_cpu_ms: float  # CPU of the clients' PostgreSQL backends per committed transaction
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    mix: str = ""


@dataclass
class ClientResult:
    earned: int = 0
    redeemed: int = 0
    refused: int = 0
    cpu_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


def pg_args() -> list[str]:
    return ["-h", _common.PG_HOST, "-p", _common.PG_PORT, "-U", _common.PG_USER]


def init_pgbench() -> None:
    _common.recreate_pg_database(PGBENCH_DB)
    init = ["pgbench", *pg_args(), "-i", "-s", "10", "-q", PGBENCH_DB]
    subprocess.run(init, check=True, capture_output=True)


def pgbench(duration: int, clients: int, label: str) -> Run:
    """``pgbench -b simple-update -j 2`` on ``bench_pgbench``; its backends' CPU is sampled from
    1 s after the start to 0.5 s before the end."""
    cmd = ["pgbench", *pg_args(), "-b", "simple-update", "-c", str(clients), "-j", "2"]
    client0 = os.times()
    proc = subprocess.Popen(
        [*cmd, "-T", str(duration), PGBENCH_DB],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1)
    server0, t0 = _common.backend_cpu(PGBENCH_DB), time.monotonic()
    time.sleep(duration - 1.5)
    server1, t1 = _common.backend_cpu(PGBENCH_DB), time.monotonic()
    out, _err = proc.communicate()
    client1 = os.times()
    tps = re.search(r"tps = ([\d.]+)", out)
    done = re.search(r"processed: (\d+)", out)
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    if proc.returncode or not (tps and done and latency):
        raise SystemExit(f"pgbench failed:\n{out}")
    client_cpu = client1.children_user + client1.children_system
    client_cpu -= client0.children_user + client0.children_system
    server_cpu = _common.cpu_between(server0, server1)
    return Run(
        label=label,
        tps=float(tps.group(1)),
        client_cpu_ms=client_cpu * 1000 / int(done.group(1)),
        server_cpu_ms=server_cpu * 1000 / (float(tps.group(1)) * (t1 - t0)),
        p50_ms=float(latency.group(1)),  # pgbench reports the mean, not the median
        mix="UPDATE+SELECT+INSERT",
    )


def client(
    worker: int,
    owner_key: str,
    start_at,
    warmup: float,
    duration: float,
    barrier,
    results,
) -> None:
    """One ledger client process: its own Django and connection, posting until the window ends."""
    _common.setup_django(_common.pg_url(BENCH_DB))
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from oscar_loyalty import ledger
    from oscar_loyalty.models import PointsAccount

    account = PointsAccount.objects.get(owner_key=owner_key)
    connection.ensure_connection()
    rng = random.Random(worker)
    result = ClientResult()
    barrier.wait()
    while time.monotonic() < start_at.value:
        time.sleep(0.001)
    measure_from = start_at.value + warmup
    end = measure_from + duration
    prefix = f"bench:{os.getpid()}:{time.time_ns()}"
    n, cpu_from = 0, None
    while (began := time.monotonic()) < end:
        if cpu_from is None and began >= measure_from:
            cpu_from = time.process_time()
        n += 1
        points = rng.randint(1, 100)
        kind = "earn" if rng.random() < 0.5 or account.available < points else "redeem"
        try:
            if kind == "earn":
                expires = timezone.now() + timedelta(days=365)
                ledger.earn(account, points, key=f"{prefix}:{n}", expires_at=expires)
            else:
                ledger.redeem(account, points, key=f"{prefix}:{n}")
        except ledger.InsufficientPoints:
            kind = "refused"  # another client spent the points first (hot account only)
            account.refresh_from_db(fields=["available"])
        done = time.monotonic()
        if not measure_from <= done <= end:
            continue
        if kind == "refused":
            result.refused += 1
            continue
        result.latencies_ms.append((done - began) * 1000)
        result.earned += kind == "earn"
        result.redeemed += kind == "redeem"
    result.cpu_s = time.process_time() - (cpu_from or time.process_time())
    results.put(result)


def run_clients(label: str, owner_keys: list[str], warmup: float, duration: float) -> Run:
    """Spawn one process per owner key, start them together, and add up their windows."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(owner_keys) + 1)
    start_at = ctx.Value("d", time.monotonic() + 1e6)  # moved to the real start below
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=client,
            args=(i, key, start_at, warmup, duration, barrier, results),
        )
        for i, key in enumerate(owner_keys)
    ]
    for proc in procs:
        proc.start()
    barrier.wait(timeout=180)
    start = time.monotonic() + 0.2
    start_at.value = start
    time.sleep(max(0.0, start + warmup - time.monotonic()))
    server0 = _common.backend_cpu(BENCH_DB)
    time.sleep(max(0.0, start + warmup + duration - time.monotonic()))
    server1 = _common.backend_cpu(BENCH_DB)
    collected: list[ClientResult] = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a ledger client failed (exit code {proc.exitcode})")
    latencies = sorted(ms for res in collected for ms in res.latencies_ms)
    committed = max(len(latencies), 1)
    return Run(
        label=label,
        tps=len(latencies) / duration,
        client_cpu_ms=sum(res.cpu_s for res in collected) * 1000 / committed,
        server_cpu_ms=_common.cpu_between(server0, server1) * 1000 / committed,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        mix="/".join(
            str(sum(getattr(res, attr) for res in collected))
            for attr in ("earned", "redeemed", "refused")
        ),
    )


def prepare_ledger_db(clients: int) -> tuple[list[str], str]:
    """Fresh, migrated ``bench_loyalty``; one account per client plus one hot account, each
    starting with 1,000 points."""
    _common.recreate_pg_database(BENCH_DB)
    print(f"migrated {BENCH_DB} in {_common.migrate(_common.pg_url(BENCH_DB)):.1f} s")
    _common.setup_django(_common.pg_url(BENCH_DB))
    from oscar_loyalty import ledger

    keys = [f"bench:client:{i}" for i in range(clients)]
    for key in [*keys, "bench:hot"]:
        ledger.earn(ledger.account_for_owner(key), 1000, key=f"seed:{key}")
    return keys, "bench:hot"


def print_runs(runs: list[Run], baseline: float) -> None:
    rows = [
        [run.label, f"{run.tps:.0f}", f"{run.tps / baseline:.2f}", run.mix]
        + [f"{run.p50_ms:.1f}", f"{run.p95_ms:.1f}" if run.p95_ms else ""]
        + [f"{run.client_cpu_ms:.2f}", f"{run.server_cpu_ms:.2f}"]
        for run in runs
    ]
    headers = ["run", "TPS", "vs pgbench", "earn/redeem/refused", "p50 ms", "p95 ms"]
    _common.print_table([*headers, "client CPU ms/tx", "server CPU ms/tx"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-hot", action="store_true", help="skip the hot-account run")
    opts = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.2f}, CPUs: {os.cpu_count()}")
    keys, hot = prepare_ledger_db(opts.clients)
    init_pgbench()
    n, duration, warmup = opts.clients, opts.duration, opts.warmup
    runs = [pgbench(duration, n, "pgbench simple-update (before)")]
    runs.append(run_clients(f"ledger, {n} clients on {n} accounts", keys, warmup, duration))
    if not opts.no_hot:
        runs.append(
            run_clients(f"ledger, {n} clients on 1 hot account", [hot] * n, warmup, duration)
        )
    runs.append(pgbench(duration, n, "pgbench simple-update (after)"))
    baseline = (runs[0].tps + runs[-1].tps) / 2
    code, verdict, _seconds = _common.run_manage(_common.pg_url(BENCH_DB), "loyalty_verify")

    print(f"\n{n} clients, {duration} s measured after {warmup:g} s warm-up (ledger runs);")
    print(f"ratios against the mean of the two pgbench runs ({baseline:.0f} TPS)\n")
    print_runs(runs, baseline)
    ratio = runs[1].tps / baseline
    status = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"\nratio ledger/pgbench = {ratio:.2f} (target >= {TARGET_RATIO}: {status})")
    print(f"loyalty_verify on {BENCH_DB}: exit code {code}: {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
