#!/bin/bash
# What's This on every dock, as a person does it: under Xvfb (1920x1080), the window opened on a run,
# for each dock Shift+F1 and a click inside it (its tab raised first where it shares a tab group),
# then the help window's title is read back with xdotool: one line per dock, "ok" when the page is
# the dock's. Exits 1 if any dock opened another page (or none).
#
#   scripts/check-help-xvfb.sh RUN.grok [BUILD_DIR]
#
# Needs xvfb, xdotool, ffmpeg (a screenshot per dock in /tmp/grok-help-shots/). The click positions
# are the default layout's at 1920x1080 (MainWindow::designSize, the window at 96 % of the screen).
set -euo pipefail
run=${1:?usage: check-help-xvfb.sh RUN.grok [BUILD_DIR]}
build=${2:-build}
export DISPLAY=:97
Xvfb "$DISPLAY" -screen 0 1920x1080x24 >/dev/null 2>&1 &
xvfb=$!
cfg=$(mktemp -d)
shots=/tmp/grok-help-shots
mkdir -p "$shots"
XDG_CONFIG_HOME=$cfg OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} "$build/app/grokking" "$run" --epoch 5000 >/dev/null 2>&1 &
app=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$cfg"' EXIT
sleep 12
wid=$(xdotool search --name "Grokking Lab - " | head -1)
click() { xdotool mousemove "$1" "$2" click 1; }
failed=0
# dock  x y (inside it)  tab to raise first ("-": none)
for spec in "run 171 396 -" "loss 699 158 -" "measures 1437 198 1102,448" "numerics 1437 198 1210,448" \
  "mechanism 1437 198 1298,448" "we 738 554 -" "wl 1476 554 -" "neurons 580 791 -" "attention 949 791 -" \
  "prediction 1279 791 1316,943" "logits 1279 791 1193,943" "checks 1635 791 -" "scrubber 659 985 -"; do
  read -r dock x y tab <<<"$spec"
  if [ "$tab" != "-" ]; then click "${tab%,*}" "${tab#*,}"; sleep 0.5; fi
  xdotool windowfocus "$wid" 2>/dev/null || true
  sleep 0.2
  xdotool key shift+F1
  sleep 0.5
  click "$x" "$y"
  sleep 1
  help=$(xdotool search --onlyvisible --name "Grokking Lab help" | head -1)
  title=$(xdotool getwindowname "$help" 2>/dev/null || echo "(no help window)")
  ffmpeg -loglevel error -y -f x11grab -video_size 1920x1080 -i "$DISPLAY" -frames:v 1 "$shots/$dock.png"
  want=$(sed -n '1s/^# //p' "resources/help/$dock.md")
  if [ "$title" = "Grokking Lab help - $want" ]; then echo "ok    $dock: $title"; else echo "FAIL  $dock: $title"; failed=1; fi
  xdotool windowmove "$help" 1910 0  # out of the way of the next click
  sleep 0.3
done
exit $failed
