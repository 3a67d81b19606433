#!/bin/bash
# Snapshot bench: pgtrace snap against vmtouch, fincore and dd in one run.
#   - a tree of 2,001 names (hard link, symlink, sparse files) in a known
#     cache state: pgtrace snap file -R vs vmtouch vs fincore (find|xargs)
#   - a 64 GiB sparse file with 64 MiB of data: pgtrace vs vmtouch vs fincore
#   - the full PFN walk vs dd of /proc/kpageflags (the single-reader limit)
# Times are the minimum of RUNS runs (wall clock, process start included).
# Needs root (PFN walk, dropping caches of the bench files only).
set -u
cd "$(dirname "$0")/.." || exit 1
P=$(pwd)/pgtrace
RUNS=${RUNS:-15}
D=${PGT_BENCH_DIR:-$(mktemp -d /var/tmp/pgt-snapbench.XXXXXX)}
trap 'rm -rf "$D"' EXIT
command -v vmtouch >/dev/null || { echo "bench/snap: vmtouch missing (make deps)"; exit 1; }

now() { date +%s%N; }
# best TIME_NS of RUNS runs of "$@" (output discarded)
best() {
	local b=0 t0 t1 i
	for i in $(seq "$RUNS"); do
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		t=$((t1 - t0)); if [ $b = 0 ] || [ $t -lt $b ]; then b=$t; fi
	done
	echo $b
}
ms() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
drop() { python3 -c 'import os,sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"; }

echo "== building the tree in $D"
T=$D/tree
mkdir -p "$T"
python3 - "$T" <<'EOF'
import os, random, sys
root = sys.argv[1]
random.seed(42)
names = []
for d in range(20):
    for sub in ("", "/sub"):
        os.makedirs(f"{root}/d{d:02d}{sub}", exist_ok=True)
i = 0
for d in range(20):
    for sub in ("", "/sub"):
        for k in range(50):
            p = f"{root}/d{d:02d}{sub}/f{i:04d}"
            if i < 10:                      # 10 files of 40 MiB, 3 sparse
                with open(p, "wb") as f:
                    if i < 3:
                        for e in range(8):
                            f.seek(e * 5 * 1024 * 1024); f.write(os.urandom(512 * 1024))
                        f.truncate(40 << 20)
                    else:
                        f.write(os.urandom(40 << 20))
            elif i < 49:                    # 39 sparse 1 MiB: 64 KiB head and tail
                with open(p, "wb") as f:
                    f.write(os.urandom(65536)); f.seek((1 << 20) - 65536); f.write(os.urandom(65536))
            else:
                with open(p, "wb") as f:
                    f.write(os.urandom(4096 * random.randint(1, 160) - random.randint(0, 4000)))
            names.append(p); i += 1
os.link(names[5], f"{root}/hardlink")
os.symlink(names[6], f"{root}/symlink")
# cache state: even files fully read, every third odd file half read,
# 40 MiB files a quarter read, sparse files fully read (holes included)
for i, p in enumerate(names):
    fd = os.open(p, os.O_RDONLY); size = os.fstat(fd).st_size
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    if i < 10 and i >= 3: want = size // 4
    elif i < 49 or i % 2 == 0: want = size
    elif i % 3 == 0: want = size // 2
    else: want = 0
    off = 0
    while off < want:
        n = len(os.pread(fd, min(1 << 20, want - off), off)); off += n
        if n == 0: break
    os.close(fd)
EOF
sync
nfiles=$(find "$T" -type f | wc -l)
truth=$("$P" snap file -R --summary --json "$T" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["cached"])')
echo "tree: $nfiles files (+1 hard link, +1 symlink), pgtrace counts $truth cached pages"

t_pg=$(best "$P" snap file -R --summary "$T")
t_pg1=$(best "$P" snap file -R --summary -j 1 "$T")
t_vm=$(best vmtouch "$T")
t_fc=$(best sh -c "find '$T' -type f -print0 | xargs -0 fincore -b -n -o PAGES")
vm_pages=$(vmtouch "$T" | awk '/Resident Pages/ { split($3, a, "/"); print a[1] }')
fc_pages=$(find "$T" -type f -print0 | xargs -0 fincore -b -n -o PAGES | awk '{ s += $1 } END { print s }')
fastest=$t_vm; [ "$t_fc" -lt "$fastest" ] && fastest=$t_fc

echo "== 64 GiB sparse file"
S=$D/sparse64g
python3 - "$S" <<'EOF'
import os, sys
p = sys.argv[1]
with open(p, "wb") as f:
    for e in range(8):                      # 8 x 8 MiB of data = 64 MiB
        f.seek(e * (8 << 30)); f.write(os.urandom(8 << 20))
    f.truncate(64 << 30)
fd = os.open(p, os.O_RDONLY)
for e in range(8):                          # read the data and 4 MiB of hole after it
    off = e * (8 << 30)
    for o in range(off, off + (12 << 20), 1 << 20): os.pread(fd, 1 << 20, o)
os.close(fd)
EOF
s_pg=$(best "$P" snap file "$S")
s_vm=$(best vmtouch "$S")
s_fc=$(best fincore -b -n -o PAGES "$S")
s_ver=$(best "$P" --version)
s_pages=$("$P" snap file --json "$S" | python3 -c 'import json,sys; f=json.load(sys.stdin)["files"][0]; print(f["cached"], f["cached_in_holes"])')

echo "== PFN walk"
if [ "$(id -u)" = 0 ]; then
	p_dd=$(RUNS=5 best dd if=/proc/kpageflags of=/dev/null bs=512K)
	p_pg=$(RUNS=5 best "$P" snap pfn -j 2)
	p_pg1=$(RUNS=5 best "$P" snap pfn -j 1)
	frames=$("$P" snap pfn --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["walked"])')
	array=$(( $(dd if=/proc/kpageflags bs=512K 2>/dev/null | wc -c) / 8 ))
fi

echo
echo "== snapshot bench (min of $RUNS runs; wall time with process start)"
printf "%-44s %10s %10s\n" "what" "ms" "vs pgtrace"
printf "%-44s %10s %10s\n" "tree: pgtrace snap file -R (2 threads)" "$(ms $t_pg)" "1.00"
printf "%-44s %10s %10s\n" "tree: pgtrace snap file -R -j 1" "$(ms $t_pg1)" "$(ratio $t_pg1 $t_pg)"
printf "%-44s %10s %10s\n" "tree: vmtouch DIR ($vm_pages pages)" "$(ms $t_vm)" "$(ratio $t_vm $t_pg)"
printf "%-44s %10s %10s\n" "tree: find | xargs fincore ($fc_pages pages)" "$(ms $t_fc)" "$(ratio $t_fc $t_pg)"
echo "tree: pgtrace $truth pages; speed-up over the fastest peer $(ratio $fastest $t_pg)x (target 1.5x)"
printf "%-44s %10s %10s\n" "sparse 64G: pgtrace snap file" "$(ms $s_pg)" "1.00"
printf "%-44s %10s %10s\n" "sparse 64G: vmtouch" "$(ms $s_vm)" "$(ratio $s_vm $s_pg)"
printf "%-44s %10s %10s\n" "sparse 64G: fincore" "$(ms $s_fc)" "$(ratio $s_fc $s_pg)"
printf "%-44s %10s\n" "process start alone (pgtrace --version)" "$(ms $s_ver)"
echo "sparse 64G: pgtrace cached, cached_in_holes = $s_pages; snapshot work (minus pgtrace's own start) $(ms $((s_pg - s_ver))) ms; whole command $(ms $s_pg) ms (target < 1 ms)"
if [ -n "${p_dd:-}" ]; then
	printf "%-44s %10s %10s\n" "pfn: dd /proc/kpageflags bs=512K ($array)" "$(ms $p_dd)" "$(ratio $p_dd $p_pg)"
	printf "%-44s %10s %10s\n" "pfn: pgtrace snap pfn -j 2 ($frames frames)" "$(ms $p_pg)" "1.00"
	printf "%-44s %10s %10s\n" "pfn: pgtrace snap pfn -j 1" "$(ms $p_pg1)" "$(ratio $p_pg1 $p_pg)"
	echo "pfn: frames/s pgtrace $(awk -v f=$frames -v t=$p_pg 'BEGIN{printf "%.1f M", f/t*1e3}'), dd $(awk -v f=$array -v t=$p_dd 'BEGIN{printf "%.1f M", f/t*1e3}'); speed-up $(ratio $p_dd $p_pg)x over the single-reader limit (target 1.6x)"
else
	echo "pfn: skipped (needs root)"
fi
