#!/bin/bash
# pgtrace phase: access pattern labels per object window, phase boundaries
# and recurring phases, on gen traces whose truth is known.
. "$(dirname "$0")/lib-test.sh"

# label.py LABEL [KEY=VALUE...] < JSON: the share of windows with LABEL
# must be >= 95% (or min=PCT), and each KEY (stride, period, alpha,
# share, sub) of those windows must be VALUE (alpha and share within
# 0.1, their window-weighted mean; sub: the sub-label of >= 95%).
cat >label.py <<'EOF'
import json, sys
d = json.load(sys.stdin)
want, checks = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
need = float(checks.pop("min", 95))
segs = [s for o in d["objects"] for s in o["segments"]]
tot = sum(s["windows"] for s in segs)
mine = [s for s in segs if s["label"] == want]
got = sum(s["windows"] for s in mine)
pct = 100.0 * got / tot if tot else 0
print("%s: %d of %d windows (%.1f%%): %s" % (want, got, tot, pct,
      sorted(set((s["label"], s["sub"], s["stride"], s["period"]) for s in segs))))
ok = pct >= need
for k, v in checks.items():
    if k in ("stride", "period"):
        bad = [s[k] for s in mine if s[k] != int(v)]
        print("  %s %s, expected %s" % (k, sorted(set(s[k] for s in mine)), v))
        ok = ok and not bad
    elif k == "sub":
        n = sum(s["windows"] for s in mine if s["sub"] == v)
        print("  sub %s: %d of %d" % (v, n, got))
        ok = ok and n * 100 >= 95 * got
    else:
        m = sum(s[k] * s["windows"] for s in mine) / got if got else 0
        print("  %s %.3f, expected %s" % (k, m, v))
        ok = ok and abs(m - float(v)) <= 0.1
sys.exit(0 if ok else 1)
EOF

# bounds.py EVENTS_PER_PHASE [same=K] < JSON: one phase per true phase,
# each boundary within one phase window of the truth (a multiple of
# EVENTS_PER_PHASE); same=K: phase i+K has the id of phase i and the
# first K are distinct; same=0: all ids distinct.
cat >bounds.py <<'EOF'
import json, sys
d = json.load(sys.stdin)
pe, G, refs = int(sys.argv[1]), d["phase_window"], d["refs"]
opts = dict(a.split("=", 1) for a in sys.argv[2:])
truth = list(range(pe, refs, pe))
found = [p["start_ref"] for p in d["phases"][1:]]
ids = [p["id"] for p in d["phases"]]
print("truth", truth)
print("found", found)
print("ids", ids)
ok = len(found) == len(truth) and all(abs(a - b) <= G for a, b in zip(found, truth))
if "same" in opts:
    k = int(opts["same"])
    if k == 0:
        ok = ok and len(set(ids)) == len(ids)
    else:
        ok = ok and len(set(ids[:k])) == k and all(ids[i + k] == ids[i] for i in range(len(ids) - k))
        ok = ok and not any(p["recurring"] for p in d["phases"][:k])
        ok = ok and all(p["recurring"] for p in d["phases"][k:])
sys.exit(0 if ok else 1)
EOF

label() {
	want=$1 trace=$2
	shift 2
	pgtrace phase --json "$trace" >"$trace.json" &&
	python3 label.py "$want" "$@" <"$trace.json"
}

test_expect_success 'setup' '
	pgtrace gen -p sequential -n 1M -o seq.pgt &&
	pgtrace gen -p sequential -n 1M --pages 4M -o stream.pgt &&
	pgtrace gen -p reverse -n 1M -o rev.pgt &&
	pgtrace gen -p strided --stride 4 -n 1M -o s4.pgt &&
	pgtrace gen -p strided --stride 16 -n 1M -o s16.pgt &&
	pgtrace gen -p loop --period 100 -n 1M -o l100.pgt &&
	pgtrace gen -p loop --period 1000 -n 1M -o l1000.pgt &&
	pgtrace gen -p uniform -n 1M -o u.pgt &&
	pgtrace gen -p uniform -n 1M --pages 1024 --seed 3 -o u1k.pgt &&
	pgtrace gen -p zipf --alpha 0.8 -n 1M -o z08.pgt &&
	pgtrace gen -p zipf --alpha 1.2 -n 1M --seed 2 -o z12.pgt &&
	pgtrace gen -p hot-cold -n 1M -o hc.pgt &&
	pgtrace gen -p hot-cold --hot-frac 0.02 --hot-share 0.7 -n 1M -o hc2.pgt &&
	pgtrace gen -p uniform -n 300000 --pages 1G -o once.pgt
'
test_expect_success 'sequential: sequential-forward' '
	label sequential-forward seq.pgt
'
test_expect_success 'sequential never repeating: streaming; repeating: reuse' '
	label sequential-forward stream.pgt sub=streaming &&
	pgtrace phase --json --windows seq.pgt >seqw.json &&
	test_json_assert seqw.json "
w = d[\"objects\"][0][\"window_list\"]
subs = [x[\"sub\"] for x in w]
# 65536 pages: the first pass streams (16 windows), then pages repeat
assert subs[:16] == [\"streaming\"] * 16 and set(subs[16:]) == {\"reuse\"}, subs
"
'
test_expect_success 'reverse: sequential-backward' '
	label sequential-backward rev.pgt
'
test_expect_success 'strided: the stride, exactly' '
	label strided s4.pgt stride=4 &&
	label strided s16.pgt stride=16
'
test_expect_success 'loop: looping with the period, exactly' '
	label looping l100.pgt period=100 &&
	label looping l1000.pgt period=1000
'
test_expect_success 'uniform: uniform random (large and small footprints)' '
	label uniform u.pgt &&
	label uniform u1k.pgt
'
test_expect_success 'zipf: hot-set with alpha within 0.1' '
	label hot-set z08.pgt alpha=0.8 &&
	label hot-set z12.pgt alpha=1.2
'
test_expect_success 'hot-cold: hot-set with the hot share within 0.1' '
	label hot-set hc.pgt share=0.9 &&
	label hot-set hc2.pgt share=0.7
'
test_expect_success 'pages never seen again, in no order: one-shot' '
	label one-shot once.pgt
'
test_expect_success 'ranges: steps are taken between events' '
	for p in sequential:sequential-forward reverse:sequential-backward strided:strided; do
		pgtrace gen -p ${p%%:*} --npages 3 -n 300000 -f -o r.pgt || exit 1
		label ${p#*:} r.pgt || exit 1
	done &&
	label strided r.pgt stride=8
'
test_expect_success 'few references: sparse' '
	pgtrace gen -p uniform -n 50 -o few.pgt &&
	label sparse few.pgt min=100
'
test_expect_success 'mix: boundaries within one window, recurring phases keep their id' '
	pgtrace gen -p mix --files 7 --pids 7 --phase-events 350000 -n 4900000 -o mix7.pgt &&
	pgtrace phase --json mix7.pgt >mix7.json &&
	python3 bounds.py 350000 same=7 <mix7.json
'
test_expect_success 'mix: the same pattern on another file, or another pattern on the same file, is a new phase' '
	pgtrace gen -p mix --phase-events 200000 -n 3200000 -o mix4.pgt &&
	pgtrace phase --json --phase-window 50000 mix4.pgt >mix4.json &&
	python3 bounds.py 200000 same=0 <mix4.json
'
test_expect_success 'mix: after 28 phases (7 patterns, 4 files) the phases recur' '
	pgtrace gen -p mix --phase-events 300000 -n 9000000 -o mix28.pgt &&
	pgtrace phase --json mix28.pgt >mix28.json &&
	test_json_assert mix28.json "
ids = [p[\"id\"] for p in d[\"phases\"]]
assert ids == list(range(28)) + [0, 1], ids
"
'
test_expect_success 'mix with ranges: boundaries within one window' '
	pgtrace gen -p mix --npages 3 --phase-events 120000 -n 2400000 -o mix3.pgt &&
	pgtrace phase --json --phase-window 50000 mix3.pgt | python3 bounds.py 360000
'
test_expect_success 'phases shorter than --min-phase windows are merged' '
	pgtrace gen -p mix --phase-events 200000 -n 1600000 -o mixs.pgt &&
	pgtrace phase --json --phase-window 100000 mixs.pgt | test_json_assert - "
assert len(d[\"phases\"]) < 8 and all(p[\"windows\"] >= 3 for p in d[\"phases\"][1:]), d[\"phases\"]
" &&
	pgtrace phase --json --phase-window 100000 --min-phase 2 mixs.pgt | python3 bounds.py 200000
'
test_expect_success 'mix: each phase names its object and pattern' '
	test_json_assert mix7.json "
want = [\"sequential-forward\", \"hot-set\", \"sequential-forward\", \"uniform\",
	\"sequential-backward\", \"strided\", \"hot-set\"]
for i, p in enumerate(d[\"phases\"]):
	top = p[\"objects\"][0]
	assert top[\"path\"] == \"/gen/file-%d.dat\" % (i % 7), (i, top)
	assert top[\"label\"] == want[i % 7], (i, top)
"
'
test_expect_success 'text output: per-object timeline and phase table' '
	pgtrace phase mix7.pgt >out &&
	grep -q "^4900000 references to 7 objects" out &&
	grep -q "^/gen/file-5.dat: 700000 references, .* mostly strided" out &&
	grep -q " strided  *stride=8" out &&
	grep -q "^14 phases, 7 distinct" out &&
	grep -q "^  PHASE" out &&
	test "$(grep -c " again " out)" = 7 &&
	pgtrace phase --objects 2 mix7.pgt >out2 &&
	grep -q "(5 more objects, 3500000 references" out2 &&
	test "$(grep -c "^/gen/" out2)" = 2
'
test_expect_success '--json is one valid document; --windows adds the evidence' '
	pgtrace phase --json --windows --window 1024 z08.pgt >zw.json &&
	test_json_assert zw.json "
o = d[\"objects\"][0]
assert d[\"window\"] == 1024 and len(o[\"window_list\"]) == o[\"windows\"] == d[\"windows\"]
assert sum(s[\"windows\"] for s in o[\"segments\"]) == o[\"windows\"]
assert sum(w[\"n\"] for w in o[\"window_list\"]) == d[\"refs\"] == 1000000
w = o[\"window_list\"][5]
assert w[\"n\"] == 1024 and 0 < w[\"top10\"] <= 1 and w[\"pages\"] <= 1024
" &&
	pgtrace phase --json --objects 0 mix7.pgt | python3 -m json.tool >/dev/null
'
test_expect_success 'works through a pipe' '
	pgtrace gen -p loop --period 300 -n 100000 -o - | pgtrace phase --json - >pipe.json &&
	python3 label.py looping period=300 <pipe.json
'
test_expect_success '--refs and --space choose the references' '
	pgtrace phase --refs fault seq.pgt >out &&
	grep -q "^0 references to 0 objects" out &&
	pgtrace phase --refs default,fault --json l100.pgt | python3 label.py looping &&
	pgtrace phase --space pfn seq.pgt >out &&
	grep -q "^0 references" out
'
test_expect_success '--gap: steps up to the gap are sequential' '
	pgtrace phase --gap 4 --json s4.pgt | python3 label.py sequential-forward &&
	pgtrace phase --gap 3 --json s4.pgt | python3 label.py strided stride=4
'
test_expect_success 'damaged input: what was read is analysed, one line, exit 1' '
	head -c 300000 z08.pgt >cut.pgt &&
	test_must_fail --code=1 pgtrace phase cut.pgt >out 2>err &&
	test_one_line_error err &&
	grep -q "references to 1 object" out &&
	echo "not a trace" >bad.pgt &&
	test_must_fail --code=1 pgtrace phase bad.pgt 2>err &&
	test_one_line_error err &&
	test_must_fail --code=1 pgtrace phase missing.pgt 2>err &&
	test_one_line_error err &&
	printf "PGTR" | test_must_fail --code=1 pgtrace phase - 2>err &&
	test_one_line_error err
'
test_expect_success 'usage errors' '
	test_must_fail --code=2 pgtrace phase --window 10 seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --window x seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --phase-window 0 seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --min-phase 0 seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --gap 0 seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --space frame seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --refs lookup,nope seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --objects -1 seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase --nope seq.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace phase seq.pgt rev.pgt 2>err && test_one_line_error err &&
	pgtrace phase --help | grep -q "^Examples:"
'
# strip.py PNG: the phase strip of a plot phase picture: where it spans
# (x0, x1), the pixel columns where the grey of one phase gives way to
# the white line of a boundary, the greys of the strip, and the colours
# of the pattern rows under it; as JSON.
cat >strip.py <<EOF
import json, sys
sys.path.insert(0, "$TEST_DIR")
import png
EOF
cat >>strip.py <<'EOF'
img = png.decode(open(sys.argv[1], "rb").read())
W, H = img.width, img.height
grey = lambda p: max(p) - min(p) <= 3 and 40 <= p[0] <= 200
top = next(y for y in range(H // 3) if sum(grey(img.rgb(x, y)) for x in range(W)) > W // 2)
y = top + 3                      # above the ids written in the strip
g = [grey(img.rgb(x, y)) for x in range(W)]
x0 = g.index(True)
x1 = W - g[::-1].index(True)
bounds = [x for x in range(x0 + 1, x1) if g[x] and not g[x - 1]]
strip = sorted(set(img.rgb(x, y) for x in range(x0, x1) if g[x]))
bottom = next(yy for yy in range(top, H) if not grey(img.rgb((x0 + x1) // 2, yy)) and
              not grey(img.rgb(x0 + 2, yy)))
rows = set()
for yy in range(bottom + 4, H - 80):
    for x in range(x0, x1):
        p = img.rgb(x, yy)
        if p != (255, 255, 255):
            rows.add(p)
print(json.dumps(dict(x0=x0, x1=x1, bounds=bounds, strip=strip, rows=sorted(rows))))
EOF

# same3.py PHASE.json STRIP.json REPORT.html: pgtrace phase, plot phase
# and report cut the trace alike: the same number of phases, and the
# same boundaries (the report's exactly, the picture's within 2 pixels)
cat >same3.py <<'EOF'
import json, re, sys
ph, st, html = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), open(sys.argv[3]).read()
refs, starts = ph["refs"], [p["start_ref"] for p in ph["phases"]]
sec = html.split('id="phases"')[1]
rep = [int(a) for a, b in re.findall(r'<td class="n">(\d+)\.\.(\d+)</td>', sec)]
count = int(re.search(r'<p id="phase-count">(\d+) phase', html).group(1))
px = [int(st["x0"] + s / refs * (st["x1"] - st["x0"])) + 1 for s in starts[1:]]
print("phase:", len(starts), starts)
print("report:", count, rep)
print("plot: boundaries at", st["bounds"], "expected", px)
assert len(starts) == count == len(rep) == len(st["bounds"]) + 1, "phase counts differ"
assert rep == starts, "report boundaries differ"
assert all(abs(a - b) <= 2 for a, b in zip(st["bounds"], px)), "plot boundaries differ"
EOF

test_expect_success 'the phase window: one rule, events / 50 within 2,000..100,000 references' '
	for n in 50000:2000 1000000:20000 9000000:100000; do
		pgtrace gen -p uniform -n ${n%%:*} -f -o g.pgt &&
		pgtrace phase --json g.pgt >g.json &&
		test "$(test_json g.json "d[\"phase_window\"]")" = ${n#*:} || exit 1
	done &&
	pgtrace gen -p uniform -n 1000000 -o - | pgtrace phase --json - >gp.json &&
	test_json_assert gp.json "assert d[\"phase_window\"] == 100000"
'
test_expect_success 'phase, plot phase and report: the same phases on a gen mix trace (and with --phase-window)' '
	pgtrace gen -p mix --pages 5000 -n 1000000 --seed 3 -o m1.pgt &&
	pgtrace phase --json m1.pgt >m1.json &&
	pgtrace plot phase -o m1.png m1.pgt && python3 strip.py m1.png >m1s.json &&
	pgtrace report -o m1.html m1.pgt &&
	python3 same3.py m1.json m1s.json m1.html &&
	test_json_assert m1.json "assert len(d[\"phases\"]) >= 6, d[\"phases\"]" &&
	pgtrace phase --json --phase-window 50000 m1.pgt >m2.json &&
	pgtrace plot phase --phase-window 50K -o m2.png m1.pgt && python3 strip.py m2.png >m2s.json &&
	pgtrace report --phase-window 50000 -o m2.html m1.pgt &&
	python3 same3.py m2.json m2s.json m2.html &&
	! cmp -s m1.json m2.json
'
test_expect_success 'the check of the same phases fails on other phases' '
	! python3 same3.py m2.json m1s.json m1.html &&
	! python3 same3.py m1.json m2s.json m1.html &&
	! python3 same3.py m1.json m1s.json m2.html
'
test_expect_success 'plot phase: the strip is grey, the patterns never are, and no colour is both' '
	test_json_assert m1s.json "
strip, rows = set(map(tuple, d[\"strip\"])), set(map(tuple, d[\"rows\"]))
print(\"strip\", sorted(strip)); print(len(rows), \"colours in the rows\")
assert len(strip) >= 3 and not strip & rows, strip & rows
assert all(max(p) - min(p) > 3 for p in rows), [p for p in rows if max(p) - min(p) <= 3]
"
'

# A real recording: root and tracefs.  GNU tar does not read the files
# when the archive is /dev/null (it knows the output is thrown away), so
# it writes to a pipe.
test_expect_success ROOT,TRACEFS 'setup: a real recording of tar over files of a few MiB, then md5sum, then tar again' '
	mkdir -p src small &&
	for i in 1 2 3 4; do head -c $((3 * 1048576 + i * 65536)) /dev/urandom >src/f$i.bin || exit 1; done &&
	# enough small files for the md5sum phase to last several phase
	# windows (each is one lookup of 10 pages)
	python3 -c "import os
for i in range(1, 1001): open(\"small/s%d\" % i, \"wb\").write(os.urandom(40000))" &&
	sync &&
	pgtrace record -q -o tar.pgt -- sh -c "tar cf - src | cat >/dev/null" &&
	pgtrace record -q -o rec.pgt -- sh -c "tar cf - src | cat >/dev/null; md5sum small/* >/dev/null; tar cf - src | cat >/dev/null"
'
test_expect_success ROOT,TRACEFS 'a real recording: the files tar reads 10 KiB at a time are sequential' '
	pgtrace phase --json tar.pgt >tar.json &&
	test_json_assert tar.json "
objs = [o for o in d[\"objects\"] if \"/src/f\" in o[\"path\"]]
for o in objs: print(o[\"path\"], o[\"label\"], [(s[\"label\"], s[\"stride\"]) for s in o[\"segments\"]])
assert len(objs) == 4, objs
assert all(o[\"label\"] == \"sequential-forward\" for o in objs)
assert all(s[\"label\"] in (\"sequential-forward\", \"sparse\") for o in objs for s in o[\"segments\"])
"
'
test_expect_success ROOT,TRACEFS 'a real recording: phase, plot phase and report give the same phases' '
	pgtrace phase --json rec.pgt >rec.json &&
	pgtrace plot phase -o rec.png rec.pgt && python3 strip.py rec.png >recs.json &&
	pgtrace report -o rec.html rec.pgt &&
	python3 same3.py rec.json recs.json rec.html &&
	test_json_assert rec.json "assert len(d[\"phases\"]) >= 2"
'
test_done
