#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bounds.sh - what the analyses cost in memory, per key, per object,
# per file and per page (issue 13): the figures the man pages state.
#
# Each run is timed with /usr/bin/time (max RSS, wall clock).  A cost per
# unit is the difference of two runs' max RSS over the difference of
# their units, so the fixed part (the binary, the reader's buffers) drops
# out.  The traces are made here, from awk-written CSVs imported with
# `pgtrace import` and from `pgtrace gen`:
#   keys     pid i (1..N) reads pages b, b+1, b of file i % 7 + 1,
#            b = 13 i % 5000: N keys of 2 pages and 3 references each
#            -> stats --by pid, and with --sample-size 1000
#   files    one process reads pages 0, 1, 0 of N files /fI, file by file
#            in three rounds -> phase, plot fileheat, report
#   pages    gen -p uniform --pages P -n 2P (one file)
#            -> stats, phase, plot fileheat, report
#   reduce   --fifo 100000000 --check 100000000,10 on 2,000 events
#
# Environment:
#   BOUNDS_KEYS   key counts (default "10000 100000 1000000")
#   BOUNDS_FILES  file counts (default "1000 10000 100000")
#   BOUNDS_PAGES  page counts (default "100000 1000000")
#   PGTRACE       the binary (default ./pgtrace)
set -eu
PGTRACE=${PGTRACE:-$PWD/pgtrace}
KEYS=${BOUNDS_KEYS:-10000 100000 1000000}
FILES=${BOUNDS_FILES:-1000 10000 100000}
PAGES=${BOUNDS_PAGES:-100000 1000000}
TIME=/usr/bin/time
dir=$(mktemp -d "${TMPDIR:-/tmp}/pgtrace-bounds.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# rss_of LABEL CMD...: run, print "LABEL RSS_KB SECONDS", keep the RSS in $rss
rss_of() {
	local label=$1
	shift
	if ! "$TIME" -f "%M %e" -o "$dir/time" "$@" >/dev/null 2>"$dir/err"; then
		echo "bounds: $label failed:" >&2
		cat "$dir/err" >&2
		exit 1
	fi
	read -r rss secs <"$dir/time"
	printf '  %-44s %10s KB %8s s\n' "$label" "$rss" "$secs"
}

# per UNIT A_UNITS A_RSS B_UNITS B_RSS
per() {
	awk -v u="$1" -v a="$2" -v ra="$3" -v b="$4" -v rb="$5" \
		'BEGIN { printf "  -> %.0f bytes per %s (%s..%s)\n", (rb - ra) * 1024 / (b - a), u, a, b }'
}

echo "bench/bounds.sh: max RSS of the analyses by keys, files and pages"
echo "stats --by pid (N keys of 2 pages, 3 references each)"
prev_n='' prev_rss='' prev_s='' prev_srss=''
for n in $KEYS; do
	awk -v n="$n" 'BEGIN { print "pid,type,obj,index";
		for (i = 0; i < n; i++) { p = i + 1; o = i % 7 + 1; b = (i * 13) % 5000;
			print p ",lookup," o "," b; print p ",lookup," o "," b + 1; print p ",lookup," o "," b } }' \
		>"$dir/k.csv"
	"$PGTRACE" import -f -o "$dir/k.pgt" "$dir/k.csv"
	rss_of "stats --by pid, $n keys" "$PGTRACE" stats --by pid "$dir/k.pgt"
	[ -n "$prev_n" ] && per key "$prev_n" "$prev_rss" "$n" "$rss"
	prev_n=$n prev_rss=$rss
	if [ "$n" -le 100000 ]; then
		rss_of "stats --by pid --sample-size 1000, $n keys" "$PGTRACE" stats --by pid --sample-size 1000 "$dir/k.pgt"
		[ -n "$prev_s" ] && per "key (sampled)" "$prev_s" "$prev_srss" "$n" "$rss"
		prev_s=$n prev_srss=$rss
	fi
done
rm -f "$dir/k.csv" "$dir/k.pgt"

echo "phase, plot fileheat, report (N files, pages 0 1 0 of each)"
declare -A frss
prev_n=''
for n in $FILES; do
	awk -v n="$n" 'BEGIN { print "pid,type,path,index";
		for (r = 0; r < 3; r++) for (i = 0; i < n; i++) print "1,lookup,/f" i "," r % 2 }' >"$dir/f.csv"
	"$PGTRACE" import -f -o "$dir/f.pgt" "$dir/f.csv"
	for what in phase fileheat report; do
		case $what in
		phase) rss_of "phase, $n files" "$PGTRACE" phase "$dir/f.pgt" ;;
		fileheat) rss_of "plot fileheat, $n files" "$PGTRACE" plot fileheat -f -o "$dir/f.png" "$dir/f.pgt" ;;
		report) rss_of "report, $n files" "$PGTRACE" report -f -o "$dir/f.html" "$dir/f.pgt" ;;
		esac
		[ -n "$prev_n" ] && per "file ($what)" "$prev_n" "${frss[$what]}" "$n" "$rss"
		frss[$what]=$rss
	done
	prev_n=$n
done
rm -f "$dir/f.csv" "$dir/f.pgt"

echo "stats, phase, plot fileheat, report (one file of P pages, 2P uniform references)"
declare -A prss
prev_n=''
for n in $PAGES; do
	"$PGTRACE" gen -p uniform --pages "$n" -n $((2 * n)) -f -o "$dir/p.pgt"
	for what in stats phase fileheat report; do
		case $what in
		stats) rss_of "stats, $n pages" "$PGTRACE" stats "$dir/p.pgt" ;;
		phase) rss_of "phase, $n pages" "$PGTRACE" phase "$dir/p.pgt" ;;
		fileheat) rss_of "plot fileheat, $n pages" "$PGTRACE" plot fileheat -f -o "$dir/p.png" "$dir/p.pgt" ;;
		report) rss_of "report, $n pages" "$PGTRACE" report -f -o "$dir/p.html" "$dir/p.pgt" ;;
		esac
		[ -n "$prev_n" ] && per "page ($what)" "$prev_n" "${prss[$what]}" "$n" "$rss"
		prss[$what]=$rss
	done
	prev_n=$n
done
rm -f "$dir/p.pgt"

echo "reduce: N of --fifo and --check is a limit, not an allocation"
"$PGTRACE" gen -p zipf --pages 3000 -n 2000 -f -o "$dir/r.pgt"
rss_of "reduce --fifo 100000000 --check 100000000,10" \
	"$PGTRACE" reduce -q --fifo 100000000 --check 100000000,10 -f -o "$dir/r.out" "$dir/r.pgt"
rss_of "reduce --fifo 1000 (2,000 events)" "$PGTRACE" reduce -q --fifo 1000 -f -o "$dir/r.out" "$dir/r.pgt"
