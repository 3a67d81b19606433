#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/cache.sh - `pgtrace cache` against libCacheSim, side by side, in one
# run (issue 15: the comparison table, the speed table, the errors of
# miniature simulation).
#
# The policies are the ones `pgtrace cache --help` lists under "Policies:";
# each is compared with libCacheSim's policy of the same name, except
#   2q -> twoq, opt -> belady, linux -> none (libCacheSim has no model of
#   the kernel's page cache: pgtrace's figures only)
# Traces (pgtrace gen; exported with pgtrace export --format oracle-general
# into files whose names contain "oracleGeneral", as libCacheSim's belady
# requires; sizes are object counts: --ignore-obj-size 1):
#   agreement  zipf --alpha 0.9, CACHE_AGREE_EVENTS refs over
#              CACHE_AGREE_PAGES pages, seed 1; and mix (4 files, 3
#              processes, phases), CACHE_AGREE_EVENTS refs, seed 1
#   speed      zipf --alpha 0.9, CACHE_EVENTS refs over CACHE_PAGES pages,
#              seed 42
#
# 1. Agreement: each policy both tools know, at 8 sizes from 0.1 % to 100 %
#    of the footprint (geometric): misses of pgtrace cache and of
#    libCacheSim, and the difference.  libCacheSim's counts are exact: they
#    come from lcs-count (bench/lcs-build.sh --driver), which runs
#    libCacheSim's own cache constructors as cachesim does; cachesim itself
#    only prints ratios to 4 digits (if the driver cannot be built, those
#    ratios times the requests are used, and the table says so).
# 2. Speed, one core (taskset -c CACHE_CPU), CPU time (user + sys, so that
#    other work on the core does not count):
#    a. exact simulation at one size (1 % of the footprint): pgtrace cache
#       -p P -s S; the spool (reading the trace once into page ids) is timed
#       as pgtrace cache -p lru -s 1, and a run at 8 sizes S..S+7 gives the
#       marginal cost of one (policy, size): rate = 7 refs / (t8 - t1).
#       libCacheSim: cachesim P S --num-thread 1 (one policy, one size), its
#       rate = refs / CPU time (the whole run: it reads the mmapped trace as
#       it simulates), and the throughput cachesim prints itself.
#    b. miniature simulation at 1 % for 100 sizes: pgtrace cache -p P
#       --sample 0.01 -n 100.  The libCacheSim of this machine has no
#       MiniSim/mrcProfiler (a separate branch), so its peer is cachesim's
#       own --sample-ratio 0.01 (spatial sampling, sizes scaled by hand) at
#       the same 100 scaled sizes; cachesim replays the trace once per size,
#       so it runs CACHE_LCS_MINI_SIZES of them (evenly spread) and its time
#       is scaled to 100 linearly (the table says when).
#    c. memory: max RSS (/usr/bin/time -f %M) of every run, and bytes per
#       distinct page (RSS / footprint).  libCacheSim's RSS includes the
#       mmapped trace (24 bytes a reference).
# 3. Errors of miniature simulation: for every pgtrace policy, --sample 0.01
#    and --sample 0.001 against exact at the same 20 sizes (-n 20 of the
#    exact run) on the speed trace: mean absolute and maximum error of the
#    miss ratio.
#
# libCacheSim: $LCS_BIN/cachesim (default /var/tmp/lcs/_build/bin); else,
# with LCS_BUILD=1, built by bench/lcs-build.sh from the stored snapshot
# into LCS_PREFIX (default /var/tmp/lcs-pgt: never the repository; see its
# header for the steps and packages); else libCacheSim's columns say "not
# measured here" and pgtrace's part still runs.
#
# Environment:
#   CACHE_EVENTS        references of the speed trace (default 10000000)
#   CACHE_PAGES         pages of the speed trace (default 1000000)
#   CACHE_AGREE_EVENTS  references of the agreement traces (default 1000000)
#   CACHE_AGREE_PAGES   pages of the agreement Zipf trace (default 100000)
#   CACHE_POLICIES      comma-separated subset of the policies (default all)
#   CACHE_CPU           CPU of the one-core runs (default 0)
#   LCS_MRC             libCacheSim's mrcProfiler, for its MiniSim (default
#                       /var/tmp/lcs-mrc/_build/bin/mrcProfiler; built from
#                       the add_mrc_profilers branch of JasonGuo98/libCacheSim,
#                       fd61a11, with cmake -DCMAKE_BUILD_TYPE=Release
#                       -DENABLE_TESTS=OFF and make mrcProfiler, outside the
#                       repository; skipped when absent)
#   CACHE_LCS_MINI_SIZES  sizes of libCacheSim's sampled run (default 10;
#                       100 for all, ~3 min of CPU a policy at the default
#                       trace size)
#   CACHE_KEEP          1: leave the scratch directory in place
#   LCS_BIN, LCS_BUILD, LCS_PREFIX  libCacheSim, as above
#   PGT_BENCH_DIR       where to make the scratch directory (default
#                       /var/tmp); needs ~0.4 GB at the default sizes
#
# Results: on stdout, and a copy in bench/out/cache-STAMP.txt.  About 6
# minutes on 2 CPUs with lru, fifo and opt.
set -u
cd "$(dirname "$0")/.." || exit 1

P=$(pwd)/pgtrace
N=${CACHE_EVENTS:-10000000}
PAGES=${CACHE_PAGES:-1000000}
AN=${CACHE_AGREE_EVENTS:-1000000}
APAGES=${CACHE_AGREE_PAGES:-100000}
CPU=${CACHE_CPU:-0}
MINI_SIZES=${CACHE_LCS_MINI_SIZES:-10}
MRC=${LCS_MRC:-/var/tmp/lcs-mrc/_build/bin/mrcProfiler}
KEEP=${CACHE_KEEP:-0}
LCS_BIN=${LCS_BIN:-/var/tmp/lcs/_build/bin}
TIME=/usr/bin/time

[ -x "$P" ] || { echo "bench/cache: build pgtrace first (make all)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/cache: $TIME missing (GNU time; make deps)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/cache: python3 missing" >&2; exit 1; }
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$CPU")

D=$(mktemp -d "${PGT_BENCH_DIR:-/var/tmp}/pgt-cache.XXXXXX") || exit 1
cleanup() {
	if [ "$KEEP" = 1 ]; then
		echo "scratch directory kept: $D"
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# one binary for the whole run, whatever make does meanwhile
cp "$P" "$D/pgtrace" || exit 1
P=$D/pgtrace

mkdir -p bench/out
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=bench/out/cache-$STAMP.txt
exec > >(tee "$REPORT") 2>&1

# the policies: the "Policies:" section of the help, one per line
ALL=$("$P" cache --help | awk '/^Policies:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' | paste -sd, -)
[ -n "$ALL" ] || { echo "bench/cache: no policies in 'pgtrace cache --help'"; exit 1; }
POLS=$ALL
if [ -n "${CACHE_POLICIES:-}" ]; then
	for p in ${CACHE_POLICIES//,/ }; do
		case ",$ALL," in
		*",$p,"*) ;;
		*) echo "bench/cache: unknown policy '$p' in CACHE_POLICIES (pgtrace has $ALL)"; exit 1 ;;
		esac
	done
	POLS=$CACHE_POLICIES
fi

# lcsname POLICY: libCacheSim's name, empty when it has none
lcsname() {
	case $1 in
	2q) echo twoq ;;
	opt) echo belady ;;
	linux) ;;
	*) echo "$1" ;;
	esac
}

# libCacheSim: found, built, or not measured here
LCS=0 LCSWHY=
if [ -x "$LCS_BIN/cachesim" ]; then
	LCS=1
elif [ "${LCS_BUILD:-0}" = 1 ]; then
	echo "== building libCacheSim (LCS_BUILD=1, bench/lcs-build.sh)"
	if B=$(bash bench/lcs-build.sh); then
		LCS_BIN=$(dirname "$B")
		LCS=1
	else
		LCSWHY="its build failed"
	fi
else
	LCSWHY="no $LCS_BIN/cachesim (LCS_BIN=DIR, or LCS_BUILD=1 to build it)"
fi
CS=$LCS_BIN/cachesim
EXACT=0	# 1: libCacheSim's exact counts through lcs-count
if [ $LCS = 1 ]; then
	if LCS_BIN=$LCS_BIN bash bench/lcs-build.sh --driver "$D/lcs-count" >"$D/driver.log" 2>&1; then
		EXACT=1
	else
		sed 's/^/  /' "$D/driver.log" | tail -3
	fi
fi

# run NAME CMD...: time CMD (wall, user, sys, max RSS), stdout to $D/NAME.out
run() {
	local name=$1 rc
	shift
	"$TIME" -f '%e %U %S %M' -o "$D/$name.time" "$@" >"$D/$name.out" 2>"$D/$name.err"
	rc=$?
	if [ $rc != 0 ]; then
		echo "$name: exit status $rc:"
		sed 's/^/  /' "$D/$name.err" | tail -5
	fi
	tail -1 "$D/$name.time" >"$D/$name.t"
	return $rc
}

echo "pgtrace cache benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "  commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)," \
     "$(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  policies: $POLS"
if [ $LCS = 1 ]; then
	echo "  libCacheSim: $CS ($([ $EXACT = 1 ] && echo "exact counts through lcs-count" ||
		echo "lcs-count did not build: cachesim's 4-digit ratios"))"
else
	echo "  libCacheSim: not measured here: $LCSWHY"
fi
echo "  scratch: $D"
echo

echo "== traces"
gen() {	# gen NAME ARGS...: pgtrace gen, then the oracleGeneral export
	local name=$1
	shift
	"$P" gen "$@" -o "$D/$name.pgt" || exit 1
	if [ $LCS = 1 ]; then
		"$P" export --format oracle-general -o "$D/$name.oracleGeneral" "$D/$name.pgt" || exit 1
	fi
	echo "  $name: pgtrace gen $*"
}
gen zipf -p zipf --alpha 0.9 -n "$AN" --pages "$APAGES" --seed 1
gen mix -p mix -n "$AN" --seed 1
gen speed -p zipf --alpha 0.9 -n "$N" --pages "$PAGES" --seed 42
echo

# footprint TRACE: distinct pages
footprint() {
	"$P" cache -p lru -s 1 --json "$1" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["trace"]["pages"])'
}

echo "== 1. agreement: misses at 8 sizes, pgtrace cache vs libCacheSim (--ignore-obj-size 1)"
for t in zipf mix; do
	fp=$(footprint "$D/$t.pgt") || exit 1
	sizes=$(python3 -c "
fp = $fp
print(','.join(str(max(1, round(fp * 0.001 * 1000 ** (i / 7)))) for i in range(8)))")
	echo "$sizes" >"$D/agree-$t.sizes"
	run "agree-$t" "$P" cache -p "$POLS" -s "$sizes" --csv "$D/$t.pgt" || exit 1
	: >"$D/agree-$t.lcs"
	[ $LCS = 1 ] || continue
	for p in ${POLS//,/ }; do
		l=$(lcsname "$p")
		[ -n "$l" ] || continue
		if [ $EXACT = 1 ]; then
			"$D/lcs-count" "$D/$t.oracleGeneral" "$l" "$sizes" 2>/dev/null |
				awk -v p="$p" '{ print p, $2, $3, $4 }' >>"$D/agree-$t.lcs"
		else
			(cd "$D" && "$CS" "$D/$t.oracleGeneral" oracleGeneral "$l" "$sizes" \
				--ignore-obj-size 1 --num-thread 2 -o "$D/cs.txt" 2>/dev/null) |
				awk -v p="$p" '/cache size/ { for (i = 1; i <= NF; i++) {
					if ($i == "size") s = $(i + 1); if ($i == "req,") r = $(i - 1)
					if ($i == "ratio") { m = $(i + 1); sub(",", "", m); break } }
					printf "%s %s %s %.0f\n", p, s + 0, r, m * r }' >>"$D/agree-$t.lcs"
		fi
	done
done
python3 - "$D" "$LCS" "$EXACT" <<'EOF'
import csv, sys
d, lcs, exact = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
equal, unequal, worst, nolcs = [], [], (0.0, ""), []
for t in ("zipf", "mix"):
    rows = list(csv.DictReader(open(f"{d}/agree-{t}.out")))
    peer = {}
    for line in open(f"{d}/agree-{t}.lcs"):
        p, s, r, m = line.split()
        peer[(p, int(s))] = (int(r), int(m))
    print(f"  trace {t} ({rows[0]['refs']} refs)")
    print(f"  {'policy':<8} {'size':>8} {'pgtrace':>10} {'libCacheSim':>12} {'diff':>8} {'rel':>8}")
    seen = {}
    for r in rows:
        p, s, m = r["policy"], int(r["size"]), int(r["misses"])
        q = peer.get((p, s))
        if q is None:
            print(f"  {p:<8} {s:>8} {m:>10} {'-':>12}")
            seen.setdefault(p, None)
            continue
        diff = m - q[1]
        rel = abs(diff) / q[1] if q[1] else (0.0 if diff == 0 else 1.0)
        print(f"  {p:<8} {s:>8} {m:>10} {q[1]:>12} {diff:>+8} {100 * rel:>7.3f}%")
        if seen.get(p, True) is not None:
            seen[p] = seen.get(p, True) and diff == 0
        if rel > worst[0]:
            worst = (rel, f"{p} on {t} at {s}")
    for p, ok in seen.items():
        (nolcs if ok is None else equal if ok else unequal).append(f"{p}/{t}")
    print()
if not lcs:
    print("  libCacheSim: not measured here")
else:
    eq = sorted({x.split('/')[0] for x in equal} - {x.split('/')[0] for x in unequal})
    print(f"  summary: equal at every size on both traces: {', '.join(eq) or 'none'}")
    if unequal:
        print(f"  not equal: {', '.join(unequal)}; largest relative difference "
              f"{100 * worst[0]:.3f}% ({worst[1]})")
    if nolcs:
        print(f"  no libCacheSim peer: {', '.join(sorted({x.split('/')[0] for x in nolcs}))}")
    if not exact:
        print("  (libCacheSim's counts are its 4-digit ratios times the requests: +-0.00005)")
EOF
echo

FP=$(footprint "$D/speed.pgt") || exit 1
S=$(( FP / 100 ))
[ $S -ge 1 ] || S=1
S8=$(seq -s, $S $((S + 7)))
echo "== 2. speed on one core (taskset -c $CPU), $N refs, $FP distinct pages, one size $S (1 %)"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$D/speed.pgt" >/dev/null
[ $LCS = 1 ] && cat "$D/speed.oracleGeneral" >/dev/null
run spool "${PIN[@]}" "$P" cache -p lru -s 1 --csv "$D/speed.pgt" || exit 1
for p in ${POLS//,/ }; do
	run "one-$p" "${PIN[@]}" "$P" cache -p "$p" -s "$S" --json "$D/speed.pgt"
	run "eight-$p" "${PIN[@]}" "$P" cache -p "$p" -s "$S8" --csv "$D/speed.pgt"
	l=$(lcsname "$p")
	if [ $LCS = 1 ] && [ -n "$l" ]; then
		(cd "$D" && run "cs-$p" "${PIN[@]}" "$CS" "$D/speed.oracleGeneral" oracleGeneral "$l" "$S" \
			--ignore-obj-size 1 --num-thread 1 -o "$D/cs-$p.txt")
	fi
done
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "  (and the miniature simulations at 1 % for 100 sizes)"
for p in ${POLS//,/ }; do
	run "mini-$p" "${PIN[@]}" "$P" cache -p "$p" --sample 0.01 -n 100 --csv "$D/speed.pgt"
	l=$(lcsname "$p")
	if [ $LCS = 1 ] && [ -n "$l" ] && [ -s "$D/mini-$p.out" ]; then
		# the same 100 sizes, scaled as pgtrace scales them (the small
		# ones repeat: a cache each, as in pgtrace); MINI_SIZES of them,
		# evenly spread
		ms=$(python3 -c "
import csv, sys
z = sorted(max(1, int(r['sim_size'])) for r in csv.DictReader(open('$D/mini-$p.out')))
k = min($MINI_SIZES, len(z))
pick = [z[round(i * (len(z) - 1) / max(1, k - 1))] for i in range(k)]
print(','.join(map(str, pick)), len(z))")
		echo "${ms#* }" >"$D/csmini-$p.total"
		(cd "$D" && run "csmini-$p" "${PIN[@]}" "$CS" "$D/speed.oracleGeneral" oracleGeneral "$l" "${ms% *}" \
			--ignore-obj-size 1 --num-thread 1 --sample-ratio 0.01 -o "$D/csmini-$p.txt")
		echo "${ms% *}" | tr , '\n' | wc -l >"$D/csmini-$p.n"
	fi
done
# libCacheSim's own MiniSim (mrcProfiler --profiler=MINISIM) where a build
# of the add_mrc_profilers branch is at $MRC (see the header)
if [ -x "$MRC" ] && [ -s "$D/speed.oracleGeneral" ]; then
	for p in lru fifo; do
		(cd "$D" && run "mrc-$p" "${PIN[@]}" "$MRC" "$D/speed.oracleGeneral" oracleGeneral \
			--algo="${p^^}" --profiler=MINISIM --profiler-params=FIX_RATE,0.01,1 --size=0.001,1,100 \
			--ignore-obj-size)
		echo $? >"$D/mrc-$p.rc"
	done
fi
echo
python3 - "$D" "$N" "$FP" "$POLS" "$LCS" <<'EOF'
import json, os, re, sys
d, n, fp, pols, lcs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5] == "1"
def t(name):
    try:
        w, u, s, m = open(f"{d}/{name}.t").read().split()
        return float(w), float(u) + float(s), int(m)
    except (OSError, ValueError):
        return None
def rate(refs, sec):
    if sec <= 0:
        return "       -"
    v = refs / sec / 1e6
    return f"{v:8.1f}" if v >= 10 else f"{v:8.2f}"
def rss(m):
    return f"{m / 1024:6.0f} MiB {m * 1024 / fp:6.0f} B/pg"
sp = t("spool")
print(f"  a. exact, one size: M refs/s of CPU time; spool (pgtrace cache -p lru -s 1) "
      f"{sp[1]:.2f} s CPU, {sp[0]:.2f} s wall, {rss(sp[2])}")
verdict = []
print(f"  {'policy':<8} {'pgt cpu':>8} {'whole':>8} {'sim':>8} {'8-1':>8} {'pgt RSS':>22}"
      f"   {'lcs cpu':>8} {'whole':>8} {'own':>6} {'lcs RSS':>22} {'ratio':>6}")
for p in pols:
    one, eight, cs = t(f"one-{p}"), t(f"eight-{p}"), t(f"cs-{p}")
    if one is None:
        print(f"  {p:<8} failed")
        continue
    try:
        sim = json.load(open(f"{d}/one-{p}.out"))["cpu_seconds"]["simulate"]
    except (OSError, ValueError, KeyError):
        sim = 0
    line = f"  {p:<8} {one[1]:8.2f} {rate(n, one[1])} {rate(n, sim)}"
    line += f" {rate(7 * n, eight[1] - one[1]) if eight else '       -'} {rss(one[2])}"
    goal = 10e6 if p == "opt" else 20e6
    verdict.append(f"{p} {'unmeasured' if not sim else 'meets' if n / sim >= goal else 'misses'}"
                   f" {goal / 1e6:.0f} M")
    if cs:
        own = re.search(r"throughput ([0-9.]+) MQPS", open(f"{d}/cs-{p}.out").read())
        line += f"   {cs[1]:8.2f} {rate(n, cs[1])} {own.group(1) if own else '-':>6} {rss(cs[2])}"
        line += f" {cs[1] / one[1]:5.1f}x"
    else:
        line += "   not measured here" if not lcs else "   no libCacheSim peer"
    print(line)
print("  columns: CPU seconds of the run; whole = refs / CPU (spool and simulation);")
print("  sim = refs / the CPU seconds of the simulation pass alone (pgtrace cache --json cpu_seconds);")
print("  8-1 = 7 refs / (CPU at 8 sizes - CPU at 1): the marginal cost of one more (policy, size)")
print("  when 8 caches share the pass (their id maps then compete for the CPU caches);")
print("  own = the MQPS cachesim prints (its wall clock); ratio = lcs CPU / pgtrace CPU (whole runs)")
print(f"  targets (sim, one core: 20 M refs/s, opt 10 M): {'; '.join(verdict)}")
print()
print("  b. miniature, --sample 0.01, 100 sizes: M refs/s of CPU time (refs of the whole trace)")
print(f"  {'policy':<8} {'pgt cpu':>8} {'rate':>8} {'pgt RSS':>22}   {'lcs cpu':>8} {'rate':>8} {'lcs RSS':>22} {'ratio':>6}")
for p in pols:
    m, c = t(f"mini-{p}"), t(f"csmini-{p}")
    if m is None:
        print(f"  {p:<8} failed")
        continue
    line = f"  {p:<8} {m[1]:8.2f} {rate(n, m[1])} {rss(m[2])}"
    if c:
        k = int(open(f"{d}/csmini-{p}.n").read())
        tot = int(open(f"{d}/csmini-{p}.total").read())
        cpu = c[1] * tot / k
        line += f"   {cpu:8.2f} {rate(n, cpu)} {rss(c[2])} {cpu / m[1]:5.1f}x"
        if k != tot:
            line += f"  (cachesim ran {k} of the {tot} sizes: CPU x {tot}/{k})"
    else:
        line += "   not measured here" if not lcs else "   no libCacheSim peer"
    print(line)
print("  libCacheSim: cachesim --sample-ratio 0.01 --num-thread 1 (no MiniSim in this build);")
print("  ratio = lcs CPU / pgtrace CPU, the per-core speed-up (target >= 2x)")
for p in ("lru", "fifo"):
    c, m = t(f"mrc-{p}"), t(f"mini-{p}")
    if not c or not m:
        continue
    rc = open(f"{d}/mrc-{p}.rc").read().strip()
    print(f"  libCacheSim MiniSim (mrcProfiler --profiler=MINISIM FIX_RATE,0.01,1, 100 sizes), {p}: "
          f"{c[1]:.2f} s CPU = {rate(n, c[1]).strip()} M refs/s, RSS {c[2] // 1024} MiB; pgtrace "
          f"{m[1]:.2f} s = {c[1] / m[1]:.0f}x" + ("" if rc == "0" else f" (mrcProfiler exited {rc} before printing its curve)"))
EOF
echo

echo "== 3. miniature vs exact: miss-ratio errors at 20 sizes ($N refs)"
run err-exact "${PIN[@]}" "$P" cache -p "$POLS" -n 20 --csv "$D/speed.pgt" || exit 1
ES=$(awk -F, 'NR > 1 && !s[$2]++ { printf "%s%s", (n++ ? "," : ""), $2 }' "$D/err-exact.out")
run err-0.01 "$P" cache -p "$POLS" -s "$ES" --sample 0.01 --csv "$D/speed.pgt" || exit 1
run err-0.001 "$P" cache -p "$POLS" -s "$ES" --sample 0.001 --csv "$D/speed.pgt" || exit 1
python3 - "$D" "$POLS" <<'EOF'
import csv, sys
d, pols = sys.argv[1], sys.argv[2].split(",")
refs = {}
def load(name):
    rows = list(csv.DictReader(open(f"{d}/{name}.out")))
    refs[name] = int(rows[0]["refs"])
    for r in rows:
        sim[(name, r["policy"], int(r["size"]))] = int(r["sim_size"])
    return {(r["policy"], int(r["size"])): float(r["miss_ratio"]) for r in rows}
sim = {}
ex, s1, s2 = load("err-exact"), load("err-0.01"), load("err-0.001")
# Under Zipf a few hot pages carry much of the trace: whether the sample
# holds them moves its reference count (pgtrace's miss ratios are over
# rate x the references seen, not over the sampled ones, for that reason)
print(f"  references kept by the sample, against rate x refs: "
      f"0.01: {refs['err-0.01'] / (0.01 * refs['err-exact']):.3f}, "
      f"0.001: {refs['err-0.001'] / (0.001 * refs['err-exact']):.3f}")
print(f"  {'':<8} {'every size':^43}   {'scaled cache >= 256 pages':^43}")
print(f"  {'policy':<8} {'0.01 mean':>10} {'0.01 max':>10} {'0.001 mean':>10} {'0.001 max':>10}"
      f"   {'0.01 mean':>10} {'0.01 max':>10} {'0.001 mean':>10} {'0.001 max':>10}")
for p in pols:
    keys = [k for k in ex if k[0] == p]
    row = f"  {p:<8}"
    for big in (0, 1):
        row += "  " if big else ""
        for name, s in (("err-0.01", s1), ("err-0.001", s2)):
            e = [abs(s[k] - ex[k]) for k in keys if k in s and (not big or sim[(name,) + k] >= 256)]
            row += f" {sum(e) / len(e):10.4f} {max(e):10.4f}" if e else f" {'-':>10} {'-':>10}"
    print(row)
print("  (pgtrace cache marks the sizes simulated in fewer than 256 pages with ~: a few hot pages in")
print("  or out of the sample swing them; S3-FIFO keeps nothing below 20 pages of the scaled cache)")
EOF
w=$(cut -d' ' -f1 "$D/err-exact.t")
echo "  (exact run of all policies at 20 sizes: $w s wall, pinned)"
echo
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
