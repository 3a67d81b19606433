#!/bin/sh
# make demo: the main job on a built-in default.
#
# As root with tracefs: a built-in workload (a sequential read, random
# reads, a loop over a file, mmap access, a file deleted midway) runs
# under `pgtrace record`; snapshots of its files are taken before and
# after; the trace's summary goes to summary.txt and every chart to
# report.html.  Without root or tracefs it says so and does the same
# with a generated trace.
set -e
cd "$(dirname "$0")/.."
P=$(pwd)/pgtrace
out=${DEMO_DIR:-demo-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
trace=$out/run.pgt

can_record() {
	[ "$(id -u)" = 0 ] || { echo "demo: not root: recording needs root (CAP_SYS_ADMIN for tracefs)"; return 1; }
	grep -qw tracefs /proc/filesystems ||
		{ echo "demo: this kernel has no tracefs: recording is not possible here"; return 1; }
	return 0
}

if can_record; then
	work=$out/work
	rm -rf "$work"
	mkdir -p "$work"
	echo "== making the workload's files in $work"
	dd if=/dev/urandom of="$work/sequential.dat" bs=1M count=64 status=none
	dd if=/dev/urandom of="$work/random.dat" bs=1M count=32 status=none
	dd if=/dev/urandom of="$work/loop.dat" bs=1M count=8 status=none
	dd if=/dev/urandom of="$work/mapped.dat" bs=1M count=16 status=none
	dd if=/dev/urandom of="$work/deleted.dat" bs=1M count=8 status=none
	sync
	# start cold: the files' pages leave the page cache
	python3 - "$work"/*.dat <<-\EOF
	import os, sys
	for p in sys.argv[1:]:
	    fd = os.open(p, os.O_RDONLY)
	    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
	    os.close(fd)
	EOF
	cat >"$work/workload.py" <<-\EOF
	# The demo's workload: one phase per access pattern.
	import mmap, os, random, sys, time
	w = sys.argv[1]
	def pause():
	    time.sleep(0.2)
	# 1. sequential read, 64 KiB at a time
	with open(f"{w}/sequential.dat", "rb", buffering=0) as f:
	    while f.read(65536):
	        pass
	pause()
	# 2. random 4 KiB reads
	rnd = random.Random(7)
	fd = os.open(f"{w}/random.dat", os.O_RDONLY)
	pages = os.fstat(fd).st_size // 4096
	for _ in range(20000):
	    os.pread(fd, 4096, rnd.randrange(pages) * 4096)
	os.close(fd)
	pause()
	# 3. a loop: the same file read five times over
	for _ in range(5):
	    with open(f"{w}/loop.dat", "rb", buffering=0) as f:
	        while f.read(16384):
	            pass
	pause()
	# 4. mmap: every fourth page touched, twice
	with open(f"{w}/mapped.dat", "rb") as f:
	    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
	    for _ in range(2):
	        for off in range(0, len(m), 4 * 4096):
	            m[off]
	    m.close()
	pause()
	# 5. a file read half, deleted, then read to the end through its descriptor
	fd = os.open(f"{w}/deleted.dat", os.O_RDONLY)
	size = os.fstat(fd).st_size
	os.pread(fd, size // 2, 0)
	os.unlink(f"{w}/deleted.dat")
	off = size // 2
	while off < size:
	    off += len(os.pread(fd, 65536, off))
	os.close(fd)
	EOF
	echo "== pgtrace snap file $work   (before: all cold)"
	"$P" snap file -R "$work"
	echo
	echo "== pgtrace record -o $trace -- python3 workload.py"
	"$P" record --force -o "$trace" -- python3 "$work/workload.py" "$work"
	echo
	echo "== pgtrace snap file $work   (after)"
	"$P" snap file -R "$work"
else
	echo "demo: using a generated trace instead (pgtrace gen -p mix)"
	"$P" gen -p mix -n 2M --files 4 --pids 3 --seed 1 -o "$trace" --force
fi
echo
echo "== pgtrace info $trace"
"$P" info "$trace"
echo
echo "== pgtrace stats $trace > $out/summary.txt; pgtrace phase $trace >> $out/summary.txt"
"$P" stats --top 8 "$trace" >"$out/summary.txt"
echo >>"$out/summary.txt"
"$P" phase "$trace" >>"$out/summary.txt"
sed -n '1,40p' "$out/summary.txt"
echo "   ... (the rest in $out/summary.txt)"
echo
echo "== pgtrace report -o $out/report.html $trace"
"$P" report --force -o "$out/report.html" "$trace"
echo "demo: open $out/report.html in a browser (it works offline)"
