#!/bin/bash
# pgtrace dump: formats, fields, ranges, damaged input.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup' '
	pgtrace gen -p mix -n 100000 --seed 5 -o mix.pgt &&
	pgtrace gen -p sequential -n 100000 --pages 1000 -o seq.pgt
'
test_expect_success 'text: one line per event, names resolved' '
	pgtrace dump mix.pgt >out && test "$(wc -l <out)" = 100000 &&
	head -1 out | grep -q "^0 0\.0000.* gen-0 lookup /gen/file-0.dat 0 1$"
'
test_expect_success 'csv: header and parseable rows' '
	pgtrace dump --format csv mix.pgt >c.csv &&
	head -1 c.csv | grep -q "^seq,ts,cpu,pid,tid,comm,type,obj,path,dev,ino,index,npages,pfn,flags,aux$" &&
	python3 -c "import csv; r=list(csv.DictReader(open(\"c.csv\"))); assert len(r)==100000; assert r[5][\"seq\"]==\"5\"; assert all(x[\"path\"].startswith(\"/gen/\") for x in r)"
'
test_expect_success 'jsonl: every line parses' '
	pgtrace dump --format jsonl --events 0..1000 mix.pgt >j &&
	test_json_assert --lines j "assert len(d)==1000; assert d[999][\"seq\"]==999; assert d[0][\"pfn\"] is None"
'
test_expect_success 'fields choose and order the columns' '
	pgtrace dump --format csv --fields index,seq --events 10..13 seq.pgt >f &&
	printf "index,seq\n10,10\n11,11\n12,12\n" >expect && test_cmp expect f
'
test_expect_success 'event ranges: from the start, open, from the end' '
	test "$(pgtrace dump --fields seq --events 40000..40003 mix.pgt | tr "\n" " ")" = "40000 40001 40002 " &&
	test "$(pgtrace dump --fields seq --events 99998.. mix.pgt | tr "\n" " ")" = "99998 99999 " &&
	test "$(pgtrace dump --fields seq --events -3.. mix.pgt | tr "\n" " ")" = "99997 99998 99999 " &&
	test "$(pgtrace dump --fields seq --events ..2 mix.pgt | tr "\n" " ")" = "0 1 "
'
test_expect_success 'event range through a pipe (no index) gives the same' '
	pgtrace dump --fields seq,index --events 65530..65540 mix.pgt >a &&
	cat mix.pgt | pgtrace dump --fields seq,index --events 65530..65540 - >b &&
	test_cmp a b && test "$(wc -l <a)" = 10
'
test_expect_success 'time ranges select by timestamp' '
	pgtrace dump --format csv --fields ts --time 10ms..20ms seq.pgt | tail -n +2 >t &&
	first=$(pgtrace dump --format csv --fields ts --events 0..1 seq.pgt | tail -1) &&
	lo=$((first + 10000000)) && hi=$((first + 20000000)) &&
	test "$(wc -l <t)" -gt 9000 &&
	awk -v lo=$lo -v hi=$hi "\$1 < lo || \$1 >= hi {exit 1}" t &&
	cat seq.pgt | pgtrace dump --format csv --fields ts --time 10ms..20ms - | tail -n +2 >t2 &&
	test_cmp t t2
'
test_expect_success 'a range past the end prints nothing, exit 0' '
	pgtrace dump --events 200000..300000 mix.pgt >out && ! test -s out
'
test_expect_success 'bad ranges and formats are usage errors' '
	test_must_fail --code=2 pgtrace dump --events 5..2 mix.pgt >out 2>err &&
	grep -q "end before start" err && ! test -s out &&
	test_must_fail --code=2 pgtrace dump --time 5x..6 mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace dump --events abc mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace dump --format xml mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace dump --fields seq,bogus mix.pgt 2>err && grep -q bogus err
'
test_expect_success 'counting from the end of a pipe needs an index: exit 1' '
	cat mix.pgt | test_must_fail --code=1 pgtrace dump --events -5.. - 2>err && test_one_line_error err
'
test_expect_success 'truncated: every whole line of the good part, then exit 1' '
	size=$(stat -c %s mix.pgt) && head -c $((size * 3 / 4)) mix.pgt >cut.pgt &&
	test_must_fail --code=1 pgtrace dump --fields seq cut.pgt >out 2>err &&
	test_one_line_error err &&
	n=$(wc -l <out) && test $((n % 32768)) = 0 && test $n -gt 0 &&
	test "$(tail -1 out)" = $((n - 1))
'
test_expect_success 'corrupt packet: events before it, exit 1' '
	cp mix.pgt bad.pgt && off=$(( $(stat -c %s mix.pgt) / 2 )) &&
	printf "\\377\\377\\377\\377" | dd of=bad.pgt bs=1 seek=$off conv=notrunc 2>/dev/null &&
	test_must_fail --code=1 pgtrace dump --fields seq bad.pgt >out 2>err &&
	grep -q "checksum\|malformed" err && test "$(($(wc -l <out) % 32768))" = 0
'
test_expect_success 'closing the pipe early is quiet' '
	pgtrace dump mix.pgt 2>err | head -1 >/dev/null && ! test -s err
'
test_done
