#!/bin/bash
# pgtrace split: keys, side tables per trace, names, the open-file cap.
. "$(dirname "$0")/lib-test.sh"

# Sum of the events column of a map file.
map_sum() { awk -F'\t' 'NR > 1 { s += $3 } END { print s + 0 }' "$1"; }
# One JSON line of 'pgtrace info --json' per trace of a directory.
infos() { for f in "$1"/*.pgt; do pgtrace info --json "$f" || return 1; done; }

test_expect_success 'setup' '
	pgtrace gen -p mix -n 200000 --pids 7 --phase-events 1000 --seed 3 -o mix.pgt &&
	pgtrace dump --format csv --fields ts,pid,comm,path,index mix.pgt | tail -n +2 >mix.csv
'
test_expect_success 'by pid: one complete trace per pid, counts add up' '
	pgtrace split --by pid -o pid mix.pgt &&
	test "$(ls pid/*.pgt | wc -l)" = 7 && test "$(map_sum pid/index.tsv)" = 200000 &&
	head -1 pid/index.tsv | grep -q "^key	file	events	first_ts	last_ts$" &&
	grep -q "^1003	1003.pgt	" pid/index.tsv &&
	infos pid >i.jsonl &&
	test_json_assert --lines i.jsonl "
L = d
assert len(L) == 7 and all(d[\"complete\"] and d[\"indexed\"] for d in L)
assert sum(d[\"events\"] for d in L) == 200000
assert all(d[\"processes\"] == 1 for d in L)
assert all(d[\"info\"][\"generator\"].startswith(\"pattern=mix\") for d in L)
"
'
test_expect_success 'by pid: each trace holds its events, names resolved, in order' '
	for p in 1000 1003 1006; do
		awk -F, -v p=$p "\$2 == p" mix.csv >want &&
		pgtrace dump --format csv --fields ts,pid,comm,path,index pid/$p.pgt | tail -n +2 >got &&
		test_cmp want got || return 1
	done
'
test_expect_success 'a trace gets only the objects its events use' '
	pgtrace gen -p mix -n 40000 --files 8 --pids 8 --phase-events 5000 -o few.pgt &&
	pgtrace split --by pid -o few few.pgt &&
	pgtrace info --json few/1000.pgt | test_json_assert - "assert d[\"objects\"][\"total\"] == 1, d[\"objects\"]"
'
test_expect_success 'by comm, uid, cwd: from the process table' '
	pgtrace split --by comm -o comm mix.pgt && test "$(ls comm/*.pgt | wc -l)" = 7 &&
	test -f comm/gen-4.pgt && test "$(map_sum comm/index.tsv)" = 200000 &&
	pgtrace split --by uid -o uid mix.pgt && ls uid >l && printf "1000.pgt\n1001.pgt\nindex.tsv\n" >want && test_cmp want l &&
	test "$(map_sum uid/index.tsv)" = 200000 &&
	pgtrace dump --fields pid uid/1001.pgt | sort -u >pids && printf "1001\n1003\n1005\n" >want && test_cmp want pids &&
	pgtrace split --by cwd -o cwd mix.pgt && ls cwd >l && printf "%%2Fgen.pgt\nindex.tsv\n" >want && test_cmp want l
'
test_expect_success 'by file, dev, inode: from the object table' '
	pgtrace split --by file -o file mix.pgt && test "$(ls file/*.pgt | wc -l)" = 4 &&
	test -f "file/%2Fgen%2Ffile-2.dat.pgt" && grep -q "^/gen/file-2.dat	%2Fgen%2Ffile-2.dat.pgt	" file/index.tsv &&
	pgtrace dump --fields path "file/%2Fgen%2Ffile-2.dat.pgt" | sort -u >p && echo /gen/file-2.dat >want && test_cmp want p &&
	pgtrace split --by dev -o dev mix.pgt && ls dev >l && printf "0:0.pgt\nindex.tsv\n" >want && test_cmp want l &&
	pgtrace split --by inode -o inode mix.pgt && test -f inode/0:0:1003.pgt && test "$(map_sum inode/index.tsv)" = 200000
'
test_expect_success 'by cpu and type' '
	pgtrace split --by cpu -o cpu mix.pgt && test "$(map_sum cpu/index.tsv)" = 200000 &&
	pgtrace dump --fields cpu cpu/1.pgt | sort -u >c && echo 1 >want && test_cmp want c &&
	pgtrace split --by type -o type mix.pgt && ls type >l && printf "index.tsv\nlookup.pgt\n" >want && test_cmp want l
'
test_expect_success 'events:N cuts runs of N events' '
	pgtrace split --by events:30000 -o ev mix.pgt &&
	cut -f1,3 ev/index.tsv | tail -n +2 | tr "\t" " " >got &&
	printf "0 30000\n1 30000\n2 30000\n3 30000\n4 30000\n5 30000\n6 20000\n" >want && test_cmp want got &&
	pgtrace dump --fields index,ts ev/2.pgt >a && pgtrace dump --fields index,ts --events 60000..90000 mix.pgt >b && test_cmp a b
'
test_expect_success 'time:INTERVAL cuts slices of time from the first event' '
	pgtrace split --by time:50ms -o t mix.pgt && test "$(map_sum t/index.tsv)" = 200000 &&
	t0=$(head -1 mix.csv | cut -d, -f1) &&
	awk -F"\t" -v t0=$t0 "NR > 1 && (\$4 < t0 + \$1 * 50000000 || \$5 >= t0 + (\$1 + 1) * 50000000) { exit 1 }" t/index.tsv &&
	test "$(tail -n +2 t/index.tsv | wc -l)" = 4
'
test_expect_success 'by cgroup: one trace per cgroup of the process table, counts add up' '
	pgtrace split --by cgroup -o cg mix.pgt &&
	ls cg >l && printf "%%2Fpgtrace-gen%%2Fuid-1000.pgt\n%%2Fpgtrace-gen%%2Fuid-1001.pgt\nindex.tsv\n" >want &&
	test_cmp want l && test "$(map_sum cg/index.tsv)" = 200000 &&
	grep -q "^/pgtrace-gen/uid-1001	%2Fpgtrace-gen%2Fuid-1001.pgt	" cg/index.tsv &&
	for u in 1000 1001; do
		f="cg/%2Fpgtrace-gen%2Fuid-$u.pgt" &&
		pgtrace dump --fields cgroup "$f" | sort -u >got && echo /pgtrace-gen/uid-$u >want &&
		test_cmp want got &&
		pgtrace dump --fields pid "$f" | sort -u >pids &&
		awk -F, -v u=$u "\$2 % 2 == u % 2 { print \$2 }" mix.csv | sort -u >want && test_cmp want pids &&
		test "$(pgtrace info --json "$f" | test_json - "d[\"processes\"]")" = \
			"$(wc -l <pids)" &&
		test "$(pgtrace filter --count "cgroup == \"/pgtrace-gen/uid-$u\"" mix.pgt)" = \
			"$(awk -F"\t" -v k=/pgtrace-gen/uid-$u "\$1 == k { print \$3 }" cg/index.tsv)" || return 1
	done
'
test_expect_success 'by cgroup: events of processes without one go to the empty key' '
	printf "ts,pid,comm,index\n1,5,a,0\n2,6,b,1\n3,5,a,2\n" >nocg.csv &&
	pgtrace import -o nocg.pgt nocg.csv && pgtrace split --by cgroup -o nocg nocg.pgt &&
	ls nocg >l && printf "_.pgt\nindex.tsv\n" >want && test_cmp want l &&
	test "$(map_sum nocg/index.tsv)" = 3 && grep -q "^	_.pgt	3	" nocg/index.tsv
'
test_expect_success 'usage errors exit 2' '
	test_must_fail --code=2 pgtrace split -o x mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace split --by colour -o x mix.pgt 2>err && grep -q colour err &&
	test_must_fail --code=2 pgtrace split --by time -o x mix.pgt 2>err && grep -q "interval" err &&
	test_must_fail --code=2 pgtrace split --by time:0s -o x mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace split --by pid:3 -o x mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace split --by pid mix.pgt 2>err && grep -q "output directory" err &&
	test_must_fail --code=2 pgtrace split --by pid -o x --template same.pgt mix.pgt 2>err && grep -q "%k or %n" err &&
	test_must_fail --code=2 pgtrace split --by pid -o x --template "a/%k" mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace split --by pid -o x --template "%q" mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace split --by pid -o x --max-open 0 mix.pgt 2>err &&
	! test -e x
'
test_expect_success 'existing files are not overwritten without --force' '
	test_must_fail --code=1 pgtrace split --by pid -o pid mix.pgt 2>err && test_one_line_error err &&
	grep -q "force" err &&
	rm pid/index.tsv && test_must_fail --code=1 pgtrace split --by pid -o pid mix.pgt 2>err &&
	grep -q "1000.pgt.*exists\|exists.*force" err &&
	pgtrace split --by pid --force -o pid mix.pgt && test "$(map_sum pid/index.tsv)" = 200000
'
test_expect_success 'templates: %n, %k, %%, and keys made safe' '
	pgtrace split --by pid --template "p%%-%n-%k.trace" -o tpl mix.pgt &&
	test -f "tpl/p%-0-1000.trace" && test -f "tpl/p%-6-1006.trace" &&
	pgtrace split --by file --template "%k" -o tk mix.pgt && test -f "tk/%2Fgen%2Ffile-0.dat" &&
	pgtrace gen -p sequential -n 1000 -o seq.pgt && pgtrace split --by comm -o sq seq.pgt && test -f sq/gen-0.pgt
'
test_expect_success 'a pipe in gives the same traces as the file' '
	cat mix.pgt | pgtrace split --by pid -o piped - &&
	for f in pid/*.pgt; do cmp "$f" "piped/${f#pid/}" || return 1; done && test_cmp pid/index.tsv piped/index.tsv
'
test_expect_success '--max-open 3: closed and reopened for append, same bytes' '
	pgtrace split --by pid --buffer 5000 -o b1 mix.pgt &&
	pgtrace split --by pid --buffer 5000 --max-open 3 -v -o b3 mix.pgt 2>err &&
	grep -q "at most 3 files open (cap 3)" err && ! grep -q " 0 closed and reopened" err &&
	for f in b1/*.pgt; do cmp "$f" "b3/${f#b1/}" || return 1; done
'
test_expect_success '5000 keys under ulimit -n 256: every trace complete' '
	pgtrace gen -p mix -n 100000 --pids 5000 --phase-events 10 -o k5000.pgt &&
	(ulimit -n 256 && pgtrace split --by pid --buffer 20000 -v -o k5000 k5000.pgt 2>err) &&
	test "$(ls k5000/*.pgt | wc -l)" = 5000 && test "$(map_sum k5000/index.tsv)" = 100000 &&
	cap=$(sed -n "s/.*(cap \([0-9]*\)).*/\1/p" err) && peak=$(sed -n "s/.*at most \([0-9]*\) files.*/\1/p" err) &&
	test "$cap" -lt 256 && test "$cap" -gt 200 && test "$peak" -le "$cap" &&
	reopened=$(sed -n "s/.*, \([0-9]*\) closed and reopened.*/\1/p" err) && test "$reopened" -gt 1000 &&
	infos k5000 >k.jsonl &&
	test_json_assert --lines k.jsonl "
L = d
assert len(L) == 5000
assert all(d[\"complete\"] and d[\"indexed\"] and d[\"processes\"] == 1 for d in L)
assert sum(d[\"events\"] for d in L) == 100000
assert all(d[\"events\"] == 20 for d in L)
"
'
test_expect_success '--max-open above the limit is brought under it' '
	(ulimit -n 64 && pgtrace split --by pid --max-open 1000 -v -o lim mix.pgt 2>err) &&
	grep -q "warning: --max-open 1000 is above" err && test "$(map_sum lim/index.tsv)" = 200000
'
test_expect_success 'a damaged input: the traces keep the events before it, exit 1' '
	size=$(stat -c %s mix.pgt) && head -c $((size / 2)) mix.pgt >half.pgt &&
	test_must_fail --code=1 pgtrace split --by pid -o half half.pgt 2>err && test_one_line_error err &&
	n=$(map_sum half/index.tsv) && test "$n" -gt 0 && test $((n % 32768)) = 0 &&
	infos half >h.jsonl && test_json_assert --lines h.jsonl "all(x[\"complete\"] for x in d)"
'
test_done
