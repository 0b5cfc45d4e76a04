#!/usr/bin/env bash
# Fresh machine to tested build: installs packages, builds, runs every test (CTest, headless).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
# The kernels the suite's numbers were made with: OpenBLAS's Haswell family, unless the machine's
# environment names one (DEVELOPERS.md). Left to itself, OpenBLAS picks SkylakeX on AVX-512 CPUs,
# where float rounding moves a few tests' grok epochs across their bounds (test_sweep,
# test_operation_runs: measured on such a CPU).
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure "$@"
