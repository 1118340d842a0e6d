#!/usr/bin/env bash
# Build the native fuse3 backend (native-shims/fuse3, an N-API addon on libfuse 3) with node-gyp and
# Node's own headers. Idempotent. A failed build only warns: fairfs then serves with fuse2, and
# `fairfs doctor` and `--backend fuse3` say why.
set -uo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"
cd "$scripts/../native-shims/fuse3"
out=build/Release/fairfs_fuse3.node
if [ -f "$out" ] && [ -z "$(find src binding.gyp -newer "$out" 2>/dev/null)" ]; then exit 0; fi
source "$scripts/node-gyp-env.sh"
warn() { echo "setup: warning: the native fuse3 backend was not built ($1); mounts use fuse2" >&2; exit 0; }
[ -n "$nodedir" ] || warn "no Node headers next to $(command -v node)"
[ -f "$gyp" ] || warn "no node-gyp in npm"
pkg-config --exists fuse3 2>/dev/null || warn "libfuse3-dev is not installed"
log=$(mktemp)
if ! node "$gyp" rebuild --nodedir="$nodedir" >"$log" 2>&1; then
  tail -20 "$log" >&2; rm -f "$log"; warn "node-gyp rebuild failed"
fi
rm -f "$log"
echo "setup: built the native fuse3 backend" >&2
