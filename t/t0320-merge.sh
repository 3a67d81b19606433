#!/bin/bash
# pgtrace merge: time order, ids renumbered, hosts kept apart, the same
# file or process of several inputs one.
. "$(dirname "$0")/lib-test.sh"

FIELDS=ts,pid,comm,path,index,npages

test_expect_success 'setup: three traces, different patterns and seeds' '
	pgtrace gen -p mix -n 100000 --pids 3 --seed 1 -o a.pgt &&
	pgtrace gen -p zipf -n 50000 --seed 2 --interval 1500ns -o b.pgt &&
	pgtrace gen -p loop -n 70000 --seed 3 --interval 700ns -o c.pgt &&
	for t in a b c; do
		pgtrace dump --format csv --fields $FIELDS $t.pgt | tail -n +2 >$t.csv || return 1
	done
'
test_expect_success 'all events, ordered by time, complete' '
	pgtrace merge -o abc.pgt a.pgt b.pgt c.pgt &&
	pgtrace info --json abc.pgt >i.json &&
	test_json_assert i.json "
assert d[\"complete\"] and d[\"events\"] == 220000, d
assert d[\"objects\"][\"total\"] == 6, d[\"objects\"]
" &&
	pgtrace dump --format csv --fields ts abc.pgt | tail -n +2 >ts && sort -n -c ts
'
test_expect_success 'every event keeps its own path and process (same host: pids kept)' '
	pgtrace dump --format csv --fields $FIELDS abc.pgt | tail -n +2 | sort >got &&
	sort a.csv b.csv c.csv >want && test_cmp want got
'
test_expect_success 'object ids of different inputs never collide' '
	pgtrace dump --format csv --fields obj,path abc.pgt | tail -n +2 | sort -u >op &&
	test "$(wc -l <op)" = 6 && test "$(cut -d, -f1 op | sort -u | wc -l)" = 6 &&
	grep -q "^5,/gen/zipf-0.dat$" op && grep -q "^6,/gen/loop-0.dat$" op
'
test_expect_success 'equal times keep input order; one input is a plain copy' '
	pgtrace merge -o aa.pgt a.pgt a.pgt &&
	pgtrace dump --format csv --fields ts,index aa.pgt | tail -n +2 >got &&
	cut -d, -f1,5 a.csv | awk -F, "{ print; print }" >want && test_cmp want got &&
	pgtrace merge -o one.pgt b.pgt && pgtrace dump --format csv --fields $FIELDS one.pgt | tail -n +2 >got &&
	test_cmp b.csv got
'
test_expect_success 'the inputs are described in the host information' '
	test_json_assert i.json "
i = d[\"info\"]
assert i[\"merge.inputs\"] == \"3\" and i[\"merge.pids\"] == \"host\" and i[\"merge.time\"] == \"raw\", i
assert i[\"merge.input.1.name\"] == \"b.pgt\"
assert i[\"merge.input.0.events\"] == \"100000\" and i[\"merge.input.2.events\"] == \"70000\"
assert i[\"merge.input.1.generator\"].startswith(\"pattern=zipf\")
assert i[\"merge.input.2.pid_base\"] == \"0\"
"
'
test_expect_success '--pids input: a pid space per input, originals recoverable' '
	pgtrace merge --pids input -o pin.pgt a.pgt b.pgt c.pgt &&
	pgtrace dump --format csv --fields $FIELDS pin.pgt | tail -n +2 >pin.csv &&
	awk -F, "{ s = int(\$2 / 4194304); print s }" pin.csv | sort -u | tr "\n" " " >spaces &&
	test "$(cat spaces)" = "0 1 2 " &&
	awk -F, -v OFS=, "{ \$2 = \$2 % 4194304; print }" pin.csv | sort >got &&
	sort a.csv b.csv c.csv >want && test_cmp want got &&
	pgtrace info --json pin.pgt | test_json_assert - "assert d[\"processes\"] == 5, d[\"processes\"]"
'
test_expect_success UTSNS 'different hosts are kept apart: pids moved, files one by path' '
	unshare --uts sh -c "hostname other-host && \"$PGTRACE\" gen -p mix -n 60000 --pids 3 --seed 9 -o d.pgt" &&
	pgtrace merge -o ad.pgt a.pgt d.pgt && pgtrace info --json ad.pgt >ad.json &&
	test_json_assert ad.json "
assert d[\"host\"].endswith(\",other-host\"), d[\"host\"]
assert d[\"processes\"] == 6, d[\"processes\"]
assert d[\"info\"][\"merge.input.1.host\"] == \"other-host\"
assert d[\"info\"][\"merge.input.1.pid_base\"] == str(1 << 22)
# across hosts a file is its path: both hosts read /gen/file-0..3.dat
assert d[\"objects\"][\"total\"] == 4, d[\"objects\"]
" &&
	pgtrace dump --format csv --fields pid,comm ad.pgt | tail -n +2 | sort -u >pc &&
	grep -q "^1000,gen-0$" pc && grep -q "^4195304,gen-0$" pc && test "$(wc -l <pc)" = 6
'
test_expect_success 'a trace split by pid merges back to the same events' '
	pgtrace gen -p mix -n 150000 --pids 5 --phase-events 777 -o m.pgt &&
	pgtrace split --by pid -o parts m.pgt && pgtrace merge -o back.pgt parts/*.pgt &&
	pgtrace dump --format csv --fields ts,cpu,$FIELDS m.pgt >want &&
	pgtrace dump --format csv --fields ts,cpu,$FIELDS back.pgt >got && test_cmp want got
'
# -- the same file or process in several inputs is one --

# stats --json of two traces, equal in every number
same_stats() {
	for by in "" "--by file" "--by pid"; do
		pgtrace stats --json --sizes 16,100,1000 $by "$1" >s1.json &&
		pgtrace stats --json --sizes 16,100,1000 $by "$2" >s2.json &&
		python3 -m json.tool s1.json >/dev/null &&
		test_cmp s1.json s2.json || return 1
	done
}
test_expect_success 'split --by comm | merge gives back the same stats (gen)' '
	pgtrace gen -p mix -n 200000 --pids 5 --files 4 --phase-events 5000 --seed 4 -o g.pgt &&
	pgtrace split --by comm -o gparts g.pgt && test "$(ls gparts/*.pgt | wc -l)" = 5 &&
	pgtrace merge -o gback.pgt gparts/*.pgt && same_stats g.pgt gback.pgt &&
	pgtrace dump --format csv --fields obj,path gback.pgt | tail -n +2 | sort -u >op &&
	test "$(wc -l <op)" = 4
'
test_expect_success 'split --by file | merge gives back the same stats (gen)' '
	pgtrace split --by file -o gfparts g.pgt && pgtrace merge -o gfback.pgt gfparts/*.pgt &&
	same_stats g.pgt gfback.pgt
'
test_expect_success 'merging a trace with itself: one object per file, each page twice' '
	pgtrace merge -o gg.pgt g.pgt g.pgt &&
	pgtrace info --json gg.pgt | test_json_assert - "assert d[\"objects\"][\"total\"] == 4, d[\"objects\"]" &&
	pgtrace stats --json g.pgt | test_json - "d[\"summary\"][\"pages\"]" >p1 &&
	pgtrace stats --json gg.pgt | test_json - "d[\"summary\"][\"pages\"]" >p2 &&
	test_cmp p1 p2
'
# import: pid 500 is "alpha" in one trace, "beta" or "alpha" again in others
csv_of() { printf "ts,pid,comm,type,path,dev,ino,index\n"; for i in 1 2 3; do echo "$i,500,$1,lookup,/data/f,8:1,77,$i"; done; }
test_expect_success 'a pid reused by another program is kept apart; the same program is one' '
	csv_of alpha >px.csv && csv_of beta >py.csv && csv_of alpha >pz.csv &&
	for t in px py pz; do pgtrace import -o $t.pgt $t.csv || return 1; done &&
	pgtrace merge -o xyz.pgt px.pgt py.pgt pz.pgt &&
	pgtrace dump --format csv --fields pid,comm,obj,path xyz.pgt | tail -n +2 | sort | uniq -c >pc &&
	cat pc &&
	test "$(wc -l <pc)" = 2 &&
	grep -q "^ *6 500,alpha,1,/data/f$" pc && grep -q "^ *3 4194804,beta,1,/data/f$" pc
'
test_expect_success 'the same inode under another path is another file' '
	sed "s|/data/f|/data/g|" px.csv >w.csv && pgtrace import -o w.pgt w.csv &&
	pgtrace merge -o xw.pgt px.pgt w.pgt &&
	pgtrace dump --format csv --fields obj,path xw.pgt | tail -n +2 | sort -u >op &&
	test "$(wc -l <op)" = 2 && test "$(cut -d, -f1 op | sort -u | wc -l)" = 2
'
test_expect_success ROOT,TRACEFS 'split | merge of a real recording gives back the same stats' '
	pgtrace record -q -o real.pgt -- sh -c "find /usr/share -type f 2>/dev/null | head -300 | xargs cat >/dev/null" &&
	pgtrace split --by comm -o rparts real.pgt && test "$(ls rparts/*.pgt | wc -l)" -ge 3 &&
	pgtrace merge -o rback.pgt rparts/*.pgt && same_stats real.pgt rback.pgt &&
	pgtrace split --by pid -o rpparts real.pgt &&
	pgtrace merge -o rpback.pgt rpparts/*.pgt && same_stats real.pgt rpback.pgt
'
test_expect_success ROOT,TRACEFS 'two recordings of one program reading one file: one object' '
	dd if=/dev/urandom of=data bs=64k count=16 2>/dev/null && sync &&
	pgtrace record -q -o c1.pgt -- cat data >/dev/null &&
	pgtrace record -q -o c2.pgt -- cat data >/dev/null &&
	pgtrace merge -o c12.pgt c1.pgt c2.pgt &&
	pgtrace dump --format csv --fields obj,path c12.pgt | grep ",$(pwd)/data$" | sort -u >op &&
	test "$(wc -l <op)" = 1 &&
	pgtrace stats --by file c12.pgt | sed -n "/^By file/,\$p" | grep -c " $(pwd)/data$" >rows && test "$(cat rows)" = 1 &&
	pgtrace stats --json c1.pgt | test_json - "d[\"summary\"][\"refs\"]" >r1 &&
	pgtrace stats --json c12.pgt | test_json_assert - "d[\"summary\"][\"refs\"] > int(open(\"r1\").read())" &&
	# file sizes stay known only when every input knew them
	pgtrace info --json c12.pgt | grep -q "\"file_sizes\":true" &&
	pgtrace gen -p loop -n 100 -o gl.pgt && pgtrace merge -o cg.pgt c1.pgt gl.pgt 2>/dev/null &&
	pgtrace info --json cg.pgt | grep -q "\"file_sizes\":false"
'
test_expect_success ROOT,TRACEFS,UTSNS 'recordings of two hosts reading one path: one object, processes apart' '
	unshare --uts sh -c "hostname other-host && \"$PGTRACE\" record -q -o c3.pgt -- cat data >/dev/null" &&
	pgtrace merge -o c13.pgt c1.pgt c3.pgt &&
	pgtrace dump --format csv --fields obj,path c13.pgt | grep ",$(pwd)/data$" | sort -u >op &&
	test "$(wc -l <op)" = 1 &&
	pgtrace dump --format csv --fields pid,comm,path c13.pgt | grep ",cat,$(pwd)/data$" |
		awk -F, "{ print int(\$1 / 4194304) }" | sort -u | tr "\n" " " >spaces &&
	test "$(cat spaces)" = "0 1 "
'
test_expect_success 'standard input as one of the inputs' '
	cat b.pgt | pgtrace merge -o sb.pgt - c.pgt && pgtrace merge -o bc.pgt b.pgt c.pgt &&
	pgtrace dump sb.pgt >x && pgtrace dump bc.pgt >y && test_cmp x y &&
	pgtrace merge b.pgt c.pgt | pgtrace info - | grep -q "^events: *120000$"
'
test_expect_success 'usage errors exit 2' '
	test_must_fail --code=2 pgtrace merge -o x.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace merge --pids most -o x.pgt a.pgt 2>err && grep -q most err &&
	test_must_fail --code=2 pgtrace merge --time later -o x.pgt a.pgt 2>err &&
	test_must_fail --code=2 pgtrace merge -o x.pgt - - 2>err && grep -q "twice" err &&
	test_must_fail --code=2 pgtrace merge -o a.pgt a.pgt b.pgt 2>err && grep -q "both" err &&
	! test -e x.pgt
'
test_expect_success 'runtime errors exit 1 with one line' '
	test_must_fail --code=1 pgtrace merge -o x.pgt a.pgt nosuch.pgt 2>err && test_one_line_error err &&
	grep -q nosuch err && ! test -e x.pgt &&
	test_must_fail --code=1 pgtrace merge --time wall -o x.pgt a.pgt b.pgt 2>err &&
	test_one_line_error err && grep -q "wall-clock" err &&
	test_must_fail --code=1 pgtrace merge -o abc.pgt a.pgt 2>err && grep -q force err
'
test_expect_success 'a damaged input: what was merged is kept, exit 1' '
	size=$(stat -c %s a.pgt) && head -c $((size / 2)) a.pgt >half.pgt &&
	test_must_fail --code=1 pgtrace merge -o hb.pgt half.pgt b.pgt 2>err && test_one_line_error err &&
	grep -q "half.pgt" err &&
	pgtrace info --json hb.pgt | test_json_assert - "assert d[\"complete\"] and d[\"events\"] > 0"
'
test_done
