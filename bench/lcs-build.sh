#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/lcs-build.sh - build libCacheSim, the peer of `pgtrace cache`, OUTSIDE
# the repository, and lcs-count, a small driver that prints its exact miss
# counts (bench/cache.sh uses both).
#
#   bash bench/lcs-build.sh               build cachesim into $LCS_PREFIX
#   bash bench/lcs-build.sh --driver OUT  build only lcs-count, as OUT, against
#                                         the libCacheSim build of $LCS_BIN
#
# The full build, step by step (what the script does):
#   1. packages: cmake, a C and C++ compiler, pkg-config, libglib2.0-dev,
#      libzstd-dev (apt-get install cmake g++ pkg-config libglib2.0-dev
#      libzstd-dev)
#   2. the source: the stored snapshot of github:1a1a11a/libCacheSim (a bare
#      git directory, $LCS_MIRROR), checked out with
#        git --git-dir=$LCS_MIRROR archive HEAD PATHS | tar -x -C $LCS_PREFIX
#      (PATHS: every top-level entry but data/, whose large blobs the
#      snapshot lacks and the build does not need)
#      (elsewhere: git clone https://github.com/1a1a11a/libCacheSim)
#   3. cmake -S $LCS_PREFIX -B $LCS_PREFIX/_build -DCMAKE_BUILD_TYPE=Release
#      make -C $LCS_PREFIX/_build -j2 cachesim
#   4. cachesim is then $LCS_PREFIX/_build/bin/cachesim: run bench/cache.sh
#      with LCS_BIN=$LCS_PREFIX/_build/bin
#
# Why a driver: cachesim prints miss ratios rounded to 4 digits and nothing
# else (result/TRACE and TRACE.cachesim hold the same line), so ±50 misses
# on a million references.  lcs-count calls the constructor cachesim itself
# uses (create_cache() of bin/cachesim/cache_init.h, included, not copied)
# with cachesim's reader settings for --ignore-obj-size 1 and counts the
# misses of each size.  Its source is below and is compiled against the
# build's static libraries into OUT, never into the repository.
#
# Environment:
#   LCS_PREFIX  where to unpack and build (default /var/tmp/lcs-pgt); never
#               inside the repository
#   LCS_MIRROR  the git directory of the snapshot (default
#               /work/.mirror/1a1a11a+libCacheSim/repo)
#   LCS_BIN     --driver: the bin directory of an existing build (default
#               /var/tmp/lcs/_build/bin); its source tree is found through
#               the build's CMakeCache.txt
set -u

die() { echo "bench/lcs-build: $*" >&2; exit 1; }

driver() {
	local out=$1 bin=${LCS_BIN:-/var/tmp/lcs/_build/bin} b src c
	b=$(cd "$bin/.." 2>/dev/null && pwd) || die "no build directory above '$bin'"
	src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$b/CMakeCache.txt" 2>/dev/null)
	[ -n "$src" ] && [ -f "$src/libCacheSim/bin/cachesim/cache_init.h" ] ||
		die "no libCacheSim source tree for the build in '$b'"
	L=$b/libCacheSim
	[ -f "$L/cache/libcachelib.a" ] || die "no static libraries in '$L'"
	c=$(mktemp "${TMPDIR:-/tmp}/lcs-count.XXXXXX.c") || exit 1
	cat >"$c" <<'EOF'
/*
 * lcs-count: exact miss counts of libCacheSim's policies (cachesim prints
 * ratios to 4 digits).  Usage: lcs-count TRACE ALGO SIZE[,SIZE...] [PARAMS]
 * prints "ALGO SIZE REQUESTS MISSES" per size, sizes in objects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_init.h"
#include "libCacheSim/reader.h"

int main(int argc, char **argv)
{
	const char *params;
	char *sizes, *s, *save = NULL;

	if (argc < 4) {
		fprintf(stderr, "usage: lcs-count TRACE ALGO SIZE[,SIZE...] [PARAMS]\n");
		return 2;
	}
	params = argc > 4 ? argv[4] : NULL;
	sizes = strdup(argv[3]);
	for (s = strtok_r(sizes, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		/* cachesim's settings with --ignore-obj-size 1 (cli_parser.c) */
		reader_init_param_t rp;
		memset(&rp, 0, sizeof(rp));
		rp.ignore_obj_size = true;
		rp.ignore_size_zero_req = true;
		rp.obj_id_is_num = true;
		rp.cap_at_n_req = -1;
		reader_t *r = open_trace(argv[1], ORACLE_GENERAL_TRACE, &rp);
		/* cachesim seeds every simulation thread with 0 */
		set_rand_seed(0);
		cache_t *c = create_cache(argv[1], argv[2], strtoull(s, NULL, 10), params, false);
		request_t *req = new_request();
		unsigned long long n = 0, miss = 0;

		while (read_one_req(r, req) == 0 && req->valid) {
			n++;
			if (!c->get(c, req))
				miss++;
		}
		printf("%s %s %llu %llu\n", argv[2], s, n, miss);
		fflush(stdout);
		free_request(req);
		c->cache_free(c);
		close_reader(r);
	}
	free(sizes);
	return 0;
}
EOF
	# the link order of cachesim's own link line (some archives twice)
	c++ -x c -O2 -w -I"$src/libCacheSim/bin/cachesim" -I"$src/libCacheSim/include" \
		$(pkg-config --cflags glib-2.0) "$c" -x none -o "$out" \
		"$L/cache/libcachelib.a" "$L/cache/eviction/libevictionC.a" \
		"$L/cache/eviction/libevictionCPP.a" "$L/traceReader/libtraceReader.a" \
		"$L/profiler/libprofiler.a" "$L/dataStructure/libdataStructure.a" \
		"$L/dataStructure/hash/libds_hash.a" "$L/utils/libutils.a" \
		"$L/cache/admission/libadmissionC.a" "$L/cache/admission/libadmissionCpp.a" \
		"$L/cache/prefetch/libprefetchC.a" "$L/cache/libcachelib.a" \
		"$L/dataStructure/libdataStructure.a" "$L/traceReader/libtraceReader.a" \
		"$L/utils/libutils.a" $(pkg-config --libs glib-2.0) -lzstd -lpthread -lm
	local rc=$?
	rm -f "$c"
	[ $rc = 0 ] || die "cannot build lcs-count"
}

if [ "${1-}" = --driver ]; then
	[ $# = 2 ] || die "usage: lcs-build.sh --driver OUT"
	driver "$2"
	exit 0
fi

PREFIX=${LCS_PREFIX:-/var/tmp/lcs-pgt}
MIRROR=${LCS_MIRROR:-/work/.mirror/1a1a11a+libCacheSim/repo}
REPO=$(cd "$(dirname "$0")/.." && pwd)
case "$(mkdir -p "$PREFIX" && cd "$PREFIX" && pwd)/" in
"$REPO"/*) die "LCS_PREFIX '$PREFIX' is inside the repository" ;;
esac
for t in cmake c++ pkg-config git; do
	command -v $t >/dev/null || die "$t missing (apt-get install cmake g++ pkg-config libglib2.0-dev libzstd-dev)"
done
pkg-config --exists glib-2.0 || die "glib missing (apt-get install libglib2.0-dev)"
[ -d "$MIRROR" ] || die "no libCacheSim snapshot at '$MIRROR'"
# the snapshot lacks some large blobs under data/ (sample traces): leave
# data/ out, the build needs none of it (git archive still names one
# missing blob on stderr, and succeeds)
if [ ! -f "$PREFIX/.unpacked" ]; then
	git --git-dir="$MIRROR" archive HEAD $(git --git-dir="$MIRROR" ls-tree --name-only HEAD | grep -vx data) |
		tar -x -C "$PREFIX" || die "cannot unpack '$MIRROR'"
	: >"$PREFIX/.unpacked"
fi
cmake -S "$PREFIX" -B "$PREFIX/_build" -DCMAKE_BUILD_TYPE=Release >"$PREFIX/cmake.log" 2>&1 ||
	die "cmake failed: see $PREFIX/cmake.log"
make -C "$PREFIX/_build" -j2 cachesim >"$PREFIX/make.log" 2>&1 ||
	die "make failed: see $PREFIX/make.log"
echo "$PREFIX/_build/bin/cachesim"
