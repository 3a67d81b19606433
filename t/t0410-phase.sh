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
	python3 -c "
import json; d = json.load(open(\"seqw.json\"))
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
	python3 -c "
import json; ids = [p[\"id\"] for p in json.load(open(\"mix28.json\"))[\"phases\"]]
assert ids == list(range(28)) + [0, 1], ids
"
'
test_expect_success 'mix with ranges: boundaries within one window' '
	pgtrace gen -p mix --npages 3 --phase-events 120000 -n 2400000 -o mix3.pgt &&
	pgtrace phase --json --phase-window 50000 mix3.pgt | python3 bounds.py 360000
'
test_expect_success 'phases shorter than --min-phase windows are merged' '
	pgtrace gen -p mix --phase-events 200000 -n 1600000 -o mixs.pgt &&
	pgtrace phase --json --phase-window 100000 mixs.pgt | python3 -c "
import json, sys; d = json.load(sys.stdin)
assert len(d[\"phases\"]) < 8 and all(p[\"windows\"] >= 3 for p in d[\"phases\"][1:]), d[\"phases\"]
" &&
	pgtrace phase --json --phase-window 100000 --min-phase 2 mixs.pgt | python3 bounds.py 200000
'
test_expect_success 'mix: each phase names its object and pattern' '
	python3 -c "
import json; d = json.load(open(\"mix7.json\"))
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
	python3 -c "
import json; d = json.load(open(\"zw.json\"))
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
test_done
