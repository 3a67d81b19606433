#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh - `make bench`: pgtrace's trace format against the read
# limit of the machine and against peers, side by side, in one run.
#
# For each of two synthetic traces (sequential over 10 M pages, zipf with
# alpha 0.9 over 10 M pages; 100 M events each) it measures:
#   - pgtrace write and read+decode speed, on one core
#     (bench/bench-format.c, pinned with taskset; see its header comment
#     for what is and is not inside each timing);
#   - `cat TRACE >/dev/null`, the read limit: warm page cache, run twice,
#     the second run counted;
#   - the same events as fixed 32-byte records compressed with
#     `zstd -3 -T1`: bytes per event, compression and `zstd -d -T1` speed;
#   - `pgtrace dump --format csv` over the first 20 M events, and
#     `pgtrace info` over the whole trace.
# It ends with one table: each trace side by side with the targets of the
# "Foundation" issue and with peer figures (trace-cmd numbers are
# reference figures from /work/shared/reference/record-anchors.md, not
# measured here unless BENCH_TRACECMD_DAT is given).
#
# Environment:
#   BENCH_EVENTS        events per trace (default 100000000; 10M, 1G work)
#   BENCH_DUMP_EVENTS   events for the dump measurement (default 20000000)
#   BENCH_PATTERNS      patterns to run (default "sequential zipf")
#   BENCH_CPU           CPU to pin single-core runs to (default 0)
#   BENCH_READ_RUNS     read passes in bench-format, best counted (default 3)
#   PGT_BENCH_DIR       where to put the big temporary files (a fresh
#                       directory is made inside it and removed at the end;
#                       default: mktemp -d under /tmp).  Needs about
#                       3.5 GB per 100 M events, and bench-format needs
#                       64 bytes of RAM per event.
#   BENCH_TRACECMD_DAT  a trace-cmd trace.dat to time `trace-cmd report` on
#                       (optional; needs trace-cmd installed)
#
# Results: the table on stdout, and a copy with the raw key/value results
# in bench/out/ (ignored by git).
set -eu

cd "$(dirname "$0")/.."

N=${BENCH_EVENTS:-100000000}
DUMP_N=${BENCH_DUMP_EVENTS:-20000000}
PATTERNS=${BENCH_PATTERNS:-sequential zipf}
CPU=${BENCH_CPU:-0}
READ_RUNS=${BENCH_READ_RUNS:-3}
PGT=./pgtrace
CC=${CC:-cc}
BUILD=.build/bench
OUTDIR=bench/out

die() {
	echo "bench: $*" >&2
	exit 1
}

if [ ! -x "$PGT" ] || [ ! -f libpgtrace.a ]; then
	die "build pgtrace and libpgtrace.a first ('make')"
fi
command -v zstd >/dev/null 2>&1 || die "zstd not found: the peer baseline needs the zstd program"

# Counts with K/M/G suffixes, as pgtrace takes them.
count() {
	case $1 in
	*K|*k) echo $(( ${1%?} * 1000 )) ;;
	*M) echo $(( ${1%?} * 1000000 )) ;;
	*G) echo $(( ${1%?} * 1000000000 )) ;;
	*) echo $(( $1 )) ;;
	esac
}
N=$(count "$N")
DUMP_N=$(count "$DUMP_N")
[ "$DUMP_N" -le "$N" ] || DUMP_N=$N

if command -v taskset >/dev/null 2>&1 && taskset -c "$CPU" true 2>/dev/null; then
	PIN="taskset -c $CPU"
	PINNED="pinned to CPU $CPU"
else
	PIN=
	PINNED="NOT pinned (taskset unavailable)"
fi

mkdir -p "$BUILD" "$OUTDIR"
echo "bench: building $BUILD/bench-format" >&2
$CC -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Iinclude -Ilib \
	bench/bench-format.c libpgtrace.a -lzstd -lm -lpthread -o "$BUILD/bench-format" ||
	die "cannot build bench/bench-format.c"

if [ -n "${PGT_BENCH_DIR:-}" ]; then
	mkdir -p "$PGT_BENCH_DIR"
	TMP=$(mktemp -d "$PGT_BENCH_DIR/pgt-bench.XXXXXX")
else
	TMP=$(mktemp -d /tmp/pgt-bench.XXXXXX)
fi
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

KV=$TMP/results.kv
: >"$KV"

now() { date +%s.%N; }
# Seconds between two `now` values.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
put() { echo "$1 $2" >>"$KV"; }

# Time a command, its stdout to /dev/null, and record the seconds as KEY.
# $PIN is split into words on purpose.
timeit() {
	_k=$1
	shift
	_t=$(now)
	"$@" >/dev/null || die "$_k: '$*' failed"
	put "$_k" "$(since "$_t")"
}

put events "$N"
put dump_events "$DUMP_N"

for pat in $PATTERNS; do
	tr=$TMP/$pat.pgt
	fx=$TMP/$pat.fixed32
	echo "bench: $pat: generating $N events, writing and reading ($PINNED)" >&2
	$PIN "$BUILD/bench-format" -p "$pat" -n "$N" --pages 10M --alpha 0.9 \
		-r "$READ_RUNS" -o "$tr" -x "$fx" >"$TMP/$pat.kv" ||
		die "$pat: bench-format failed"
	sed "s/^/$pat./" "$TMP/$pat.kv" >>"$KV"

	echo "bench: $pat: cat read limit" >&2
	cat "$tr" >/dev/null
	timeit "$pat.cat_s" cat "$tr"
	cat "$fx" >/dev/null
	timeit "$pat.cat_fixed_s" cat "$fx"

	echo "bench: $pat: zstd -3 -T1 of fixed 32-byte records" >&2
	t=$(now)
	$PIN zstd -q -3 -T1 -c "$fx" >"$fx.zst" || die "$pat: zstd -3 failed"
	put "$pat.zstd_c_s" "$(since "$t")"
	put "$pat.zstd_bytes" "$(wc -c <"$fx.zst")"
	rm -f "$fx"
	timeit "$pat.zstd_d_s" $PIN zstd -q -d -T1 -c "$fx.zst"
	rm -f "$fx.zst"

	echo "bench: $pat: pgtrace dump --format csv (first $DUMP_N events), pgtrace info" >&2
	timeit "$pat.dump_csv_s" $PIN "$PGT" dump --format csv --events "..$DUMP_N" "$tr"
	lines=$($PGT dump --format csv --events "..$DUMP_N" "$tr" | wc -l)
	[ "$lines" -eq $((DUMP_N + 1)) ] ||
		die "$pat: dump printed $lines lines, expected $((DUMP_N + 1))"
	timeit "$pat.info_s" $PIN "$PGT" info "$tr"
	rm -f "$tr"
done

if [ -n "${BENCH_TRACECMD_DAT:-}" ]; then
	if command -v trace-cmd >/dev/null 2>&1 && [ -r "$BENCH_TRACECMD_DAT" ]; then
		echo "bench: trace-cmd report on $BENCH_TRACECMD_DAT" >&2
		trace-cmd report -i "$BENCH_TRACECMD_DAT" >/dev/null 2>&1
		timeit tracecmd_report_s $PIN trace-cmd report -i "$BENCH_TRACECMD_DAT"
		# Event lines start with the task name, then "[CPU]".
		put tracecmd_events "$(trace-cmd report -i "$BENCH_TRACECMD_DAT" 2>/dev/null |
			grep -c '\[[0-9][0-9]*\]')"
	else
		echo "bench: BENCH_TRACECMD_DAT given but trace-cmd or the file is missing; skipped" >&2
	fi
fi

{
	echo "pgtrace format benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "  commit $(git describe --always --dirty 2>/dev/null || echo unknown)," \
		"$(uname -r), $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
		"$(nproc) CPUs"
	echo "  $N events per trace, single-core runs $PINNED, warm page cache"
	echo "  $(zstd --version | sed 's/^[* ]*//; s/[* ]*$//'); $(cat --version | head -1)"
	echo
	cat >"$TMP/table.awk" <<'EOF'
# Reference figures (peers), from /work/shared/reference/record-anchors.md.
BEGIN {
	TC_ZSTD = 7.5; TC_RAW = 52.6; TC_REPORT = 0.245
	T_READ = 30; T_WRITE = 15; T_SEQ_BPE = 3; T_ZIPF_BPE = 6; T_DUMP = 2
}
{ v[$1] = $2 }
function g(p, k) { return v[p "." k] + 0 }
function mevs(p, k) { return v["events"] / g(p, k) / 1e6 }
function verdict(ok) { return ok ? "ok" : "MISSED" }
function row(label, a, b, note) { printf "%-38s %-22s %-22s %s\n", label, a, b, note }
END {
	np = split(pats, P, " ")
	for (i = 1; i <= np; i++) {
		p = P[i]
		budget = p == "sequential" ? T_SEQ_BPE : T_ZIPF_BPE
		w[p] = g(p, "write_mevs"); r[p] = g(p, "read_mevs")
		rn[p] = g(p, "read_next_mevs")
		bpe[p] = g(p, "trace_bpe"); zb[p] = g(p, "zstd_bytes") / v["events"]
		catgb[p] = g(p, "trace_bytes") / g(p, "cat_s") / 1e9
		catev[p] = v["events"] / g(p, "cat_s") / 1e6
		catfx[p] = g(p, "fixed_bytes") / g(p, "cat_fixed_s") / 1e9
		zc[p] = mevs(p, "zstd_c_s"); zd[p] = mevs(p, "zstd_d_s")
		dump[p] = v["dump_events"] / g(p, "dump_csv_s") / 1e6
		info[p] = mevs(p, "info_s")
		gen[p] = g(p, "gen_mevs")
		C["write", p] = sprintf("%.1f (%.1fx) %s", w[p], w[p] / T_WRITE, verdict(w[p] >= T_WRITE))
		C["read", p] = sprintf("%.1f (%.1fx) %s", r[p], r[p] / T_READ, verdict(r[p] >= T_READ))
		C["next", p] = sprintf("%.1f", rn[p])
		C["cat", p] = sprintf("%.2f GB/s", catgb[p])
		C["catev", p] = sprintf("%.0f (read %.1f%%)", catev[p], 100 * r[p] / catev[p])
		C["bpe", p] = sprintf("%.3f (/%d) %s", bpe[p], budget, verdict(bpe[p] <= budget))
		C["tc", p] = sprintf("%.1fx / %.0fx smaller", TC_ZSTD / bpe[p], TC_RAW / bpe[p])
		C["zb", p] = sprintf("%.3f (%.1fx pgt)", zb[p], zb[p] / bpe[p])
		C["zc", p] = sprintf("%.1f", zc[p])
		C["zd", p] = sprintf("%.1f (pgt %.1fx)", zd[p], r[p] / zd[p])
		C["catfx", p] = sprintf("%.2f GB/s", catfx[p])
		C["dump", p] = sprintf("%.2f (%.1fx) %s", dump[p], dump[p] / T_DUMP, verdict(dump[p] >= T_DUMP))
		C["dtc", p] = sprintf("%.1fx faster", dump[p] / TC_REPORT)
		C["info", p] = sprintf("%.1f", info[p])
		C["gen", p] = sprintf("%.1f", gen[p])
		C["pkts", p] = sprintf("%d", g(p, "packets"))
		C["size", p] = sprintf("%.1f MB", g(p, "trace_bytes") / 1e6)
	}
	a = P[1]; b = np > 1 ? P[2] : ""
	hb = b == "zipf" ? "zipf (alpha 0.9)" : b
	row("", a, hb, "target / peer")
	row("--------------------------------------", "----------------------", "----------------------", "--------------------------")
	row("pgtrace write, M ev/s", C["write", a], C["write", b], ">= 15 M ev/s (array in RAM -> file)")
	row("pgtrace read+decode, M ev/s", C["read", a], C["read", b], ">= 30 M ev/s, one core, batch API")
	row("  one event at a time, M ev/s", C["next", a], C["next", b], "pgt_source__next()")
	row("cat TRACE >/dev/null", C["cat", a], C["cat", b], "read limit, warm cache, 2nd run")
	row("  as pgtrace events, M ev/s", C["catev", a], C["catev", b], "read+decode as % of the limit")
	row("pgtrace bytes/event", C["bpe", a], C["bpe", b], "<= 3 seq, <= 6 zipf")
	row("  vs trace-cmd 7.5 zstd / 52.6 raw", C["tc", a], C["tc", b], "reference figures")
	row("zstd -3 of fixed 32 B, bytes/event", C["zb", a], C["zb", b], "peer: same events, 32 B records")
	row("zstd -3 -T1 compress, M ev/s", C["zc", a], C["zc", b], "compare with pgtrace write")
	row("zstd -d -T1, M ev/s", C["zd", a], C["zd", b], "compare with pgtrace read+decode")
	row("cat fixed-32B file", C["catfx", a], C["catfx", b], "read limit of the fixed records")
	row("pgtrace dump --format csv, M ev/s", C["dump", a], C["dump", b], ">= 2 M ev/s (first " v["dump_events"] " events)")
	row("  vs trace-cmd report 0.245 M ev/s", C["dtc", a], C["dtc", b], "reference figure (text report)")
	if ("tracecmd_report_s" in v) {
		tcr = v["tracecmd_events"] / v["tracecmd_report_s"] / 1e6
		row("  vs trace-cmd report measured here", sprintf("%.1fx faster", dump[a] / tcr),
		    b == "" ? "" : sprintf("%.1fx faster", dump[b] / tcr),
		    sprintf("%.3f M ev/s, %d events, text", tcr, v["tracecmd_events"]))
	}
	row("pgtrace info, M ev/s", C["info", a], C["info", b], "whole trace, every packet checked")
	row("generator + copy to array, M ev/s", C["gen", a], C["gen", b], "not part of any timing above")
	row("trace size / packets", C["size", a] " / " C["pkts", a],
	    b == "" ? "" : C["size", b] " / " C["pkts", b], "")
	if ("tracecmd_report_s" in v)
		printf "\ntrace-cmd report measured here: %d events in %.2f s = %.3f M ev/s\n", \
			v["tracecmd_events"], v["tracecmd_report_s"], tcr
	printf "\n(x) = ratio to the target; 'pgt' = pgtrace's figure on the same trace.\n"
}
EOF
	awk -v pats="$PATTERNS" -f "$TMP/table.awk" "$KV"
} >"$TMP/table.txt"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
{ cat "$TMP/table.txt"; echo; echo "# raw results"; cat "$KV"; } >"$OUTDIR/bench-$stamp.txt"
cp "$OUTDIR/bench-$stamp.txt" "$OUTDIR/latest.txt"
cat "$TMP/table.txt"
echo
echo "bench: raw results in $OUTDIR/bench-$stamp.txt" >&2
