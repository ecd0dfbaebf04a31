#!/usr/bin/env bash
# Builds Qrt: libqrt (CMake, Release) and the .NET projects, with libqrt copied next to the managed
# assemblies. Usage: ./build.sh [command]
#
#   build      (default) configure and build libqrt, then the managed solution
#   test       build, then run CTest and the NUnit suite
#   demo       build, then `qrt info`, `qrt synth` (a tiny random-weight checkpoint) and `qrt generate` on it
#   bench      build, then run qrt-bench (native kernel microbenchmarks; extra arguments pass through)
#   goldens    build, then regenerate tests/goldens from the reference implementation (as root: builds the
#              reference root on first use; see tests/reference/regenerate.sh for --check and --full)
#   bindings   regenerate bindings/Qrt.Bindings/QrtNative.g.cs from native/include/qrt.h (needs clang)
#   publish    NativeAOT-publish the qrt CLI with libqrt into artifacts/qrt-<rid>/
#   clean      remove build/ and artifacts/
#
# Environment: QRT_CUDA=AUTO|ON|OFF|EMULATE (default AUTO: build the CUDA backend when nvcc is found;
#              EMULATE: build it for the CUDA emulator, which runs the CUDA kernels on the CPU),
#              QRT_BUILD_DIR (default build/native), QRT_JOBS (default: all processors).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
readonly ROOT="$PWD"
readonly BUILD_DIR="${QRT_BUILD_DIR:-build/native}"
readonly CUDA_MODE="${QRT_CUDA:-AUTO}"
readonly JOBS="${QRT_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}"
readonly CONFIGURATION=Release

log() { printf '\n== %s\n' "$*"; }

require() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required but not installed ($2)" >&2; exit 1; }
}

build_native() {
  require cmake "https://cmake.org, or apt-get install cmake"
  local generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  log "libqrt: configure (QRT_CUDA=$CUDA_MODE)"
  cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE="$CONFIGURATION" -DQRT_CUDA="$CUDA_MODE"
  log "libqrt: build"
  cmake --build "$BUILD_DIR" --config "$CONFIGURATION" --parallel "$JOBS"
}

build_managed() {
  require dotnet "the .NET 10 SDK, https://dot.net"
  log "managed: build"
  dotnet build Runtime.sln -c "$CONFIGURATION" -p:QrtNativeBuildDirectory="$ROOT/$BUILD_DIR/lib/" --nologo -v quiet
}

run_tests() {
  log "native tests (CTest)"
  ctest --test-dir "$BUILD_DIR" -C "$CONFIGURATION" --output-on-failure --parallel "$JOBS"
  log "managed tests (NUnit)"
  dotnet test Runtime.sln -c "$CONFIGURATION" --no-build --nologo
}

qrt_cli() {
  dotnet "managed/Qrt.Cli/bin/$CONFIGURATION/net10.0/qrt.dll" "$@"
}

regenerate_bindings() {
  require dotnet "the .NET 10 SDK, https://dot.net"
  log "bindings: regenerate from native/include/qrt.h"
  dotnet run --project bindings/Qrt.Bindings.Generator -c "$CONFIGURATION" -- \
    --header native/include/qrt.h --output bindings/Qrt.Bindings/QrtNative.g.cs
}

publish_cli() {
  local rid
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64 ;;
    Linux-aarch64) rid=linux-arm64 ;;
    Darwin-arm64) rid=osx-arm64 ;;
    *) echo "error: no runtime identifier known for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
  esac
  local out="artifacts/qrt-$rid"
  log "publish: qrt (NativeAOT, $rid) into $out"
  dotnet publish managed/Qrt.Cli -c "$CONFIGURATION" -r "$rid" -p:PublishAot=true \
    -p:QrtNativeBuildDirectory="$ROOT/$BUILD_DIR/lib/" -o "$out" --nologo
}

command="${1:-build}"
[ $# -gt 0 ] && shift
case "$command" in
  build) build_native; build_managed ;;
  test) build_native; build_managed; run_tests ;;
  demo)
    build_native; build_managed
    log "qrt info"; qrt_cli info
    log "qrt synth: a tiny Mistral checkpoint with random weights, W4A16 (compressed-tensors pack-quantized)"
    qrt_cli synth --arch mistral --scheme w4a16 --out artifacts/demo-mistral-w4a16 --force
    log "qrt generate (random weights: the text means nothing)"
    qrt_cli generate --model artifacts/demo-mistral-w4a16 --prompt "Tell me about the sea." --max-tokens 24 --seed 1 "$@" ;;
  bench) build_native; log "qrt-bench"; "$BUILD_DIR/native/bench/qrt-bench" "$@" ;;
  goldens) build_native; build_managed; log "goldens (tests/reference/regenerate.sh $*)"; tests/reference/regenerate.sh "$@" ;;
  bindings) regenerate_bindings ;;
  publish) build_native; publish_cli ;;
  clean) rm -rf build artifacts ;;
  -h|--help|help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "error: unknown command '$command' (try ./build.sh help)" >&2; exit 2 ;;
esac
