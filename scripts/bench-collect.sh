#!/usr/bin/env bash
# Times one full collect of 17 populated regions against the local emulator (moto behind
# scripts/emulator/proxy.py) and compares it with the slowest single-region collect.
# Target: full collect <= 2x the slowest single region. Figures go to docs/collect.md.
#
# Usage: scripts/bench-collect.sh [latency-ms ...]   (default: 0 100)
#        scripts/bench-collect.sh --organization [accounts] [latency-ms]   (default: 50 100)
#          an organisation of that many accounts × 2 regions: one account, the organisation in
#          one collect, and the same accounts one after another (target: organisation ≤ 3× one)
# Env: TRAILGRAPH_EMULATOR_PYTHON (default: .venv-test/bin/python, created if missing),
#      BENCH_PROFILE=release|dev (default release), BENCH_ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${TRAILGRAPH_EMULATOR_PYTHON:-}" ]]; then
  if [[ ! -x .venv-test/bin/python ]]; then
    python3 -m venv .venv-test
    .venv-test/bin/pip install -q -r scripts/emulator/requirements.txt
  fi
  export TRAILGRAPH_EMULATOR_PYTHON="$PWD/.venv-test/bin/python"
fi
profile="${BENCH_PROFILE:-release}"
flag=()
[[ "$profile" == release ]] && flag=(--release)
if [[ "${1:-}" == --organization ]]; then
  cargo build -q "${flag[@]}" -p trailgraph-collect --example bench_org
  BENCH_ACCOUNTS="${2:-50}" BENCH_LATENCY_MS="${3:-100}" \
    cargo run -q "${flag[@]}" -p trailgraph-collect --example bench_org
  exit 0
fi
cargo build -q "${flag[@]}" -p trailgraph-collect --example bench_collect
latencies=("$@")
[[ ${#latencies[@]} -eq 0 ]] && latencies=(0 100)
for latency in "${latencies[@]}"; do
  BENCH_LATENCY_MS="$latency" cargo run -q "${flag[@]}" -p trailgraph-collect --example bench_collect
done
