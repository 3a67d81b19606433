#!/bin/bash
# What a recording says programs touched, checked against the kernel's own
# view (snap file, stat) on real programs: lookups stop at the end of the
# file, fault-around is not a use, address spaces are per process, the
# command's events begin at its exec, block-device pages are named, and
# record -- CMD exits as CMD did.
. "$(dirname "$0")/lib-test.sh"

test_require ROOT,TRACEFS 'record references'

ps=$(getconf PAGESIZE)

test_expect_success 'a 1-byte file read with a large buffer is one page' '
	printf x >one.txt &&
	pgtrace record -q -o one.pgt -- cat one.txt >/dev/null &&
	pgtrace dump --format csv --fields type,path,index,npages one.pgt | grep "^lookup,$(pwd)/one.txt," >l &&
	test "$(cat l)" = "lookup,$(pwd)/one.txt,0,1" &&
	pgtrace info one.pgt | grep -q "^format: *1\.3$" &&
	pgtrace info one.pgt | grep -q "recorder.lookups_past_eof: clamped=1 "
'

# The issue example: 500 small files of random sizes read from a cold
# cache.  The truth comes from two places: their sizes (stat) and what
# the kernel has cached afterwards (snap file, from cachestat).
test_expect_success 'cat of 500 small files: distinct pages = their pages = what the kernel cached' '
	mkdir small &&
	python3 -c "
import os, random
r = random.Random(12)
for i in range(500):
    open(\"small/f%03d\" % i, \"wb\").write(os.urandom(r.randint(1, 200 * 1024)))
" &&
	drop_cache small/* &&
	pgtrace record -q -o small.pgt -- sh -c "cat small/* >/dev/null" &&
	want=$(for f in small/*; do echo $(( ($(stat -c %s $f) + ps - 1) / ps )); done | awk "{ s += \$1 } END { print s }") &&
	pgtrace stats --by file --json small.pgt >s.json &&
	got=$(test_json s.json "sum(k[\"summary\"][\"pages\"] for k in d[\"keys\"] if \"/small/f\" in k[\"key\"])") &&
	# cached, or evicted since (shadow entries, cachestat): this machine
	# may run DAMON-driven reclaim of its own (kdamond pageout)
	cached=$(pgtrace snap file -R --json small | test_json - "d[\"total\"][\"cached\"] + d[\"total\"][\"evicted\"]") &&
	echo "sizes $want, stats $got, cached or evicted since $cached" &&
	test "$got" = "$want" && test "$cached" = "$want"
'
# A build from a cold cache: compile this project's format and util
# sources and archive them.  The footprint of the files it read with
# read() (sources, headers, objects, the archive) is what the kernel has
# cached of them afterwards (or evicted since), within 10%.  (A link that reads parts of
# shared libraries leaves read-ahead pages cached that nobody touched:
# the kernel's insertions, '--refs default,add', not references.)
test_expect_success 'a build: the footprint of the files it read = what the kernel cached of them, within 10%' '
	mkdir build && cp -r "$TOP/include" "$TOP/lib" build/ &&
	drop_cache $(find build -type f) &&
	pgtrace record -q -o build.pgt -- sh -c "cd build && for f in lib/util/*.c lib/format/*.c; do
		cc -O0 -D_GNU_SOURCE -Iinclude -Ilib -c \$f -o \${f%.c}.o || exit 1; done &&
		ar rcs libx.a lib/util/*.o lib/format/*.o" &&
	pgtrace dump --format csv --fields type,path build.pgt >ev.csv &&
	python3 - "$PGTRACE" <<-\EOF
	import collections, csv, json, subprocess, sys
	kinds = collections.defaultdict(set)
	for t, path in csv.reader(open("ev.csv")):
	    kinds[path].add(t)
	read = sorted(p for p, k in kinds.items() if p.startswith("/") and "lookup" in k and not k & {"fault", "map"})
	js = subprocess.run([sys.argv[1], "snap", "file", "--stdin", "--json"], input="".join(p + "\n" for p in read),
	                    capture_output=True, text=True).stdout
	# temporary files (the input of as) are gone: both sides skip them
	files = [x for x in json.loads(js)["files"]]
	read = [x["path"] for x in files]
	cached = sum(x["cached"] + x["evicted"] for x in files)
	expr = " || ".join("path == \"%s\"" % p for p in read)
	f = subprocess.run([sys.argv[1], "filter", expr, "build.pgt"], capture_output=True, check=True).stdout
	s = json.loads(subprocess.run([sys.argv[1], "stats", "--json", "-"], input=f, capture_output=True, check=True).stdout)
	fp = s["summary"]["pages"]
	print("files read", len(read), "footprint", fp, "cached", cached)
	assert len(read) > 50 and abs(fp - cached) <= 0.1 * cached, (fp, cached)
	EOF
'
# A read whose batch of pages ends early (at a read-ahead mark) asks the
# page cache again for the rest of its range, and the kernel reports that
# as a new request with the same end: each page must count once.
test_expect_success 'a cold sequential read: every page of the file is looked up exactly once' '
	head -c $((16384 * ps)) /dev/urandom >seq && drop_cache seq &&
	pgtrace record -q -o seq.pgt -- dd if=seq of=/dev/null bs=64k 2>/dev/null &&
	pgtrace dump --format csv --fields type,ino,index,npages seq.pgt |
		awk -F, -v i=$(stat -c %i seq) "\$1 == \"lookup\" && \$2 == i { for (p = \$3; p < \$3 + \$4; p++) n[p]++ }
			END { for (p in n) { pages++; if (n[p] != 1) bad++ } print pages, bad + 0 }" >got &&
	pgtrace info seq.pgt | grep "lookups_continued" &&
	echo "16384 0" >want && test_cmp want got
'
test_expect_success 'a file grown by another process: the later lookup reaches its new end, with a size record' '
	head -c $ps /dev/urandom >grow &&
	pgtrace record -q -o grow.pgt -- sh -c "cat grow >/dev/null; sleep 1.5; cat grow >/dev/null" &
	rec=$! && sleep 0.7 && head -c $((10 * ps)) /dev/urandom >>grow && wait $rec &&
	pgtrace dump --format csv --fields type,path,index,npages grow.pgt | grep "^lookup,$(pwd)/grow," >l &&
	printf "lookup,%s/grow,0,1\nlookup,%s/grow,0,11\n" "$(pwd)" "$(pwd)" >want &&
	cat l && test_cmp want l
'
test_expect_success 'the command s events begin at its exec: nothing of pgtrace itself' '
	pgtrace record -q -o true.pgt -- true &&
	pgtrace dump --format csv --fields path true.pgt | sort -u >paths &&
	! grep -E "libtracefs|libcairo|libtraceevent|$(basename "$PGTRACE")\$" paths &&
	grep -q "/true$" paths
'

# mmap of a cold 2 MiB file, every 4th page touched: the kernel maps the
# cached pages around each fault, so few touches fault; fault-around maps
# cover far more pages than were touched
test_expect_success 'fault-around maps are not uses: an mmap reader touching every 4th page' '
	head -c $((512 * ps)) /dev/urandom >mapped && drop_cache mapped &&
	pgtrace record -q -o map.pgt -- python3 -c "
import mmap
f = open(\"mapped\", \"rb\")
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
for off in range(0, len(m), 4 * $ps):
    m[off]
" &&
	pgtrace filter "path == \"$(pwd)/mapped\"" map.pgt >m.pgt &&
	pgtrace stats --json m.pgt >d.json && pgtrace stats --json --refs default,map m.pgt >dm.json &&
	python3 -c "
import json
d, dm = json.load(open(\"d.json\")), json.load(open(\"dm.json\"))
p, pm = d[\"summary\"][\"pages\"], dm[\"summary\"][\"pages\"]
print(\"default\", p, \"with maps\", pm)
assert 0 < p <= 128 < pm, (p, pm)
assert any(\"mapped page faults only\" in n for n in d[\"notes\"]), d[\"notes\"]
assert any(\"fault-around\" in n for n in d[\"notes\"]), d[\"notes\"]
"
'

# Two runs of one program with address randomisation off touch the same
# virtual pages; they are two address spaces, so twice the pages.
test_expect_success 'user faults: one address space per process, shared by its threads' '
	cat >anon.py <<-\EOF &&
	import mmap, threading
	m = mmap.mmap(-1, 256 * 4096)
	def touch(start):
	    for off in range(start, len(m), 2 * 4096):
	        m[off] = 1
	t = threading.Thread(target=touch, args=(4096,))
	t.start(); touch(0); t.join()
	EOF
	pgtrace record -q -l 2 -o anon.pgt -- sh -c "setarch -R python3 anon.py; setarch -R python3 anon.py" &&
	pgtrace dump --format csv --fields type,pid,tid,obj,path,index anon.pgt | grep "^user-fault," >uf &&
	python3 -c "
import collections, csv, json, subprocess
rows = list(csv.reader(open(\"uf\")))
objs = collections.defaultdict(set)
for t, pid, tid, obj, path, idx in rows:
    objs[pid].add(obj)
    assert path.startswith(\"[mm %s \" % pid), path
pids = sorted(objs)
# the python processes: the last address space of each pid
last = {}
for t, pid, tid, obj, path, idx in rows:
    last[pid] = obj
assert len(set(last.values())) == len(last), last
py = [p for p in pids if len({r[2] for r in rows if r[1] == p and r[3] == last[p]}) > 1]
assert len(py) == 2, (\"threads of two processes in one space each\", py)
pages = [{r[5] for r in rows if r[1] == p and r[3] == last[p]} for p in py]
common = len(pages[0] & pages[1])
print(\"pages\", len(pages[0]), len(pages[1]), \"same addresses\", common)
assert common > 0.8 * min(len(pages[0]), len(pages[1]))
s = json.loads(subprocess.check_output([\"$PGTRACE\", \"stats\", \"--json\", \"--refs\", \"user-fault\", \"anon.pgt\"]))
want = len({(r[3], r[5]) for r in rows})
assert s[\"summary\"][\"pages\"] == want, (s[\"summary\"][\"pages\"], want)
"
'
test_expect_success 'block-device pages are named by device and filesystem' '
	mnt=$(findmnt -no MAJ:MIN,FSTYPE -T /usr | head -1) &&
	set -- $mnt && majmin=$1 fstype=$2 &&
	sync && echo 3 >/proc/sys/vm/drop_caches &&
	pgtrace record -q -o find.pgt -- find /usr/share -type f >/dev/null &&
	pgtrace dump --format csv --fields type,path find.pgt | grep "^add," | sort | uniq -c | sort -rn >adds &&
	head -3 adds &&
	grep -q "add,\[blockdev $majmin /dev/[a-z0-9]*: $fstype on /" adds &&
	! grep -q "add,$" adds
'
test_expect_success 'record -- CMD exits with its status' '
	pgtrace record -q -o x.pgt -- true &&
	test_must_fail --code=3 pgtrace record -q -f -o x.pgt -- sh -c "exit 3" &&
	{ pgtrace record -q -f -o x.pgt -- sh -c "kill -TERM \$\$"; test $? = 143; } &&
	test_must_fail --code=127 pgtrace record -q -f -o x.pgt -- ./no-such-command 2>err &&
	grep -q "cannot run" err &&
	chmod -x one.txt && test_must_fail --code=126 pgtrace record -q -f -o x.pgt -- ./one.txt 2>err &&
	grep -q "cannot run" err &&
	test_must_fail --code=125 pgtrace record -q -o /proc/no.pgt -- true 2>err &&
	grep -q "cannot create" err &&
	test_must_fail --code=2 pgtrace record --bogus -- true 2>/dev/null
'
test_expect_success '--measure times the command alone, not the recorder s start-up' '
	pgtrace record --measure=3 -o me.pgt -- sleep 0.25 >m.out 2>m.err &&
	cat m.out &&
	grep -q "^timed: the command alone" m.out &&
	t=$(sed -n "s/^traced median: \([0-9.]*\) s.*/\1/p" m.out) &&
	u=$(sed -n "s/^untraced median: \([0-9.]*\) s.*/\1/p" m.out) &&
	st=$(sed -n "s/^recorder start and stop median: \([0-9.]*\) s.*/\1/p" m.out) &&
	# the recorder takes a tenth of a second or more to start and stop;
	# none of it may be in the command s time
	awk -v t=$t -v u=$u -v s=$st "BEGIN { exit !(s > 0.05 && t >= 0.25 && u >= 0.25 && t < 0.25 + s / 2 + (u - 0.25)) }"
'
test_done
