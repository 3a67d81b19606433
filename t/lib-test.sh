# lib-test.sh - sourced by the end-to-end tests (t/tNNNN-*.sh).
#
#   test_expect_success [PREREQ,...] 'what it checks' 'shell commands'
#                                       (skipped, saying why, when a PREREQ
#                                        is missing)
#   test_must_fail [--code=N] CMD ARGS   (inside a test: CMD must exit non-zero,
#                                        not by a signal; exactly N if given)
#   test_cmp EXPECTED ACTUAL            (equal files, or a unified diff)
#   test_json [--lines] FILE EXPR       (print the Python expression EXPR
#                                        over d, FILE's JSON; - is stdin;
#                                        with --lines, d is the list of
#                                        the JSON lines of FILE)
#   test_json_assert [--lines] FILE CODE (CODE, a boolean expression or
#                                        statements with assert, over d,
#                                        must hold; else it fails showing
#                                        CODE and the JSON)
#   test_have_prereq PREREQ,...         (true when all are there; else
#                                        $test_missing_prereq says which, why)
#   test_require PREREQ,... 'what'      (the whole script is one skipped
#                                        test 'what' when one is missing)
#   test_skip 'what' 'why'              (a test that cannot run here)
#   test_done                           (last line of every script)
#
# and helpers used by several scripts: meminfo KEY, pages_of TYPE FILE
# TRACE, drop_cache FILE..., png ARGS (t/png.py), mkcsv FILE PATH...,
# as_nobody CMD ARGS, run_bounded KB CMD, test_one_line_error FILE,
# wait_recording PID.
#
# Prerequisites are declared once, below (test_lazy_prereq NAME 'why it
# is missing' 'shell test'; the test may print a better why), or set by
# a script with test_set_prereq NAME.
#
# Each script runs in its own scratch directory t/trash/<script>/ with
# $PGTRACE pointing at the binary under test and $TEST_DIR at t/.
# Output is TAP-like: "ok N - what", "not ok N - what", "ok N # skip what".

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$TEST_DIR/.." && pwd)
PGTRACE=${PGTRACE:-$TOP/pgtrace}
export PGTRACE TEST_DIR TOP
test_name=$(basename "$0" .sh)
TRASH=$TEST_DIR/trash/$test_name
rm -rf "$TRASH" && mkdir -p "$TRASH" && cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_skipped=0
export LC_ALL=C
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export PY

pgtrace() { "$PGTRACE" "$@"; }

test_expect_success() {
	if [ $# = 3 ]; then
		if ! test_have_prereq "$1"; then
			test_skip "$2" "missing $test_missing_prereq"
			return 0
		fi
		shift
	fi
	test_count=$((test_count + 1))
	if (eval "set -e; $2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out" | tail -n 30
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

test_must_fail() {
	want=
	case "$1" in --code=*) want=${1#--code=}; shift ;; esac
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	fi
	if [ $rc -gt 128 ]; then
		echo "test_must_fail: '$*' died by signal $((rc - 128))" >&2
		return 1
	fi
	if [ -n "$want" ] && [ "$rc" != "$want" ]; then
		echo "test_must_fail: '$*' exited $rc, wanted $want" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL: the two files are equal, or their diff -u
# is shown and the test fails
test_cmp() {
	cmp -s "$1" "$2" && return 0
	echo "test_cmp: $1 and $2 differ:"
	diff -u "$1" "$2"
	return 1
}

# The JSON helpers: d is FILE's JSON (or stdin's, for -); F(path) is the
# one entry of d["files"] with that path (pgtrace snap --json).  A value
# that is a list, a dict, a bool or null is printed as JSON, others as
# Python prints them.
# test_json_py MODE [--lines] FILE CODE: the one loader of both helpers
# below; MODE "print" prints CODE's value, "assert" checks CODE.
test_json_py() {
	local mode=$1 lines=
	shift
	[ "$1" = --lines ] && { lines=1; shift; }
	"$PY" - "$1" "$2" "$lines" "$mode" 3<&0 <<-'EOF'
	import json, os, sys
	lines, mode = sys.argv[3], sys.argv[4]
	f = os.fdopen(3) if sys.argv[1] == "-" else open(sys.argv[1])
	d = [json.loads(l) for l in f] if lines else json.load(f)
	def F(p):
	    m = [x for x in d["files"] if x["path"] == p]
	    assert len(m) == 1, "%d entries for %r" % (len(m), p)
	    return m[0]
	if mode == "print":
	    r = eval(sys.argv[2])
	    print(json.dumps(r) if isinstance(r, (list, dict, bool)) or r is None else r)
	    sys.exit(0)
	code = sys.argv[2].strip()
	try:
	    try:
	        c = compile(code, "test_json_assert", "eval")
	    except SyntaxError:
	        exec(compile(code, "test_json_assert", "exec"))
	    else:
	        if not eval(c):
	            raise AssertionError("false")
	except AssertionError as e:
	    print("test_json_assert: %s: %s" % (e, code))
	    print(json.dumps(d)[:3000])
	    sys.exit(1)
	EOF
}

test_json() {
	test_json_py print "$@"
}

test_json_assert() {
	test_json_py assert "$@"
}

# ---- prerequisites ----
declare -A prereq_test prereq_why prereq_state
test_missing_prereq=

# test_lazy_prereq NAME WHY SCRIPT: NAME is there when SCRIPT (run once,
# in a subshell, on first use) succeeds; if it does not, what it printed
# (or else WHY) says why
test_lazy_prereq() {
	prereq_test[$1]=$3
	prereq_why[$1]=$2
}

test_set_prereq() {
	prereq_state[$1]=yes
}

test_have_prereq() {
	local p out rc IFS=,
	test_missing_prereq=
	for p in $1; do
		if [ -z "${prereq_state[$p]-}" ]; then
			if [ -z "${prereq_test[$p]+set}" ]; then
				echo "test_have_prereq: unknown prerequisite $p" >&2
				exit 1
			fi
			out=$(eval "${prereq_test[$p]}" 2>/dev/null </dev/null)
			rc=$?
			if [ $rc = 0 ]; then
				prereq_state[$p]=yes
			else
				prereq_state[$p]=no
				[ -n "$out" ] && prereq_why[$p]=$out
			fi
		fi
		if [ "${prereq_state[$p]}" != yes ]; then
			test_missing_prereq="$p: ${prereq_why[$p]}"
			return 1
		fi
	done
	return 0
}

test_require() {
	test_have_prereq "$1" && return 0
	test_skip "$2" "missing $test_missing_prereq"
	test_done
	exit
}

test_lazy_prereq ROOT 'not root' '[ "$(id -u)" = 0 ]'
test_lazy_prereq TRACEFS 'kernel without tracefs' '
	grep -q tracefs /proc/filesystems || exit 1
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d $t/events/filemap ] && exit 0
	done
	echo "tracefs not mounted, or without the filemap events"; exit 1'
test_lazy_prereq KPAGEFLAGS 'no readable /proc/kpageflags' '[ -r /proc/kpageflags ]'
test_lazy_prereq SETPRIV 'no setpriv' 'command -v setpriv'
test_lazy_prereq NOBODY 'no user nobody' 'id nobody'
test_lazy_prereq UNSHARE 'no unshare' 'command -v unshare'
test_lazy_prereq PIDNS 'unshare --pid --fork --mount-proc does not work here' \
	'unshare --pid --fork --mount-proc true'
test_lazy_prereq UTSNS 'no UTS namespace to set another host name' 'unshare --uts true'
# a cgroup v2 hierarchy where a new child can be made and joined
test_lazy_prereq CGROUP2 'no cgroup2' '
	cg2=$(awk "\$3 == \"cgroup2\" { print \$2; exit }" /proc/mounts)
	[ -n "$cg2" ] || { echo "no cgroup2 hierarchy in /proc/mounts"; exit 1; }
	p=$cg2/pgtrace-probe-$$
	mkdir "$p" 2>/dev/null || { echo "cgroup2 at $cg2 is not writable"; exit 1; }
	sh -c "echo \$\$ >\"$p/cgroup.procs\"" 2>/dev/null; rc=$?
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$p" 2>/dev/null && break; sleep 0.2; done
	[ $rc = 0 ] || { echo "no process may join a new cgroup under $cg2"; exit 1; }'
test_lazy_prereq FINCORE 'no fincore' 'command -v fincore'
test_lazy_prereq VMTOUCH 'no vmtouch' 'command -v vmtouch'
test_lazy_prereq DPKG 'no dpkg: not a Debian machine' 'command -v dpkg'
test_lazy_prereq DEVFULL 'no writable /dev/full' 'test -w /dev/full'
test_lazy_prereq DAMON 'no DAMON sysfs interface' '[ -d /sys/kernel/mm/damon/admin/kdamonds ]'
# chromium, installed if missing and root
test_lazy_prereq CHROMIUM 'chromium not installed' '
	command -v chromium >/dev/null 2>&1 && exit 0
	[ "$(id -u)" = 0 ] || { echo "chromium not installed and not root"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >apt.log 2>&1 ||
		{ apt-get update -qq >>apt.log 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >>apt.log 2>&1; }
	command -v chromium >/dev/null 2>&1 && exit 0
	echo "chromium could not be installed: $(tail -n 1 apt.log)"; exit 1'
# a memory cgroup bench/validate.sh can run in (it says why not)
test_lazy_prereq MEMCG 'no memory cgroup' 'bash "$TOP/bench/validate.sh" --probe'

# run_bounded KB CMD...: CMD within KB of memory: address space (ulimit
# -v), or under ASan, which reserves terabytes of it, the resident set
# (/usr/bin/time's maximum)
run_bounded() {
	kb=$1
	shift
	if test -n "${ASAN_OPTIONS-}"; then
		/usr/bin/time -f %M -o rss.out "$@" && test "$(tail -n 1 rss.out)" -le "$kb"
	else
		(ulimit -v "$kb" && "$@")
	fi
}

# One line on stderr, naming the command: "pgtrace CMD: ..."
test_one_line_error() {
	[ "$(grep -cv '^Try ' "$1")" -eq 1 ] || { echo "expected one message line in $1:"; cat "$1"; return 1; }
	grep -q '^pgtrace' "$1" || { echo "message does not start with pgtrace:"; cat "$1"; return 1; }
}

# helpers shared by several scripts

# meminfo KEY: the value of KEY in /proc/meminfo (kB)
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# pages_of TYPE FILE TRACE: sum of npages of events of TYPE on the inode
# of FILE in TRACE
pages_of() { pgtrace dump --format csv --fields type,ino,npages "$3" |
	awk -F, -v t="$1" -v i="$(stat -c %i "$2")" '$1 == t && $2 == i { s += $3 } END { print s + 0 }'; }

# as_nobody CMD ARGS: CMD as uid/gid 65534, without groups
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# drop_cache FILE...: the files written back, then dropped from the page
# cache (dirty pages cannot be dropped)
drop_cache() { python3 - "$@" <<-\EOF
	import os, sys
	for p in sys.argv[1:]:
	    fd = os.open(p, os.O_RDONLY)
	    os.fsync(fd)
	    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
	    os.close(fd)
	EOF
}

# png ARGS: t/png.py (checks and measures of PNG files)
png() { python3 "$TEST_DIR/png.py" "$@"; }

# mkcsv FILE PATH...: a CSV trace of 100 references to each path (in
# pgtrace's CSV, \xNN in a field is the byte NN)
mkcsv() {
	python3 - "$@" <<-\EOF
	import csv, sys
	with open(sys.argv[1], "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["ts", "type", "path", "index"])
	    for i in range(100):
	        for k, p in enumerate(sys.argv[2:]):
	            w.writerow([i * 1000000 + k, "lookup", p, i % (7 + k)])
	EOF
}

test_done() {
	echo "# $test_name: $test_count tests, $test_failed failed, $test_skipped skipped"
	[ $test_failed -eq 0 ]
}

# wait_recording PID: wait (at most 30 s) until recorder PID's tracefs
# instance has tracing on, so that what follows is recorded however
# long its start took on a loaded machine.  Fails if it never does.
wait_recording() {
	local tfs=/sys/kernel/tracing i f
	[ -d $tfs/instances ] || tfs=/sys/kernel/debug/tracing
	for i in $(seq 300); do
		for f in $tfs/instances/pgtrace-$1-*/tracing_on; do
			[ -r "$f" ] && [ "$(cat "$f" 2>/dev/null)" = 1 ] && return 0
		done
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
