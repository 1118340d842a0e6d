#!/usr/bin/env bash
# The demo: register the example model's inputs in a fresh fairfs home, run the
# unmodified model through `fairfs run`, and print the finished code run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fairfs="node $root/dist/bundle/fairfs.mjs"
example="$root/examples/sir-model"

export FAIRFS_HOME="${FAIRFS_HOME:-$(mktemp -d "${TMPDIR:-/tmp}/fairfs-demo-XXXXXX")}"
echo "== fairfs home: $FAIRFS_HOME"
$fairfs init
$fairfs ls SCRC:human/population | grep -q population ||
  $fairfs add "$example/data/population.csv" SCRC:human/population@0.1.0 --description "Population by region"
$fairfs ls SCRC:sir/parameters | grep -q parameters ||
  $fairfs add "$example/data/parameters.toml" SCRC:sir/parameters@1.0.0 --description "SIR parameters"

echo "== running the unmodified model on a fairfs session"
cd "$example"
$fairfs run config.yaml -- sh -c 'python3 model.py "$FAIRFS_MOUNT"'

echo "== the code run"
run_id=$($fairfs runs --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).at(-1).run_id))')
$fairfs show "$run_id"
echo "== data products"
$fairfs ls
