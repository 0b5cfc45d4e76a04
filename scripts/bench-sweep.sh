#!/usr/bin/env bash
# The sweep runner's benchmark (issue 13): 4 runs of the quick preset (seeds 0-3) trained by
# `sweep run --jobs 2` (two runs at once, one intra-op thread each) against the same 4 runs trained
# one after another at 2 threads each, timed in turn by farm-bench (the A/B ratio holds on a noisy
# machine). Run it on a quiet machine (check `uptime`); results go to docs/performance.md, "Sweeps".
#   bash scripts/bench-sweep.sh [RUNS]     # RUNS pairs, default 3 (~8 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$PWD/build/app/grokking-cli
N=${1:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/spec.json" <<'SPEC'
{"base": {"preset": "quick"}, "seeds": [0, 1, 2, 3]}
SPEC
PARALLEL="rm -rf $T/par && $CLI sweep init $T/spec.json --out $T/par > /dev/null && $CLI sweep run $T/par --jobs 2 > /dev/null"
SEQUENTIAL="for s in 0 1 2 3; do $CLI train --preset quick --set seed=\$s --out $T/seq-\$s.grok --force --threads 2 > /dev/null; done"
uptime
farm-bench -n "$N" --warmup 0 --timeout 3000 --vs "sh -c '$SEQUENTIAL'" -- sh -c "$PARALLEL"
