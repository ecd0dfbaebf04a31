#!/usr/bin/env bash
# Everything a GPU machine should do in one call: the CUDA tests (run-cuda-tests.sh: the same CTest programs the
# emulator runs in CI, the PTX conformance first), then the GEMM benchmark (run-cuda-bench.sh). Results go to $OUT.
# Exits non-zero if either failed; the benchmark runs even when a test failed, so one call gives both answers.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./run-cuda-tests.sh
tests=$?
./run-cuda-bench.sh
bench=$?
echo "run-all: tests exit $tests, benchmark exit $bench"
[ "$tests" -eq 0 ] && [ "$bench" -eq 0 ]
