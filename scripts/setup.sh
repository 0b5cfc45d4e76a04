#!/usr/bin/env bash
# Installs every Debian 12 package Grokking Lab needs to build, test and run. Idempotent.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-svg-dev libqt6sql6-sqlite libgl-dev
  libtorch-dev libfftw3-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libsqlite3-dev sqlite3 nlohmann-json3-dev
  # Without OpenBLAS LibTorch falls back to the reference BLAS: ~20x slower training.
  libopenblas0-openmp
  xvfb xauth
  # Animations (File > Export animation..., grokking --export-animation) encode through ffmpeg;
  # tests/test_ui_animation reads them back with ffprobe.
  ffmpeg
  # scripts/check-help-xvfb.sh and scripts/screenshots.sh click through the window under Xvfb.
  xdotool
  # tests/test_structure checks every source against .clang-format.
  clang-format
  # grokking-cli sweep submit (Slurm job arrays); tests/test_slurm starts a throwaway cluster of them.
  slurmctld slurmd slurm-client munge
  # Test-only: tests/test_interchange loads our .pt exports in PyTorch and writes checkpoints to import.
  python3-torch
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
# LibTorch calls whichever libblas.so.3 is selected: make it OpenBLAS (OpenMP build), not the
# reference BLAS or the pthread build, which may already be selected on a machine that had them.
for lib in libblas.so.3 libopenblas.so.0; do
  target=/usr/lib/x86_64-linux-gnu/openblas-openmp/$lib
  if [ -e "$target" ] && update-alternatives --query "$lib-x86_64-linux-gnu" > /dev/null 2>&1; then
    $SUDO update-alternatives --set "$lib-x86_64-linux-gnu" "$target" > /dev/null
  fi
done
