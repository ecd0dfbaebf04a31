#!/usr/bin/env bash
# Measures libqrt's CUDA GEMM kernels on a GPU machine with qrt-bench, beside cuBLAS BF16 and cuBLASLt INT8/FP8 in
# the same run: the seed models' layer shapes (Pixtral-12B, Qwen2-VL-72B, a Mixtral-8x22B expert), M from 1 to 4096.
#
#   bench/device/run-cuda-bench.sh        # from the repository root; needs CMake, nvcc and cuBLAS (CUDA toolkit)
#
# Writes into $OUT (or ./device-results when OUT is unset): bench.txt (the table), bench.json (every measurement),
# bench-errors.log (qrt-bench's messages), bench-build.log. Exits 0 when every measurement ran. Reuses the build directory of run-cuda-tests.sh.
#
# Environment: QRT_CUDA_ARCHITECTURES (default 90a), QRT_JOBS, QRT_BUILD_DIR (default build/device),
#              QRT_BENCH_SHAPES (default all), QRT_BENCH_M (default qrt-bench's GPU list), QRT_BENCH_TIMEOUT (s, 420).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly OUT_DIR="${OUT:-$PWD/device-results}"
readonly BUILD_DIR="${QRT_BUILD_DIR:-build/device}"
readonly ARCHITECTURES="${QRT_CUDA_ARCHITECTURES:-90a}"
readonly JOBS="${QRT_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 4)}"
readonly SHAPES="${QRT_BENCH_SHAPES:-all}"
readonly TIMEOUT="${QRT_BENCH_TIMEOUT:-420}"
mkdir -p "$OUT_DIR"
readonly LOG="$OUT_DIR/bench-build.log"

for dir in /usr/local/cuda/bin /usr/local/cuda-13/bin /usr/local/cuda-12/bin; do
    if ! command -v nvcc >/dev/null 2>&1 && [ -x "$dir/nvcc" ]; then export PATH="$dir:$PATH"; fi
done
command -v nvcc >/dev/null 2>&1 || { echo "run-cuda-bench: nvcc not found" | tee "$OUT_DIR/bench.txt"; exit 1; }

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if ! { timeout 300 cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DQRT_CUDA=ON \
           -DQRT_CUDA_ARCHITECTURES="$ARCHITECTURES" &&
       timeout 900 cmake --build "$BUILD_DIR" --parallel "$JOBS" --target qrt-bench; } > "$LOG" 2>&1; then
    { echo "run-cuda-bench: BUILD FAILED"; grep -m 20 -E 'error|Error' "$LOG"; } | tee "$OUT_DIR/bench.txt"
    exit 1
fi

arguments=(--device cuda --shapes "$SHAPES" --json "$OUT_DIR/bench.json")
[ -n "${QRT_BENCH_M:-}" ] && arguments+=(--m "$QRT_BENCH_M")
{
    echo "qrt-bench on $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)," \
         "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    timeout "$TIMEOUT" "$BUILD_DIR/native/bench/qrt-bench" "${arguments[@]}" 2> "$OUT_DIR/bench-errors.log"
} > "$OUT_DIR/bench.txt"
status=$?
tail -n 5 "$OUT_DIR/bench.txt" "$OUT_DIR/bench-errors.log"
exit "$status"
