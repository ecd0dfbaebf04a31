#!/usr/bin/env bash
# Builds libqrt and its CUDA tests with the real nvcc on a GPU machine and runs them: the same CTest programs that
# the CUDA emulator runs in CI (test_cuda_*: runtime, kernels against the CPU ops, launches, PTX conformance),
# here on hardware. A conformance pass on a GPU is the proof that the emulator matches it.
#
#   bench/device/run-cuda-tests.sh            # from the repository root; needs CMake, ninja (optional), nvcc
#
# Writes into $OUT (or ./device-results when OUT is unset), for the device machine to return:
#   summary.txt   the GPU, driver, nvcc, the commit, then PASS/FAIL/SKIP per test and the totals
#   ctest.log     CTest's full output (--output-on-failure)
#   junit.xml     the same results for tools
#   build.log     the configure and build output (the first thing to read when the summary says BUILD FAILED)
# Exits 0 when every CUDA test passed, 1 otherwise; each step runs under a time limit, so it fails, never hangs.
#
# Environment: QRT_CUDA_ARCHITECTURES (default 90a, the H100/H200), QRT_JOBS (default: all processors),
#              QRT_BUILD_DIR (default build/device), QRT_TEST_TIMEOUT (seconds per test, default 300).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly OUT_DIR="${OUT:-$PWD/device-results}"
readonly BUILD_DIR="${QRT_BUILD_DIR:-build/device}"
readonly ARCHITECTURES="${QRT_CUDA_ARCHITECTURES:-90a}"
readonly JOBS="${QRT_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 4)}"
readonly TEST_TIMEOUT="${QRT_TEST_TIMEOUT:-300}"
mkdir -p "$OUT_DIR"
readonly SUMMARY="$OUT_DIR/summary.txt"
readonly BUILD_LOG="$OUT_DIR/build.log"
readonly CTEST_LOG="$OUT_DIR/ctest.log"

say() { printf '%s\n' "$*" | tee -a "$SUMMARY"; }

# Ends the run with a verdict on the summary's last line.
finish() {
    say "RESULT: $1"
    exit "$2"
}

# nvcc is often outside PATH on CUDA images.
for dir in /usr/local/cuda/bin /usr/local/cuda-13/bin /usr/local/cuda-12/bin; do
    if ! command -v nvcc >/dev/null 2>&1 && [ -x "$dir/nvcc" ]; then export PATH="$dir:$PATH"; fi
done

: > "$SUMMARY"
say "qrt CUDA tests on a GPU, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
if command -v nvidia-smi >/dev/null 2>&1; then
    say "gpu: $(timeout 30 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -n 1)"
else
    say "gpu: nvidia-smi not found"
fi
if ! command -v nvcc >/dev/null 2>&1; then
    say "nvcc: not found (looked on PATH and under /usr/local/cuda*/bin)"
    finish "BUILD FAILED: no CUDA compiler" 1
fi
say "nvcc: $(nvcc --version | tail -n 1)"
say "cmake: $(cmake --version | head -n 1); architectures $ARCHITECTURES; $JOBS jobs"

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
: > "$BUILD_LOG"
if ! timeout 300 cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DQRT_CUDA=ON \
        -DQRT_CUDA_ARCHITECTURES="$ARCHITECTURES" >> "$BUILD_LOG" 2>&1; then
    tail -n 20 "$BUILD_LOG"
    finish "BUILD FAILED: configure (see build.log)" 1
fi
if ! timeout 900 cmake --build "$BUILD_DIR" --parallel "$JOBS" --target qrt_cuda_tests >> "$BUILD_LOG" 2>&1; then
    grep -m 20 -E 'error|Error' "$BUILD_LOG"
    finish "BUILD FAILED: compile (see build.log)" 1
fi
say "build: done"

# Every test labelled cuda; a test that skips (77) here means the GPU was not usable, which is a failure too.
timeout $((TEST_TIMEOUT * 20)) ctest --test-dir "$BUILD_DIR" -L cuda --output-on-failure --timeout "$TEST_TIMEOUT" \
    --output-junit "$OUT_DIR/junit.xml" > "$CTEST_LOG" 2>&1
ctest_status=$?

say ""
say "tests:"
# CTest's per-test lines: "  1/4 Test  #3: test_cuda_norm ......   Passed    2.14 sec"
passed=0
failed=0
skipped=0
while IFS= read -r line; do
    name=$(sed -E 's/.*Test +#[0-9]+: ([^ ]+) .*/\1/' <<< "$line")
    seconds=$(grep -oE '[0-9.]+ sec' <<< "$line" || true)
    if grep -q 'Passed' <<< "$line"; then
        verdict=PASS; passed=$((passed + 1))
    elif grep -q 'Skipped' <<< "$line"; then
        verdict=SKIP; skipped=$((skipped + 1))
    else
        verdict=FAIL; failed=$((failed + 1))
    fi
    say "  $verdict  $name  $seconds"
done < <(grep -E 'Test +#[0-9]+:' "$CTEST_LOG")
say "passed $passed, failed $failed, skipped $skipped"

if [ $((passed + failed + skipped)) -eq 0 ]; then
    tail -n 20 "$CTEST_LOG"
    finish "FAILED: CTest ran no CUDA test (status $ctest_status; see ctest.log)" 1
fi
if [ "$ctest_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$skipped" -ne 0 ]; then
    finish "FAILED" 1
fi
finish "PASSED" 0
