#!/usr/bin/env bash
# Runs every test: the C++ tests (ctest) in a release build and under AddressSanitizer and
# UndefinedBehaviorSanitizer, a short run of the benchmark suite, and the Python tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== C++ tests (release)"
# The build tree of scripts/setup.sh (the preset "release" of CMakePresets.json): nothing to redo
# after it.
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

echo "== C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSPC_SANITIZE=address,undefined \
  -DSPC_WERROR=ON >/dev/null
cmake --build build-sanitize -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -E install

if [ -x build/benchmarks/spc_benchmarks ]; then
  echo "== benchmarks (short run, so that the suite cannot rot)"
  SPC_BENCH_SHORT=1 ./build/benchmarks/spc_benchmarks --benchmark_min_time=0.01 >/dev/null
  echo "benchmarks ran"
fi

if [ -d tests/python ]; then
  echo "== Python tests"
  PYTHON=${PYTHON:-python3}
  $PYTHON -m pytest tests/python -q
fi
