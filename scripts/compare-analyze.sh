#!/usr/bin/env bash
# Do two builds analyse checkpoints alike? Trains every preset for a few checkpoints with each
# build's grokking-cli, then compares `analyze --json` of every checkpoint, wall time ("seconds")
# aside. The key set is given (not detected), so a later change to key detection can rerun this
# for everything else; pass --key-freqs live to compare detection too.
#
#   scripts/compare-analyze.sh --before /tmp/base/grokking-cli --after build/app/grokking-cli
#   scripts/compare-analyze.sh --before A --after B --key-freqs 1,5,7 --epochs 40 --presets quick,multiply
#
# Prints one line a preset ("same: 4 checkpoints" or the first differing fields) and exits 1 if any
# preset differs. Both builds train their own runs, so training differences show up here too.
set -euo pipefail

before="" after="" keys="1,5,7" epochs=24 interval=8 presets="" work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --before) before="$2"; shift 2 ;;
    --after) after="$2"; shift 2 ;;
    --key-freqs) keys="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --checkpoint-interval) interval="$2"; shift 2 ;;
    --presets) presets="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "compare-analyze: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$before" && -x "$after" ]] || { echo "compare-analyze: --before and --after must name grokking-cli binaries" >&2; exit 2; }
if [[ -z "$presets" ]]; then
  presets=$("$after" presets | awk '$1 ~ /^[a-z-]+$/ {print $1}' | paste -sd, -)
fi
[[ -n "$work" ]] || work=$(mktemp -d)
mkdir -p "$work"
echo "work folder $work; key frequencies $keys; $epochs epochs, a checkpoint every $interval"

status=0
IFS=, read -ra list <<< "$presets"
for name in "${list[@]}"; do
  for side in before after; do
    cli=${!side}
    "$cli" train --preset "$name" --set epochs="$epochs" --set checkpoint_interval="$interval" \
      --set stop_after_grok=0 --threads 1 --force --out "$work/$name.$side.grok" > "$work/$name.$side.train.log"
    : > "$work/$name.$side.json"
    for ((e = 0; e <= epochs; e += interval)); do
      "$cli" analyze "$work/$name.$side.grok" --epoch "$e" --key-freqs "$keys" --json >> "$work/$name.$side.json"
    done
  done
  python3 - "$name" "$work/$name.before.json" "$work/$name.after.json" <<'EOF' || status=1
import json, sys
name, a, b = sys.argv[1:4]
def docs(path):
    dec, text, i, out = json.JSONDecoder(), open(path).read(), 0, []
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        d, i = dec.raw_decode(text, i)
        d.pop("seconds", None)
        out.append(d)
    return out
da, db = docs(a), docs(b)
diffs = []
for x, y in zip(da, db):
    for k in sorted(set(x) | set(y)):
        if x.get(k) != y.get(k):
            diffs.append(f"epoch {x.get('epoch')}: {k}")
if len(da) != len(db):
    diffs.append(f"{len(da)} checkpoints against {len(db)}")
if diffs:
    print(f"{name}: DIFFERENT ({len(diffs)} fields; first: {', '.join(diffs[:4])})")
    sys.exit(1)
print(f"{name}: same ({len(da)} checkpoints, {sum(len(d) for d in da)} fields)")
EOF
done
exit $status
