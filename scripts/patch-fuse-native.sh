#!/usr/bin/env bash
# Patch and rebuild fuse-native's binding (patches/fuse-native-2.2.6.patch): utimens gets both times
# with nanoseconds (upstream passes the access time twice), a single time (touch -m) reaches it, stat
# times carry nanoseconds, and each request's caller (pid, uid, gid, umask) is readable from JavaScript.
# Idempotent. If the build fails, the patch is taken back out, so the package's JavaScript always
# matches the binary that loads, and fairfs runs on the prebuilt binding (it says so in `fairfs doctor`).
set -uo pipefail
cd "$(dirname "$0")/.."
pkg=node_modules/fuse-native
patchfile=patches/fuse-native-2.2.6.patch
[ -d "$pkg" ] || { echo "setup: $pkg is missing; run npm ci first" >&2; exit 1; }
# The patch as applied is kept beside the package, so that a newer patch can replace an older one.
applied="$pkg/.fairfs.patch"
if grep -q 'FAIRFS_PATCH' "$pkg/index.js"; then
  if cmp -s "$applied" "$patchfile" && [ -f "$pkg/build/Release/fuse.node" ]; then exit 0; fi
  if [ -f "$applied" ]; then
    patch -s -R -p1 -d "$pkg" < "$applied" || { echo "setup: cannot take back the older fuse-native patch; run npm ci" >&2; exit 1; }
  else
    # Patched before the applied copy was kept: reinstall the package from the lock file.
    rm -rf "$pkg" node_modules/.fairfs-installed && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.fairfs-installed
  fi
  rm -rf "$pkg/build" "$applied"
fi

# Node's headers come with the Node package (/usr/include/node); node-gyp must not try to download them.
source scripts/node-gyp-env.sh

fail() {
  echo "setup: warning: the patched fuse-native binding was not built ($1); fairfs uses the prebuilt one (no file times set by programs, no caller pids)" >&2
  if grep -q 'FAIRFS_PATCH' "$pkg/index.js"; then patch -s -R -p1 -d "$pkg" < "$patchfile" || true; fi
  rm -rf "$pkg/build" "$applied"
  exit 0
}
[ -n "$nodedir" ] || fail "no Node headers (include/node/node_api.h) next to $(command -v node)"
[ -f "$gyp" ] || fail "no node-gyp in npm ($npm_dir)"
if ! grep -q 'FAIRFS_PATCH' "$pkg/index.js"; then
  patch -s -p1 -d "$pkg" < "$patchfile" || fail "the patch does not apply"
  cp "$patchfile" "$applied"
fi
log=$(mktemp)
if ! (cd "$pkg" && node "$gyp" rebuild --nodedir="$nodedir" >"$log" 2>&1); then
  tail -20 "$log" >&2
  rm -f "$log"
  fail "node-gyp rebuild failed"
fi
rm -f "$log"
echo "setup: built the patched fuse-native binding" >&2
