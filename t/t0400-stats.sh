#!/bin/bash
# pgtrace stats: stack distances, MRC (exact and SHARDS), reuse, IRF,
# working sets and popularity, checked against hand-computed traces and
# an independent LRU simulation.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup: a hand-made trace (pages 1 2 1 3 1 2 of one file, one per second)' '
	printf "type,path,index,ts\n" >s.csv &&
	i=0 && for p in 1 2 1 3 1 2; do echo "lookup,/a,$p,$i.0" >>s.csv; i=$((i + 1)); done &&
	pgtrace import --format csv -o s.pgt s.csv
'
test_expect_success 'hand-computed: distances 2, 2, 3 and three cold misses' '
	pgtrace stats --json --sizes 1,2,3 s.pgt >s.json &&
	test "$(test_json s.json "d[\"summary\"][\"refs\"]")" = 6 &&
	test "$(test_json s.json "d[\"summary\"][\"cold\"]")" = 3 &&
	test "$(test_json s.json "d[\"distance_histogram\"][0][\"lo\"]")" = 2 &&
	test "$(test_json s.json "d[\"distance_histogram\"][0][\"refs\"]")" = 2 &&
	test "$(test_json s.json "d[\"distance_histogram\"][1][\"lo\"]")" = 3 &&
	test "$(test_json s.json "d[\"distance_histogram\"][1][\"refs\"]")" = 1 &&
	test "$(test_json s.json "d[\"sizes\"][0][\"misses\"]")" = 6 &&
	test "$(test_json s.json "d[\"sizes\"][1][\"misses\"]")" = 4 &&
	test "$(test_json s.json "d[\"sizes\"][2][\"misses\"]")" = 3 &&
	test "$(test_json s.json "d[\"mrc\"][1][\"miss_ratio\"]")" = 0.666666667
'
test_expect_success 'hand-computed: reuse times 2, 2, 4' '
	test "$(test_json s.json "d[\"reuse_histogram\"][0][\"lo\"]")" = 2 &&
	test "$(test_json s.json "d[\"reuse_histogram\"][0][\"refs\"]")" = 2 &&
	test "$(test_json s.json "d[\"reuse_histogram\"][1][\"lo\"]")" = 4 &&
	test "$(test_json s.json "d[\"reuse_histogram\"][1][\"refs\"]")" = 1
'
test_expect_success 'hand-computed avg.IRF: page 1 (1/2+1/2)/2, page 2 1/4; object 0.375, per gap 5/12' '
	test "$(test_json s.json "d[\"summary\"][\"irf_mean\"]")" = 0.375 &&
	test "$(test_json s.json "d[\"summary\"][\"irf_weighted\"]")" = 0.416666667 &&
	test "$(test_json s.json "d[\"summary\"][\"reaccessed\"]")" = 2 &&
	test "$(test_json s.json "d[\"irf\"][\"objects\"][0][\"path\"]")" = /a &&
	test "$(test_json s.json "d[\"irf\"][\"objects\"][0][\"irf_mean\"]")" = 0.375
'
test_expect_success 'hand-computed avg.IRF with --irf-n (vmtrace): (1/3 + 1/8) / 2' '
	pgtrace stats --json --irf-n s.pgt >n.json &&
	test_json_assert n.json "assert abs(d[\"summary\"][\"irf_mean\"] - (1/3 + 1/8) / 2) < 1e-9"
'
test_expect_success 'hand-computed avg.IRF in time: the same per second' '
	pgtrace stats --json --irf-clock time s.pgt >t.json &&
	test "$(test_json t.json "d[\"summary\"][\"irf_mean\"]")" = 0.375
'
test_expect_success 'hand-computed W(t, tau): windows of 2 hold 2, 2, 2 pages; of 3 hold 2, 3' '
	pgtrace stats --json --window 2 s.pgt >w2.json &&
	test "$(test_json w2.json "d[\"summary\"][\"windows\"]")" = 3 &&
	for i in 0 1 2; do test "$(test_json w2.json "d[\"wss\"][$i][\"pages\"]")" = 2 || exit 1; done &&
	pgtrace stats --json --window 3 s.pgt >w3.json &&
	test "$(test_json w3.json "d[\"wss\"][0][\"pages\"]")" = 2 && test "$(test_json w3.json "d[\"wss\"][1][\"pages\"]")" = 3 &&
	test "$(test_json w3.json "d[\"wss\"][1][\"start_ref\"]")" = 3
'
test_expect_success 'hand-computed W(t, tau) in time: 2-second windows' '
	pgtrace stats --json --window 2s s.pgt >wt.json &&
	test "$(test_json wt.json "d[\"summary\"][\"windows\"]")" = 3 &&
	test "$(test_json wt.json "d[\"wss\"][1][\"start_ts\"]")" = 2000000000 &&
	test "$(test_json wt.json "d[\"wss\"][1][\"pages\"]")" = 2
'
test_expect_success 'hand-computed s(tau): 1 at tau 1, 11/6 at tau 2' '
	test_json_assert s.json "c = d[\"wss_curve\"]; assert c[0] == {\"tau\": 1, \"pages\": 1}, c; assert abs(c[1][\"pages\"] - 11 / 6) < 1e-5, c"
'
test_expect_success 'setup: traces of a million references' '
	pgtrace gen -p zipf --alpha 0.9 --pages 200000 -n 1000000 --seed 3 -o z.pgt &&
	pgtrace gen -p mix --pages 20000 -n 1000000 --files 4 --pids 3 --seed 5 -o m.pgt &&
	pgtrace gen -p loop --pages 50000 --period 3000 -n 1000000 -o l.pgt
'
sizes=1,2,3,7,16,33,100,257,500,1000,1500,2999,3000,3001,5000,10000,20000,50000,100000,199999
test_expect_success 'exact MRC equals an LRU simulation at 20 sizes (1M references, 3 traces)' '
	for t in z m l; do
		pgtrace stats --json --no-pages --sizes $sizes $t.pgt >$t.json || exit 1
		pgtrace reduce --lru 1 --check $sizes -o /dev/null --force $t.pgt 2>$t.sim || exit 1
		python3 - $t.json $t.sim <<-\EOF || exit 1
		import json, re, sys
		d = json.load(open(sys.argv[1]))
		sim = {int(m.group(1)): int(m.group(2)) for m in
		       re.finditer(r"LRU (\d+) pages: (\d+) misses in", open(sys.argv[2]).read())}
		got = {e["pages"]: e["misses"] for e in d["sizes"]}
		assert len(sim) == 20 and got == sim, (got, sim)
		n = d["summary"]["refs"]
		for e in d["mrc"]:  # the curve at bin edges agrees with the exact counts
		    assert e["pages"] not in got or abs(e["miss_ratio"] - got[e["pages"]] / n) < 1e-9, e
		EOF
	done
'
# SHARDS error shrinks like 1/sqrt(sampled pages): 4M references of a
# Zipf trace sample about 6,700 pages at 1%.  (Few sampled pages and a
# steep cliff, such as a hot set, can exceed 0.01 on some salts.)
test_expect_success 'SHARDS at 1% is within 0.01 mean absolute error of exact (fixed rate and size, 4 salts)' '
	pgtrace gen -p zipf --alpha 0.9 --pages 1000000 -n 4000000 --seed 3 -o z4.pgt &&
	pgtrace stats --json --no-pages z4.pgt >z4.exact.json &&
	for o in "--sample 0.01 --salt 0" "--sample 0.01 --salt 1" "--sample 0.01 --salt 2" \
		 "--sample 0.01 --salt 3" "--sample-size 6700 --salt 0" "--sample-size 6700 --salt 1"; do
		pgtrace stats --json --no-pages $o z4.pgt >z4.s.json || exit 1
		python3 - z4.exact.json z4.s.json "$o" <<-\EOF || exit 1
		import bisect, json, sys
		def curve(f):
		    d = json.load(open(f))
		    return [e["pages"] for e in d["mrc"]], [e["miss_ratio"] for e in d["mrc"]], d["summary"]
		def at(xs, ys, x):
		    i = bisect.bisect_left(xs, x)
		    if i >= len(xs):
		        return ys[-1]
		    if xs[i] == x or i == 0:
		        return ys[i]
		    return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
		ex, ey, es = curve(sys.argv[1])
		sx, sy, ss = curve(sys.argv[2])
		assert ss["rate"] < 0.05, ss
		pts = [max(1, round(ex[-1] * k / 100)) for k in range(1, 101)]
		mae = sum(abs(at(ex, ey, p) - at(sx, sy, p)) for p in pts) / len(pts)
		print(sys.argv[3], "MAE", mae)
		assert mae < 0.01, mae
		EOF
	done
'
test_expect_success 'popularity: the Zipf fit finds the exponent of a Zipf trace' '
	pgtrace stats --json z.pgt >zp.json &&
	test_json_assert zp.json "z = d[\"summary\"][\"zipf\"]; assert abs(z[\"alpha\"] - 0.9) < 0.05 and z[\"r2\"] > 0.95, z"
'
test_expect_success 'a loop of P pages: every re-reference has distance P, and the MRC drops at P' '
	pgtrace stats --json --no-pages --sizes 2999,3000 l.pgt >lp.json &&
	test_json_assert lp.json "h = d[\"distance_histogram\"]; assert len(h) == 1 and h[0][\"lo\"] <= 3000 <= h[0][\"hi\"], h; s = d[\"sizes\"]; assert s[0][\"misses\"] == 1000000 and s[1][\"misses\"] == 3000, s"
'
test_expect_success '--by file gives one line per file, references adding up' '
	pgtrace stats --json --by file m.pgt >mb.json &&
	test_json_assert mb.json "k = d[\"keys\"]; assert len(k) == 4, k; assert sum(x[\"summary\"][\"refs\"] for x in k) == d[\"summary\"][\"refs\"]; assert all(x[\"key\"].startswith(\"/gen/\") for x in k)" &&
	pgtrace stats --by pid m.pgt >mb.txt && grep -q "^By pid (3 keys)" mb.txt
'
test_expect_success '--csv DIR writes one file per series, not over existing files without --force' '
	pgtrace stats --csv out --by file --sizes 10,100 m.pgt &&
	for f in summary distance mrc sizes reuse wss wss-curve irf-objects irf-histogram popularity keys; do
		test -s out/$f.csv || { echo missing $f; exit 1; }
	done &&
	test "$(stat -c %a out/mrc.csv)" = 600 &&
	test_must_fail --code=1 pgtrace stats --csv out m.pgt 2>err && test_one_line_error err &&
	grep -q -- --force err &&
	pgtrace stats --csv out --force m.pgt
'
test_expect_success 'text output has every section' '
	pgtrace stats m.pgt >m.txt &&
	for s in "LRU miss ratio" "Stack distance" "Reuse time" "Working set" "Mean working set" "avg.IRF" "Popularity"; do
		grep -q "$s" m.txt || { echo "no $s"; exit 1; }
	done
'
test_expect_success 'reads a pipe; --refs changes which events count' '
	cat m.pgt | pgtrace stats --json - >p.json &&
	test "$(test_json p.json "d[\"summary\"][\"refs\"]")" = 1000000 &&
	pgtrace stats --json --refs add m.pgt >a.json &&
	test "$(test_json a.json "d[\"summary\"][\"refs\"]")" = 0
'
test_expect_success 'imported traces: lackey references count' '
	pgtrace import -o lk.pgt "$TEST_DIR/data/lackey-ls.txt" &&
	n=$(pgtrace dump --format csv --fields npages lk.pgt | tail -n +2 | awk "{ s += \$1 } END { print s }") &&
	pgtrace stats --json lk.pgt >lk.json &&
	test "$(test_json lk.json "d[\"summary\"][\"refs\"]")" = "$n"
'
test_expect_success ROOT,TRACEFS 'recorded traces: a 4 KiB-block read of 256 pages read twice' '
	dd if=/dev/urandom of=data bs=1M count=1 2>/dev/null && sync &&
	pgtrace record -q -o rec.pgt -- sh -c "dd if=data of=/dev/null bs=4k 2>/dev/null; dd if=data of=/dev/null bs=4k 2>/dev/null" &&
	pgtrace filter "type == lookup && ino == $(stat -c %i data)" -o recf.pgt rec.pgt &&
	pgtrace stats --json --sizes 255,256 recf.pgt >rec.json &&
	test "$(test_json rec.json "d[\"summary\"][\"refs\"]")" = 512 &&
	test "$(test_json rec.json "d[\"summary\"][\"pages\"]")" = 256 &&
	test "$(test_json rec.json "d[\"sizes\"][0][\"misses\"]")" = 512 &&
	test "$(test_json rec.json "d[\"sizes\"][1][\"misses\"]")" = 256
'
test_expect_success '--sizes in any order: each size gets its own misses' '
	pgtrace stats --json --sizes 1000,10 z.pgt >o1.json &&
	pgtrace stats --json --sizes 10,1000 z.pgt >o2.json &&
	test_cmp o1.json o2.json &&
	test "$(test_json o1.json "d[\"sizes\"][0][\"pages\"]")" = 10
'
test_expect_success 'SHARDS fixed size: the histogram holds the sampled weight, SHARDS-adj the rest, no negative bins' '
	pgtrace stats --json --sample-size 2000 z.pgt >fs.json &&
	test_json_assert fs.json "h = d[\"distance_histogram\"]; assert all(e[\"refs\"] >= 0 for e in h), h[:3]; t = sum(e[\"refs\"] for e in h) + d[\"summary\"][\"cold\"] + d[\"summary\"][\"shards_adj\"]; assert abs(t - 1000000) < 10, t; assert \"irf\" not in d" &&
	pgtrace stats --sample 0.01 z.pgt >fs.txt && grep -q "not computed" fs.txt
'
test_expect_success 'bad input: truncated trace, bad options' '
	test_must_fail --code=2 pgtrace stats --sample 0.5 --sizes 100 z.pgt 2>err && test_one_line_error err &&
	head -c 100000 m.pgt >trunc.pgt &&
	test_must_fail --code=1 pgtrace stats trunc.pgt >/dev/null 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace stats --sample 2 m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace stats --sample 0.1 --sample-size 10 m.pgt 2>err &&
	test_must_fail --code=2 pgtrace stats --refs bogus m.pgt 2>err && grep -q bogus err &&
	test_must_fail --code=2 pgtrace stats --by nothing m.pgt 2>err &&
	test_must_fail --code=2 pgtrace stats --window 0 m.pgt 2>err &&
	test_must_fail --code=1 pgtrace stats no-such.pgt 2>err && test_one_line_error err
'
test_expect_success 'setup: 2000 small keys, interleaved (pid p makes 1 + p % 9 references)' '
	awk "BEGIN { print \"ts,pid,type,path,index\"; t = 0;
		for (r = 0; r < 9; r++) for (p = 1; p <= 2000; p++) if (r < 1 + p % 9)
			print t++ \",\" p \",lookup,/k\" p % 5 \",\" (p * 7 + (r * r) % (1 + p % 4)) % 50 }" >keys.csv &&
	pgtrace import --format csv -o keys.pgt keys.csv
'
test_expect_success '--by pid: each key as stats of its filtered trace (a sample of keys)' '
	pgtrace stats --by pid --json keys.pgt >keys.json &&
	for p in 1 2 8 9 17 500 1001 1999 2000; do
		pgtrace filter --pid $p -o key$p.pgt keys.pgt &&
		pgtrace stats --json key$p.pgt >key$p.json || return 1
	done &&
	python3 -c "import json, sys
by = {k[\"key\"]: k for k in json.load(open(\"keys.json\"))[\"keys\"]}
assert len(by) == 2000, len(by)
for p in sys.argv[1:]:
	one = json.load(open(\"key%s.json\" % p))
	k = by[p]
	for d in (one[\"summary\"], k[\"summary\"]):
		d.pop(\"bytes\")	# memory held: lean per key
	assert k[\"summary\"] == one[\"summary\"], (p, k[\"summary\"], one[\"summary\"])
	assert k[\"mrc\"] == one[\"mrc\"], (p, k[\"mrc\"], one[\"mrc\"])
	assert one[\"summary\"][\"refs\"] == 1 + int(p) % 9, p
" 1 2 8 9 17 500 1001 1999 2000
'
test_expect_success '--by pid: 100,000 keys in bounded memory (ulimit -v 1000000; was 59 KB a key)' '
	awk "BEGIN { print \"pid,type,obj,index\";
		for (i = 0; i < 100000; i++) { b = (i * 13) % 5000;
			print i + 1 \",lookup,\" i % 7 + 1 \",\" b; print i + 1 \",lookup,\" i % 7 + 1 \",\" b + 1;
			print i + 1 \",lookup,\" i % 7 + 1 \",\" b } }" >k100k.csv &&
	pgtrace import -o k100k.pgt k100k.csv &&
	run_bounded 1000000 "$PGTRACE" stats --by pid --top 3 k100k.pgt >k100k.out &&
	grep -q "^By pid (100000 keys)" k100k.out &&
	test "$(grep -c "^ *3 *2 *2.0 *2.0 " k100k.out)" = 3
'
test_done
