#!/usr/bin/env bash
# The seed latency harness: Pixtral-12B at its real shapes (qrt synth --size pixtral-12b: random weights, which run
# exactly as fast as real ones) in bf16, w8a8-int8, fp8 and w4a16, through the seed card's three single-stream
# profiles, with the card's vLLM 0.7.2 H100 figures beside ours. One command on a GPU machine:
#
#   bench/device/run-seed-latency.sh     # from the repository root, with artifacts/qrt-<rid>/ carried
#
# The GPU machine has no .NET: publish the CLI here first (./build.sh publish, NativeAOT) and carry
# artifacts/qrt-linux-x64. This script builds libqrt there with the machine's own nvcc (run-cuda-tests.sh's build
# directory, build/device) and puts it beside the published qrt, then runs seed_latency.py, which writes
# seed-latency.md and seed-latency.json into $OUT (or ./device-results).
#
# Environment: QRT_SEED_SCHEMES (default "bf16 w8a8-int8 fp8 w4a16"), QRT_SEED_WORK (checkpoints, default
#              /tmp/qrt-seed; each is deleted after its runs: together they would not fit the disk),
#              QRT_CUDA_ARCHITECTURES (default 90a), QRT_JOBS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly OUT_DIR="${OUT:-$PWD/device-results}"
readonly BUILD_DIR="${QRT_BUILD_DIR:-build/device}"
readonly CLI_DIR="${QRT_CLI_DIR:-artifacts/qrt-linux-x64}"
mkdir -p "$OUT_DIR"

for dir in /usr/local/cuda/bin /usr/local/cuda-13/bin /usr/local/cuda-12/bin; do
    if ! command -v nvcc >/dev/null 2>&1 && [ -x "$dir/nvcc" ]; then export PATH="$dir:$PATH"; fi
done
[ -x "$CLI_DIR/qrt" ] || { echo "error: $CLI_DIR/qrt not found: run ./build.sh publish and carry $CLI_DIR" >&2; exit 1; }

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DQRT_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES="${QRT_CUDA_ARCHITECTURES:-90a}" > "$OUT_DIR/seed-build.log" 2>&1
cmake --build "$BUILD_DIR" --parallel "${QRT_JOBS:-$(getconf _NPROCESSORS_ONLN)}" --target qrt >> "$OUT_DIR/seed-build.log" 2>&1
cp "$BUILD_DIR"/lib/libqrt.so "$CLI_DIR/"

python3 bench/device/seed_latency.py --qrt "$CLI_DIR/qrt" --work "${QRT_SEED_WORK:-/tmp/qrt-seed}" \
    --schemes ${QRT_SEED_SCHEMES:-bf16 w8a8-int8 fp8 w4a16} --out "$OUT_DIR"
