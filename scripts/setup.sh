#!/usr/bin/env bash
# Install what fairfs needs on a Debian machine with Node >= 20, then build.
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ldconfig -p 2>/dev/null | grep -q 'libfuse\.so\.2' || missing+=(libfuse2)
command -v fusermount3 >/dev/null 2>&1 || command -v fusermount >/dev/null 2>&1 || missing+=(fuse3)
# bindfs is the C passthrough mount the benchmark compares against.
command -v bindfs >/dev/null 2>&1 || missing+=(bindfs)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# The patched fuse-native binding is built here (node-gyp: make and a C++ linker; patch applies it).
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v patch >/dev/null 2>&1 || missing+=(patch)
# The native fuse3 backend (native-shims/fuse3) builds against libfuse 3's headers.
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -f /usr/include/fuse3/fuse.h ] || missing+=(libfuse3-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Real programs the tests run on mounts.
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
# The W3C PROV reference library (the one the FAIR data-registry uses): provenance exports round-trip through it.
/usr/bin/python3 -c 'import prov.model' >/dev/null 2>&1 || missing+=(python3-prov)
# A real browser for the registry's HTML view (headless: page DOM and screenshots).
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  # Not `fuse`: it conflicts with fuse3, and apt would silently swap one for the other.
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: fairfs needs ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -e /dev/fuse ]; then
  echo "setup: warning: /dev/fuse is missing; mounts will fail (modprobe fuse, or give the container --device /dev/fuse)" >&2
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.fairfs-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
bash scripts/patch-fuse-native.sh
bash scripts/build-native.sh
# The CLI users and tests run is the bundle (scripts/bundle.mjs); a stale one is never left behind.
rm -rf dist
npx tsc -p tsconfig.json
node scripts/bundle.mjs
chmod +x dist/bundle/fairfs.mjs

# The real FAIR data-registry, when this checkout sits beside ../shared (as in CI): its tests use one
# set-up per user, made here so that no test waits for apt. A failure only costs those tests.
if [ -f ../shared/fair-registry/setup.sh ]; then
  fr="${XDG_CACHE_HOME:-$HOME/.cache}/fairfs/fair-registry"
  if [ ! -f "$fr/db.clean.sqlite3" ]; then
    echo "setup: setting up the FAIR data-registry for its tests in $fr" >&2
    bash ../shared/fair-registry/setup.sh "$fr" >/dev/null 2>&1 || echo "setup: warning: the FAIR data-registry set-up failed; its tests will say why" >&2
  fi
fi

# pjdfstest (the POSIX conformance suite) for its test, when the shared sources are there: built once per user.
pjd_tar=../shared/third_party/pjdfstest-85a8aea.tar.gz
if [ -f "$pjd_tar" ]; then
  pjd="${XDG_CACHE_HOME:-$HOME/.cache}/fairfs/pjdfstest-85a8aea"
  if [ ! -x "$pjd/pjdfstest" ]; then
    if ! command -v autoreconf >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends autoconf automake >/dev/null 2>&1 || true
    fi
    echo "setup: building pjdfstest in $pjd" >&2
    rm -rf "$pjd" && mkdir -p "$pjd"
    if ! (tar xzf "$pjd_tar" -C "$pjd" --strip-components=1 && cd "$pjd" && autoreconf -ifs && ./configure && make pjdfstest) >/dev/null 2>&1; then
      echo "setup: warning: pjdfstest did not build; its test will say why" >&2
    fi
  fi
fi
