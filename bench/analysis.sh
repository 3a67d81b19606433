#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/analysis.sh - `pgtrace stats` against libCacheSim on the issue's
# trace: Zipf alpha 0.9 over 10 M pages, 100 M references, seed 42
#   pgtrace gen -p zipf --alpha 0.9 --pages 10000000 -n 100000000 --seed 42
#
# Runs, each timed with /usr/bin/time (wall clock, max RSS):
#   read       pgtrace info (reading and checking every packet)
#   exact      pgtrace stats --no-pages --json (stack distances, MRC, reuse,
#              windows); the kernel is one core's work, so it also runs
#              pinned with taskset -c ANALYSIS_CPU, and both are reported
#   exact+     pgtrace stats --json (with avg.IRF and popularity)
#   sampled    --sample 0.01, --sample 0.001, --sample-size 8192,
#              --sample-size 32768
# Reported: references per second, wall time, max RSS, bytes per distinct
# page (max RSS / summary.pages, and the accumulator's own summary.bytes /
# summary.pages), and for each sampled run the mean absolute and the
# maximum error of its MRC against the exact one over 100 sizes from 1 %
# to 100 % of the exact footprint (each curve's "mrc" points joined by
# straight lines), the grid libCacheSim's figures were taken on.  One
# salt's error is one draw: the sampled runs are repeated with other salts
# (ANALYSIS_SALTS) and the spread of their errors is printed too.
#
# libCacheSim's figures are not measured here: they come from
# /work/shared/reference/analysis-anchors.md section 2.6 (same machine
# kind, 2 vCPUs; a Zipf 0.9 trace of the same shape written by another
# generator, so the distinct counts differ slightly), and are printed
# next to pgtrace's as ratios.  Their RSS includes up to 2.4 GB of the
# mmapped oracleGeneral trace.
#
# Environment:
#   ANALYSIS_EVENTS  references of the trace (default 100000000)
#   ANALYSIS_PAGES   pages of the Zipf file (default 10000000)
#   ANALYSIS_CPU     CPU of the pinned exact run (default 0)
#   ANALYSIS_SALTS   more --salt values for the sampled runs, whose MRC
#                    errors are summed up with salt 0's (default "1 2 3 4";
#                    "" for none; ~3 s a run at the default size)
#   ANALYSIS_ORACLE  1: also export the trace as libCacheSim oracleGeneral
#                    records (pgtrace export --format oracle-general,
#                    24 bytes a reference: 2.4 GB at the default size) into
#                    the scratch directory, so that libCacheSim's tools can
#                    be rerun on the very same references (the commands are
#                    printed; keep the directory with ANALYSIS_KEEP=1)
#   ANALYSIS_KEEP    1: leave the scratch directory in place
#   PGT_BENCH_DIR    where to make the scratch directory (default /var/tmp);
#                    needs ~0.5 GB per 100 M references (+2.4 GB with
#                    ANALYSIS_ORACLE=1)
#
# Results: on stdout, and a copy in bench/out/analysis-STAMP.txt.
set -u
cd "$(dirname "$0")/.." || exit 1

P=$(pwd)/pgtrace
N=${ANALYSIS_EVENTS:-100000000}
PAGES=${ANALYSIS_PAGES:-10000000}
CPU=${ANALYSIS_CPU:-0}
SALTS=${ANALYSIS_SALTS-1 2 3 4}
ORACLE=${ANALYSIS_ORACLE:-0}
KEEP=${ANALYSIS_KEEP:-0}
TIME=/usr/bin/time

[ -x "$P" ] || { echo "bench/analysis: build pgtrace first (make all)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench/analysis: $TIME missing (GNU time; make deps)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/analysis: python3 missing" >&2; exit 1; }
TASKSET=1
command -v taskset >/dev/null || TASKSET=0

D=$(mktemp -d "${PGT_BENCH_DIR:-/var/tmp}/pgt-analysis.XXXXXX") || exit 1
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
REPORT=bench/out/analysis-$STAMP.txt
exec > >(tee "$REPORT") 2>&1

T=$D/zipf.pgt
R=$D/results.tsv	# name, wall s, max RSS KiB, exit status, JSON file
: >"$R"

# run NAME CMD...: time CMD, stdout to $D/NAME.json
run() {
	local name=$1 rc
	shift
	"$TIME" -f '%e %M' -o "$D/$name.time" "$@" >"$D/$name.json" 2>"$D/$name.err"
	rc=$?
	if [ $rc != 0 ]; then
		echo "$name: exit status $rc:"
		sed 's/^/  /' "$D/$name.err" | tail -5
	fi
	# GNU time writes "Command exited with non-zero status" first
	printf '%s\t%s\t%s\t%s\n' "$name" "$(tail -1 "$D/$name.time")" "$rc" "$D/$name.json" >>"$R"
	awk -v n="$name" -v l="$(cut -d" " -f1 /proc/loadavg)" \
		'{ printf "  %-22s %8.2f s  %8.0f MiB max RSS  (load %s)\n", n, $1, $2 / 1024, l }' <(tail -1 "$D/$name.time")
}

echo "pgtrace stats benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "  commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)," \
     "$(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  scratch: $D"
echo
echo "== generating: pgtrace gen -p zipf --alpha 0.9 --pages $PAGES -n $N --seed 42"
"$TIME" -f '%e' -o "$D/gen.time" "$P" gen -p zipf --alpha 0.9 --pages "$PAGES" -n "$N" --seed 42 -o "$T" || exit 1
echo "  $(tail -1 "$D/gen.time") s, $(du -h "$T" | cut -f1)"

if [ "$ORACLE" = 1 ]; then
	echo "== exporting oracleGeneral records (ANALYSIS_ORACLE=1)"
	"$TIME" -f '%e' -o "$D/export.time" "$P" export --format oracle-general -o "$D/zipf.oracleGeneral" "$T" ||
		exit 1
	echo "  $(tail -1 "$D/export.time") s, $(du -h "$D/zipf.oracleGeneral" | cut -f1): $D/zipf.oracleGeneral"
	echo "  libCacheSim on the same references (analysis-anchors.md 2.6; B=libCacheSim/_build/bin):"
	echo "    \$B/distUtil $D/zipf.oracleGeneral oracleGeneral stack_dist cntTxt sd"
	echo "    \$B/mrcProfiler $D/zipf.oracleGeneral oracleGeneral --algo=LRU --profiler=SHARDS \\"
	echo "        --profiler-params=FIX_RATE,0.01,42 --size=0.01,1,100 --ignore-obj-size"
	[ "$KEEP" = 1 ] || echo "  (set ANALYSIS_KEEP=1 to keep it after the run)"
fi

echo "== runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
# warm the page cache so the first timed run does not pay for the disk
cat "$T" >/dev/null
run read "$P" info --json "$T"
run exact "$P" stats --no-pages --json "$T"
if [ $TASKSET = 1 ]; then
	run exact-1cpu taskset -c "$CPU" "$P" stats --no-pages --json "$T"
fi
run exact-full "$P" stats --json "$T"
run shards-0.01 "$P" stats --no-pages --sample 0.01 --json "$T"
run shards-0.001 "$P" stats --no-pages --sample 0.001 --json "$T"
run shards-8192 "$P" stats --no-pages --sample-size 8192 --json "$T"
run shards-32768 "$P" stats --no-pages --sample-size 32768 --json "$T"
for salt in $SALTS; do
	run "shards-0.01-salt$salt" "$P" stats --no-pages --sample 0.01 --salt "$salt" --json "$T"
	run "shards-0.001-salt$salt" "$P" stats --no-pages --sample 0.001 --salt "$salt" --json "$T"
	run "shards-8192-salt$salt" "$P" stats --no-pages --sample-size 8192 --salt "$salt" --json "$T"
	run "shards-32768-salt$salt" "$P" stats --no-pages --sample-size 32768 --salt "$salt" --json "$T"
done
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

python3 - "$R" "$CPU" <<'EOF'
import bisect, json, sys

rows = {}
for line in open(sys.argv[1]):
    name, tm, rc, path = line.rstrip("\n").split("\t")
    wall, rss = tm.split()
    doc = None
    if rc == "0":
        try:
            doc = json.load(open(path))
        except ValueError:
            doc = None
    rows[name] = dict(wall=float(wall), rss=float(rss) * 1024, ok=rc == "0" and doc is not None, doc=doc)
cpu = sys.argv[2]

def curve(doc):
    xs = [p["pages"] for p in doc["mrc"]]
    ys = [p["miss_ratio"] for p in doc["mrc"]]
    return xs, ys

def at(c, x):
    """The curve's points joined by straight lines; flat past either end."""
    xs, ys = c
    i = bisect.bisect_left(xs, x)
    if i < len(xs) and xs[i] == x:
        return ys[i]
    if i == 0:
        return ys[0]
    if i == len(xs):
        return ys[-1]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

ex = rows.get("exact")
if not ex or not ex["ok"]:
    sys.exit("bench/analysis: the exact run failed; no table")
exs = ex["doc"]["summary"]
refs, fp = exs["refs"], exs["pages"]
excurve = curve(ex["doc"])
grid = [max(1, round(fp * k / 100)) for k in range(1, 101)]

def errors(name):
    r = rows.get(name)
    if not r or not r["ok"]:
        return None
    c = curve(r["doc"])
    d = [abs(at(c, x) - at(excurve, x)) for x in grid]
    return sum(d) / len(d), max(d)

def mrefs(name):
    r = rows.get(name)
    return refs / r["wall"] / 1e6 if r and r["ok"] else None

def fmt(v, f="%.2f"):
    return f % v if v is not None else "failed"

def verdict(ok):
    return "ok" if ok else "MISSED"

read = rows.get("read")
if read and read["ok"]:
    print("read (pgtrace info): %.2f s = %.1f M refs/s" % (read["wall"], refs / read["wall"] / 1e6))
print("trace: %d references, %d distinct pages (%.2f%% cold), exact mean stack distance %.0f"
      % (refs, fp, 100.0 * exs["cold"] / refs, exs["mean_distance"]))
print("exact LRU miss ratio: " + ", ".join("%.4f @ %d%%" % (at(excurve, max(1, round(fp * k / 100))), k)
                                           for k in (1, 2, 5, 10, 20, 30, 50, 70, 90, 100)))
print("  libCacheSim's trace (8857806 distinct): 0.5788 @ 1%, 0.5202 @ 2%, 0.4326 @ 5%, 0.3574 @ 10%, "
      "0.2738 @ 20%, 0.2213 @ 30%, 0.1541 @ 50%, 0.1135 @ 70%, 0.0918 @ 90%, 0.0886 @ 100%")
print()

print("%-28s %8s %9s %9s %10s %10s %9s %9s" % ("run", "wall s", "M refs/s", "RSS MiB", "RSS B/pg",
                                              "acc B/pg", "MRC MAE", "max err"))
print("-" * 98)
for name in ("exact", "exact-1cpu", "exact-full", "shards-0.01", "shards-0.001", "shards-8192",
             "shards-32768"):
    r = rows.get(name)
    if not r:
        continue
    if not r["ok"]:
        print("%-28s failed" % name)
        continue
    s = r["doc"]["summary"]
    e = errors(name) if name.startswith("shards") else None
    print("%-28s %8.2f %9.2f %9.0f %10.1f %10.1f %9s %9s" % (
        name, r["wall"], refs / r["wall"] / 1e6, r["rss"] / 2**20, r["rss"] / fp,
        s["bytes"] / fp, fmt(e[0], "%.5f") if e else "-", fmt(e[1], "%.5f") if e else "-"))
print("  (RSS B/pg: max RSS / exact distinct pages; acc B/pg: the accumulator's summary.bytes / pages)")
print()

print("side by side with libCacheSim (analysis-anchors.md 2.6, measured on the same machine kind):")
x1 = mrefs("exact-1cpu") or mrefs("exact")
xe = mrefs("exact")
xf = mrefs("exact-full")
if xe:
    print("exact: pgtrace %.2f M refs/s vs libCacheSim distUtil 0.27 = %.0fx (tcmalloc build 0.34 = %.0fx; "
          "mrcProfiler exact 0.14 = %.0fx; Fenwick prototype 3.3 = %.1fx)" % (xe, xe / 0.27, xe / 0.34, xe / 0.14, xe / 3.3))
if x1:
    print("exact, one core (taskset -c %s): pgtrace %.2f M refs/s vs distUtil 0.27 = %.0fx" % (cpu, x1, x1 / 0.27))
if xf:
    print("exact with IRF and popularity: pgtrace %.2f M refs/s vs libCacheSim traceAnalyzer --common 2.8 = %.1fx"
          % (xf, xf / 2.8))
ex_rss = rows["exact"]["rss"]
print("exact memory: pgtrace %.0f MiB max RSS vs distUtil 2.70 GB = %.1fx less (theirs includes the mmapped trace)"
      % (ex_rss / 2**20, 2.70e9 / ex_rss))
peers = (("shards-0.01", "SHARDS 1%", "FIX_RATE 0.01", 26, 0.00057, 0.0045),
         ("shards-0.001", "SHARDS 0.1%", "FIX_RATE 0.001", 44, 0.0013, 0.0050),
         ("shards-8192", "SHARDS size 8192", "FIX_SIZE 8192", 31, 0.0015, 0.0094),
         ("shards-32768", "SHARDS size 32768", "FIX_SIZE 32768", 19, 0.00072, 0.0027))
for name, label, theirs, rate, mae, mx in peers:
    m, e = mrefs(name), errors(name)
    if m is None or e is None:
        print("%s: failed" % label)
        continue
    print("%s: pgtrace %.1f M refs/s vs libCacheSim %s %d = %.1fx; MAE %.5f vs %.5f, max %.4f vs %.4f"
          % (label, m, theirs, rate, m / rate, e[0], mae, e[1], mx))
    more = [errors(n) for n in sorted(rows) if n.startswith(name + "-salt")]
    more = [x for x in more if x]
    if more:
        all_ = [e] + more
        maes = [x[0] for x in all_]
        print("  over %d salts: MAE mean %.5f (%.5f..%.5f), max error %.4f..%.4f"
              % (len(all_), sum(maes) / len(maes), min(maes), max(maes),
                 min(x[1] for x in all_), max(x[1] for x in all_)))
print()

print("targets (the issue):")
if x1:
    print("  exact, one core >= 5 M refs/s:        %8.2f (%.2fx)  %s" % (x1, x1 / 5, verdict(x1 >= 5)))
bpp = ex_rss / fp
acc = rows["exact"]["doc"]["summary"]["bytes"] / fp
print("  exact <= 40 bytes per distinct page:  %8.1f max RSS  %s; %.1f accumulator  %s"
      % (bpp, verdict(bpp <= 40), acc, verdict(acc <= 40)))
m, e = mrefs("shards-0.01"), errors("shards-0.01")
if m is not None and e is not None:
    print("  SHARDS 1%% >= 60 M refs/s:            %8.1f (%.2fx)  %s" % (m, m / 60, verdict(m >= 60)))
    print("  SHARDS 1%% MAE <= 0.002:              %8.5f          %s" % (e[0], verdict(e[0] <= 0.002)))
    more = [x for x in (errors(n) for n in sorted(rows) if n.startswith("shards-0.01-salt")) if x]
    if more:
        w = max(x[0] for x in more + [e])
        print("    worst of %d salts:                  %8.5f          %s" % (len(more) + 1, w, verdict(w <= 0.002)))
EOF
echo
echo "report: $REPORT"
