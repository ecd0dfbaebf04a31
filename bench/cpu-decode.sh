#!/usr/bin/env bash
# CPU generation speed and peak memory of every scheme on one synthetic model (random weights, real layout):
# writes each checkpoint with `qrt synth`, then runs `Qrt.Benchmarks decode` on it in its own process.
# Usage: bench/cpu-decode.sh [arch (llama)] [size (small)] [workdir (a temp dir)]
# Needs a Release build (./build.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
arch="${1:-llama}"
size="${2:-small}"
work="${3:-$(mktemp -d)}"
qrt=(dotnet managed/Qrt.Cli/bin/Release/net10.0/qrt.dll)
bench=(dotnet bench/Qrt.Benchmarks/bin/Release/net10.0/Qrt.Benchmarks.dll decode)
for scheme in bf16 w4a16 w4a16-asym w4a16-actorder w8a8-int8 w8a8-int8-static fp8 fp8-static autofp8; do
  dir="$work/$arch-$size-$scheme"
  [ -f "$dir/config.json" ] || "${qrt[@]}" synth --arch "$arch" --scheme "$scheme" --size "$size" --out "$dir" --force > /dev/null
  "${bench[@]}" "$dir" 64 32 3
done
