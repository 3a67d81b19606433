#!/bin/bash
# pgtrace cut: ranges by event number and time, through the index or a pipe.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup' '
	pgtrace gen -p mix -n 300000 --seed 9 -o mix.pgt &&
	pgtrace dump --format csv mix.pgt >all.csv
'
test_expect_success 'event range: the same events as dump, paths kept' '
	pgtrace cut --events 50000..250000 -o c1.pgt mix.pgt &&
	pgtrace dump --format csv --fields ts,cpu,pid,comm,type,path,index,npages c1.pgt >a &&
	pgtrace dump --format csv --fields ts,cpu,pid,comm,type,path,index,npages --events 50000..250000 mix.pgt >b &&
	test_cmp a b && test "$(wc -l <a)" = 200001
'
test_expect_success 'the output is renumbered from 0 and complete, with an index' '
	pgtrace info --json c1.pgt | test_json_assert - "
assert d[\"events\"] == 200000 and d[\"complete\"] and d[\"indexed\"], d" &&
	test "$(pgtrace dump --fields seq --events 0..1 c1.pgt)" = 0
'
test_expect_success 'whole packets are copied, only the edges re-encoded' '
	pgtrace cut -v --events 50000..250000 -o c2.pgt mix.pgt 2>err &&
	grep -q "200000 events; [4-9] packets copied whole, 2 re-encoded" err
'
test_expect_success 'time range: the same events as dump --time' '
	pgtrace cut --time 50ms..120ms -o t1.pgt mix.pgt &&
	pgtrace dump --format csv --fields ts,index t1.pgt >a &&
	pgtrace dump --format csv --fields ts,index --time 50ms..120ms mix.pgt >b &&
	test_cmp a b && test "$(wc -l <a)" -gt 60000
'
test_expect_success 'ranges from the end and open ends' '
	pgtrace cut --events -1000.. -o e1.pgt mix.pgt &&
	test "$(pgtrace info --json e1.pgt | test_json - "d[\"events\"]")" = 1000 &&
	pgtrace dump --format csv --fields ts,index e1.pgt >a &&
	pgtrace dump --format csv --fields ts,index --events 299000.. mix.pgt >b && test_cmp a b &&
	pgtrace cut --time -10ms.. -o e2.pgt mix.pgt && pgtrace info e2.pgt >/dev/null
'
test_expect_success 'a pipe (no index) gives the same cut' '
	cat mix.pgt | pgtrace cut --events 12345..98765 >p.pgt &&
	pgtrace cut --events 12345..98765 -o f.pgt mix.pgt &&
	pgtrace dump --format csv p.pgt >a && pgtrace dump --format csv f.pgt >b && test_cmp a b &&
	cat mix.pgt | pgtrace cut --time 10ms..20ms | pgtrace dump --format csv --fields ts - >a &&
	pgtrace dump --format csv --fields ts --time 10ms..20ms mix.pgt >b && test_cmp a b
'
test_expect_success 'counting from the end of a pipe needs an index' '
	cat mix.pgt | test_must_fail --code=1 pgtrace cut --events -10.. >out 2>err &&
	test_one_line_error err
'
test_expect_success 'a range past the end gives an empty trace' '
	pgtrace cut --events 400000..500000 -o empty.pgt mix.pgt &&
	pgtrace info --json empty.pgt | grep -q "\"events\":0,"
'
test_expect_success 'an event at the top of the clock: a time range still finds its packet' '
	printf "ts,type,index,npages\n1000,lookup,1,1\n2000,lookup,2,1\n18446744073709551615,lookup,3,1\n" >top.csv &&
	pgtrace import --format csv -o top.pgt top.csv &&
	pgtrace cut --time @0..@3us top.pgt | pgtrace dump --format csv --fields ts,index - >a &&
	printf "ts,index\n1000,1\n2000,2\n" >b && test_cmp a b
'
test_expect_success 'an index ending one short of the top of the clock: ranges count from the end' '
	printf "ts,type,index,npages\n1000,lookup,1,1\n18446744073709551614,lookup,3,1\n" >top2.csv &&
	pgtrace import --format csv -o top2.pgt top2.csv &&
	pgtrace cut --time -1us.. top2.pgt | pgtrace dump --format csv --fields ts,index - >a &&
	printf "ts,index\n18446744073709551614,3\n" >b && test_cmp a b
'
test_expect_success 'bad ranges and options are usage errors' '
	test_must_fail --code=2 pgtrace cut --events 5..2 mix.pgt 2>err && grep -q "end before start" err &&
	test_must_fail --code=2 pgtrace cut mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace cut --events 1..2 --time 1s..2s mix.pgt 2>err &&
	test_must_fail --code=1 pgtrace cut --events 1..2 -o x.pgt nope.pgt 2>err && test_one_line_error err &&
	! test -e x.pgt
'
test_expect_success 'a truncated input: the part before the damage, exit 1' '
	head -c $(( $(stat -c %s mix.pgt) * 2 / 3 )) mix.pgt >cut.pgt &&
	test_must_fail --code=1 pgtrace cut --events 0.. -o part.pgt cut.pgt 2>err &&
	pgtrace info --json part.pgt | test_json_assert - "assert d[\"complete\"] and 0 < d[\"events\"] < 300000, d"
'
test_done
