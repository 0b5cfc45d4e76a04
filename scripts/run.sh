#!/usr/bin/env bash
# Fresh machine to running app: installs packages, builds, launches the GUI (extra args go to it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec ./build/app/grokking "$@"
