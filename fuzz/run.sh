#!/bin/sh
# Build every libFuzzer target with clang and fuzz each for $1 seconds
# (default 60), growing its corpus in fuzz/corpus/<name>/.  Crashes land
# in fuzz/findings/; add the input to the corpus once fixed.
cd "$(dirname "$0")/.." || exit 1
T=${1:-60}
mkdir -p .build-fuzz/fuzz fuzz/findings
for src in fuzz/fuzz-*.c; do
	name=$(basename "$src" .c); short=${name#fuzz-}
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -Ilib \
		-fsanitize=fuzzer,address,undefined -o .build-fuzz/fuzz/$name "$src" \
		.build-fuzz/libpgtrace.a -lzstd -lm -lpthread || exit 1
	mkdir -p fuzz/corpus/$short
	echo "fuzzing $short for ${T}s"
	.build-fuzz/fuzz/$name -max_total_time="$T" -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix=fuzz/findings/$short- fuzz/corpus/$short || exit 1
done
