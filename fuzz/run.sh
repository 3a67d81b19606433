#!/bin/sh
# Build the libFuzzer targets with clang and fuzz each for $1 seconds
# (default 60), growing its corpus in fuzz/corpus/<name>/.  'make fuzz'
# builds .build-fuzz/libpgtrace.a first and passes FUZZ_LIBS.
#
#   FUZZ_TARGETS="parse proc"  only these targets (default: every fuzz/fuzz-*.c)
#   FUZZ_JOBS=2                targets fuzzed at the same time (default 1)
#   FUZZ_NICE=10               niceness of the fuzzers (default 0)
#   FUZZ_MINIMIZE=1            afterwards, replace each corpus by a minimal
#                              one with the same coverage (-merge=1)
#
# Crashes, leaks and timeouts land in fuzz/findings/<name>-*; fix them
# and add the input to the corpus, which 'make check' replays.  The log
# of each run, libFuzzer's final statistics included, is
# fuzz/findings/<name>.log; the last line of the run's summary gives the
# seconds, executions and corpus sizes doc/fuzzing.md records.
cd "$(dirname "$0")/.." || exit 1
T=${1:-60}
JOBS=${FUZZ_JOBS:-1}
LIBS=${FUZZ_LIBS:-"-Wl,-Bstatic -lzstd -Wl,-Bdynamic -ltracefs -ltraceevent -lcairo -lfontconfig -lm -lpthread"}
CFLAGS="-std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -Ilib -fsanitize=fuzzer,address,undefined"
mkdir -p .build-fuzz/fuzz fuzz/findings

if [ -n "$FUZZ_TARGETS" ]; then
	names=$FUZZ_TARGETS
else
	names=$(for s in fuzz/fuzz-*.c; do n=$(basename "$s" .c); echo "${n#fuzz-}"; done)
fi
for short in $names; do
	[ -f fuzz/fuzz-$short.c ] || { echo "fuzz: no target fuzz/fuzz-$short.c" >&2; exit 1; }
	echo "building fuzz-$short"
	clang $CFLAGS -o .build-fuzz/fuzz/fuzz-$short fuzz/fuzz-$short.c \
		.build-fuzz/libpgtrace.a $LIBS || exit 1
done

# fuzz_one NAME: fuzz one target, print a summary line
fuzz_one() {
	short=$1
	bin=.build-fuzz/fuzz/fuzz-$short
	dir=fuzz/corpus/$short
	log=fuzz/findings/$short.log
	mkdir -p "$dir"
	before=$(ls "$dir" | wc -l)
	start=$(date +%s)
	nice -n "${FUZZ_NICE:-0}" "$bin" -max_total_time="$T" -rss_limit_mb=2048 -max_len=65536 \
		-timeout=25 -print_final_stats=1 -artifact_prefix=fuzz/findings/$short- \
		"$dir" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ -n "$FUZZ_MINIMIZE" ]; then
		rm -rf "$dir.min" && mkdir "$dir.min" &&
			"$bin" -merge=1 -rss_limit_mb=2048 -max_len=65536 -timeout=25 "$dir.min" "$dir" \
				>>"$log" 2>&1 &&
			rm -rf "$dir" && mv "$dir.min" "$dir"
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	echo "$short: rc=$rc seconds=$secs executions=${execs:-?} corpus=$before->$(ls "$dir" | wc -l)"
}

set -- $names
while [ $# -gt 0 ]; do
	pids=
	i=0
	while [ $i -lt "$JOBS" ] && [ $# -gt 0 ]; do
		fuzz_one "$1" &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do
		wait "$p"
	done
done
