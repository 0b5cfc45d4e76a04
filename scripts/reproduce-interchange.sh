#!/usr/bin/env bash
# The measurements of docs/interchange.md, again (~25 minutes on 2 cores; needs python3-torch, and
# xvfb-run + xdotool for the window):
#   1. the mainline (seed 0, to 500 epochs after grokking), exported at epoch 1000 and at its newest
#      checkpoint in both formats; PyTorch's test loss of each against the run's
#   2. the round trip: every checkpoint exported, imported back, `analyze` compared line for line
#   3. the quick preset's task trained in PyTorch (the authors' class and recipe, 100 checkpoints),
#      opened in the window through the import dialog (Return pressed with xdotool), screenshots
#   4. the fuzzer under AddressSanitizer (scripts/fuzz-interchange.sh), 1 000 000 inputs
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/app/grokking-cli ] || bash scripts/build.sh
cli=build/app/grokking-cli
py=/usr/bin/python3
out=${1:-$(mktemp -d)}  # where the runs and files go
mkdir -p "$out"
$cli train --preset mainline --set stop_after_grok=500 --set epochs=15000 --threads 2 --out "$out/mainline.grok" --force
newest=$($cli info "$out/mainline.grok" | sed -n 's/^checkpoints .*epochs [0-9]*\.\.\([0-9]*\).*/\1/p')
for e in 1000 "$newest"; do
  for f in authors transformer-lens; do $cli export-pt "$out/mainline.grok" --format $f --epoch "$e" --out "$out/$f-$e.pt"; done
  loss=$(sqlite3 "$out/mainline.grok" "select printf('%.17g', test_loss) from metrics where epoch=$e")
  $py tests/python/interchange_check.py check-loss "$out/authors-$e.pt" "$out/transformer-lens-$e.pt" 113 0.3 0 "$loss"
done
time $cli export-pt "$out/mainline.grok" --format authors --all --out "$out/all.pth"
time $cli import "$out/all.pth" --out "$out/all.grok" --force
diff <($cli analyze "$out/mainline.grok" --epoch "$newest" | sed 1d | grep -v analysed) \
     <($cli analyze "$out/all.grok" --epoch "$newest" | sed 1d | grep -v analysed) && echo "round trip: analyze identical"
OMP_NUM_THREADS=1 $py tests/python/train_full_run_data.py --p 59 --frac 0.35 --weight-decay 3 --epochs 1980 \
  --save-every 20 --out "$out/quick.pth"
rm -f "$out"/quick.grok*
export XDG_CONFIG_HOME=$(mktemp -d)
gui() { xvfb-run -a -s "-screen 0 1920x1080x24" build/app/grokking "$@"; }
gui "$out/quick.pth" --screenshot docs/screenshots/import-dialog.png
xvfb-run -a -s "-screen 0 1920x1080x24" bash -c '
  build/app/grokking "$1" & app=$!
  until wid=$(xdotool search --name "Open PyTorch checkpoint" 2> /dev/null); do sleep 0.5; done
  sleep 1
  xdotool key --window "${wid%%$'"'"'\n'"'"'*}" Return
  until build/app/grokking-cli info "$2" 2> /dev/null | grep -q "^status *complete"; do sleep 0.5; done
  kill "$app"' _ "$out/quick.pth" "$out/quick.grok"
$cli info "$out/quick.grok"
gui "$out/quick.grok" --epoch 1200 --screenshot docs/screenshots/imported-python-run.png
bash scripts/fuzz-interchange.sh 1000000
