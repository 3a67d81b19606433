#!/bin/bash
# pgtrace snap fs: the page cache of the filesystem holding the scratch
# directory, with a file cached by name and a deleted one held open.
. "$(dirname "$0")/lib-test.sh"
. "$TEST_DIR/lib-snap.sh"

test_expect_success 'setup: a cached file, one held open, one deleted but open' '
	dd if=/dev/urandom of=fsfile bs=4096 count=32 status=none &&
	dd if=/dev/urandom of=fsopen bs=4096 count=8 status=none &&
	dd if=/dev/urandom of=fsdel bs=4096 count=24 status=none &&
	helper drop fsfile fsopen fsdel && cat fsfile fsopen fsdel >/dev/null &&
	hold fsopen open && hold fsdel del && rm fsdel
'

test_expect_success 'JSON: the files found, by name and open only, each once' '
	pgtrace snap fs --top 0 --json . >out &&
	"$PY" - "$TRASH" <<-\EOF
	import json, sys
	t = sys.argv[1]
	d = json.load(open("out"))
	top = {}
	for x in d["top"]:
	    top.setdefault(x["path"], []).append(x)
	# each test file once, whether reached by name, held open, or both
	for n in ("/fsfile", "/fsopen", "/fsdel (deleted)"):
	    assert len(top[t + n]) == 1, top[t + n]
	    top[t + n] = top[t + n][0]
	assert d["mount"] == "/" or t.startswith(d["mount"] + "/"), d["mount"]
	# exact unless reclaim took a page meanwhile (seen after a 20 GB write)
	f = top[t + "/fsfile"]
	assert 30 <= f["cached"] <= 32 and f["pages"] == 32 and f["kind"] == "file", f
	o = top[t + "/fsopen"]
	assert 6 <= o["cached"] <= 8 and o["kind"] == "file", o
	x = top[t + "/fsdel (deleted)"]
	assert 22 <= x["cached"] <= 24 and x["kind"] == "open", x
	assert d["cached_files"] == len(d["top"])
	assert d["cached"] == sum(x["cached"] for x in d["top"])
	assert d["cached"] == d["by_name"] + d["open_only"] + d["block_device"]
	assert d["open_only"] >= 22 and d["files_examined"] >= 3
	assert d["meminfo_cached_kb"] > 0
	# a filesystem holds at most the page cache (plus churn meanwhile)
	mem = d["meminfo_cached_kb"] + d["meminfo_buffers_kb"]
	assert d["cached"] * 4 <= mem + max(mem // 10, 64 * 1024), (d["cached"] * 4, mem)
	EOF
'

test_expect_success 'text: the table, the deleted file, the meminfo line' '
	pgtrace snap fs --top 100000 . >out &&
	head -1 out | grep -q "^ *cached  *dirty  *%file  *file$" &&
	grep -q "  $TRASH/fsdel (deleted)$" out &&
	grep -q "  $TRASH/fsfile$" out &&
	grep -q "^filesystem .* ([0-9]*:[0-9]*): [0-9]* files examined, [0-9]* with cached pages" out &&
	grep -q "^  cached: .* (by name .*, open only .*, block device .*)$" out &&
	grep -q "^  /proc/meminfo Cached + Buffers: .*; unexplained by this filesystem: " out &&
	pgtrace snap fs -n 2 . >out &&
	test "$(sed -n "2,/^$/p" out | grep -c .)" = 2 &&
	kill $(cat del.pid) $(cat open.pid) && rm del.pid open.pid
'

test_expect_success 'errors: a missing path exits 1, usage errors 2' '
	test_must_fail --code=1 pgtrace snap fs missing >out 2>err &&
	test_one_line_error err && grep -q "missing" err &&
	for args in "" ". .." "--bogus ." "--top x ."; do
		test_must_fail --code=2 pgtrace snap fs $args >out 2>err &&
		test_one_line_error err || { echo "args: $args"; cat err; return 1; }
	done
'

test_done
