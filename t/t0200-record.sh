#!/bin/bash
# pgtrace record on the real kernel (root, tracefs).
. "$(dirname "$0")/lib-test.sh"

test_require ROOT,TRACEFS 'record'

test_expect_success 'setup: a 4 MiB file' '
	dd if=/dev/urandom of=data bs=1M count=4 2>/dev/null && sync
'
test_expect_success 'reading in 4 KiB blocks gives one lookup per page, with the path' '
	pgtrace record -q -o r1.pgt -- dd if=data of=/dev/null bs=4k 2>/dev/null &&
	test "$(pages_of lookup data r1.pgt)" = 1024 &&
	pgtrace dump --format csv --fields type,ino,path r1.pgt |
		grep "^lookup,$(stat -c %i data)," | head -1 | grep -q "$(pwd)/data$"
'
test_expect_success 'reading in 64 KiB blocks gives lookups of 16 pages' '
	pgtrace record -q -o r2.pgt -- dd if=data of=/dev/null bs=64k 2>/dev/null &&
	test "$(pages_of lookup data r2.pgt)" = 1024 &&
	pgtrace dump --format csv --fields type,ino,npages r2.pgt |
		awk -F, -v i=$(stat -c %i data) "\$1 == \"lookup\" && \$2 == i && \$3 != 16 { bad++ } END { exit bad > 0 }"
'
test_expect_success 'after dropping the cache, insertions cover every page' '
	drop_cache data &&
	pgtrace record -q -l 0 -o r3.pgt -- cat data >/dev/null &&
	test "$(pages_of add data r3.pgt)" = 1024 &&
	pgtrace dump --format csv --fields type,pfn r3.pgt | grep "^add," | grep -vq ",$"
'
test_expect_success 'every event has a CPU, processes have names' '
	pgtrace dump --format jsonl r1.pgt | test_json_assert --lines - "
L = d
assert L and all(\"cpu\" in e for e in L)
assert any(e[\"comm\"] == \"dd\" for e in L), set(e[\"comm\"] for e in L)
"
'
test_expect_success 'the trace carries host, kernel formats and level' '
	pgtrace info --json r1.pgt >i.json &&
	test_json_assert i.json "
assert d[\"clock\"] == \"monotonic\" and d[\"level_changes\"] >= 1
assert d[\"info\"][\"record.level\"] == \"1\"
assert \"recorder.rusage\" in d[\"info\"]
"
'
test_expect_success 'a file deleted during the trace keeps its name' '
	dd if=/dev/urandom of=doomed bs=64k count=4 2>/dev/null &&
	ino=$(stat -c %i doomed) &&
	pgtrace record -q -o r4.pgt -- sh -c "cat doomed >/dev/null; rm doomed" &&
	pgtrace dump --format csv --fields ino,path r4.pgt | grep "^$ino," | head -1 | grep -q "/doomed$"
'
test_expect_success 'children are followed' '
	pgtrace record -q -o r5.pgt -- sh -c "sh -c \"dd if=data of=/dev/null bs=4k 2>/dev/null\"" &&
	test "$(pages_of lookup data r5.pgt)" = 1024
'
test_expect_success '-p follows a process and leaves others out' '
	dd if=/dev/urandom of=other bs=64k count=4 2>/dev/null || exit 1
	# the target waits, stopped, until tracing is on (its own line: a
	# "&" after "&&" would put the list in the background)
	sh -c "kill -STOP \$\$; exec dd if=data of=/dev/null bs=4k 2>/dev/null" &
	target=$!
	(for i in 1 2 3 4 5 6 7 8 9 10; do cat other >/dev/null; sleep 0.1; done) &
	busy=$!
	{ "$PGTRACE" record -q -p $target -o r6.pgt -d 30s & } &&
	rec=$! && wait_recording $rec && kill -CONT $target &&
	wait $rec && wait $busy &&
	test "$(pages_of lookup data r6.pgt)" = 1024 &&
	test "$(pages_of lookup other r6.pgt)" = 0
'
test_expect_success 'pipe mode: record into info' '
	pgtrace record -q -o - -- dd if=data of=/dev/null bs=4k 2>/dev/null | pgtrace info --json - >p.json &&
	test_json_assert p.json "assert d[\"types\"][\"lookup\"] >= 1024"
'
test_expect_success 'tiny buffers lose events, and the loss is counted' '
	"$PGTRACE" record -q -a -b 4K -o r7.pgt -d 1.2s &
	rec=$! && sleep 0.3 &&
	for i in 1 2 3 4; do dd if=data of=/dev/null bs=512 2>/dev/null; done &&
	wait $rec &&
	pgtrace info --json r7.pgt >l.json &&
	test_json_assert l.json "
assert d[\"lost\"] > 0, d[\"lost\"]
assert d[\"lost\"] == int(d[\"info\"][\"recorder.lost\"])
" &&
	got=$(pgtrace dump --format csv --fields type,ino r7.pgt | grep -c "^lookup,$(stat -c %i data)$") && lost=$(pgtrace info --json r7.pgt | test_json - "d[\"lost\"]") &&
	test $got -lt 32768 && test $((got + lost)) -ge 32768
'
test_expect_success 'the flight recorder keeps only the tail' '
	drop_cache data other &&
	{ "$PGTRACE" record -q -a -k 2s -o ring.pgt -d 5s & } &&
	rec=$! &&
	sleep 0.3 && cat data >/dev/null && sleep 4 &&
	cat other >/dev/null &&
	wait $rec &&
	echo "data $(pages_of add data ring.pgt) other $(pages_of add other ring.pgt)" &&
	pgtrace info ring.pgt | grep span &&
	test "$(pages_of add data ring.pgt)" = 0 &&
	test "$(pages_of add other ring.pgt)" -gt 0 &&
	! test -e ring.pgt.chunks
'
test_expect_success 'SIGUSR1 writes the kept part while recording goes on' '
	"$PGTRACE" record -q -a -k 64M -o ring2.pgt -d 3s &
	rec=$! && sleep 1 && cat data >/dev/null && sleep 0.3 &&
	kill -USR1 $rec && sleep 0.5 &&
	pgtrace info ring2.pgt >/dev/null &&
	wait $rec && pgtrace info ring2.pgt >/dev/null
'
test_expect_success 'a recorder killed with SIGKILL leaves a readable trace' '
	"$PGTRACE" record -q -a -o killed.pgt &
	rec=$! && sleep 1 && cat data >/dev/null && sleep 1.5 &&
	kill -KILL $rec && wait $rec 2>/dev/null; 
	pgtrace info --json killed.pgt >k.json &&
	test_json_assert k.json "assert d[\"events\"] > 0" &&
	pgtrace record -q -o after.pgt -- true &&
	! ls /sys/kernel/tracing/instances | grep -q "^pgtrace-$rec-" &&
	! ls /run/pgtrace | grep -q "^pgtrace-$rec-"
'
test_expect_success 'levels: 0 has no lookups, 2 has LRU or user faults' '
	pgtrace record -q -l 0 -o l0.pgt -- dd if=data of=/dev/null bs=4k 2>/dev/null &&
	test "$(pages_of lookup data l0.pgt)" = 0 &&
	pgtrace record -q -l 2 -o l2.pgt -- sh -c "dd if=data of=/dev/null bs=4k 2>/dev/null; python3 -c \"b = bytearray(1 << 22)\"" &&
	pgtrace info --json l2.pgt | test_json_assert - "t = d[\"types\"]; assert \"user-fault\" in t or \"lru-add\" in t, t"
'
test_expect_success 'a level switch while recording is a record in the trace' '
	"$PGTRACE" record -q -a -l 0 -o sw.pgt -d 2s &
	rec=$! && sleep 0.5 && kill -s RTMIN+1 $rec && sleep 0.4 &&
	dd if=data of=/dev/null bs=4k 2>/dev/null && wait $rec &&
	pgtrace info --json sw.pgt | test_json_assert - "assert d[\"level_changes\"] >= 2, d" &&
	test "$(pages_of lookup data sw.pgt)" = 1024
'
test_expect_success '-u records one user only' '
	chmod 644 data && chmod 755 . &&
	"$PGTRACE" record -q -a -u nobody -o u.pgt -d 1.5s &
	rec=$! && sleep 0.4 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "sleep 0.2; dd if=data of=/dev/null bs=4k 2>/dev/null" &&
	dd if=other of=/dev/null bs=4k 2>/dev/null &&
	wait $rec &&
	test "$(pages_of lookup data u.pgt)" = 1024 &&
	test "$(pages_of lookup other u.pgt)" = 0
'
test_expect_success '--max-size stops the recording' '
	# events are made until the recorder stops (however long its start
	# takes on a loaded machine), for at most 15 s of its 30
	"$PGTRACE" record -q -a --max-size 64K -o ms.pgt -d 30s &
	rec=$! && start=$(date +%s) &&
	while kill -0 $rec 2>/dev/null && [ $(( $(date +%s) - start )) -lt 15 ]; do
		dd if=data of=/dev/null bs=512 2>/dev/null
	done &&
	wait $rec && test $(( $(date +%s) - start )) -lt 15 &&
	pgtrace info ms.pgt >/dev/null
'
test_expect_success '--max-loss turns loss into an error' '
	"$PGTRACE" record -q -a -b 4K --max-loss 0 -o ml.pgt -d 1.2s 2>err &
	rec=$! && sleep 0.3 &&
	for i in 1 2 3 4; do dd if=data of=/dev/null bs=512 2>/dev/null; done &&
	! wait $rec && grep -q "lost" err && pgtrace info ml.pgt >/dev/null
'
test_expect_success 'DAMON access samples' '
	if ! test -d /sys/kernel/mm/damon/admin/kdamonds; then exit 0; fi
	# a monitor already running (its aggregation may be 5 s) is listened to
	pgtrace record -q -a --damon -d 6s -o dm.pgt 2>err || { grep -q "in use" err; exit; }
	pgtrace info --json dm.pgt | test_json_assert - "t = d[\"types\"]; assert t.get(\"access-sample\", 0) > 0, t"
'
test_expect_success '--measure runs untraced and traced and reports the cost' '
	pgtrace record --measure=2 -o me.pgt -- dd if=data of=/dev/null bs=4k >m.txt 2>/dev/null &&
	grep -q "^slowdown: " m.txt && grep -q "^bytes per event: " m.txt &&
	pgtrace info --json me.pgt | grep -q recorder.rusage
'
# A command run in a cgroup v2 child of its own: the trace knows the
# cgroup of its processes, and split --by cgroup files its events there.
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cgname=pgtrace-t0200-$$
test_have_prereq CGROUP2 && mkdir "$cg2/$cgname"
test_expect_success CGROUP2 'split --by cgroup of a recording: the command in its own cgroup' '
	pgtrace record -q -o cg.pgt -- sh -c "echo \$\$ >\"$cg2/$cgname/cgroup.procs\" &&
		exec sh -c \"dd if=data of=/dev/null bs=4k 2>/dev/null; sleep 1\"" &&
	pgtrace dump --format csv --fields comm,cgroup cg.pgt | grep "^dd," | sort -u >got &&
	echo "dd,/$cgname" >want && test_cmp want got &&
	pgtrace split --by cgroup -o cgs cg.pgt &&
	f="cgs/%2F$cgname.pgt" && test -f "$f" &&
	test "$(pages_of lookup data "$f")" = 1024 &&
	pgtrace dump --fields cgroup "$f" | sort -u >got && echo "/$cgname" >want && test_cmp want got &&
	for o in cgs/*.pgt; do
		test "$o" = "$f" || test "$(pages_of lookup data "$o")" = 0 || return 1
	done
'
test_expect_success CGROUP2 '-G records the processes of one cgroup only' '
	"$PGTRACE" record -q -a -G "/$cgname" -o g.pgt -d 1.5s &
	rec=$! && sleep 0.4 &&
	sh -c "echo \$\$ >\"$cg2/$cgname/cgroup.procs\" &&
		exec sh -c \"dd if=data of=/dev/null bs=4k 2>/dev/null; sleep 0.5\"" &&
	dd if=other of=/dev/null bs=4k 2>/dev/null &&
	wait $rec &&
	test "$(pages_of lookup data g.pgt)" = 1024 &&
	test "$(pages_of lookup other g.pgt)" = 0 &&
	pgtrace dump --fields cgroup g.pgt | sort -u >got && echo "/$cgname" >want && test_cmp want got
'
# the cgroup is empty once its processes have been reaped
if test_have_prereq CGROUP2; then
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg2/$cgname" 2>/dev/null && break; sleep 0.2; done
fi
test_expect_success CGROUP2 'the test cgroup is removed' '! test -e "$cg2/$cgname"'
test_expect_success 'bad input: unknown option, missing command, no privilege' '
	test_must_fail --code=2 pgtrace record --bogus 2>err &&
	test_must_fail --code=127 pgtrace record -q -o nocmd.pgt -- /nonexistent/cmd 2>err &&
	grep -q "cannot run" err &&
	test_must_fail --code=126 pgtrace record -q -o noexec.pgt -- /etc/passwd 2>err &&
	grep -q "cannot run .*Permission denied" err &&
	test_must_fail --code=2 pgtrace record -p notapid 2>err &&
	test_must_fail --code=1 pgtrace record -p 999999 2>err && grep -q "no process" err &&
	test_must_fail --code=125 setpriv --reuid=65534 --regid=65534 --clear-groups "$PGTRACE" record -q -o /tmp/np.pgt -- true 2>err &&
	grep -q "root" err
'
test_done
