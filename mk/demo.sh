#!/bin/sh
# make demo: the main job on a built-in default.  For now (before the
# recorder lands): generate a mixed synthetic trace, print its summary and
# an excerpt of its events.
set -e
cd "$(dirname "$0")/.."
out=${DEMO_DIR:-demo-out}
mkdir -p "$out"
trace=$out/mix.pgt
echo "== pgtrace gen -p mix -n 2M --files 4 --pids 3 -o $trace"
./pgtrace gen -p mix -n 2M --files 4 --pids 3 --seed 1 -o "$trace" --force
echo
echo "== pgtrace info $trace"
./pgtrace info "$trace"
echo
echo "== pgtrace dump --events 0..5 $trace   (first events of phase 1: sequential)"
./pgtrace dump --events 0..5 "$trace"
echo "== pgtrace dump --events 250000..250005 $trace   (phase 2: zipf)"
./pgtrace dump --events 250000..250005 "$trace"
echo "== pgtrace dump --time 1.9s.. --format csv --fields ts,pid,comm,path,index $trace | head -4"
./pgtrace dump --time 1.9s.. --format csv --fields ts,pid,comm,path,index "$trace" | head -4
