#!/bin/sh
# Our training step beside the authors' (scripts/bench-authors.py: their einsum Transformer and
# recipe in Debian's PyTorch), at 1 and 2 threads, one after the other on a quiet machine, and the
# ratio. Run from the repository with a build in build/ (scripts/build.sh):
#
#   scripts/bench-vs-authors.sh [REPEATS]
#
# Check `uptime` first: a second busy process on 2 cores slows either side 4-20x.
set -eu
repeats=${1:-30}
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
cli=${GROKKING_CLI:-build/app/grokking-cli}
for t in 1 2; do
  ours=$("$cli" bench --threads "$t" --repeats "$repeats")
  theirs=$(/usr/bin/python3 scripts/bench-authors.py --threads "$t" --repeats "$repeats")
  echo "== $t thread(s)"
  echo "$ours" | sed -n '1,5p'
  echo "$theirs"
  o=$(echo "$ours" | awk '/^training step \(fast path\)/ {print $5}')
  a=$(echo "$theirs" | awk '/^training step/ {print $3}')
  echo "authors' step / ours: $(echo "$a $o" | awk '{printf "%.2f", $1 / $2}')x"
done
