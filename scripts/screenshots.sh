#!/usr/bin/env bash
# Renders the window under Xvfb into docs/screenshots/: mid-training (the quick preset, stopped
# partway) and after grokking (a finished quick run), as a user would see them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/app/grokking ] || bash scripts/build.sh
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli=build/app/grokking-cli
# After grokking: the quick preset run to the end (~25 s).
"$cli" train --preset quick --out "$tmp/quick.grok" --force > /dev/null
# Mid-training: the same run stopped at 900 epochs (circuit formation under way).
"$cli" train --preset quick --set epochs=900 --out "$tmp/mid.grok" --force > /dev/null
shoot() { xvfb-run -a -s "-screen 0 1920x1080x24" build/app/grokking "$1" --screenshot "$2"; }
shoot "$tmp/mid.grok" "$out/mid-training.png"
shoot "$tmp/quick.grok" "$out/after-grokking.png"
echo "wrote $out/mid-training.png $out/after-grokking.png"
