# lib-snap.sh - sourced after lib-test.sh by the 'pgtrace snap' tests
# (t/t01xx-snap-*.sh).
#
#   helper ARGS...          t/helper/pgt-test-helper (drop, read, task)
#   start_task SPEC...      run 'helper task SPEC...' in the background;
#                           its pid in task.pid, its report in task.out
#   task_field KIND N COL   column COL (2 addr, 3 pages, 4 touched) of the
#                           N-th report line of KIND (anon, read, file;
#                           "pid PID" is the first line of task.out)
#   hold FILE NAME          a process holding FILE open as fd 3; pid in NAME.pid
#
# Every background process with a pid file in the scratch directory is
# killed when the script exits.

HELPER=${PGT_BUILD_DIR:-$TOP/${PGT_BUILD:-.build}}/t/pgt-test-helper
export HELPER

if ! [ -x "$HELPER" ]; then
	echo "missing $HELPER: run 'make test-bins'" >&2
	exit 1
fi

helper() { "$HELPER" "$@"; }

start_task() {
	"$HELPER" task "$@" >task.out 2>task.err </dev/null &
	echo $! >task.pid
	n=0
	until grep -q '^ready$' task.out 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 200 ] || ! kill -0 "$(cat task.pid)" 2>/dev/null; then
			cat task.err
			return 1
		fi
		sleep 0.05
	done
}

task_field() {
	awk -v k="$1" -v n="$2" -v c="$3" '$1 == k && ++i == n { print $c }' task.out
}

hold() {
	sleep 600 3<"$1" >/dev/null 2>&1 </dev/null &
	echo $! >"$2.pid"
}

kill_helpers() {
	for f in "$TRASH"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
	return 0
}
trap kill_helpers EXIT
