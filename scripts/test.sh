#!/usr/bin/env bash
# The whole suite, as `npm test` runs it: every test on the default backend, then the mount
# tests (test/mount/) again on each other backend that loads here, so every backend passes the
# same suite. Ends with one tap-style summary of all passes (.ci/run reads it).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit $?
total=0 pass=0 fail=0 status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass_with() { # pass_with LABEL ENV-ASSIGNMENT|'' TAP-ARGS...
  local label=$1 assign=$2
  shift 2
  echo "# tests: $label"
  if [ -n "$assign" ]; then env "$assign" npx tap "$@" 2>&1 | tee "$log"; else npx tap "$@" 2>&1 | tee "$log"; fi
  local code=${PIPESTATUS[0]}
  [ "$code" -eq 0 ] || status=$code
  local summary
  summary=$(grep -E '^# \{ total: [0-9]+' "$log" | tail -n 1)
  if [ -z "$summary" ]; then fail=$((fail + 1)); status=1; return; fi
  total=$((total + $(sed -nE 's/.*total: ([0-9]+).*/\1/p' <<<"$summary")))
  pass=$((pass + $(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")))
  fail=$((fail + $(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary" | grep . || echo 0)))
}
if [ $# -gt 0 ]; then
  # Files or options given: one pass, as tap alone would.
  pass_with "$*" '' "$@"
else
  pass_with "all, default backend" ''
  for backend in $(node -e "import('./dist/mount/backends.js').then((m) => console.log(m.otherBackends().join(' ')))"); do
    pass_with "test/mount on $backend" "FAIRFS_BACKEND=$backend" test/mount
  done
fi
echo "# { total: $total, pass: $pass, fail: $fail }"
exit "$status"
