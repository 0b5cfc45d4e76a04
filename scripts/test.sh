#!/usr/bin/env bash
# Fresh machine to tested build: installs packages, builds, runs every test (CTest, headless).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
QT_QPA_PLATFORM=offscreen ctest --output-on-failure
