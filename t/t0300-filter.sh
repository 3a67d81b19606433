#!/bin/bash
# pgtrace filter: counts against awk over the CSV dump, written traces,
# pipes, shortcuts, --count, and bad expressions shown with a caret.
. "$(dirname "$0")/lib-test.sh"

# csv columns: 1 seq 2 ts 3 cpu 4 pid 5 tid 6 comm 7 type 8 obj 9 path
# 10 dev 11 ino 12 index 13 npages 14 pfn 15 flags 16 aux
count_awk() { awk -F, "NR > 1 && ($1)" mix.csv | wc -l | tr -d ' '; }

# EXPR and an awk condition that must select the same events
check_count() {
	got=$(pgtrace filter --count "$1" mix.pgt) &&
	want=$(count_awk "$2") &&
	if [ "$got" != "$want" ]; then echo "'$1': $got events, awk '$2': $want"; return 1; fi &&
	echo "'$1': $got"
}

test_expect_success 'setup' '
	pgtrace gen -p mix -n 200000 --files 5 --pids 4 --seed 3 -o mix.pgt &&
	pgtrace dump --format csv mix.pgt >mix.csv &&
	test "$(wc -l <mix.csv)" = 200001
'
test_expect_success 'numeric fields: counts equal awk over the csv dump' '
	check_count "pid == 1001" "\$4 == 1001" &&
	check_count "pid != 1001" "\$4 != 1001" &&
	check_count "pid in {1000, 1003}" "\$4 == 1000 || \$4 == 1003" &&
	check_count "pid in 1001..1003" "\$4 >= 1001 && \$4 < 1003" &&
	check_count "tid >= 1002" "\$5 >= 1002" &&
	check_count "cpu == 1" "\$3 == 1" &&
	check_count "seq < 1234 || seq >= 199000" "\$1 < 1234 || \$1 >= 199000" &&
	check_count "index <= 100" "\$12 <= 100" &&
	check_count "obj == 3 && index > 60000" "\$8 == 3 && \$12 > 60000" &&
	check_count "ino == 1002" "\$11 == 1002" &&
	check_count "npages == 1" "\$13 == 1" &&
	check_count "aux == 0 && flags == 0" "\$16 == 0 && \$15 == \"\""
'
test_expect_success 'time: nanoseconds or durations' '
	check_count "ts >= 50ms && ts < 100ms" "\$2 >= 50000000 && \$2 < 100000000" &&
	check_count "ts in 0.05s..0.1s" "\$2 >= 50000000 && \$2 < 100000000" &&
	check_count "time < 12345678" "\$2 < 12345678"
'
test_expect_success 'pages: any page of the event range' '
	check_count "page in 100..200" "\$12 >= 100 && \$12 < 200" &&
	check_count "page == 7 || page >= 65530" "\$12 == 7 || \$12 >= 65530"
'
test_expect_success 'strings from the side tables: ==, globs, regexes' '
	check_count "comm == \"gen-2\"" "\$6 == \"gen-2\"" &&
	check_count "comm in {\"gen-0\", \"gen-3\"}" "\$6 == \"gen-0\" || \$6 == \"gen-3\"" &&
	check_count "file =~ \"*-1.dat\"" "\$9 ~ /-1\\.dat\$/" &&
	check_count "path =~ \"/gen/file-[024].dat\"" "\$9 ~ /^\\/gen\\/file-[024]\\.dat\$/" &&
	check_count "path =~ /file-(3|4)/" "\$9 ~ /file-(3|4)/" &&
	check_count "path !~ /FILE-0/i" "\$9 !~ /file-0/" &&
	check_count "dev == 0:0 && uid == 1001" "\$4 == 1001 || \$4 == 1003"
'
test_expect_success 'cgroup: a string of the process table (gen: one per user)' '
	check_count "cgroup == \"/pgtrace-gen/uid-1001\"" "\$4 % 2 == 1" &&
	check_count "cgroup in {\"/pgtrace-gen/uid-1000\", \"/x\"}" "\$4 % 2 == 0" &&
	check_count "cgroup =~ \"/pgtrace-gen/*\" && cgroup !~ /-1000\$/" "\$4 % 2 == 1" &&
	check_count "cgroup =~ /^\/PGTRACE-gen\//i" "1" &&
	check_count "cgroup == \"\"" "0" &&
	printf "ts,pid,comm,index\n1,5,a,0\n2,6,b,1\n" >nocg.csv && pgtrace import -o nocg.pgt nocg.csv &&
	test "$(pgtrace filter --count "cgroup == \"\"" nocg.pgt)" = 2 &&
	test_must_fail --code=2 pgtrace filter "cgroup == 3" mix.pgt 2>err && grep -q "string" err &&
	test_must_fail --code=2 pgtrace filter "pid =~ \"x\"" mix.pgt 2>err && grep -q "(comm, cwd, path, file, cgroup)" err
'
test_expect_success 'logic: && over ||, !, parentheses' '
	check_count "pid == 1000 || pid == 1002 && index < 1000" "\$4 == 1000 || (\$4 == 1002 && \$12 < 1000)" &&
	check_count "(pid == 1000 || pid == 1002) && index < 1000" "(\$4 == 1000 || \$4 == 1002) && \$12 < 1000" &&
	check_count "!(cpu == 0) && !(path =~ \"*-4.dat\")" "\$3 != 0 && \$9 !~ /-4\\.dat\$/" &&
	test "$(pgtrace filter --count true mix.pgt)" = 200000 &&
	test "$(pgtrace filter --count false mix.pgt)" = 0
'
test_expect_success 'event types' '
	pgtrace gen -p uniform -n 5000 --type lru-add -o lru.pgt &&
	test "$(pgtrace filter --count "type == lru-add" lru.pgt)" = 5000 &&
	test "$(pgtrace filter --count "type in {lookup, add}" lru.pgt)" = 0 &&
	test "$(pgtrace filter --count "type != lookup" mix.pgt)" = 0 &&
	test "$(pgtrace filter --count "type == lookup" mix.pgt)" = 200000
'
test_expect_success 'the written trace holds exactly the matching events, names kept' '
	pgtrace filter "pid == 1001 && page in 0..30000" mix.pgt -o p.pgt &&
	pgtrace dump --format csv p.pgt | tail -n +2 | cut -d, -f2- >got &&
	awk -F, "NR > 1 && \$4 == 1001 && \$12 < 30000" mix.csv | cut -d, -f2- >want &&
	test -s want && test_cmp want got &&
	pgtrace dump --format csv --fields seq p.pgt | tail -n +2 >seqs &&
	test "$(head -1 seqs)" = 0 && test "$(tail -1 seqs)" = $(($(wc -l <want) - 1)) &&
	pgtrace info p.pgt >info && grep -q "^objects: *5 " info && grep -q "^processes: *4$" info &&
	grep -q "^index: *yes" info
'
test_expect_success 'pipes: standard input by default, - and -o -' '
	pgtrace filter "pid == 1001 && page in 0..30000" - -o - <mix.pgt >a.pgt &&
	cat mix.pgt | pgtrace filter "pid == 1001" | pgtrace filter "page in 0..30000" >b.pgt &&
	pgtrace dump a.pgt >a && pgtrace dump b.pgt >b && pgtrace dump p.pgt >p &&
	test_cmp a p && test_cmp b p &&
	pgtrace gen -p mix -n 200000 --files 5 --pids 4 --seed 3 -o - |
		pgtrace filter --count "comm == \"gen-2\"" - >n &&
	test "$(cat n)" = "$(count_awk "\$6 == \"gen-2\"")"
'
test_expect_success 'nothing matches: a valid empty trace' '
	pgtrace filter "pid == 5" mix.pgt -o none.pgt &&
	pgtrace info none.pgt | grep -q "^events: *0$" &&
	pgtrace dump none.pgt >out && ! test -s out
'
test_expect_success 'shortcuts: the same as the expressions, ANDed' '
	test "$(pgtrace filter --count --pid 1000,1002..1004 mix.pgt)" = \
	     "$(pgtrace filter --count "pid in {1000, 1002..1004}" mix.pgt)" &&
	test "$(pgtrace filter --count --type lookup,add mix.pgt)" = 200000 &&
	test "$(pgtrace filter --count --type lru-add mix.pgt)" = 0 &&
	test "$(pgtrace filter --count --file "*-2.dat" mix.pgt)" = "$(count_awk "\$9 ~ /-2\\.dat\$/")" &&
	test "$(pgtrace filter --count --comm gen-3 mix.pgt)" = "$(count_awk "\$6 == \"gen-3\"")" &&
	test "$(pgtrace filter --count --comm gen-3 --file "*-2.dat" "index < 9000" mix.pgt)" = \
	     "$(count_awk "\$6 == \"gen-3\" && \$9 ~ /-2\\.dat\$/ && \$12 < 9000")" &&
	test "$(pgtrace filter --count --pid 1001 - <mix.pgt)" = "$(count_awk "\$4 == 1001")" &&
	test "$(pgtrace filter --count --comm "no\"such\\\\one" mix.pgt)" = 0
'
test_expect_success 'bad expressions: the reason, the caret under the token, exit 2' '
	test_must_fail --code=2 pgtrace filter "pid == 1001 && pdi == 3" mix.pgt >out 2>err &&
	! test -s out &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: unknown field '"'"'pdi'"'"': expected seq, ts, time, cpu, pid, tid, uid, comm, cwd, type, obj, path, file, dev, ino, index, npages, page, pfn, flags, level, aux, cgroup
	  pid == 1001 && pdi == 3
	                 ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err &&
	test_must_fail --code=2 pgtrace filter "type == lokup || comm = \"x\"" mix.pgt 2>err &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: unknown event type '"'"'lokup'"'"': expected one of lookup, fault, map, add, delete, lru-add, lru-activate, access-sample, user-fault, snapshot-page, reference
	  type == lokup || comm = "x"
	          ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err &&
	test_must_fail --code=2 pgtrace filter "(pid == 1 || tid == 2" mix.pgt 2>err &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: unclosed '"'"'('"'"': a '"'"')'"'"' is missing
	  (pid == 1 || tid == 2
	  ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err &&
	test_must_fail --code=2 pgtrace filter "comm == gen-1" mix.pgt 2>err &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: expected a string in double quotes for '"'"'comm'"'"', found '"'"'gen-1'"'"'
	  comm == gen-1
	          ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err &&
	test_must_fail --code=2 pgtrace filter "pid ==" mix.pgt 2>err &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: expected a number for '"'"'pid'"'"' at the end
	  pid ==
	        ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err &&
	test_must_fail --code=2 pgtrace filter "" mix.pgt 2>err &&
	cat >expect <<-\EOF &&
	pgtrace filter: invalid expression: empty expression
	  
	  ^
	Try '"'"'pgtrace filter --help'"'"'.
	EOF
	test_cmp expect err
'
test_expect_success 'the caret counts characters, not bytes; a tab takes one column' '
	test_must_fail --code=2 pgtrace filter "$(printf "comm == \"\303\251t\303\251\"\t&& x")" mix.pgt 2>err &&
	printf "  comm == \"\303\251t\303\251\" && x\n                   ^\n" >expect &&
	sed -n 2,3p err >got && test_cmp expect got &&
	test_must_fail --code=2 pgtrace filter "$(printf "pid == 1 && \377")" mix.pgt 2>err &&
	sed -n 2,3p err >got && printf "  pid == 1 && ?\n              ^\n" >expect && test_cmp expect got
'
test_expect_success 'more bad expressions name their token' '
	for e in "pid = 1" "pid == 1 )" "file =~ /[a/" "ts >= 1.5" "pid in 9..2" \
		 "flags has wirte" "path =~ /a++/" "pid == 1 pid == 2" "write"; do
		test_must_fail --code=2 pgtrace filter "$e" mix.pgt 2>err &&
		test "$(wc -l <err)" = 4 && grep -q "^pgtrace filter: invalid expression: " err &&
		test "$(sed -n 2p err)" = "  $e" && sed -n 3p err | grep -q "^ *\\^$" ||
		{ echo "for: $e"; cat err; return 1; }
	done
'
test_expect_success 'bad options: one line, exit 2' '
	test_must_fail --code=2 pgtrace filter --pid x mix.pgt 2>err && test_one_line_error err &&
	grep -q "invalid --pid '"'"'x'"'"'" err &&
	test_must_fail --code=2 pgtrace filter --pid "1} || {2" mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace filter --type lokup mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace filter --count -o x.pgt true mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace filter true mix.pgt extra 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace filter </dev/null 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace filter --bogus true mix.pgt 2>err &&
	! test -e x.pgt
'
test_expect_success 'runtime failures: exit 1, one line' '
	test_must_fail --code=1 pgtrace filter true nope.pgt >out 2>err &&
	test_one_line_error err && grep -q nope.pgt err && ! test -s out &&
	pgtrace filter true mix.pgt -o exists.pgt &&
	test_must_fail --code=1 pgtrace filter true mix.pgt -o exists.pgt 2>err &&
	test_one_line_error err && grep -q -- "--force" err &&
	pgtrace filter --force "pid == 1000" mix.pgt -o exists.pgt &&
	cp exists.pgt same.pgt &&
	test_must_fail --code=2 pgtrace filter --force true same.pgt -o same.pgt 2>err &&
	test_one_line_error err && cmp exists.pgt same.pgt &&
	test_must_fail --code=2 pgtrace filter --force true - -o - <same.pgt 1<>same.pgt 2>err &&
	cmp exists.pgt same.pgt &&
	test "$(pgtrace filter --count true exists.pgt)" = "$(count_awk "\$4 == 1000")"
'
test_expect_success 'truncated input: the events before the damage are kept, exit 1' '
	size=$(stat -c %s mix.pgt) && head -c $((size / 2)) mix.pgt >cut.pgt &&
	test_must_fail --code=1 pgtrace filter "pid == 1002" cut.pgt -o part.pgt 2>err &&
	test_one_line_error err &&
	n=$(pgtrace filter --count true part.pgt) && test "$n" -gt 0 &&
	test "$n" = "$(pgtrace dump --format csv cut.pgt 2>/dev/null | awk -F, "NR > 1 && \$4 == 1002" | wc -l)"
'
test_expect_success 'closing the pipe early is quiet' '
	pgtrace filter true mix.pgt 2>err | head -c 10 >/dev/null && ! test -s err
'
test_expect_success '--help shows the language and examples' '
	pgtrace filter --help >out && grep -q "^Usage: pgtrace filter" out &&
	grep -q "^Examples:" out && grep -q "flags has" out &&
	pgtrace help filter | cmp - out
'
test_done
