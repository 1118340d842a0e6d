# Sourced by the scripts that build native code: sets `nodedir` (Node's own headers, so node-gyp never
# downloads them; empty when missing) and `gyp` (npm's node-gyp).
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
nodedir=""
for d in "$node_prefix" /usr /usr/local; do
  if [ -f "$d/include/node/node_api.h" ]; then nodedir="$d"; break; fi
done
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
gyp="$npm_dir/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || gyp="$(dirname "$npm_dir")/npm/node_modules/node-gyp/bin/node-gyp.js"
