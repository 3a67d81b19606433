#!/bin/bash
# Allocation failures: along each main path, every allocation is made to
# fail in turn.  Each run must end either with exit 1 and one line on
# stderr saying memory ran out, or with exit 0 and exactly the output of a
# run without failures (files, stdout and stderr).  Survivable failures, the only ones: a thread that
# could not be started (split and merge prefetch in the caller's thread,
# snap file examines files there), and split's count of its open files
# (opendir /proc/self/fd; it then assumes 16).  Never a crash, a sanitizer
# report or a leak (LeakSanitizer).
#
# The binary is .build-asan/pgtrace-failalloc, made by 'make asan' and
# 'make failalloc': the ASan objects linked with t/helper/failmalloc.c,
# which fails the Nth allocation of our code (PGT_FAIL_ALLOC=N) and counts
# them (PGT_FAIL_ALLOC_COUNT=FILE); it says what counts as an allocation.
# Without that binary (plain 'make check') the test is skipped.
#
# Inputs are small so each path makes at most a few hundred allocations:
# every one up to $FAIL_ALL is tried; past that, a stride that adds at most
# $FAIL_MORE runs, and always the last allocation.  PGTRACE_THREADS=0: no
# decoding threads, so the order of allocations is the same from run to run
# (split and merge still prefetch in a thread of their own).
. "$(dirname "$0")/lib-test.sh"

FA=${PGT_BUILD_DIR:-$TOP/.build-asan}/pgtrace-failalloc
FAIL_ALL=${FAIL_ALL:-300}
FAIL_MORE=${FAIL_MORE:-100}
if ! test -x "$FA"; then
	test_skip 'allocation failures' 'no pgtrace-failalloc: make asan or make failalloc builds it'
	test_done
	exit
fi
export PGTRACE_THREADS=0
# any sanitizer finding exits 99 (not an abort, which may dump core)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
unset PGT_FAIL_ALLOC PGT_FAIL_ALLOC_COUNT PGT_FAIL_ALLOC_TRACE

# run DIR [PIPE] ARGS...: "pgtrace ARGS" in DIR, stdin from a pipe that
# cat fills with PIPE or from /dev/null, stdout to DIR/stdout.
run() {
	rdir=$1 pipe=$2
	shift 2
	if [ -n "$pipe" ]; then
		(cd "$rdir" && cat "$pipe" | "$FA" "$@" >stdout)
	else
		(cd "$rdir" && "$FA" "$@" >stdout </dev/null)
	fi
}

# alloc_case NAME [--pipe FILE] ARGS...: "pgtrace ARGS" in an empty
# directory, once to count its allocations and keep its output, then once
# per allocation to fail.  Input files are ../FILE (the scratch directory).
alloc_case() {
	name=$1 pipe=
	shift
	if [ "$1" = --pipe ]; then
		pipe=$2
		shift 2
	fi
	d=$TRASH/$name
	rm -rf "$d" && mkdir -p "$d" "$TRASH/$name.ref" || return 1
	if ! PGT_FAIL_ALLOC_COUNT=$d/count run "$TRASH/$name.ref" "$pipe" "$@" 2>"$d/ref.err"; then
		echo "$name: fails with no allocation failing:"
		cat "$d/ref.err"
		return 1
	fi
	a=$(cat "$d/count")
	stride=1
	[ "$a" -gt "$FAIL_ALL" ] && stride=$(( (a - FAIL_ALL + FAIL_MORE - 1) / FAIL_MORE ))
	tried=0 died=0 survived=0 bad=0 n=1
	while [ "$n" -le "$a" ]; do
		rm -rf "$TRASH/$name.run" && mkdir "$TRASH/$name.run" || return 1
		PGT_FAIL_ALLOC=$n run "$TRASH/$name.run" "$pipe" "$@" 2>"$d/err"
		rc=$?
		why=
		if grep -qE 'Sanitizer|runtime error' "$d/err"; then
			why="a sanitizer report (exit $rc)"
		elif [ $rc -eq 1 ]; then
			died=$((died + 1))
			if [ "$(wc -l <"$d/err")" -ne 1 ] || ! grep -q '^pgtrace [a-z ]*: ' "$d/err"; then
				why="exit 1 without a one-line message"
			elif ! grep -qiE 'memory|alloc' "$d/err"; then
				why="exit 1 with a message that does not say memory ran out"
			fi
		elif [ $rc -eq 0 ]; then
			survived=$((survived + 1))
			diff -r "$TRASH/$name.ref" "$TRASH/$name.run" >/dev/null &&
				cmp -s "$d/ref.err" "$d/err" ||
				why="exit 0 with an output unlike the run without failures"
		else
			why="exit $rc"
		fi
		tried=$((tried + 1))
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			if [ $bad -le 5 ]; then
				echo "$name: allocation $n of $a failed: $why; rerun with:"
				echo "  cd $TRASH/$name.run && PGT_FAIL_ALLOC=$n PGT_FAIL_ALLOC_TRACE=1 $FA $*"
				head -n 30 "$d/err"
			fi
		fi
		if [ "$n" -lt "$FAIL_ALL" ] || [ "$n" -eq "$a" ]; then
			n=$((n + 1))
		else
			n=$((n + stride))
			[ "$n" -gt "$a" ] && n=$a
		fi
	done
	printf '  %-16s %4d allocations, %4d failed in turn: %4d exit 1, %3d exit 0, %d wrong\n' \
		"$name" "$a" "$tried" "$died" "$survived" "$bad" >>"$TRASH/summary"
	[ $bad -eq 0 ]
}

test_expect_success 'setup: small traces, a CSV, a small file' '
	"$FA" gen -p mix -n 2000 --seed 3 -o mix.pgt &&
	"$FA" gen -p zipf -n 1000 --seed 4 -o zipf.pgt &&
	"$FA" gen -p mix -n 400 --seed 5 -o 400.pgt &&
	"$FA" export --format csv -o in.csv 400.pgt &&
	head -c 40000 /dev/urandom >small.bin && cat small.bin >/dev/null &&
	mkdir -p dir/sub && head -c 9000 /dev/urandom >dir/a && head -c 5000 /dev/urandom >dir/sub/b &&
	ln dir/a dir/sub/hard && sync dir/a dir/sub/b && cat dir/a dir/sub/b >/dev/null &&
	printf "../dir/a\n../dir/sub/b 0 1\n" >list &&
	: >"$TRASH/summary"
'
start=$(date +%s)
test_expect_success 'gen to a file' 'alloc_case gen gen -p mix -n 2000 --seed 3 -o g.pgt'
test_expect_success 'info' 'alloc_case info info ../mix.pgt'
test_expect_success 'info --json' 'alloc_case info-json info --json ../mix.pgt'
test_expect_success 'dump a few events' 'alloc_case dump dump --events 0..20 ../mix.pgt'
test_expect_success 'dump from a pipe' 'alloc_case dump-pipe --pipe ../mix.pgt dump --format csv --events 0..20 -'
test_expect_success 'cut --events' 'alloc_case cut cut --events 100..1500 -o c.pgt ../mix.pgt'
test_expect_success 'filter EXPR' '
	alloc_case filter filter "type in {lookup, add} && path =~ \"*file-1*\"" -o f.pgt ../mix.pgt
'
test_expect_success 'filter --count, a regex' '
	alloc_case filter-re filter --count "path =~ /file-[12]/ || pid in {1000, 1002..1005}" ../mix.pgt
'
test_expect_success 'split --by pid' 'alloc_case split split --by pid -o by-pid ../mix.pgt'
test_expect_success 'merge' 'alloc_case merge merge -o m.pgt ../mix.pgt ../zipf.pgt'
test_expect_success 'merge, the same files and processes twice' 'alloc_case merge-same merge -o m.pgt ../mix.pgt ../400.pgt ../mix.pgt'
test_expect_success 'diff' 'alloc_case diff diff ../mix.pgt ../400.pgt'
test_expect_success 'reduce --lru' 'alloc_case reduce reduce --lru 50 -o r.pgt ../zipf.pgt'
test_expect_success 'reduce --lru --check' 'alloc_case reduce-check reduce --lru 20 --check 20,40 -o r.pgt ../zipf.pgt'
test_expect_success 'import --format csv' 'alloc_case import import --format csv -o i.pgt ../in.csv'
test_expect_success 'import trace-cmd text' 'alloc_case import-tc import -o i.pgt "$TEST_DIR/data/trace-cmd-cat.txt"'
test_expect_success 'export --format csv' 'alloc_case export export --format csv -o e.csv ../mix.pgt'
test_expect_success 'stats' 'alloc_case stats stats ../mix.pgt'
test_expect_success 'stats --sample' 'alloc_case stats-sample stats --sample 0.5 ../mix.pgt'
test_expect_success 'stats --sizes' 'alloc_case stats-sizes stats --sizes 1,2,3 ../mix.pgt'
test_expect_success 'phase' 'alloc_case phase phase ../mix.pgt'
test_expect_success 'cache, every policy' 'alloc_case cache cache -p all -s 3,50 ../zipf.pgt'
test_expect_success 'cache --for-hit --by' 'alloc_case cache-hit cache -p lru,opt --for-hit 0.3 --by file ../mix.pgt'
test_expect_success 'plot heatmap' 'alloc_case plot plot heatmap -o h.png ../mix.pgt'
test_expect_success 'report' 'alloc_case report report -o r.html ../mix.pgt'
test_expect_success 'snap file' 'alloc_case snap-file snap file ../small.bin'
test_expect_success 'snap file -R, a hard link' 'alloc_case snap-dir snap file -R --json ../dir'
test_expect_success 'snap file --stdin' 'alloc_case snap-stdin --pipe ../list snap file --stdin'

cat "$TRASH/summary"
awk -v s=$(($(date +%s) - start)) '{ a += $2; n += $4 } END {
	printf "# allocation failures: %d runs over %d paths (%d allocations), %ds\n", n, NR, a, s }' \
	"$TRASH/summary"
test_done
