#!/usr/bin/env bash
# Installs what is missing (Debian packages, PyPI packages), builds the library, the command line
# and the Python package, then runs the main job: the spc tool on a bundled data set.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(cmake ninja-build g++ libboost-math-dev libfmt-dev doctest-dev libcli11-dev
              libbenchmark-dev libeigen3-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# cmake and ninja may come from pip instead; only install them from Debian when absent altogether.
command -v cmake >/dev/null && missing=("${missing[@]/cmake}")
command -v ninja >/dev/null && missing=("${missing[@]/ninja-build}")
read -r -a missing <<< "${missing[*]:-}"
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
echo "== installing Python packages"
$PYTHON -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# The configure flags of build/ are the preset "release" of CMakePresets.json, shared with
# scripts/test.sh, so that the tests reuse this build instead of redoing it.
echo "== building (build/)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"

if [ -f pyproject.toml ]; then
  # Built in build/python/<wheel tag> (pyproject.toml's build-dir), kept for the next install.
  echo "== installing the Python package spc"
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) $PYTHON -m pip install -q --disable-pip-version-check --no-build-isolation .
fi

echo
echo "== spc chart: C. difficile infections per month, run chart frozen on the 24 months before the intervention"
./build/spc chart --chart run --input examples/data/cdi.csv --x month --y n --freeze 24 --output build/cdi_run.csv
echo
echo "== spc chart: the same infections per 10,000 risk days, U chart split at the intervention"
./build/spc chart --chart u --input examples/data/cdi.csv --x month --y n --n days --parts 24 --multiply 10000 \
  --output build/cdi_u.csv
echo
echo "Per-point results: build/cdi_run.csv, build/cdi_u.csv. Next: bash scripts/test.sh"
