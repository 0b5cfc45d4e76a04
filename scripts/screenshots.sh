#!/usr/bin/env bash
# Renders the window under Xvfb into docs/screenshots/, as a user sees it (~22 minutes; needs xvfb-run
# and xdotool):
#   mid-training.png         the mainline preset training live from the window, shot at the first
#                            checkpoint the views show after epoch 8000 (circuit formation: train
#                            loss ~1e-6, test loss still high, W_L's spectrum sparsifying)
#   after-grokking.png       a mainline run trained to epoch 16000 (cleanup over), opened from disk
#   after-grokking-dark.png  the same with --theme dark
#   multiply-after-grokking.png   the multiply preset, (a * b) mod 59, trained to epoch 4000 (grokked by
#                            ~2500), opened from disk: the views in Z_58 over log_2, maps in group order
#   multiply-token-order.png the same with the maps' axes in token order (the option remembered in the settings)
#   reference-overlay.png    the quick preset (weight decay 3, groks) with a baseline drawn under its
#                            curves: the same preset at weight decay 0.3 (memorises, does not grok)
#   numerics.png             the quick preset with float32 softmax and no weight decay, 3000 epochs,
#                            the Numerics tab raised: softmax collapse from epoch ~500, two loss spikes
#   fork-dialog.png          Run > Fork from here... on that quick run at epoch 800 (circuit formation),
#                            weight decay off
#   fork-overlay.png         that fork, made in the window as a user makes it (the dialog's OK, pressed
#                            with xdotool) and trained to 2500, opened: its parent drawn dashed under it
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/app/grokking ] || bash scripts/build.sh
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config"  # default window layout, not this machine's saved one
gui() { xvfb-run -a -s "-screen 0 1920x1080x24" build/app/grokking "$@"; }
gui --train mainline --out "$tmp/live.grok" --screenshot-epoch 8000 --screenshot "$out/mid-training.png"
build/app/grokking-cli train --preset mainline --set epochs=16000 --out "$tmp/mainline.grok" > /dev/null
gui "$tmp/mainline.grok" --screenshot "$out/after-grokking.png"
gui "$tmp/mainline.grok" --theme dark --screenshot "$out/after-grokking-dark.png"
build/app/grokking-cli train --preset multiply --out "$tmp/multiply.grok" > /dev/null
gui "$tmp/multiply.grok" --screenshot "$out/multiply-after-grokking.png"
mkdir -p "$tmp/token/Grokking Lab"  # QSettings' file: the axis order for multiply runs
printf '[views]\naxis-order\\multiply=token\n' > "$tmp/token/Grokking Lab/Grokking Lab.conf"
XDG_CONFIG_HOME="$tmp/token" gui "$tmp/multiply.grok" --screenshot "$out/multiply-token-order.png"
build/app/grokking-cli train --preset quick --out "$tmp/quick-wd3.grok" > /dev/null
build/app/grokking-cli train --preset quick --set weight_decay=0.3 --out "$tmp/quick-wd0.3.grok" > /dev/null
gui "$tmp/quick-wd3.grok" --reference "$tmp/quick-wd0.3.grok" --screenshot "$out/reference-overlay.png"
build/app/grokking-cli train --preset quick --set loss=softmax32 --set weight_decay=0 --set epochs=3000 \
  --out "$tmp/quick-s32.grok" > /dev/null
gui "$tmp/quick-s32.grok" --raise-dock numerics --screenshot "$out/numerics.png"
gui "$tmp/quick-wd3.grok" --fork 800 --fork-set weight_decay=0 --screenshot "$out/fork-dialog.png"
xvfb-run -a -s "-screen 0 1920x1080x24" bash -c '
  build/app/grokking "$1" --fork 800 --fork-set weight_decay=0 --fork-set path="$2" & app=$!
  until wid=$(xdotool search --name "Fork from epoch 800" 2> /dev/null); do sleep 0.5; done
  xdotool key --window "${wid%%$'"'"'\n'"'"'*}" Return
  until build/app/grokking-cli info "$2" 2> /dev/null | grep -q "^status *complete"; do sleep 1; done
  kill "$app"' _ "$tmp/quick-wd3.grok" "$tmp/quick-wd3-fork-e800.grok"
gui "$tmp/quick-wd3-fork-e800.grok" --screenshot "$out/fork-overlay.png"
echo "wrote $out/mid-training.png $out/after-grokking.png $out/after-grokking-dark.png" \
  "$out/multiply-after-grokking.png $out/multiply-token-order.png $out/reference-overlay.png" \
  "$out/numerics.png $out/fork-dialog.png $out/fork-overlay.png"
