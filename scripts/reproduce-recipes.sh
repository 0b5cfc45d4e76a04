#!/bin/bash
# The follow-up recipes beside their baselines (docs/reproduction.md, "Recipes"): four sweeps of the
# paper's model, trained two runs at a time on one thread each, then a fork of the grokked mainline at
# a 10 % training fraction, each run's epochs to 95 % and 99 % train and test accuracy, and the
# Compare view's figures. Takes ~1-2 hours on a quiet 2-core machine.
#   scripts/reproduce-recipes.sh [OUT_DIR] [FIGURES_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/recipes}
figures=${2:-$out/figures}
cli=build/app/grokking-cli
mkdir -p "$out" "$figures"
for s in grokfast orthograd losses constant-norm; do
  [ -d "$out/$s" ] || $cli sweep init docs/sweeps/$s.json --out "$out/$s"
  $cli sweep run "$out/$s" --jobs 2
done
# Ungrokking (Varma et al. 2023): the grokked mainline (grokfast.json's run without the filter) forked at
# its last checkpoint with a tenth of the pairs for training.
mainline="$out/grokfast/runs/run-000.grok"
last=$(sqlite3 "$mainline" "SELECT max(epoch) FROM checkpoints")
[ -f "$out/ungrok.grok" ] || $cli fork "$mainline" --epoch "$last" --set train_fraction=0.1 \
  --set epochs=$((last + 3000)) --out "$out/ungrok.grok"

# Epochs at which each run first reaches 95 % and 99 % train and test accuracy ("-": never).
first() { sqlite3 "$1" "SELECT coalesce(min(epoch), '-') FROM metrics WHERE $2 >= $3"; }
echo "| run | recipes | train 95 % | train 99 % | test 95 % | test 99 % | last epoch: test acc |"
echo "|---|---|---|---|---|---|---|"
for f in "$out"/*/runs/run-*.grok "$out/ungrok.grok"; do
  recipes=$($cli info "$f" | sed -n 's/^recipes *//p')
  [ -n "$recipes" ] || recipes="(none: the paper's training)"
  last=$(sqlite3 "$f" "SELECT epoch || ': ' || round(test_acc, 4) FROM metrics WHERE test_acc IS NOT NULL ORDER BY epoch DESC LIMIT 1")
  echo "| ${f#$out/} | $recipes | $(first "$f" train_acc 0.95) | $(first "$f" train_acc 0.99) |" \
    "$(first "$f" test_acc 0.95) | $(first "$f" test_acc 0.99) | $last |"
done
for s in grokfast orthograd losses; do
  QT_QPA_PLATFORM=offscreen build/app/grokking "$out/$s" --export-figures "$figures/recipes-$s"
done
QT_QPA_PLATFORM=offscreen build/app/grokking "$mainline" "$out/constant-norm/runs/run-000.grok" \
  --export-figures "$figures/recipes-constant-norm"
QT_QPA_PLATFORM=offscreen build/app/grokking "$out"/constant-norm/runs/run-00{0,1}.grok \
  --export-figures "$figures/recipes-constant-norm-lr"
QT_QPA_PLATFORM=offscreen build/app/grokking "$mainline" "$out/ungrok.grok" --export-figures "$figures/recipes-ungrok"
