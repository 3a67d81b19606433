#!/bin/bash
# pgtrace snap who: frames back to their owners - a cached file page, an
# anonymous page of a process, a file page mapped by a process.
. "$(dirname "$0")/lib-test.sh"
. "$TEST_DIR/lib-snap.sh"

test_require ROOT,KPAGEFLAGS 'snap who'

# frame of page $2 from the pfns of 'snap file --pfns --json' in $1
file_pfn() {
	test_json "$1" "[r[1] + $2 - r[0] for r in d[\"files\"][0][\"pfns\"] if r[0] <= $2 < r[0] + r[2]][0]"
}

test_expect_success 'setup: a cached file, a process with anonymous and file pages' '
	dd if=/dev/urandom of=w bs=4096 count=16 status=none &&
	dd if=/dev/urandom of=m bs=4096 count=8 status=none &&
	helper drop w m && cat w >/dev/null &&
	start_task anon:10:1 file:m:0..8
'

pid=$(cat task.pid 2>/dev/null)
a1=$(task_field anon 1 2) f1=$(task_field file 1 2)

test_expect_success 'a cached page of a scanned file: its file and page' '
	pgtrace snap file --pfns --json w >pf &&
	test_json_assert pf "sum(r[2] for r in d[\"files\"][0][\"pfns\"]) == 16" &&
	p5=$(file_pfn pf 5) && p0=$(file_pfn pf 0) && p15=$(file_pfn pf 15) &&
	pgtrace snap who --no-tasks --scan . --json $p5 $p0 $p15 >out &&
	test_json_assert out "d[\"tasks\"] == 0 and d[\"files\"] >= 1" &&
	test_json_assert out "[f[\"pfn\"] for f in d[\"frames\"]] == [$p5, $p0, $p15]" &&
	test_json_assert out "[[(o[\"kind\"], o[\"path\"], o[\"index\"], o[\"pid\"]) for o in f[\"owners\"]] for f in d[\"frames\"]] == [[(\"file\", \"./w\", 5, 0)], [(\"file\", \"./w\", 0, 0)], [(\"file\", \"./w\", 15, 0)]]" &&
	test_json_assert out "all(\"lru\" in f[\"flags\"].split(\",\") for f in d[\"frames\"])" &&
	pgtrace snap who --no-tasks --scan . $p5 >text &&
	printf "0x%010x " $p5 >want && grep -q "^$(cat want)" text &&
	grep -q "^    file ./w page 5$" text &&
	grep -q "^(joined 0 processes and [0-9]* cached files: [0-9]* frame runs)$" text
'

test_expect_success 'an anonymous page of a process: its pid and address (task walk)' '
	end=$(printf "0x%x" $((a1 + 10 * 4096))) &&
	pgtrace snap task --json --list --range $a1..$end $pid >runs &&
	test_json_assert runs "sum(r[\"pages\"] for r in d[\"runs\"]) == 10" &&
	pa=$(test_json runs "[int(r[\"pfn\"]) + 3 - (int(r[\"vaddr\"], 16) - $a1) // 4096 for r in d[\"runs\"] if int(r[\"vaddr\"], 16) <= $a1 + 3 * 4096 < int(r[\"vaddr\"], 16) + 4096 * r[\"pages\"]][0]") &&
	pgtrace snap who --json $pa >out &&
	test_json_assert out "d[\"tasks\"] >= 1" &&
	test_json_assert out "[(o[\"kind\"], o[\"pid\"], int(o[\"vaddr\"], 16)) for o in d[\"frames\"][0][\"owners\"]] == [(\"anon\", $pid, $a1 + 3 * 4096)]" &&
	pgtrace snap who $pa >text &&
	grep -q "^    anon, mapped by pid $pid at $(printf "0x%x" $((a1 + 3 * 4096)))$" text
'

test_expect_success 'a file page mapped by a process: file, page and pid' '
	pgtrace snap file --pfns --json m >pf &&
	p2=$(file_pfn pf 2) &&
	pgtrace snap who --json $p2 >out &&
	test_json_assert out "any(o[\"kind\"] == \"file\" and o[\"path\"].endswith(\"/m\") and o[\"index\"] == 2 and o[\"pid\"] == $pid and int(o[\"vaddr\"], 16) == $f1 + 2 * 4096 for o in d[\"frames\"][0][\"owners\"])"
'

test_expect_success 'snap pfn --list --resolve names the owner of a run' '
	pa=$(test_json runs "[int(r[\"pfn\"]) for r in d[\"runs\"] if int(r[\"vaddr\"], 16) == $a1][0]") &&
	pgtrace snap pfn --list --resolve $pa..$((pa + 1)) >text &&
	grep -q "anon pid $pid at $(printf "0x%x" $a1)" text
'

test_expect_success 'a reserved frame nobody maps: no owner' '
	pgtrace snap pfn --json --list --flags reserved,~mmap 0..0x10000 >res &&
	r=$(test_json res "d[\"runs\"][0][\"pfn\"]") &&
	pgtrace snap who --no-tasks $r >text &&
	grep -q "^    owner not found" text &&
	pgtrace snap who --no-tasks --json $r >out &&
	test_json_assert out "d[\"frames\"][0][\"owners\"] == [] and \"reserved\" in d[\"frames\"][0][\"flags\"]"
'

test_expect_success 'unprivileged: exit 1, needs root' '
	test_must_fail --code=1 as_nobody "$PGTRACE" snap who 4096 >out 2>err &&
	test_one_line_error err && grep -q "root" err && ! test -s out
'

test_expect_success 'usage errors: exit 2' '
	for args in "" "xyz" "--bogus 1" "--scan"; do
		test_must_fail --code=2 pgtrace snap who $args >out 2>err &&
		test_one_line_error err || { echo "args: $args"; cat err; return 1; }
	done
'

test_expect_success 'cleanup' 'kill $(cat task.pid) && rm task.pid'

test_done
