#!/usr/bin/env bash
# The hostile corpus (tests/hostile_corpus.py) through grokking-cli and the window built under
# AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/, shared with fuzz-interchange.sh):
# every refusal one line, exit 2, and no sanitizer report (a report ends the child with another
# code). The time and memory bounds are held in the suite's own build (tests/test_hostile_corpus);
# here the sanitizers' shadow memory and slowdown would measure themselves.
#
#   scripts/hostile-corpus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > /dev/null
cmake --build build-asan -j2 --target grokking-cli grokking test_hostile_corpus
# Leaks are not refusals (Qt and LibTorch keep their globals to the end): the fuzzers check leaks.
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1
export GROK_CORPUS_SANITIZED=1
export QTEST_FUNCTION_TIMEOUT=1800000  # each row well under it; the default 5 min is tight under ASan
time build-asan/tests/test_hostile_corpus
