#!/usr/bin/env bash
# Trains every operation's preset to the end and analyses its final checkpoint in the operation's own
# group, as docs/reproduction.md records (~6 minutes on a 2-core laptop-class CPU):
#   quick (a + b mod 59), subtract (a - b mod 97), multiply (a * b mod 59), divide (a / b mod 59)
# For each: wall time, the epochs where train / test accuracy first reach 99 %, and the done-when
# figures of the analysis (key frequencies, restricted test loss vs excluded train loss, logit fit
# FVE, Gini of W_L); the whole `analyze` text goes to DIR/<preset>.analyze, the JSON to .json.
#   scripts/reproduce-operations.sh [DIR]     (default: a temporary directory, kept)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/app/grokking-cli ] || bash scripts/build.sh
cli=build/app/grokking-cli
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
for preset in quick subtract multiply divide; do
  start=$SECONDS
  $cli train --preset "$preset" --out "$dir/$preset.grok" --force > "$dir/$preset.log"
  secs=$((SECONDS - start))
  $cli analyze "$dir/$preset.grok" > "$dir/$preset.analyze"
  $cli analyze "$dir/$preset.grok" --json > "$dir/$preset.json"
  python3 - "$dir/$preset" "$secs" <<'PY'
import json, sys
base, secs = sys.argv[1], float(sys.argv[2])
first = {}
for line in open(base + ".log"):
    f = line.split()
    if f and f[0] == "checkpoint":
        e = int(f[1].split("/")[0])
        for name in ("train_acc", "test_acc"):
            if name not in first and float(f[f.index(name) + 1]) >= 0.99:
                first[name] = e
a = json.load(open(base + ".json"))
b = a["basis"]
print(f"{base.split('/')[-1]:9s} {b['operation']:9s} {b['group']:6s} g={b['generator']:<3d} {secs:6.0f} s  "
      f"train 99% @{first.get('train_acc', '-')}, test 99% @{first.get('test_acc', '-')}  "
      f"keys {a['detected_key_freqs']}  restricted test {a['restricted_loss_test']:.2e}  "
      f"excluded train {a['excluded_loss_train']:.3g}  logit fit {a['logit_fit_fve']:.3f}  Gini W_L {a['gini_wl']:.3f}")
PY
done
echo "run files, logs and analyses in $dir"
