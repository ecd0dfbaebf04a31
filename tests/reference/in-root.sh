#!/usr/bin/env bash
# Runs a command inside the reference root (tests/reference/make-root.sh builds it) with /proc mounted (torch
# reads it), the repository bound read-only at /qrt/repo and a work directory bound read-write at /qrt/work.
# The mounts live in a private mount namespace (unshare), so they vanish when the command ends, even if it is
# killed.
#
#   Usage: tests/reference/in-root.sh COMMAND [ARGS...]     (as root)
#   /qrt/work is $QRT_REFERENCE_WORK (default: the current directory); the command starts there.
set -euo pipefail

readonly REFERENCE_ROOT="${QRT_REFERENCE_ROOT:-/var/cache/qrt/reference-root}"
readonly REPOSITORY="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly WORK="$(cd "${QRT_REFERENCE_WORK:-.}" && pwd)"

fail() { echo "error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "tests/reference/in-root.sh must run as root (chroot needs it)"
[ -x "$REFERENCE_ROOT/bin/bash" ] || fail "no reference root at $REFERENCE_ROOT (run tests/reference/make-root.sh)"
command -v unshare >/dev/null 2>&1 || fail "unshare is not available (apt-get install util-linux)"
command -v chroot >/dev/null 2>&1 || fail "chroot is not available (apt-get install coreutils)"

exec unshare --mount --propagation private -- bash -c '
  set -e
  root=$1 repository=$2 work=$3; shift 3
  mkdir -p "$root/proc" "$root/qrt/repo" "$root/qrt/work"
  mount -t proc proc "$root/proc"
  mount --bind "$repository" "$root/qrt/repo"
  mount -o remount,bind,ro "$root/qrt/repo"
  mount --bind "$work" "$root/qrt/work"
  exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 ${OMP_NUM_THREADS:+OMP_NUM_THREADS=$OMP_NUM_THREADS} \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    bash -c "cd /qrt/work && exec \"\$@\"" run "$@"' in-root "$REFERENCE_ROOT" "$REPOSITORY" "$WORK" "$@"
