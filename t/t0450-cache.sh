#!/bin/bash
# pgtrace cache: the engine and the command.  LRU against stats' stack
# distances (another algorithm), OPT against a brute-force Belady in
# Python, OPT never above any policy, byte miss ratios against a Python
# LRU with sizes, --for-hit against a scan of every size, miniature
# simulation against exact, --by against filtered traces, bad input.
# Each policy's own checks are in t0451 (clock, sieve, s3fifo), t0452
# (arc, lirs, 2q, lfu) and t0453 (linux).
. "$(dirname "$0")/lib-test.sh"

# a trace's references as page keys, one per line: "obj page"
cat >refs.py <<\EOF
import json, subprocess, sys
out = subprocess.run([sys.argv[2], "dump", "--format", "json", sys.argv[1]], check=True,
                     capture_output=True, text=True).stdout
for line in out.splitlines():
    e = json.loads(line)
    if e["type"] in ("lookup", "fault", "user-fault", "reference"):
        for k in range(e["npages"]):
            print(e["obj"], e["index"] + k, e.get("aux", 0))
EOF

# misses of Belady's MIN (evict the page used farthest ahead; insert on
# every miss) at each size, by brute force: the next use is searched for
# by scanning forward, quadratic and obviously right
cat >opt.py <<\EOF
import sys
refs = [tuple(l.split()[:2]) for l in open(sys.argv[1])]
for size in map(int, sys.argv[2:]):
    cache, misses = set(), 0
    for i, r in enumerate(refs):
        if r in cache:
            continue
        misses += 1
        if len(cache) >= size:
            def nxt(p):
                for j in range(i + 1, len(refs)):
                    if refs[j] == p:
                        return j
                return len(refs) + 1
            cache.remove(max(sorted(cache), key=nxt))
        cache.add(r)
    print(size, misses)
EOF

# LRU over byte sizes: evict least recent until the object fits; an
# object larger than the cache is a miss and is not kept
cat >lrub.py <<\EOF
import sys
from collections import OrderedDict
refs = [l.split() for l in open(sys.argv[1])]
for cap in map(int, sys.argv[2:]):
    c, used, miss, missb = OrderedDict(), 0, 0, 0
    for o, p, sz in refs:
        k, sz = (o, p), int(sz)
        if k in c:
            c.move_to_end(k)
            continue
        miss += 1
        missb += sz
        if sz > cap:
            continue
        while used + sz > cap:
            _, s = c.popitem(last=False)
            used -= s
        c[k] = sz
        used += sz
    print(cap, miss, missb)
EOF

test_expect_success 'setup: small traces' '
	pgtrace gen -p zipf -n 3000 --pages 400 --seed 5 -o z.pgt &&
	pgtrace gen -p mix -n 4000 --seed 6 -o mix.pgt &&
	pgtrace gen -p zipf -n 1M --pages 100000 --seed 7 -o big.pgt &&
	python3 refs.py z.pgt "$PGTRACE" >z.refs && test $(wc -l <z.refs) -ge 3000
'
test_expect_success '--help lists every policy of the table, and the examples' '
	pgtrace cache --help >h &&
	grep -q "^Examples:" h &&
	for p in lru fifo opt; do grep -q "^  $p " h || return 1; done
'
test_expect_success 'the man page describes every policy --help lists, and no other' '
	sed -n "/^Policies:/,/^\$/p" h | awk "NF { print \$1 }" | grep -v Policies: | sort >listed &&
	sed -n "/^\.SH POLICIES/,/^\.SH OPTIONS/p" "$TEST_DIR/../doc/pgtrace-cache.1" |
		awk "/^\.TP/ { getline; if (\$1 == \".B\") print \$2 }" | sort >described &&
	test -s listed && test_cmp listed described
'
test_expect_success 'lru: the misses stats counts from stack distances, at every size' '
	pgtrace stats --json --sizes 1,2,3,7,50,100,333,400,1000 z.pgt >s.json &&
	pgtrace cache -p lru -s 1,2,3,7,50,100,333,400,1000 --json z.pgt >c.json &&
	python3 -c "
import json
s = json.load(open(\"s.json\")); c = json.load(open(\"c.json\"))
want = [(x[\"pages\"], x[\"misses\"]) for x in s[\"sizes\"]]
got = [(x[\"size\"], x[\"misses\"]) for x in c[\"curves\"][0][\"results\"]]
assert want == got, (want, got)
"
'
test_expect_success 'opt: the misses of a brute-force Belady, size 1 to past the footprint' '
	pages=$(sort -u z.refs | wc -l) &&
	python3 opt.py z.refs 1 2 5 17 64 200 $pages 1000 >want &&
	pgtrace cache -p opt -s 1,2,5,17,64,200,$pages,1000 --csv z.pgt |
		awk -F, "NR > 1 { print \$2, \$5 }" >got &&
	test_cmp want got
'
test_expect_success 'opt: a page repeated, and a trace of one page' '
	printf "type,path,index,ts\n" >one.csv &&
	for i in 1 2 3 4 5; do echo "lookup,/a,9,$i.0" >>one.csv; done &&
	pgtrace import --format csv -o one.pgt one.csv &&
	# one miss each; below 20 pages S3-FIFO admits nothing, nor 2Q below
	# 4 nor LIRS at 1 (libCacheSim'"'"'s rules): all of them from 20
	pgtrace cache -p all -s 20,64 --csv one.pgt | awk -F, "NR > 1 && \$5 != 1" >bad &&
	! test -s bad &&
	pgtrace cache -p lru,fifo,clock,sieve,arc,lfu,opt,linux -s 1,3 --csv one.pgt |
		awk -F, "NR > 1 && \$5 != 1" >bad &&
	! test -s bad &&
	test $(pgtrace cache -p all -s 1 --csv one.pgt | wc -l) -eq 12
'
test_expect_success 'opt is never above any policy, at any size' '
	pgtrace cache -p all -s 1,4,16,64,256,1024 --json mix.pgt >all.json &&
	python3 -c "
import json
d = json.load(open(\"all.json\"))[\"curves\"][0][\"results\"]
opt = {r[\"size\"]: r[\"misses\"] for r in d if r[\"policy\"] == \"opt\"}
bad = [r for r in d if r[\"misses\"] < opt[r[\"size\"]]]
assert not bad, bad
assert len(d) > len(opt)
"
'
test_expect_success 'the default grid: 20 sizes, a thousandth of the footprint to all of it' '
	pgtrace cache --json big.pgt >g.json &&
	python3 -c "
import json
d = json.load(open(\"g.json\"))
fp = d[\"trace\"][\"pages\"]
r = [x for x in d[\"curves\"][0][\"results\"] if x[\"policy\"] == \"lru\"]
assert len(r) == 20 and r[-1][\"size\"] == fp and r[0][\"size\"] == round(fp / 1000), (len(r), fp)
assert r[-1][\"misses\"] == fp  # all cold
assert d[\"policies\"] == [\"lru\", \"linux\", \"opt\"]
assert d[\"cpu_seconds\"][\"spool\"] > 0 and d[\"cpu_seconds\"][\"simulate\"] > 0
"
'
test_expect_success '--bytes: sizes from an imported oracleGeneral, against a Python LRU' '
	python3 -c "
import random, struct
random.seed(11)
with open(\"sz.oracleGeneral\", \"wb\") as f:
    for i in range(3000):
        o = int(random.paretovariate(1.2)) % 300 + 1
        f.write(struct.pack(\"<IQIq\", i // 100, o, 512 * (o % 37) + 100, -1))
" &&
	pgtrace import --format oracle-general -o sz.pgt sz.oracleGeneral &&
	python3 refs.py sz.pgt "$PGTRACE" >sz.refs &&
	python3 lrub.py sz.refs 1000 20000 100000 2000000 >want &&
	pgtrace cache --bytes -p lru -s 1000,20000,100000,2000000 --csv sz.pgt |
		awk -F, "NR > 1 { print \$2, \$5, \$8 }" >got &&
	test_cmp want got
'
test_expect_success '--bytes: export keeps the sizes import read' '
	pgtrace export --format oracle-general -o back.oracleGeneral sz.pgt &&
	python3 -c "
import struct
a = open(\"sz.oracleGeneral\", \"rb\").read(); b = open(\"back.oracleGeneral\", \"rb\").read()
sa = [struct.unpack_from(\"<I\", a, i + 12)[0] for i in range(0, len(a), 24)]
sb = [struct.unpack_from(\"<I\", b, i + 12)[0] for i in range(0, len(b), 24)]
assert sa == sb
"
'
test_expect_success '--for-hit: the smallest size of a scan of every size (lru, opt)' '
	pages=$(sort -u z.refs | wc -l) &&
	pgtrace cache -p lru,opt -s $(seq -s, 1 $pages) --csv z.pgt >scan.csv &&
	pgtrace cache -p lru,opt --for-hit 0.6 --csv z.pgt >fh.csv &&
	python3 -c "
import csv
scan = list(csv.DictReader(open(\"scan.csv\")))
got = {r[\"policy\"]: r for r in csv.DictReader(open(\"fh.csv\"))}
for p in (\"lru\", \"opt\"):
    rows = [r for r in scan if r[\"policy\"] == p]
    want = min(int(r[\"size\"]) for r in rows if 1 - float(r[\"miss_ratio\"]) >= 0.6)
    assert got[p][\"reached\"] == \"1\" and int(got[p][\"size\"]) == want, (p, got[p], want)
"
'
test_expect_success '--for-hit beyond the compulsory misses: not reached, said' '
	pgtrace cache -p lru --for-hit 0.99 z.pgt >nr.txt &&
	grep -q "not reached" nr.txt
'
test_expect_success '--sample: miniature simulation within 0.02 of exact where the scaled cache holds 500 pages' '
	pgtrace cache -p lru,fifo,opt -n 12 --json big.pgt >ex.json &&
	sizes=$(python3 -c "
import json
print(\",\".join(str(r[\"size\"]) for r in json.load(open(\"ex.json\"))[\"curves\"][0][\"results\"] if r[\"policy\"] == \"lru\"))") &&
	pgtrace cache -p lru,fifo,opt -s $sizes --sample 0.1 --json big.pgt >mini.json &&
	python3 -c "
import json
ex = json.load(open(\"ex.json\"))[\"curves\"][0][\"results\"]
mi = json.load(open(\"mini.json\"))
ext = json.load(open(\"ex.json\"))[\"trace\"]
assert 0.08 < mi[\"trace\"][\"pages\"] / ext[\"pages\"] < 0.12
mi = mi[\"curves\"][0][\"results\"]
worst = max(abs(a[\"miss_ratio\"] - b[\"miss_ratio\"]) for a, b in zip(ex, mi) if b[\"sim_size\"] >= 500)
assert worst < 0.02, worst
assert len([b for b in mi if b[\"sim_size\"] >= 500]) >= 9
assert all(b[\"sim_size\"] == max(1, round(b[\"size\"] * 0.1)) for b in mi)
"
'
test_expect_success '--by file: each file as if filtered out alone' '
	pgtrace cache --by file -p lru,opt -s 10,100 --json mix.pgt >by.json &&
	path=$(test_json by.json "d[\"curves\"][0][\"key\"]") &&
	pgtrace filter "path == \"$path\"" -o one-file.pgt mix.pgt &&
	pgtrace cache -p lru,opt -s 10,100 --json one-file.pgt >alone.json &&
	python3 -c "
import json
a = json.load(open(\"by.json\"))[\"curves\"][0][\"results\"]
b = json.load(open(\"alone.json\"))[\"curves\"][0][\"results\"]
assert [(x[\"size\"], x[\"misses\"], x[\"refs\"]) for x in a] == [(x[\"size\"], x[\"misses\"], x[\"refs\"]) for x in b]
"
'
test_expect_success '--by with --for-hit: a row per key and policy, keys by references' '
	pgtrace cache --by file --top 3 -p lru,opt --for-hit 0.5 --csv mix.pgt >byh.csv &&
	test $(wc -l <byh.csv) -eq 7 && head -1 byh.csv | grep -q "^key,policy,hit_ratio"
'
test_expect_success 'a trace on standard input gives what the file gives' '
	pgtrace cache -p lru,opt -s 5,50 --csv z.pgt >f.csv &&
	cat z.pgt | pgtrace cache -p lru,opt -s 5,50 --csv - >p.csv &&
	test_cmp f.csv p.csv
'
test_expect_success 'plot mrc --policy: a curve per policy, opt named the optimum' '
	pgtrace plot mrc --policy fifo,opt -o m.svg mix.pgt && pgtrace plot mrc -o n.svg mix.pgt &&
	# two more curves in two more colours (line and legend each), one more dashed (opt)
	grep -o "stroke:rgb([^)]*)" m.svg | sort -u >mc && grep -o "stroke:rgb([^)]*)" n.svg | sort -u >nc &&
	test $(wc -l <mc) -eq $(($(wc -l <nc) + 2)) &&
	test $(grep -c stroke-dasharray m.svg) -eq $(($(grep -c stroke-dasharray n.svg) + 2)) &&
	test_must_fail --code=2 pgtrace plot wss --policy fifo -o w.svg mix.pgt 2>err &&
	grep -q "plot mrc only" err &&
	test_must_fail --code=2 pgtrace plot mrc --policy bogus -o w.svg mix.pgt 2>err &&
	grep -q "unknown policy" err
'
test_expect_success 'report: the policy table is what pgtrace cache gives at its sizes' '
	pgtrace report -o r.html mix.pgt &&
	python3 -c "
import re, subprocess, sys
h = open(\"r.html\").read()
t = h[h.index(\"<table id=\\\"policy-table\\\">\"):]
t = t[:t.index(\"</table>\")]
heads = re.findall(r\"<th>([^<]*)</th>\", t)[2:]
assert heads[0] == \"lru\" and heads[-1] == \"opt\", heads
rows = [re.findall(r\"<td class=.n.>([^<]*)</td>\", r) for r in t.split(\"<tr>\")[2:]]
sizes = \",\".join(r[0] for r in rows)
out = subprocess.run([sys.argv[1], \"cache\", \"-p\", \",\".join(heads), \"-s\", sizes, \"--csv\", \"mix.pgt\"],
                     check=True, capture_output=True, text=True).stdout.splitlines()[1:]
got = {(l.split(\",\")[0], l.split(\",\")[1]): float(l.split(\",\")[5]) for l in out}
for r in rows:
    for k, p in enumerate(heads):
        assert abs(float(r[2 + k]) - got[(p, r[0])]) < 6e-5, (p, r, got[(p, r[0])])
" "$PGTRACE"
'
test_expect_success 'usage errors: one line and a hint, exit 2' '
	for args in "-p nosuch z.pgt" "-p lru, z.pgt" "--sample 1 z.pgt" "--sample 0 z.pgt" \
		    "--for-hit 1 z.pgt" "--for-hit 0.5 -s 4 z.pgt" "--by file z.pgt" "--by nokey -s 1 z.pgt" \
		    "-s 0 z.pgt" "--json --csv z.pgt" "-n 0 z.pgt"; do
		test_must_fail --code=2 pgtrace cache $args 2>err >out || return 1
		grep -q "^Try '"'"'pgtrace cache --help'"'"'.$" err && ! test -s out || return 1
	done &&
	test_must_fail --code=2 pgtrace cache -p nosuch z.pgt 2>err &&
	grep -q "unknown policy .nosuch." err
'
test_expect_success 'a damaged trace: one line naming it, exit 1, what was read simulated' '
	size=$(stat -c %s big.pgt) && head -c $((size / 2)) big.pgt >half.pgt &&
	test_must_fail --code=1 pgtrace cache -p lru -s 10 half.pgt 2>err >out &&
	test_one_line_error err && grep -q "half.pgt" err && grep -q "^ *10 " out &&
	test_must_fail --code=1 pgtrace cache nosuch.pgt 2>err >out && test_one_line_error err && ! test -s out
'
test_expect_success 'no room for the spool: one line naming the directory, exit 1' '
	test_must_fail --code=1 env TMPDIR=/nonexistent "$PGTRACE" cache z.pgt 2>err >out &&
	test_one_line_error err && grep -q "/nonexistent" err && ! test -s out
'
test_done
