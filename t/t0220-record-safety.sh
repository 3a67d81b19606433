#!/bin/bash
# pgtrace record against what others leave around it: recorders in other
# pid namespaces, nodes and names planted where it writes, a full disk, a
# ring too large, and a flight recorder that runs for long (issue 13).
. "$(dirname "$0")/lib-test.sh"

test_require ROOT,TRACEFS 'record safety'
TRACEFS=/sys/kernel/tracing
[ -d $TRACEFS/instances ] || TRACEFS=/sys/kernel/debug/tracing

# every file a message quotes exists, except one it says was removed
named_paths_exist() { python3 - "$1" <<-'EOF'
	import os, re, sys
	msg = open(sys.argv[1]).read()
	for m in re.finditer(r"'([^']*)'( \(removed\))?", msg):
	    if not m.group(2) and not os.path.exists(m.group(1)):
	        sys.exit("the message names %s, which does not exist" % m.group(1))
	EOF
}
# the pgtrace instances there are now
instances() { ls $TRACEFS/instances | grep '^pgtrace-' | sort; }

test_expect_success 'setup: a 4 MiB file' '
	dd if=/dev/urandom of=data bs=1M count=4 2>/dev/null && sync
'

# ---- pid namespaces ----
ns_record() { unshare --pid --fork --mount-proc "$PGTRACE" record "$@"; }

test_expect_success PIDNS 'a recorder in a pid namespace of its own is refused, saying why, touching nothing' '
	# its pid (1) is not the pid the trace events carry: it would have
	# recorded nothing of its command and hidden host pid 1 as its own
	before=$(instances) &&
	test_must_fail --code=125 ns_record -o nscmd.pgt -- cat data 2>err &&
	test_one_line_error err && grep -q "PID namespace of its own (pid:\[[0-9]*\])" err &&
	! test -e nscmd.pgt &&
	test_must_fail --code=1 ns_record -q -a -d 1s -o nsa.pgt 2>err &&
	test_one_line_error err && grep -q "run pgtrace record on the host" err &&
	! test -e nsa.pgt && test "$(instances)" = "$before"
'
test_expect_success PIDNS 'a host recorder keeps its events while a namespaced one is refused' '
	{ "$PGTRACE" record -q -a -d 5s -o host.pgt 2>host.err & } &&
	sleep 1.5 &&
	{ ns_record -q -a -d 1s -o ns.pgt 2>/dev/null; ! test -e ns.pgt; } &&
	dd if=data of=/dev/null bs=4k 2>/dev/null &&
	wait &&
	test "$(pages_of lookup data host.pgt)" = 1024
'

test_expect_success 'an instance named like an old recorder, with no lock file, is never removed' '
	mkdir $TRACEFS/instances/pgtrace-1 &&
	"$PGTRACE" record -q -a -d 0.5s -o legacy.pgt;
	rc=$?
	test -d $TRACEFS/instances/pgtrace-1; kept=$?
	rmdir $TRACEFS/instances/pgtrace-1
	test $rc = 0 && test $kept = 0
'
test_expect_success 'the instance of a killed recorder is removed by the next one, through its lock' '
	before=$(instances) &&
	{ "$PGTRACE" record -q -a -d 30s -o killed.pgt & } &&
	pid=$! &&
	for i in $(seq 50); do [ "$(instances)" != "$before" ] && break; sleep 0.1; done &&
	name=$(comm -13 <(echo "$before") <(instances)) &&
	echo "$name" | grep -q "^pgtrace-$pid-[0-9a-f]\{16\}$" &&
	test -f /run/pgtrace/$name.lock &&
	kill -9 $pid && { wait $pid || :; } &&
	test -d $TRACEFS/instances/$name &&
	"$PGTRACE" record -q -a -d 0.5s -o after-kill.pgt &&
	! test -d $TRACEFS/instances/$name &&
	! test -e /run/pgtrace/$name.lock
'

# ---- a command that cannot start leaves only what was there ----
test_expect_success 'a FIFO given as the output survives a command that cannot start' '
	mkfifo fifo &&
	{ cat fifo >/dev/null & } &&
	test_must_fail --code=127 "$PGTRACE" record -q -f -o fifo -- /nonexistent/cmd 2>err &&
	test -p fifo
'
test_expect_success 'a device node given as the output survives a command that cannot start' '
	mknod nullnode c 1 3 &&
	test_must_fail --code=127 "$PGTRACE" record -q -f -o nullnode -- /nonexistent/cmd 2>err &&
	test -c nullnode && test "$(stat -c %t:%T nullnode)" = 1:3
'
test_expect_success 'a new output file made for a command that cannot start is removed' '
	test_must_fail --code=127 "$PGTRACE" record -q -o new.pgt -- /nonexistent/cmd 2>err &&
	! test -e new.pgt
'

# ---- --keep never follows planted names ----
test_expect_success '--keep refuses a planted OUT.chunks symlink and touches nothing behind it' '
	mkdir victim && echo precious >victim/file &&
	ln -s victim k1.pgt.chunks &&
	test_must_fail --code=1 "$PGTRACE" record -q -a -k 1M -d 1s -o k1.pgt 2>err &&
	test_one_line_error err &&
	grep -q "k1.pgt.chunks.* exists" err &&
	test "$(ls victim)" = file && test "$(cat victim/file)" = precious &&
	test -L k1.pgt.chunks && ! test -e k1.pgt
'
test_expect_success '--keep refuses a planted mode-666 OUT.partial owned by nobody' '
	: >k2.pgt.partial && chmod 666 k2.pgt.partial && chown nobody k2.pgt.partial &&
	test_must_fail --code=1 "$PGTRACE" record -q -a -k 1M -d 1s -o k2.pgt 2>err &&
	test_one_line_error err &&
	grep -q "k2.pgt.partial.* exists" err &&
	test "$(stat -c %U:%a:%s k2.pgt.partial)" = nobody:666:0 &&
	! test -e k2.pgt && ! test -e k2.pgt.chunks
'
test_expect_success '--keep refuses a planted OUT.partial FIFO at once, without hanging' '
	mkfifo k3.pgt.partial &&
	test_must_fail --code=1 timeout 30 "$PGTRACE" record -q -a -k 1M -d 1s -o k3.pgt 2>err &&
	test_one_line_error err &&
	grep -q "k3.pgt.partial.* exists" err &&
	test -p k3.pgt.partial && ! test -e k3.pgt && ! test -e k3.pgt.chunks
'
test_expect_success '--keep leaves no working files behind' '
	"$PGTRACE" record -q -a -k 1M -d 1s -o k4.pgt &&
	test -s k4.pgt && ! test -e k4.pgt.chunks && ! test -e k4.pgt.partial
'

# ---- the recorder's messages ----
test_expect_success 'a ring larger than memory allows is named, with the limit' '
	avail=$(awk "/MemAvailable/ { print \$2 }" /proc/meminfo) &&
	gib=$((avail * 2 / 1024 / 1024 + 1)) &&
	if [ $gib -gt 64 ]; then echo "skipped: more than 32 GiB available"; exit 0; fi &&
	echo "asking for ${gib}G per CPU" &&
	test_must_fail --code=1 "$PGTRACE" record -q -a -b ${gib}G -d 1s -o big.pgt 2>err &&
	cat err &&
	test_one_line_error err &&
	grep "cannot set the ring buffer to" err | grep "GiB per CPU" | grep -q "at most about" &&
	! grep -q "Input/output error" err &&
	rc=0 && { "$PGTRACE" record -q -b ${gib}G -o big2.pgt -- true 2>err2 || rc=$?; } &&
	cat err2 && test $rc = 125
'
if mkdir small && mount -t tmpfs -o size=256k tmpfs small 2>/dev/null; then
test_expect_success '--keep on a full disk names files that exist' '
	{ for i in $(seq 40); do cat data >/dev/null; sleep 0.05; done & } &&
	test_must_fail --code=1 "$PGTRACE" record -q -a -l 2 -k 16M -d 3s -o small/out.pgt 2>err;
	rc=$?; wait; cat err; test $rc = 0 &&
	grep "^pgtrace record: cannot" err >msg &&
	test_one_line_error msg &&
	grep -q "No space left on device" msg &&
	named_paths_exist msg
'
umount small 2>/dev/null || umount -l small
else
	test_skip '--keep on a full disk' 'cannot mount a small tmpfs'
fi

# ---- --keep is bounded over time ----
test_expect_success '--keep forgets exited processes: 20,000 of them neither fill its chunks nor grow it' '
	# under ASan, freed memory waits in a quarantine (256 MB) that would
	# read as growth: the recorder reuses it at once instead
	if test -n "${ASAN_OPTIONS-}"; then q="$ASAN_OPTIONS:quarantine_size_mb=0"; else q=; fi &&
	{ ASAN_OPTIONS=$q "$PGTRACE" record -q -a -k 256K -o many.pgt 2>many.err & } &&
	rec=$! && wait_recording $rec &&
	cat >forks.py <<-\EOF &&
	import os, sys
	for i in range(int(sys.argv[1])):
	    pid = os.fork()
	    if pid == 0:
	        os._exit(0)
	    os.waitpid(pid, 0)
	EOF
	rss0=$(awk "/VmRSS/ { print \$2 }" /proc/$rec/status) &&
	python3 forks.py 10000 && sleep 1 &&
	rss1=$(awk "/VmRSS/ { print \$2 }" /proc/$rec/status) &&
	python3 forks.py 10000 && sleep 1 &&
	rss2=$(awk "/VmRSS/ { print \$2 }" /proc/$rec/status) &&
	kill -INT $rec && wait $rec &&
	echo "recorder RSS: $rss0 KiB at start, $rss1 after 10,000 processes, $rss2 after 20,000" &&
	n=$(pgtrace info --json many.pgt | test_json - "d[\"processes\"]") &&
	echo "processes in the kept part: $n" &&
	test "$n" -lt 10000 &&
	# bounded queues fill in the first 10,000; 3.4 KiB a process before
	# (34 MiB for the second 10,000), now the second adds under 8 MiB
	test $((rss2 - rss1)) -lt 8192
'
# A chunk defines the files its events use, not every file still known:
# 2,000 files read early no longer crowd out the kept window, and the
# deleted ones are forgotten once idle.
test_expect_success '--keep: chunks hold the files they use; deleted idle files are forgotten' '
	mkdir kf && for i in $(seq 2000); do echo $i >kf/$i; done &&
	{ "$PGTRACE" record -q -a -k 3s -o kf.pgt -d 8s 2>kf.err & } &&
	rec=$! && sleep 1 &&
	cat kf/* >/dev/null && rm -r kf && sleep 5 &&
	dd if=data of=/dev/null bs=4k 2>/dev/null &&
	wait $rec &&
	test "$(pages_of lookup data kf.pgt)" = 1024 &&
	pgtrace info --json kf.pgt >kf.json &&
	total=$(test_json kf.json "d[\"objects\"][\"total\"]") &&
	used=$(pgtrace dump --format csv --fields obj kf.pgt | sed 1d | sort -u | wc -l) &&
	echo "objects: $total defined, $used with events" &&
	# before, every chunk repeated all 2,000 (deleted ones too)
	test "$total" -lt 1000 &&
	test_json_assert kf.json "n = int(d[\"info\"][\"recorder.objects_forgotten\"]); print(\"forgotten:\", n); assert n > 0"
'

test_done
