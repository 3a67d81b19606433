#!/bin/bash
# pgtrace cache -p linux: the model of this kernel's file LRU (two lists,
# promotion on the second access, refault activation through shadow
# entries, the inactive/active balance) on hand-worked traces whose
# counts are derived below, and against a slow reference model written
# here in Python, independently of lib/analysis/policy-linux.c.
#
# Notation in the derivations: I[...] and A[...] are the inactive and
# active lists, head first; "age" the nonresident age (evictions and
# activations so far); a page read a second time while inactive moves to
# A and advances the age; reclaim first moves A's tail to I's head while
# |I| < |A| (caches below 1 GB), then evicts I's tail, whose shadow keeps
# the age before the eviction; a refault comes back active when
# age now - shadow <= |A|.
. "$(dirname "$0")/lib-test.sh"

# mk NAME PAGE...: a trace of one lookup per page of one file
mk() {
	local name=$1 i=0 p
	shift
	printf "type,path,index,ts\n" >"$name.csv"
	for p in "$@"; do echo "lookup,/a,$p,$i.0" >>"$name.csv"; i=$((i + 1)); done
	pgtrace import --format csv -o "$name.pgt" "$name.csv"
}
# misses TRACE POLICY SIZE
misses() {
	pgtrace cache -p "$2" -s "$3" --csv "$1.pgt" | awk -F, 'NR == 2 { print $5 }'
}

# (a) 1 2 1 2: both promoted (A[2 1], age 2).  The scan 10..15 misses six
# times: 10, 11 fill the cache; from 12 on, |I| = 2 = |A|, not low, so
# each miss evicts I's tail (10, 11, 12, 13) and A is untouched.  1 and 2
# then hit: 2 + 6 = 8 misses.  LRU: the scan pushes 1 and 2 out (10..13
# fill it), 1 and 2 miss again: 2 + 6 + 2 = 10.
test_expect_success 'promotion on the second access; a scan does not flush the promoted pages' '
	mk a 1 2 1 2 10 11 12 13 14 15 1 2 &&
	test "$(misses a linux 4)" = 8 &&
	test "$(misses a lru 4)" = 10
'

# (b) within: 1 2 1 2 -> A[2 1], age 2.  3, 4 fill I[4 3]; 5 evicts 3
# (shadow 2, age 3), I[5 4].  3 refaults: reclaim first evicts 4 (age 4);
# distance 4 - 2 = 2 <= |A| = 2: 3 comes back active, A[3 2 1], age 5,
# I[5].  6: |I| 1 < |A| 3, so 1 moves to I[1 5], A[3 2]; 5 is evicted;
# I[6 1].  7 evicts 1, I[7 6].  3 hits (it is active): 8 misses.  Had 3
# come back inactive (I[3 5]), 6 would evict 5 and 7 would evict 3, and
# the last 3 would miss (9).
test_expect_success 'refault within the workingset size: the page comes back active' '
	mk bin 1 2 1 2 3 4 5 3 6 7 3 &&
	test "$(misses bin linux 4)" = 8
'
# beyond: 1 2 1 2 3 4 5 6: 5 evicts 3 (shadow 2, age 3), 6 evicts 4 (age
# 4).  3 refaults: reclaim evicts 5 (age 5); distance 5 - 2 = 3 > |A| = 2:
# inactive, I[3 6].  7 evicts 6, I[7 3]; 8 evicts 3; 3 misses again.
# Misses: 1 2 3 4 5 6 3 7 8 3 = 10.
test_expect_success 'refault beyond the workingset size: the page comes back inactive' '
	mk bout 1 2 1 2 3 4 5 6 3 7 8 3 &&
	test "$(misses bout linux 4)" = 10
'

# (c) 1 2 3 4 1 2 3 4: all four promoted, A[4 3 2 1], I[], age 4.  5:
# reclaim finds I empty and low: 1 then 2 move to I[2 1] (then |I| = 2 =
# |A|); 1 is evicted (shadow 4, age 5); I[5 2].  6, 7, 8 evict 2, 5, 6
# (ages 6, 7, 8); I[8 7], A[4 3].  1 refaults: 7 is evicted (age 9);
# distance 9 - 4 = 5 > 2: inactive I[1 8].  2: 8 evicted (age 10),
# distance 10 - 5 = 5 > 2: I[2 1].  3, 4 hit: they are what the active
# half kept.  Misses 4 + 4 + 2 = 10; LRU 4 + 4 + 4 = 12.
test_expect_success 'the inactive/active balance: the active list keeps half of a small cache' '
	mk c 1 2 3 4 1 2 3 4 5 6 7 8 1 2 3 4 &&
	test "$(misses c linux 4)" = 10 &&
	test "$(misses c lru 4)" = 12
'

# (d) corner cases.  Size 1: every new page evicts the only one, and a
# refault's distance is above |A| = 0: 1 2 1 2 1 all miss.
test_expect_success 'size 1: alternating pages always miss' '
	mk d1 1 2 1 2 1 &&
	test "$(misses d1 linux 1)" = 5
'
test_expect_success 'a single page repeated: one miss at any size' '
	mk d2 7 7 7 7 7 7 7 7 &&
	for s in 1 2 100; do test "$(misses d2 linux $s)" = 1 || return 1; done
'
test_expect_success 'size >= footprint: the cold misses only' '
	mk d3 1 2 3 1 2 3 4 5 1 5 4 3 2 1 &&
	test "$(misses d3 linux 5)" = 5 && test "$(misses d3 linux 50)" = 5
'
# 1 1 1 2 3 1 at size 2: the repeats of 1 are reads inside the page the
# previous read ended in, which filemap_read() does not mark again: 1
# stays inactive with PG_referenced.  2 fills I[2 1]; 3 evicts 1 (a
# referenced inactive page is reclaimed all the same); 1 misses.  4
# misses; had the repeats promoted 1, 3 would have evicted 2 and 1 hit.
test_expect_success 'repeated reads of one page in a row do not promote it' '
	mk d4 1 1 1 2 3 1 &&
	test "$(misses d4 linux 2)" = 4
'

# The reference model: lists as Python lists (index 0 the head), every
# step spelled out; slow and plain.
cat >ref.py <<'EOF'
import csv, math, sys

def simulate(refs, cap):
    inactive, active = [], []     # heads first
    referenced, workingset = set(), set()
    shadow = {}                   # page -> (age at eviction, workingset)
    age = 0
    misses = 0
    last = None

    def low():
        total = len(inactive) + len(active)
        gb = total // 262144
        ratio = math.isqrt(10 * gb) if gb else 1
        return len(inactive) * ratio < len(active)

    def mark(p):
        nonlocal age
        if p not in referenced:
            referenced.add(p)
        elif p in inactive:
            inactive.remove(p)
            active.insert(0, p)
            referenced.discard(p)
            age += 1

    for p in refs:
        repeat = p == last
        last = p
        if p in inactive or p in active:
            if not repeat:
                mark(p)
            continue
        misses += 1
        while len(inactive) + len(active) + 1 > cap:
            while active and (not inactive or low()):
                q = active.pop()
                workingset.add(q)
                inactive.insert(0, q)
            q = inactive.pop()
            shadow[q] = (age, q in workingset)
            age += 1
            referenced.discard(q)
            workingset.discard(q)
        is_active = False
        if p in shadow:
            when, ws = shadow.pop(p)
            if age - when <= len(active):
                is_active = True
                age += 1
                if ws:
                    workingset.add(p)
        (active if is_active else inactive).insert(0, p)
        mark(p)
    return misses

rows = csv.DictReader(open(sys.argv[1]))
refs = []
for r in rows:
    for k in range(int(r["npages"])):
        refs.append((r["dev"], r["ino"], int(r["index"]) + k))
for s in sys.argv[2:]:
    print("linux,%s,%d" % (s, simulate(refs, int(s))))
EOF

check_ref() { # NAME SIZES
	pgtrace dump --format csv "$1.pgt" >"$1.dump" &&
	python3 ref.py "$1.dump" $(echo "$2" | tr , " ") >"$1.expect" &&
	pgtrace cache -p linux -s "$2" --csv "$1.pgt" | awk -F, "NR > 1 { print \$1 \",\" \$2 \",\" \$5 }" >"$1.got" &&
	test_cmp "$1.expect" "$1.got"
}

test_expect_success 'the reference model reproduces the hand-worked counts' '
	for t in "a 4 8" "bin 4 8" "bout 4 10" "c 4 10" "d1 1 5" "d2 1 1" "d3 5 5" "d4 2 4"; do
		set -- $t &&
		pgtrace dump --format csv $1.pgt >$1.dump &&
		test "$(python3 ref.py $1.dump $2)" = "linux,$2,$3" || return 1
	done
'
test_expect_success 'zipf (30 K refs, 3000 pages) at 1, 2, 10, 100, 700, 2000, 3000, 5000 pages' '
	pgtrace gen -p zipf --alpha 0.9 -n 30000 --pages 3000 --seed 3 -o z.pgt &&
	check_ref z 1,2,10,100,700,2000,3000,5000
'
test_expect_success 'a loop of 1000 pages (20 K refs) below and above its length' '
	pgtrace gen -p loop --period 1000 -n 20000 --pages 4000 --seed 4 -o l.pgt &&
	check_ref l 10,500,999,1000,1001,1500
'
test_expect_success 'hot-cold (20 K refs, 4000 pages) and uniform' '
	pgtrace gen -p hot-cold -n 20000 --pages 4000 --seed 5 -o h.pgt &&
	check_ref h 50,400,1000,2500 &&
	pgtrace gen -p uniform -n 15000 --pages 2000 --seed 6 -o u.pgt &&
	check_ref u 3,300,1200,2000
'
test_expect_success 'mix (several files, multi-page events, 30 K events)' '
	pgtrace gen -p mix -n 30000 --seed 7 --pages 3000 -o m.pgt &&
	check_ref m 100,1000,4000
'
test_expect_success 'with repeats: every page read twice in a row' '
	pgtrace dump --format csv z.pgt | awk -F, "NR == 1 || NR < 8000 { print; if (NR > 1) print }" >rr.csv &&
	pgtrace import --format csv -o rr.pgt rr.csv &&
	check_ref rr 1,50,500
'
# --bytes weighs each reference by its size, a page here: the same
# caches in bytes must make the same misses (the age and the workingset
# size count objects, the balance bytes: the same decisions).
test_expect_success '--bytes on a page trace: the same misses as in pages' '
	pgtrace cache -p linux -s 10,700,2000 --csv z.pgt | cut -d, -f5 | tail -n +2 >pages &&
	pgtrace cache -p linux --bytes -s 40960,2867200,8192000 --csv z.pgt | cut -d, -f5 | tail -n +2 >bytes &&
	test_cmp pages bytes && test "$(wc -l <pages)" = 3
'
test_done
