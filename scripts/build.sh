#!/usr/bin/env bash
# Configures and builds Grokking Lab into build/ (Release, Ninja, 2 jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > build-configure.log || { cat build-configure.log; exit 1; }
cmake --build build -j2
