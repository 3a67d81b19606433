#!/bin/bash
# pgtrace cache -p clock,sieve,s3fifo: each policy against a slow,
# obviously-correct reference simulator in Python (lists scanned and
# summed on every request), on gen traces and hand-made ones, at sizes
# from 1 to past the footprint, in pages and in bytes; and a few tiny
# traces whose miss counts were worked out by hand.  The definitions are
# libCacheSim's (Clock.c with a 1-bit counter, Sieve.c, S3FIFO.c with its
# defaults); libCacheSim itself is not needed here.
. "$(dirname "$0")/lib-test.sh"

# The reference simulators and the comparison, written into the trash
# directory.
cat >ref.py <<'PYEOF'
import csv, sys

# Every queue is a Python list, oldest first (index 0 is the tail,
# the end a FIFO evicts from; new objects are appended).

def used(q, size):
    return sum(size[k] for k in q)

def clock(seq, cap):
    q, bit, size, miss = [], {}, {}, 0
    for k, s in seq:
        size.setdefault(k, s)
        if s > cap:
            miss += 1
            continue
        if k in bit:
            bit[k] = 1
            continue
        miss += 1
        while used(q, size) + s > cap:
            # a marked tail loses its mark and goes to the head
            while bit[q[0]]:
                bit[q[0]] = 0
                q.append(q.pop(0))
            del bit[q.pop(0)]
        q.append(k)
        bit[k] = 0
    return miss

def sieve(seq, cap):
    q, vis, size, miss = [], {}, {}, 0
    hand = None     # an index into q; None: start at the tail
    for k, s in seq:
        size.setdefault(k, s)
        if s > cap:
            miss += 1
            continue
        if k in vis:
            vis[k] = 1
            continue
        miss += 1
        while used(q, size) + s > cap:
            i = 0 if hand is None else hand
            while vis[q[i]]:
                vis[q[i]] = 0
                i = i + 1 if i + 1 < len(q) else 0   # towards the head, wrapping
            del vis[q.pop(i)]
            # the hand rests on the evicted object head-side neighbour,
            # which now sits at index i; none if it was the head
            hand = i if i < len(q) else None
        q.append(k)
        vis[k] = 0
    return miss

def s3fifo(seq, cap):
    scap = int(cap * 0.10)          # libCacheSim: double, truncated
    mcap = cap - scap
    gcap = int(cap * 0.90)
    S, M, G, freq, size, miss = [], [], [], {}, {}, 0
    for k, s in seq:
        size.setdefault(k, s)
        if s > cap:
            miss += 1
            continue
        if k in S or k in M:
            freq[k] += 1
            continue
        miss += 1
        ghost = k in G
        if ghost:
            G.remove(k)
        if s > scap:
            continue                # cannot be admitted at all
        while used(S, size) + used(M, size) + s > cap:
            if used(M, size) > mcap or not S:
                # main: CLOCK with a 2-bit counter
                while True:
                    t = M.pop(0)
                    if freq[t] == 0:
                        del freq[t]
                        break
                    freq[t] = min(freq[t], 3) - 1
                    M.append(t)
            else:
                # small: promote the reused, evict one into the ghost
                while S:
                    t = S.pop(0)
                    if freq[t] >= 2:
                        freq[t] = 0
                        M.append(t)
                        continue
                    del freq[t]
                    if size[t] <= gcap:
                        while used(G, size) + size[t] > gcap:
                            G.pop(0)
                        G.append(t)
                    break
        if ghost:
            M.append(k)
        elif s < scap:
            S.append(k)
        else:
            continue                # room made, not inserted (as libCacheSim)
        freq[k] = 0
    return miss

# seq.csv: key,size per reference; the sizes come on the command line
seq = [(r[0], int(r[1])) for r in csv.reader(open(sys.argv[1]))]
for name, f in (("clock", clock), ("sieve", sieve), ("s3fifo", s3fifo)):
    for c in sys.argv[2].split(","):
        print("%s,%s,%d" % (name, c, f(seq, int(c))))
PYEOF
# check TRACE SIZES [--bytes]: pgtrace against ref.py, misses per
# policy and size; the key of a reference is its object and page
check() {
	if test -n "$3"; then
		pgtrace dump --format csv --fields obj,index,aux "$1" | sed 1d |
			awk -F, '{print $1 ":" $2 "," $3}' >seq.csv
	else
		pgtrace dump --format csv --fields obj,index,npages "$1" | sed 1d |
			awk -F, '$3 != 1 {exit 1} {print $1 ":" $2 ",1"}' >seq.csv || return 1
	fi
	$PY ref.py seq.csv "$2" >expect &&
	pgtrace cache -p clock,sieve,s3fifo -s "$2" $3 --csv "$1" |
		sed 1d | cut -d, -f1,2,5 >actual &&
	test_cmp expect actual
}

# the footprints below: zipf 1.2 over 400 pages touches fewer; the sizes
# always run past the footprint (check.sh compares whatever it is)
test_expect_success 'zipf 0.8, 1.0, 1.3: the references agree at every size' '
	for a in 0.8 1.0 1.3; do
	    pgtrace gen -p zipf --alpha $a -n 4000 --pages 600 --seed 3 -o z.pgt -f &&
	    check z.pgt 1,2,3,5,9,10,11,19,20,21,37,64,100,250,599,600,700 || return 1
	done
'
test_expect_success 'mix, loop, hot-cold: the references agree' '
	pgtrace gen -p mix -n 4000 --pages 300 --seed 4 -o m.pgt &&
	check m.pgt 1,2,10,19,20,40,100,400,1300,5000 &&
	pgtrace gen -p loop --period 90 -n 3000 --pages 300 --seed 1 -o l.pgt &&
	check l.pgt 1,10,20,45,89,90,91,200 &&
	pgtrace gen -p hot-cold -n 4000 --pages 800 --seed 6 -o h.pgt &&
	check h.pgt 1,5,20,30,80,300,800,900
'

# hand-made traces: one key per line (the page index), from CSV
mk() {
	{ echo ts,type,index,aux; awk "{print NR \",reference,\" \$1 \",\" (\$2 ? \$2 : 4096)}"; } >"$1.csv" &&
	pgtrace import --format csv -o "$1.pgt" -f "$1.csv"
}
misses() {	# misses POLICY SIZE TRACE
	pgtrace cache -p "$1" -s "$2" --csv "$3" | sed -n 2p | cut -d, -f5
}

test_expect_success 'a single page, repeated: one miss (s3fifo: none kept below 20)' '
	for i in $(seq 1 50); do echo 7; done | mk one &&
	check one.pgt 1,2,9,10,19,20,100 &&
	test "$(misses clock 1 one.pgt)" = 1 && test "$(misses sieve 1 one.pgt)" = 1 &&
	test "$(misses s3fifo 19 one.pgt)" = 50 && test "$(misses s3fifo 20 one.pgt)" = 1
'
test_expect_success 'runs of repeated references between others' '
	for i in $(seq 1 300); do
	    p=$(( (i * 7919) % 37 )); r=$(( i % 5 + 1 ))
	    for j in $(seq 1 $r); do echo $p; done
	done | mk runs &&
	check runs.pgt 1,2,3,10,11,20,21,30,36,37,38,60
'
test_expect_success 'byte sizes: objects of several sizes, evicted until the new one fits' '
	for i in $(seq 1 1500); do
	    p=$(( (i * i * 31 + i) % 97 )); echo "$p $(( (p % 7 + 1) * 1000 ))"
	done | mk bytes &&
	check bytes.pgt 999,1000,4000,7000,9999,10000,20000,50000,70000,200000,500000 --bytes
'

# Worked by hand (queues written oldest first, capacity in pages):
#
# SIEVE, 3 pages, A B C A B D E D F G D:
#   A B C miss [A B C]; A, B hit (visited).  D: the hand starts at the
#   tail: A visited -> cleared, B visited -> cleared, C evicted; C was
#   the head, so the hand falls off [A B D].  E: from the tail, A (now
#   clear) evicted, hand on B [B D E].  D hit.  F: hand B evicted, hand
#   on D [D E F].  G: D visited -> cleared, E evicted, hand on F
#   [D F G].  D hit: the hand passed over D and kept it, in place.
#   Misses A B C D E F G = 7.
# SIEVE, 3 pages, A B C A D E A: A visited; D: A cleared and kept, B
#   evicted, the hand stays on C [A C D].  E: the hand resumes at C and
#   evicts it, not the now-clear A at the tail [A D E]; A hits.  Misses
#   5 (a hand restarting at the tail would evict A: 6).
# CLOCK, 2 pages, A B A C B A: A B miss [A B]; A hit (marked).  C: A
#   marked -> cleared and moved to the head [B A], B evicted [A C].  B:
#   A evicted [C B].  A: C evicted [B A].  Misses 5.
# S3-FIFO, 20 pages (small 2, main 18, ghost 18), pages 1..21 then 1 1 2:
#   1..20 fill the small queue (only the whole cache is full); 21: main
#   is within its share, so the small tail 1 (count 0) goes to the
#   ghost.  1: a ghost hit; the small tail 2 goes to the ghost, 1 enters
#   main.  1 hit.  2: a ghost hit again, into main.  Misses 21 + 1 + 1.
# S3-FIFO, 20 pages, 1..20 1 21 1: 1 was hit once in the small queue
#   (count 1, below the threshold 2), so 21 pushes it to the ghost and
#   the last 1 misses (a ghost hit, into main).  Misses 22.
# S3-FIFO, 20 pages, 1..20 1 1 21 1 2: 1 reaches count 2 and moves to
#   main when 21 comes, 2 goes to the ghost instead; 1 hits, 2 misses.
#   Misses 20 + 1 + 1 = 22 of 25.
# S3-FIFO below 20 pages admits nothing (small queue of 0 or 1 page, and
#   a 1-page object must be smaller than it): every reference misses.
test_expect_success 'hand-worked sequences' '
	printf "%s\n" 1 2 3 1 2 4 5 4 6 7 4 | mk sv &&
	test "$(misses sieve 3 sv.pgt)" = 7 &&
	printf "%s\n" 1 2 3 1 4 5 1 | mk sv2 &&
	test "$(misses sieve 3 sv2.pgt)" = 5 &&
	{ seq 1 20; printf "%s\n" 1 21 1; } | mk s3a &&
	test "$(misses s3fifo 20 s3a.pgt)" = 22 &&
	{ seq 1 20; printf "%s\n" 1 1 21 1 2; } | mk s3b &&
	test "$(misses s3fifo 20 s3b.pgt)" = 22 &&
	printf "%s\n" 1 2 1 3 2 1 | mk ck &&
	test "$(misses clock 2 ck.pgt)" = 5 &&
	{ seq 1 21; printf "%s\n" 1 1 2; } | mk s3 &&
	test "$(misses s3fifo 20 s3.pgt)" = 23 &&
	test "$(misses s3fifo 19 s3.pgt)" = 24 &&
	check sv.pgt 1,2,3,4 && check ck.pgt 1,2,3 && check s3.pgt 1,19,20,21,30 &&
	check sv2.pgt 1,2,3 && check s3a.pgt 10,20,21 && check s3b.pgt 10,20,21
'

test_done
