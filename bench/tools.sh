#!/bin/bash
# Trace tools bench: cut, filter, split and merge on a big generated
# trace, side by side with reading it (pgtrace info) and, when it is
# installed, trace-cmd split on a trace-cmd file of the same size class.
#
#   TOOLS_EVENTS   events of the mix trace (default 1e9)
#   TOOLS_BIG      also run the >= 20 GB trace (set to 1; needs ~60 GB)
#   PGT_BENCH_DIR  scratch directory (default: mktemp under /var/tmp)
set -u
cd "$(dirname "$0")/.." || exit 1
P=$(pwd)/pgtrace
N=${TOOLS_EVENTS:-1000000000}
D=${PGT_BENCH_DIR:-$(mktemp -d /var/tmp/pgt-tools.XXXXXX)}
trap 'rm -rf "$D"' EXIT
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / t / 1e6 }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
events_of() { "$P" info --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])'; }
has() { "$P" --help | grep -q "^  $1 "; }

echo "== generating $N events (mix: 4 files, 100 processes) in $D"
t0=$(now)
"$P" gen -p mix -n "$N" --pids 100 --files 4 --phase-events 1000000 --seed 7 -o "$D/mix.pgt" || exit 1
echo "gen: $(since "$t0") s, $(du -h "$D/mix.pgt" | cut -f1)"

t0=$(now); "$P" info "$D/mix.pgt" >/dev/null; t_read=$(since "$t0")
echo "read (pgtrace info): $t_read s = $(rate "$N" "$t_read") M events/s"

# cut one second (1e6 events at the default 1 us interval) from the middle
mid=$(awk -v n="$N" 'BEGIN { printf "%d", n / 2e6 }')
t0=$(now); "$P" cut --time "${mid}s..$((mid + 1))s" -o "$D/cut.pgt" "$D/mix.pgt"; t_cut=$(since "$t0")
echo "cut 1 s by time: $t_cut s ($(events_of "$D/cut.pgt") events) (target < 0.5 s)"

if has filter; then
	t0=$(now); n_f=$("$P" filter --count 'pid == 1042' "$D/mix.pgt"); t_f=$(since "$t0")
	echo "filter pid == 1042 (count): $t_f s = $(rate "$N" "$t_f") M events/s, $n_f events (target >= 20)"
	t0=$(now); "$P" filter 'pid == 1042' -o "$D/f.pgt" "$D/mix.pgt"; t_f2=$(since "$t0")
	echo "filter pid == 1042 (to a trace): $t_f2 s = $(rate "$N" "$t_f2") M events/s"
fi
if has split; then
	t0=$(now); "$P" split --by pid -o "$D/split" "$D/mix.pgt" >/dev/null; t_s=$(since "$t0")
	total=0
	for f in "$D"/split/*.pgt; do total=$((total + $(events_of "$f"))); done
	echo "split --by pid: $t_s s = $(rate "$N" "$t_s") M events/s; outputs hold $total of $N events (target >= 20)"
	rm -rf "$D/split"
fi
if has merge; then
	half=$((N / 2))
	"$P" cut --events "..$half" -o "$D/a.pgt" "$D/mix.pgt" && "$P" cut --events "$half.." -o "$D/b.pgt" "$D/mix.pgt"
	t0=$(now); "$P" merge -o "$D/merged.pgt" "$D/a.pgt" "$D/b.pgt"; t_m=$(since "$t0")
	echo "merge of two halves: $t_m s = $(rate "$N" "$t_m") M events/s; $(events_of "$D/merged.pgt") events (target >= 15)"
	rm -f "$D/a.pgt" "$D/b.pgt" "$D/merged.pgt"
fi
if command -v trace-cmd >/dev/null && [ -n "${TOOLS_TRACECMD_DAT:-}" ]; then
	t0=$(now); (cd "$D" && trace-cmd split -i "$TOOLS_TRACECMD_DAT" -s 1 -o tc >/dev/null 2>&1); t_tc=$(since "$t0")
	echo "trace-cmd split -s 1 of $TOOLS_TRACECMD_DAT: $t_tc s"
fi
rm -f "$D/mix.pgt"

if [ "${TOOLS_BIG:-0}" = 1 ]; then
	BIG=${TOOLS_BIG_EVENTS:-4300000000}
	echo "== the big trace: $BIG uniform events over 16M pages (>= 20 GB)"
	t0=$(now); "$P" gen -p uniform --pages 16M -n "$BIG" -o "$D/big.pgt" || exit 1
	echo "gen: $(since "$t0") s, $(stat -c %s "$D/big.pgt") bytes, $(events_of "$D/big.pgt") events"
	mid=$((BIG / 2000000))
	t0=$(now); "$P" cut --time "${mid}s..$((mid + 1))s" -o "$D/bcut.pgt" "$D/big.pgt"; t_bc=$(since "$t0")
	echo "cut 1 s from the middle: $t_bc s, $(events_of "$D/bcut.pgt") events (target < 0.5 s)"
	t0=$(now); "$P" cut --events "$((BIG - 10)).." -o "$D/btail.pgt" "$D/big.pgt"
	echo "cut of the last 10 events: $(since "$t0") s, $(events_of "$D/btail.pgt") events, first index $("$P" dump --fields index --events 0..1 "$D/btail.pgt")"
	t0=$(now); n_all=$("$P" filter --count 'index < 8000000' "$D/big.pgt"); echo "filter index < 8M: $n_all events of $BIG in $(since "$t0") s"
	# split past 2^31 events a file, then merge back: exact counts
	t0=$(now); "$P" split --by events:2500000000 -o "$D/bsplit" "$D/big.pgt" >/dev/null || exit 1
	total=0; for f in "$D"/bsplit/*.pgt; do total=$((total + $(events_of "$f"))); done
	echo "split --by events:2500000000: $(since "$t0") s, $(ls "$D"/bsplit/*.pgt | wc -l) files holding $total events (expect $BIG)"
	rm -f "$D/big.pgt"
	t0=$(now); "$P" merge -o "$D/bmerged.pgt" "$D"/bsplit/*.pgt || exit 1
	echo "merge of the parts: $(since "$t0") s, $(events_of "$D/bmerged.pgt") events (expect $BIG), $(stat -c %s "$D/bmerged.pgt") bytes"
fi
