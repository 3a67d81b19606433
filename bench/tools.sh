#!/bin/bash
# Trace tools bench: cut, filter, split and merge on a big generated
# trace, side by side with reading it (pgtrace info); then pgtrace and
# trace-cmd side by side on the same events: a trace-cmd .dat of the
# filemap page-cache events of a dd workload, converted to a pgtrace
# trace with `trace-cmd report | pgtrace import`, read (trace-cmd report
# vs pgtrace dump and info) and split by time and by event count
# (trace-cmd split -r vs pgtrace split) by both tools.
#
#   TOOLS_EVENTS   events of the mix trace (default 1e9)
#   TOOLS_BIG      also run the >= 20 GB trace (set to 1; needs ~60 GB)
#   PGT_BENCH_DIR  scratch directory (default: mktemp under /var/tmp)
# The trace-cmd part (needs trace-cmd; recording needs root and tracefs):
#   TOOLS_TC       0 skips it (default 1)
#   TOOLS_TC_EVENTS  about how many events to record (default 20M: the
#                  whole part then takes ~2 min on 2 vCPUs, most of it
#                  recording and the two trace-cmd reports)
#   TOOLS_TC_COMPRESSION  trace-cmd record --compression (default none;
#                  "default" leaves trace-cmd's own: a v7 file, zstd).
#                  trace-cmd reads and splits its compressed files in
#                  more than linear time (here report and split of 10M
#                  events: 95 s and 34 s compressed, 21 s and 1.6 s not;
#                  of 20M compressed, 223 s and 215 s): uncompressed
#                  files are trace-cmd at its fastest, and keep the run short
#   TOOLS_TC_MB    size of the file the workload reads (default 256 MiB)
#   TOOLS_TC_SLICE split by time: seconds a slice (default 1)
#   TOOLS_TC_SPLIT_EVENTS  split by count: events a file (default 1000000)
#   TOOLS_TC_CHECK 1 also counts the events in trace-cmd split's outputs
#                  (one more trace-cmd report of the whole trace a split)
#   TOOLS_TRACECMD_DAT  use this .dat instead of recording one (its
#                  filemap events are the ones compared)
set -u
cd "$(dirname "$0")/.." || exit 1
P=$(pwd)/pgtrace
N=${TOOLS_EVENTS:-1000000000}
D=${PGT_BENCH_DIR:-$(mktemp -d /var/tmp/pgt-tools.XXXXXX)}
TC_SAVED=0
cleanup() {
	[ "$TC_SAVED" = 1 ] && tc_restore_top
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
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
rm -f "$D/mix.pgt"

# ---- pgtrace and trace-cmd side by side on the same events ----
# trace-cmd records the filemap events of a dd workload (the recipe of
# bench/record.sh: -d -k are needed in this sandbox, -F -c follow the
# command and its children); `trace-cmd report | pgtrace import` turns
# the same .dat into a pgtrace trace; then each tool reads and splits
# its own file.  trace-cmd split needs -r to write every slice (without
# it only the first).
TRACEFS=/sys/kernel/tracing
TC_EVENTS="filemap:mm_filemap_get_pages filemap:mm_filemap_fault
filemap:mm_filemap_map_pages filemap:mm_filemap_add_to_page_cache
filemap:mm_filemap_delete_from_page_cache"
TC=$D/tc
PT=$TC/pgtrace
DAT=

# trace-cmd record -k leaves the top tracefs instance changed (events on,
# tracing_on 0, event-fork 1): what it touches is saved before and put
# back after the run and, through cleanup, on any exit.  No event was
# enabled before (tc_why_not checks), so all are turned off.
tc_save_top() {
	TC_ON=$(cat $TRACEFS/tracing_on)
	TC_KB=$(cat $TRACEFS/buffer_size_kb)
	TC_FORK=$(cat $TRACEFS/options/event-fork 2>/dev/null)
	TC_PIDS=$(cat $TRACEFS/set_event_pid 2>/dev/null)
	TC_SAVED=1
}
tc_restore_top() {
	local p
	echo 0 >$TRACEFS/events/enable
	if [ -w $TRACEFS/set_event_pid ] && [ "$(cat $TRACEFS/set_event_pid)" != "$TC_PIDS" ]; then
		: >$TRACEFS/set_event_pid
		for p in $TC_PIDS; do echo "$p" >>$TRACEFS/set_event_pid; done
	fi
	[ -n "$TC_FORK" ] && [ "$(cat $TRACEFS/options/event-fork)" != "$TC_FORK" ] &&
		echo "$TC_FORK" >$TRACEFS/options/event-fork
	# buffer_size_kb may read "7 (expanded: 1408)" before first use
	[ "$(cat $TRACEFS/buffer_size_kb)" != "$TC_KB" ] && case $TC_KB in
		*[!0-9]*) ;; *) echo "$TC_KB" >$TRACEFS/buffer_size_kb ;; esac
	[ "$(cat $TRACEFS/tracing_on)" != "$TC_ON" ] && echo "$TC_ON" >$TRACEFS/tracing_on
	TC_SAVED=0
}
tc_why_not() {	# why the trace-cmd part cannot run; nothing when it can
	local e
	[ "${TOOLS_TC:-1}" = 0 ] && { echo "TOOLS_TC=0"; return; }
	command -v trace-cmd >/dev/null || { echo "trace-cmd is not installed (Debian: apt-get install trace-cmd)"; return; }
	{ has import && has split; } || { echo "this pgtrace has no import or no split"; return; }
	if [ -n "${TOOLS_TRACECMD_DAT:-}" ]; then
		[ -r "$TOOLS_TRACECMD_DAT" ] || echo "cannot read TOOLS_TRACECMD_DAT '$TOOLS_TRACECMD_DAT'"
		return
	fi
	[ "$(id -u)" = 0 ] || { echo "not root (recording tracepoints needs root; or set TOOLS_TRACECMD_DAT)"; return; }
	[ -e $TRACEFS/available_events ] || mount -t tracefs nodev $TRACEFS 2>/dev/null ||
		{ echo "no tracefs at $TRACEFS and mounting it failed"; return; }
	[ -w $TRACEFS/events/enable ] || { echo "tracefs at $TRACEFS is not writable"; return; }
	for e in $TC_EVENTS; do
		grep -qx "$e" $TRACEFS/available_events || { echo "tracepoint $e is not available"; return; }
	done
	[ "$(cat $TRACEFS/events/enable)" = 0 ] ||
		{ echo "the top tracefs instance has events enabled (another tracer at work, or a leftover of trace-cmd -k: 'trace-cmd reset' clears it)"; return; }
	case $(stat -f -c %T "$D") in tmpfs|ramfs)
		echo "$D is on tmpfs, whose reads give no filemap events (set PGT_BENCH_DIR)"; return ;;
	esac
}
num() {	# 20M, 1K, 1G, 1000 -> a number
	case $1 in
	*[kK]) echo $((${1%?} * 1000)) ;;
	*M) echo $((${1%?} * 1000000)) ;;
	*G) echo $((${1%?} * 1000000000)) ;;
	*) echo $(($1)) ;;
	esac
}
pt_events() { "$PT" info --json "$1" | grep -o '"events":[0-9]*' | head -1 | cut -d: -f2; }
# side LABEL PGTRACE-SECONDS TRACE-CMD-SECONDS EVENTS: rates and ratio
side() {
	awk -v what="$1" -v p="$2" -v t="$3" -v n="$4" 'function r(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
	BEGIN { if (p <= 0) p = 0.001
		printf "%s: pgtrace %s M ev/s (%.3f s), trace-cmd %s M ev/s (%.3f s) = %sx\n",
			what, r(n / p / 1e6), p, r(n / t / 1e6), t, r(t / p) }'
}
tc_split() {	# tc_split WHAT TRACE-CMD-OPTION PGTRACE-KEY
	local t0 t_tc t_pg n_tcf n_pgf total f tc_total=
	rm -rf "$TC/split" "$TC/ps"
	mkdir "$TC/split" || return 1
	t0=$(now)
	# shellcheck disable=SC2086
	if ! (cd "$TC/split" && trace-cmd split -i "$DAT" $2 -r -o tc) >"$TC/split.log" 2>&1; then
		echo "trace-cmd split $2 -r failed: $(tail -2 "$TC/split.log" | tr '\n' ' ')"
		return 1
	fi
	t_tc=$(since "$t0")
	n_tcf=$(find "$TC/split" -type f | wc -l)
	if [ "${TOOLS_TC_CHECK:-0}" = 1 ]; then
		tc_total=0
		for f in "$TC"/split/*; do
			tc_total=$((tc_total + $(trace-cmd report -i "$f" 2>/dev/null | grep -c ': mm_filemap_')))
		done
		tc_total=", holding $tc_total of $NEV events"
	fi
	t0=$(now)
	"$PT" split --by "$3" -o "$TC/ps" "$TC/filemap.pgt" >/dev/null || { echo "pgtrace split --by $3 failed"; return 1; }
	t_pg=$(since "$t0")
	total=0 n_pgf=0
	for f in "$TC"/ps/*.pgt; do total=$((total + $(pt_events "$f"))); n_pgf=$((n_pgf + 1)); done
	side "split by $1" "$t_pg" "$t_tc" "$NEV"
	echo "  pgtrace split --by $3: $n_pgf files holding $total of $NEV events$([ "$total" = "$NEV" ] && echo " (complete)" || echo " (INCOMPLETE)")"
	echo "  trace-cmd split $2 -r: $n_tcf files$tc_total"
	rm -rf "$TC/split" "$TC/ps"
}
tc_part() {
	local mb want per passes comp copt t0 t_rec rc t_rep t_imp t_dump t_info gpid n_pg lost
	mkdir -p "$TC" || return 1
	cp "$P" "$PT" || return 1	# a rebuild during the run cannot swap binaries
	if [ -n "${TOOLS_TRACECMD_DAT:-}" ]; then
		DAT=$(realpath "$TOOLS_TRACECMD_DAT")
		echo "== pgtrace and trace-cmd side by side on $DAT"
	else
		DAT=$TC/filemap.dat
		mb=${TOOLS_TC_MB:-256}
		want=$(num "${TOOLS_TC_EVENTS:-20M}")
		per=$((2 * mb * 256))	# one get_pages a 4 KiB read, two reads a page
		passes=$(((want + per - 1) / per))
		comp=${TOOLS_TC_COMPRESSION:-none}
		copt=(--compression "$comp")
		[ "$comp" = default ] && copt=()
		echo "== pgtrace and trace-cmd side by side: trace-cmd records ~$want filemap events (${copt[*]:-default compression})"
		echo "   ($passes passes over a $mb MiB file: dd bs=4k cold, dd bs=4k warm, evict with dd iflag=nocache)"
		dd if=/dev/urandom of="$TC/file" bs=1M count="$mb" status=none || return 1
		sync
		dd if="$TC/file" iflag=nocache count=0 status=none
		cat >"$TC/wl.sh" <<'EOF'
for _ in $(seq "$2"); do
	dd if="$1" of=/dev/null bs=4k status=none
	dd if="$1" of=/dev/null bs=4k status=none
	dd if="$1" iflag=nocache count=0 status=none
done
EOF
		local ev_args=() e
		for e in $TC_EVENTS; do ev_args+=(-e "$e"); done
		tc_save_top
		t0=$(now)
		(cd "$TC" && trace-cmd record -d -k -F -c "${copt[@]}" "${ev_args[@]}" -o "$DAT" -- bash "$TC/wl.sh" "$TC/file" "$passes") >"$TC/record.log" 2>&1
		rc=$?
		t_rec=$(since "$t0")
		tc_restore_top
		rm -f "$TC/file"
		if [ $rc != 0 ] || [ ! -s "$DAT" ]; then
			echo "trace-cmd record failed (exit $rc): $(grep -v '^$' "$TC/record.log" | tail -3 | tr '\n' ' ')"
			return 1
		fi
		echo "trace-cmd record: $t_rec s, .dat $(stat -c %s "$DAT") bytes"
	fi

	# reading: trace-cmd report is how trace-cmd reads its file
	t0=$(now)
	trace-cmd report -i "$DAT" >/dev/null 2>"$TC/report.err" || { echo "trace-cmd report failed: $(tail -2 "$TC/report.err")"; return 1; }
	t_rep=$(since "$t0")
	# the same text into pgtrace import, its event lines counted on the way
	mkfifo "$TC/fifo" || return 1
	grep -c ': mm_filemap_' <"$TC/fifo" >"$TC/count" &
	gpid=$!
	t0=$(now)
	trace-cmd report -i "$DAT" 2>/dev/null | tee "$TC/fifo" |
		"$PT" import --format trace-cmd -o "$TC/filemap.pgt" 2>"$TC/import.err"
	rc=${PIPESTATUS[2]}
	t_imp=$(since "$t0")
	wait $gpid
	NEV=$(cat "$TC/count")
	if [ "$rc" != 0 ] || [ "${NEV:-0}" = 0 ]; then
		echo "import failed (exit $rc, $NEV events in the report): $(tail -2 "$TC/import.err")"
		return 1
	fi
	n_pg=$(pt_events "$TC/filemap.pgt")
	lost=$("$PT" info --json "$TC/filemap.pgt" | grep -o '"lost":[0-9]*' | head -1 | cut -d: -f2)
	echo "events: $NEV in the .dat (filemap lines of trace-cmd report), $n_pg in the imported trace$([ "$n_pg" = "$NEV" ] && echo " (same)" || echo " (MISMATCH)"), lost $lost; .pgt $(stat -c %s "$TC/filemap.pgt") bytes"
	echo "import (trace-cmd report | pgtrace import): $t_imp s"
	t0=$(now); "$PT" dump "$TC/filemap.pgt" >/dev/null; t_dump=$(since "$t0")
	t0=$(now); "$PT" info "$TC/filemap.pgt" >/dev/null; t_info=$(since "$t0")
	side "read (pgtrace dump vs trace-cmd report, text to /dev/null)" "$t_dump" "$t_rep" "$NEV"
	side "summary (pgtrace info vs trace-cmd report, which has no summary)" "$t_info" "$t_rep" "$NEV"

	local sl se
	sl=${TOOLS_TC_SLICE:-1}
	se=$(num "${TOOLS_TC_SPLIT_EVENTS:-1000000}")
	tc_split "time ($sl s slices)" "-s $sl" "time:${sl}s"
	tc_split "count ($se events a file)" "-e $se" "events:$se"
}
why=$(tc_why_not)
if [ -n "$why" ]; then
	echo "== pgtrace and trace-cmd side by side: skipped: $why"
else
	tc_part || echo "(the trace-cmd part stopped early)"
fi
[ "$TC_SAVED" = 1 ] && tc_restore_top
rm -rf "$TC"

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
