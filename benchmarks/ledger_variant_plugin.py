"""pytest plugin: run the project's own ledger tests against a variant of ``ledger_variants.py``.

    LEDGER_VARIANT=update_first PYTHONPATH=benchmarks \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tests \\
    .venv/bin/pytest -p ledger_variant_plugin tests/unit/test_ledger.py tests/concurrency -q

(pytest-django creates and drops ``test_bench_tests``; the ``test`` database is not used.)
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    import ledger_variants

    ledger_variants.install(os.environ.get("LEDGER_VARIANT", "baseline"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"ledger variant: {os.environ.get('LEDGER_VARIANT', 'baseline')}"


def pytest_terminal_summary(terminalreporter) -> None:
    from oscar_loyalty import ledger

    active = ", ".join(f"{name}={getattr(ledger, name).__name__}" for name in ("earn", "redeem"))
    terminalreporter.write_line(f"ledger variant {os.environ.get('LEDGER_VARIANT')}: {active}")
