#!/bin/bash
# pgtrace cache: arc, lirs, 2q and lfu against slow reference simulators
# written here in Python from libCacheSim's rules (the definitions each
# policy-*.c head comment states), on gen traces and hand-made ones, plus
# tiny traces whose counts are worked out by hand below.
. "$(dirname "$0")/lib-test.sh"

# ref.py POLICY SIZES... < ids: misses at each size, one per line.  Lists
# are Python lists, head (most recent) first; every step is a plain list
# operation, so each rule reads as written, at O(n) a step.
cat >ref.py <<'PY'
import sys

def arc(seq, c, u=1):
    # u: units a page (4096 with --bytes); p moves by at least 1 unit
    n = lambda q: u * len(q)
    t1, t2, b1, b2 = [], [], [], []
    p = 0.0
    miss = 0
    def replace(ghost):
        if (t1 and (n(t1) > p or (n(t1) == p and ghost == "b2"))) or not t2:
            b1.insert(0, t1.pop())
        else:
            b2.insert(0, t2.pop())
    for x in seq:
        if x in t1:
            t1.remove(x); t2.insert(0, x); continue
        if x in t2:
            t2.remove(x); t2.insert(0, x); continue
        miss += 1
        ghost = None
        if x in b1:
            p = min(p + max(n(b2) / n(b1), 1), c); b1.remove(x); ghost = "b1"
        elif x in b2:
            p = max(p - max(n(b1) / n(b2), 1), 0); b2.remove(x); ghost = "b2"
        while n(t1) + n(t2) + u > c:
            if ghost:
                replace(ghost)
            elif n(t1) + n(b1) + u > c:
                if b1:
                    b1.pop(); replace(None)
                else:
                    t1.pop()
            else:
                if n(t1) + n(b1) + n(t2) + n(b2) >= 2 * c and b2:
                    b2.pop()
                replace(None)
        (t2 if ghost else t1).insert(0, x)
    return miss

def lfu(seq, c):
    cache = {}                      # id -> [count, time it reached count]
    miss = 0
    for t, x in enumerate(seq):
        if x in cache:
            cache[x] = [cache[x][0] + 1, t]; continue
        miss += 1
        if len(cache) + 1 > c:
            v = min(cache, key=lambda k: (cache[k][0], cache[k][1]))
            del cache[v]
        cache[x] = [1, t]
    return miss

def twoq(seq, c):
    kin, kout = int(c * 0.25), int(c * 0.5)
    kam = c - kin
    ain, aout, am = [], [], []
    miss = 0
    for x in seq:
        if x in ain:
            continue
        ghost = x in aout
        if ghost:
            aout.remove(x)
        if x in am:
            am.remove(x); am.insert(0, x); continue
        miss += 1
        if 1 > kin:
            continue
        while len(ain) + len(am) + 1 > c:
            if len(ain) > kin:
                v = ain.pop()
                if 1 <= kout:
                    if v not in aout:
                        while len(aout) + 1 > kout:
                            aout.pop()
                        aout.insert(0, v)
            else:
                am.pop()
        if ghost:
            while len(am) + 1 > kam:
                am.pop()
            am.insert(0, x)
        else:
            ain.insert(0, x)
    return miss

def lirs(seq, c):
    h = max(1, int(0.01 * c))
    L = c - h
    S, Q, NH = [], [], []           # ids, top / most recent first
    lir, res = set(), set()         # flags of S entries
    st = {"lirs": 0, "hirs": 0, "occ": 0}
    def s_leave(v):
        S.remove(v); lir.discard(v); res.discard(v)
        if v in NH:
            NH.remove(v)
    def prune():
        while len(S) > 1 and S[-1] not in lir:
            s_leave(S[-1])
    def evict_hir():
        v = Q.pop(); st["hirs"] -= 1; st["occ"] -= 1
        if v in S:
            res.discard(v); NH.insert(0, v)
    def evict_lir():
        v = S[-1]
        st["lirs"] -= 1; s_leave(v); st["occ"] -= 1
        if 1 <= h:
            while st["hirs"] + 1 > h and Q:
                evict_hir()
            if v in Q:
                Q.remove(v)
            Q.insert(0, v); st["hirs"] += 1; st["occ"] += 1
        prune()
    def room_lir(x):
        while st["lirs"] + 1 > L and S and S[-1] != x:
            evict_lir()
    miss = 0
    for x in seq:
        ins, inq = x in S, x in Q
        if ins:
            S.remove(x); S.insert(0, x)
        if inq:
            Q.remove(x); Q.insert(0, x)
        if ins and x in lir:
            prune()
        elif ins and x in res:
            if inq:
                Q.remove(x); st["hirs"] -= 1; st["occ"] -= 1
            room_lir(x)
            lir.add(x); st["lirs"] += 1; st["occ"] += 1
        elif ins:
            miss += 1
            room_lir(x)
            if x in NH:
                NH.remove(x)
            while st["occ"] + 1 > c:
                before = (st["occ"], st["lirs"], st["hirs"])
                while st["hirs"] >= h and Q:
                    evict_hir()
                if S and S[-1] != x:
                    evict_lir()
                if (st["occ"], st["lirs"], st["hirs"]) == before:
                    break
            lir.add(x); res.add(x); st["lirs"] += 1; st["occ"] += 1
        elif inq:
            room_lir(x)
            S.insert(0, x); res.add(x)
        else:
            miss += 1
            if 1 <= L and 1 <= h:
                if st["lirs"] + 1 > L and st["hirs"] + 1 > h:
                    while st["hirs"] + 1 > h and Q:
                        evict_hir()
                while st["occ"] + 1 > c and st["lirs"] + 1 > L and st["hirs"] + 1 > h and Q:
                    evict_hir()
                S.insert(0, x); res.add(x); st["occ"] += 1
                if st["lirs"] + 1 <= L:
                    lir.add(x); st["lirs"] += 1
                else:
                    Q.insert(0, x); st["hirs"] += 1
        while len(S) > 2 * c and NH:
            s_leave(NH[-1])
    return miss

pol = {"arc": arc, "lfu": lfu, "2q": twoq, "lirs": lirs}[sys.argv[1]]
seq = [l.strip() for l in sys.stdin if l.strip()]
for c in sys.argv[2:]:
    if c.endswith("B"):         # bytes, 4096 a page (arc only)
        print(pol(seq, int(c[:-1]), 4096))
    else:
        print(pol(seq, int(c)))
PY

# ids.sh TRACE: the page references, one "path:index" a line
ids() {
	pgtrace dump --format csv --fields path,index,npages "$1" | tail -n +2 |
	awk -F, '{ for (i = 0; i < $NF; i++) print $1 ":" ($2 + i) }'
}

# check POLICY TRACE SIZES...: pgtrace's misses equal ref.py's
check() {
	pol=$1 tr=$2 && shift 2 &&
	ids "$tr" >ids.txt &&
	python3 ref.py "$pol" "$@" <ids.txt >want &&
	pgtrace cache -p "$pol" -s "$(echo "$@" | tr " " ,)" --csv "$tr" >out.csv &&
	tail -n +2 out.csv | cut -d, -f5 >got &&
	test "$(tail -n +2 out.csv | cut -d, -f4 | sort -u)" = "$(wc -l <ids.txt)" &&
	test_cmp want got
}

# a trace of pages from CSV text: hand ID... (single letters a..z -> index)
hand() {
	out=$1 && shift &&
	{ echo ts,index; i=1; for p in "$@"; do
		echo "$i,$(printf %d "'$p")"; i=$((i + 1)); done; } >hand.csv &&
	pgtrace import --format csv -o "$out" hand.csv
}

test_expect_success 'setup: gen traces and hand-made ones' '
	pgtrace gen -p zipf -n 20000 --pages 3000 --alpha 0.9 --seed 3 -o z.pgt &&
	pgtrace gen -p zipf -n 20000 --pages 3000 --alpha 1.3 --seed 4 -o z13.pgt &&
	pgtrace gen -p mix -n 20000 --pages 1500 --seed 5 -o mix.pgt &&
	pgtrace gen -p loop -n 10000 --pages 2000 --period 300 --seed 6 -o loop.pgt &&
	hand one.pgt a a a a a a a a &&
	hand rep.pgt a a a b b b c c c a a a b b b d d d a a a c c c b b &&
	hand scan.pgt a b c d e f g a b c d e f g h a b c d e f g h i a b c &&
	test "$(ids one.pgt | sort -u | wc -l)" = 1
'

SIZES="1 2 3 4 5 8 20 100 300 1000 3000 5000"
for pol in arc lirs 2q lfu; do
	test_expect_success "$pol: the reference's misses on zipf, mix and loop traces, sizes 1 to above the footprint" "
		check $pol z.pgt $SIZES &&
		check $pol z13.pgt $SIZES &&
		check $pol mix.pgt $SIZES &&
		check $pol loop.pgt 1 2 50 299 300 301 320 2000 3000
	"
	test_expect_success "$pol: repeated references, a scan, a single page" "
		check $pol rep.pgt 1 2 3 4 5 10 &&
		check $pol scan.pgt 1 2 3 4 6 8 9 20 &&
		check $pol one.pgt 1 2 3
	"
done

test_expect_success 'a single page: one miss, except where libCacheSim admits nothing' '
	# lirs at 1 unit has no room for LIR blocks and 2q under 4 units has
	# A1in of 0 units: they never insert, every request misses
	pgtrace cache -p arc,lirs,2q,lfu -s 1,4 --csv one.pgt | tail -n +2 | cut -d, -f1,2,5 >got &&
	printf "%s\n" arc,1,1 arc,4,1 lirs,1,8 lirs,4,1 2q,1,8 2q,4,1 lfu,1,1 lfu,4,1 >want &&
	test_cmp want got
'

# ARC, c = 2, "a a b c b c":
#   a miss, T1=[a];  a hit, T2=[a];  b miss, T1=[b]
#   c miss: full; |T1|+|B1|+1 = 2 is not > c, REPLACE with p = 0:
#     |T1| = 1 > p, so b goes to B1; T1=[c] T2=[a] B1=[b]
#   b miss, a B1 ghost: p = min(0 + max(|B2|/|B1| = 0, 1), 2) = 1;
#     REPLACE: |T1| = 1 is not > p = 1, so T2's a goes to B2; T2=[b]
#   c hit: p = 1 kept c in T1.  4 misses; with p fixed at 0, c would
#   have gone to B1 and missed again (5).
test_expect_success 'arc: a B1 ghost hit raises p and T1 keeps its page' '
	hand arc.pgt a a b c b c &&
	test "$(pgtrace cache -p arc -s 2 --csv arc.pgt | tail -1 | cut -d, -f5)" = 4
'

# LIRS, c = 3: Lhirs = max(1, 0) = 1, Llirs = 2.  "a b c d c a b a":
#   a, b miss: LIR.  c miss: LIR full, resident HIR, S=[c b a] Q=[c]
#   d miss: both full: Q's c evicted, non-resident in S (NH=[c]);
#     d resident HIR: S=[d c b a] Q=[d]
#   c miss, non-resident HIR in S: turns LIR.  S=[c d b a]; a, S's bottom
#     LIR, is demoted to Q (evicting d from Q: non-resident);  c is LIR,
#     S=[c d b] Q=[a]
#   a hit (resident HIR in Q): libCacheSim demotes b (Q's a is evicted
#     making room: a stays in S as an uncounted resident HIR), S=[a c]
#   b hit (in Q), a hit (resident in S: turns LIR).  5 misses; LRU of 3
#   pages misses 6 on "a b c d c a b".
test_expect_success 'lirs: a HIR block reused within the LIR reuse distance turns LIR' '
	hand lirs.pgt a b c d c a b a &&
	test "$(pgtrace cache -p lirs -s 3 --csv lirs.pgt | tail -1 | cut -d, -f5)" = 5 &&
	hand lru.pgt a b c d c a b &&
	test "$(pgtrace cache -p lru -s 3 --csv lru.pgt | tail -1 | cut -d, -f5)" = 6
'

# 2Q, c = 4: Kin = 1, Kout = 2, Am up to 3.  "a b a c d e a a":
#   a b miss into A1in; a hit there (no move); c d miss: A1in=[d c b a]
#   e miss: full, A1in holds 4 > Kin: a goes to A1out; A1in=[e d c b]
#   a miss, found in A1out: b goes to A1out, a enters Am
#   a hit in Am.  6 misses.
test_expect_success '2q: a page seen again after A1in goes to Am' '
	hand 2q.pgt a b a c d e a a &&
	test "$(pgtrace cache -p 2q -s 4 --csv 2q.pgt | tail -1 | cut -d, -f5)" = 6
'

# LFU, c = 2, "a b b a c b":
#   a b miss; b hit (2), a hit (2): a tie, b reached 2 first
#   c miss evicts b (the least recent of count 2);  b misses again.
#   4 misses; evicting the most recent, or the first inserted, of the
#   lowest count would evict a and b would hit (3).
test_expect_success 'lfu: of the least frequent, the least recent goes' '
	hand lfu.pgt a b b a c b &&
	test "$(pgtrace cache -p lfu -s 2 --csv lfu.pgt | tail -1 | cut -d, -f5)" = 4
'

# --bytes: every policy evicts until the object fits.  lfu and 2q count
# as with pages (their shares of 100 and 1000 pages are whole pages);
# arc moves p by at least one unit, now a byte, so it differs from pages
# and is checked against the reference in bytes; lirs's HIR share of a
# 32K cache, 327 bytes, is under a page, so it admits nothing there (as
# libCacheSim in bytes).
test_expect_success '--bytes: objects evicted until the new one fits' '
	pgtrace cache -p 2q,lfu -s 100,1000 --csv z.pgt | tail -n +2 | cut -d, -f1,5 >pages &&
	pgtrace cache -p 2q,lfu --bytes -s 400K,4000K --csv z.pgt | tail -n +2 | cut -d, -f1,5 >bytes &&
	test_cmp pages bytes &&
	ids z.pgt >ids.txt &&
	python3 ref.py arc 32768B 409600B 4096000B <ids.txt >want &&
	pgtrace cache -p arc --bytes -s 32K,400K,4000K --csv z.pgt | tail -n +2 | cut -d, -f5 >got &&
	test_cmp want got &&
	pgtrace cache -p lirs --bytes -s 32K --csv z.pgt | tail -n +2 | cut -d, -f4,5 >got &&
	test "$(cat got)" = 20000,20000
'

test_done
