#!/usr/bin/env bash
# Both ledger benchmarks in one go (see benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
status=0
echo "### 1. ledger throughput vs pgbench"
"$PY" benchmarks/ledger_throughput.py || status=$?
echo
echo "### 2. loyalty_verify on 100,000 accounts"
"$PY" benchmarks/verify_scale.py || status=$?
exit "$status"
