#!/bin/bash
# Plot bench: the heatmap of a big generated trace against reading it,
# in one run.  Target (issue): the heatmap costs at most 1.2x reading.
#
#   PLOT_EVENTS    events of the mix trace (default 1e9)
#   PGT_BENCH_DIR  scratch directory (default: mktemp under /var/tmp)
set -u
cd "$(dirname "$0")/.." || exit 1
P=$(pwd)/pgtrace
N=${PLOT_EVENTS:-1000000000}
D=${PGT_BENCH_DIR:-$(mktemp -d /var/tmp/pgt-plot.XXXXXX)}
trap 'rm -rf "$D"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

echo "== plot bench: $N events (mix: 4 files, 100 processes), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$P" gen -p mix -n "$N" --pids 100 --files 4 --phase-events 1000000 --seed 7 -o "$D/mix.pgt" || exit 1
for round in 1 2 3; do
	t0=$(now); "$P" info "$D/mix.pgt" >/dev/null; t_read=$(since "$t0")
	t0=$(now); "$P" plot heatmap --force -o "$D/heat.png" "$D/mix.pgt"; t_heat=$(since "$t0")
	t0=$(now); PGTRACE_THREADS=0 "$P" plot heatmap --force -o "$D/heat1.png" "$D/mix.pgt"; t_heat1=$(since "$t0")
	awk -v n="$N" -v r="$t_read" -v h="$t_heat" -v h1="$t_heat1" -v k="$round" 'BEGIN {
		printf "round %d: read (pgtrace info) %.3f s = %.1f M ev/s; heatmap %.3f s = %.2fx reading (target <= 1.2); one thread %.3f s = %.2fx\n",
			k, r, n / r / 1e6, h, h / r, h1, h1 / r }'
done
