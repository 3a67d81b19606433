# lib-test.sh - sourced by the end-to-end tests (t/tNNNN-*.sh).
#
#   test_expect_success 'what it checks' 'shell commands'
#   test_must_fail [--code=N] CMD ARGS   (inside a test: CMD must exit non-zero,
#                                        not by a signal; exactly N if given)
#   test_skip 'what' 'why'              (a test that cannot run here)
#   test_done                           (last line of every script)
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

pgtrace() { "$PGTRACE" "$@"; }

test_expect_success() {
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
