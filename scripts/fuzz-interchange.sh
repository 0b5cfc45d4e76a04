#!/usr/bin/env bash
# Fuzzes the readers of files from others under AddressSanitizer and UndefinedBehaviorSanitizer, in
# a build of its own (build-asan/): the PyTorch checkpoint reader (core/interchange: the pickle
# reader, the zip container, the layouts) with the mutation fuzzer of tests/pt_fuzz.h, and the
# run-file reader (core/store) with tests/run_fuzz.h (statements and pages mutated, not only bytes).
# Each fuzzer links only the reader's sources, so the build takes minutes. docs/interchange.md and
# docs/run-format.md record the last counts.
#
#   scripts/fuzz-interchange.sh [INPUTS] [SEED]    # default 1000000 inputs each, seed 20261202
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=${1:-1000000}
seed=${2:-20261202}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > /dev/null
cmake --build build-asan -j2 --target fuzz_pt_reader fuzz_run_reader
# allocator_may_return_null: a zip entry claiming more memory than exists must fail as a refused
# allocation (LibTorch throws, the reader says "oversized"), as it does without the sanitizer.
# scripts/lsan.supp: the one leak that is LibTorch's (its zip reader's state when its constructor throws).
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=1
export UBSAN_OPTIONS=print_stacktrace=1
cd build-asan/tests
time ./fuzz_pt_reader "$inputs" "$seed"
time ./fuzz_run_reader "$inputs" "$seed"
