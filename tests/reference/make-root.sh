#!/usr/bin/env bash
# Creates the reference root: a Debian sid directory tree holding the reference implementation (transformers,
# torch on the CPU, compressed-tensors, the Rust tokenizers, safetensors, PIL, jinja2), in which the golden
# scripts run with chroot. Our machines run Debian 12, whose packages are too old for it; sid packages it as
# ordinary .deb files, so no PyPI access is needed.
#
#   Usage: tests/reference/make-root.sh          (as root)
#   Root:  ${QRT_REFERENCE_ROOT:-/var/cache/qrt/reference-root}   (about 2.3 GB, 3 to 4 minutes to build)
#
# A root that is already complete (same package list) is reused: a second run only prints the versions.
# The package mirror is a frozen snapshot whose Release file has expired, hence Check-Valid-Until=false.
set -euo pipefail

readonly REFERENCE_ROOT="${QRT_REFERENCE_ROOT:-/var/cache/qrt/reference-root}"
readonly MIRROR="${QRT_REFERENCE_MIRROR:-http://deb.debian.org/debian}"
readonly PACKAGES=(
  python3-transformers python3-torch python3-compressed-tensors python3-tokenizers python3-safetensors
  python3-numpy python3-pil python3-jinja2 python3-sentencepiece python3-accelerate
)
# The marker records the package list the root was completed with; a different list rebuilds it.
readonly MARKER="$REFERENCE_ROOT/.qrt-reference-root"
readonly EXPECTED_MARKER="packages: ${PACKAGES[*]}"

fail() { echo "error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "tests/reference/make-root.sh must run as root (debootstrap and chroot need it); try: sudo $0"
command -v chroot >/dev/null 2>&1 || fail "chroot is not available (it is in coreutils: apt-get install coreutils)"

print_versions() {
  "$(dirname "${BASH_SOURCE[0]}")/in-root.sh" python3 - <<'PY'
import importlib.metadata as m, platform
names = ["torch", "transformers", "compressed-tensors", "tokenizers", "safetensors", "numpy", "pillow", "jinja2", "accelerate"]
print("reference root: python " + platform.python_version() + ", " + ", ".join(f"{n} {m.version(n)}" for n in names))
PY
}

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$EXPECTED_MARKER" ]; then
  echo "reference root: reusing $REFERENCE_ROOT"
  print_versions
  exit 0
fi

command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is not installed (apt-get install debootstrap)"

echo "reference root: building $REFERENCE_ROOT from Debian sid ($MIRROR)"
rm -rf "$REFERENCE_ROOT"
mkdir -p "$(dirname "$REFERENCE_ROOT")"
debootstrap --variant=minbase --include=ca-certificates sid "$REFERENCE_ROOT" "$MIRROR" > "$REFERENCE_ROOT.debootstrap.log" 2>&1 \
  || fail "debootstrap failed; its log: $REFERENCE_ROOT.debootstrap.log"
"$(dirname "${BASH_SOURCE[0]}")/in-root.sh" bash -c '
  set -e
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q -o Acquire::Check-Valid-Until=false update
  apt-get -q -o Acquire::Check-Valid-Until=false install -y --no-install-recommends "$@"
  apt-get clean' packages "${PACKAGES[@]}" > "$REFERENCE_ROOT.apt.log" 2>&1 \
  || fail "installing the reference packages failed; the apt log: $REFERENCE_ROOT.apt.log"
echo "$EXPECTED_MARKER" > "$MARKER"
print_versions
