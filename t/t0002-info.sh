#!/bin/bash
# pgtrace info: summaries, JSON, damaged input.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup' '
	pgtrace gen -p mix -n 100000 --seed 3 -o mix.pgt
'
test_expect_success 'text summary names version, clock, events per type' '
	pgtrace info mix.pgt >out &&
	grep -q "^format: *1\.3$" out && grep -q "^clock: *synthetic" out &&
	grep -q "^events: *100000$" out && grep -q "^  lookup .*100000" out &&
	grep -q "^index: *yes" out && grep -q "^bytes/event:" out &&
	grep -q "^processes: *3$" out && grep -q "^lost events: *0" out
'
test_expect_success 'JSON is one valid object with the same numbers' '
	pgtrace info --json mix.pgt >j &&
	test "$(wc -l <j)" = 1 &&
	test_json_assert j "assert d[\"events\"]==100000; assert d[\"types\"][\"lookup\"]==100000; assert d[\"objects\"][\"files\"]==4; assert d[\"processes\"]==3; assert d[\"complete\"]"
'
test_expect_success 'reads from standard input' '
	pgtrace info --json - <mix.pgt | grep -q "\"events\":100000,"
'
test_expect_success 'missing file: one line, exit 1, nothing on stdout' '
	test_must_fail --code=1 pgtrace info nope.pgt >out 2>err &&
	test_one_line_error err && grep -q "nope.pgt" err && ! test -s out
'
test_expect_success 'not a trace: one line, exit 1' '
	echo "hello world, not a trace at all, nope, really not" >text &&
	test_must_fail --code=1 pgtrace info text >out 2>err &&
	test_one_line_error err && grep -q "not a pgtrace trace" err && ! test -s out
'
test_expect_success 'empty input: one line, exit 1' '
	: >empty && test_must_fail --code=1 pgtrace info empty 2>err && test_one_line_error err
'
test_expect_success 'truncated: summary of the good part, message, exit 1' '
	size=$(stat -c %s mix.pgt) && head -c $((size / 2)) mix.pgt >half.pgt &&
	test_must_fail --code=1 pgtrace info --json half.pgt >out 2>err &&
	test_one_line_error err && grep -q "truncat\|ends inside" err &&
	test_json_assert out "assert 0 < d[\"events\"] < 100000, d[\"events\"]; assert d[\"events\"] % 32768 == 0"
'
test_expect_success 'corrupt byte: CRC names the packet, exit 1' '
	cp mix.pgt bad.pgt &&
	printf "\\377" | dd of=bad.pgt bs=1 seek=3000 conv=notrunc 2>/dev/null &&
	test_must_fail --code=1 pgtrace info bad.pgt >out 2>err &&
	test_one_line_error err && grep -q "packet 1 .*checksum" err
'
test_expect_success 'directory: one line, exit 1' '
	test_must_fail --code=1 pgtrace info . 2>err && test_one_line_error err
'
test_expect_success 'two traces at once is a usage error' '
	test_must_fail --code=2 pgtrace info mix.pgt mix.pgt 2>err
'
test_done
