#!/bin/bash
# The recorder as a library source (pgt_record__source): a program that
# pulls a live recording of `cat FILE` through a filter into a counter,
# a tally and a trace writer (t/unit/test-record-source.c, built by
# make test-bins) finds what `pgtrace record -- cat FILE` then pgtrace
# filter and stats find: exactly the file's pages looked up; its trace
# is whole; a source freed mid-stream leaves no tracefs instance.
. "$(dirname "$0")/lib-test.sh"

test_require ROOT,TRACEFS 'the record source'

UNIT=${PGT_BUILD_DIR:-$TOP/${PGT_BUILD:-.build}}/t/test-record-source
ps=$(getconf PAGESIZE)
instances() { ls -d /sys/kernel/tracing/instances/pgtrace-* /sys/kernel/debug/tracing/instances/pgtrace-* 2>/dev/null | wc -l; }

test_expect_success 'the unit test is built' '
	test -x "$UNIT"
'

test_expect_success 'a source drained into a writer sink writes a whole trace of cat FILE' '
	head -c $((40 * ps + 100)) /dev/urandom >data &&
	before=$(instances) &&
	PGT_RECSRC_FILE=data PGT_RECSRC_OUT=src.pgt "$UNIT" >unit.out 2>&1 ||
		{ cat unit.out; false; } &&
	test "$(instances)" = "$before" &&
	pgtrace info src.pgt >info &&
	grep -q "^format: *1\.3$" info &&
	grep -q "record.command: sh -c" info &&
	grep -q "recorder.lost:" info
'

test_expect_success 'its lookups are the file pages, as pgtrace record -- cat FILE finds' '
	expr="type == lookup && path == \"$(pwd)/data\"" &&
	test "$(pages_of lookup data src.pgt)" = 41 &&
	drop_cache data &&
	pgtrace record -q -o ref.pgt -- cat data >/dev/null &&
	test "$(pages_of lookup data ref.pgt)" = 41 &&
	pgtrace filter "$expr" ref.pgt -o ref-f.pgt &&
	pgtrace stats --json src.pgt >a.json &&
	pgtrace stats --json ref-f.pgt >b.json &&
	test_json a.json "d[\"summary\"][\"pages\"]" >a &&
	test_json b.json "d[\"summary\"][\"pages\"]" >b &&
	test_cmp b a && test "$(cat a)" = 41
'

test_done
