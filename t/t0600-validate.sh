#!/bin/bash
# Predictions checked against the kernel, small: bench/validate.sh --check
# runs the Zipf preads (100 K 4 KiB preads, Zipf 0.9, on a 64 MiB file,
# posix_fadvise RANDOM) once unconstrained under pgtrace record and twice
# in a memory cgroup (32 and 48 MiB), and compares the LRU miss ratio the
# first trace predicts at the page cache each limit leaves, and the
# miss ratio of the model of the kernel's own policy (pgtrace cache -p
# linux), with the insertions the kernel really made.
#
# The bound is the project's target, 0.02.  The kernel's two lists
# protect the frequent pages of a Zipf stream better than LRU, so LRU
# predicts more misses than happen, the more so the smaller the cache.
# Measured here (kernel 6.18, cgroup v1): at 24 MiB (cache ~4430 pages,
# 27% of the file) 0.011-0.013 in nine runs of ten, and once 0.0245 (the
# kernel made 1200 fewer misses at the same cache size; not explained);
# at 32 MiB (~6470 pages, 40%) 0.0038-0.0044 in six runs; at 48 MiB
# (~10550 pages, 64%) 0.0015-0.0017.  The test's limits are 32 and 48 MiB,
# where even that outlier's excursion would stay under the bound: a
# smaller limit tests the kernel's policy more than pgtrace.  The linux
# model's error is held to the same bound; measured here: 0.0001-0.0017
# at 32 and 48 MiB (and at 24 to 160 MiB in the full bench).
. "$(dirname "$0")/lib-test.sh"

test_require MEMCG 'predicted misses against a memory cgroup'

test_expect_success 'LRU and linux predictions within 0.02 of the kernel at 32 and 48 MiB (zipf, 64 MiB file)' '
	VALIDATE_DIR=$TRASH/data VALIDATE_BOUND=0.02 bash "$TOP/bench/validate.sh" --check >out 2>err;
	rc=$?; cat out err; test $rc = 0 &&
	test "$(grep -c "^zipf  *[0-9]" out)" = 2
'
test_expect_success 'both predictions and both errors are in the table, linux the closer on zipf' '
	grep -q "^workload .* lru  *linux  *real  *err lru  *err lnx" out &&
	grep "^zipf  *[0-9]" out | awk "{ if (NF < 10 || \$9 + 0 > 0.02 || \$10 + 0 > 0.02) exit 1 }" &&
	grep -q "^# zipf: max |err| lru [0-9.]*, linux [0-9.]*" out &&
	grep "^# zipf: max" out | sed "s/.*lru \([0-9.]*\), linux \([0-9.]*\);.*/\1 \2/" |
		awk "{ exit !(\$2 <= \$1) }"
'
test_expect_success 'no cgroup and no run directory left behind' '
	! ls /sys/fs/cgroup/memory /sys/fs/cgroup 2>/dev/null | grep -q "^pgt-validate-" &&
	! ls "$TRASH/data" | grep -q "^run\."
'
rm -rf "$TRASH/data"
test_done
