#!/bin/bash
# pgtrace reduce: FIFO window and exact LRU reduction.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup' '
	pgtrace gen -p zipf --pages 50000 -n 300000 --seed 4 -o z.pgt &&
	pgtrace gen -p loop --pages 100000 --period 300 -n 200000 -o l.pgt &&
	pgtrace gen -p mix --npages 3 -n 300000 -o m.pgt
'
test_expect_success '--lru K keeps the LRU misses of every size >= K' '
	for t in z l m; do
		pgtrace reduce --lru 500 --check 500,501,1000,4096,50000 -o $t.r.pgt $t.pgt 2>err || exit 1
		test "$(grep -c "(equal)" err)" = 5 || { cat err; exit 1; }
	done
'
test_expect_success '--lru K on small traces: equal misses at every size from K to the footprint' '
	for p in uniform zipf hot-cold mix strided; do
		pgtrace gen -p $p --pages 60 -n 4000 --seed 9 -o s-$p.pgt || exit 1
		for k in 1 2 3 7 20; do
			sizes=$(seq -s, $k 64)
			pgtrace reduce --lru $k --check $sizes -o s-$p-$k.pgt s-$p.pgt 2>err || { cat err; exit 1; }
			! grep -q DIFFERENT err || { cat err; exit 1; }
			test "$(grep -c "(equal)" err)" = $((65 - k)) || { cat err; exit 1; }
		done
	done
'
test_expect_success '--lru on Zipf comes close to its floor, the misses at K' '
	pgtrace reduce --lru 500 --check 500 -o z2.pgt z.pgt 2>err &&
	out=$(sed -n "s/.* in, \([0-9]*\) out: .*/\1/p" err) &&
	misses=$(sed -n "s/.*LRU 500 pages: \([0-9]*\) misses in.*/\1/p" err) &&
	test "$out" -ge "$misses" &&
	test $((out * 100)) -le $((misses * 130)) || { cat err; exit 1; }
'
test_expect_success '--lru keeps the other events in their order' '
	pgtrace import --format trace-cmd -o tc.pgt "$TEST_DIR/data/trace-cmd-cat.txt" &&
	pgtrace reduce --lru 2 --check 2,3,8 -o tcr.pgt tc.pgt 2>err &&
	test "$(grep -c "(equal)" err)" = 3 &&
	pgtrace dump --fields ts,type,index,npages tc.pgt | grep -E " (add|delete) " >in.txt &&
	pgtrace dump --fields ts,type,index,npages tcr.pgt | grep -E " (add|delete) " >out.txt &&
	test_cmp in.txt out.txt
'
test_expect_success 'a loop shorter than K reduces to its first pass' '
	pgtrace reduce --lru 500 -o lr.pgt l.pgt 2>err &&
	grep -q "200000 page references in, 300 out" err
'
test_expect_success '--fifo N drops references inside the window' '
	pgtrace gen -p loop --pages 1000 --period 10 -n 1000 -o small.pgt &&
	pgtrace reduce --fifo 10 -o sf.pgt small.pgt 2>err &&
	test "$(pgtrace dump --fields index sf.pgt | tr "\n" " ")" = "0 1 2 3 4 5 6 7 8 9 " &&
	pgtrace reduce --fifo 9 -o sf9.pgt small.pgt 2>err &&
	grep -q "1000 page references in, 1000 out" err
'
test_expect_success 'FIFO: hand-checked small case' '
	printf "" >/dev/null &&
	pgtrace gen -p loop --pages 100 --period 4 -n 12 -o s4.pgt &&
	pgtrace reduce --fifo 3 -o s43.pgt s4.pgt 2>err &&
	test "$(pgtrace dump --fields index s43.pgt | tr "\n" " ")" = "0 1 2 3 0 1 2 3 0 1 2 3 " &&
	pgtrace reduce --fifo 4 -o s44.pgt s4.pgt 2>err &&
	test "$(pgtrace dump --fields index s44.pgt | tr "\n" " ")" = "0 1 2 3 "
'
test_expect_success 'side tables are kept and the output reads as a trace' '
	pgtrace dump --format csv --fields path --events 0..5 m.r.pgt | tail -n +2 | grep -q "^/gen/file-"
'
test_expect_success 'works through pipes' '
	cat z.pgt | pgtrace reduce -q --lru 1000 | pgtrace info --json - | grep -q "\"complete\":true"
'
test_expect_success '--fifo and --check allocate what the pages use, not N' '
	pgtrace gen -p zipf --pages 3000 -n 2000 -o tiny.pgt &&
	run_bounded 500000 "$PGTRACE" reduce --fifo 100000000 --check 100000000,10 -o tf.pgt tiny.pgt 2>err &&
	grep -q "2000 page references in" err &&
	grep -q "LRU 100000000 pages: .* (equal)" err &&
	run_bounded 500000 "$PGTRACE" reduce --lru 64 --check 100000000 -o tl.pgt tiny.pgt 2>err &&
	grep -q "LRU 100000000 pages: .* (equal)" err
'
test_expect_success 'sets that grow past their first size keep FIFO and LRU answers' '
	pgtrace gen -p loop --pages 100000 --period 2500 -n 10000 -o l25.pgt &&
	pgtrace reduce --fifo 3000 --check 2000,2499,2500,3000 -o l3.pgt l25.pgt 2>err &&
	grep -q "10000 page references in, 2500 out" err &&
	grep -q "LRU 2000 pages: 10000 misses in" err &&
	grep -q "LRU 2499 pages: 10000 misses in" err &&
	grep -q "LRU 2500 pages: 2500 misses in" err &&
	grep -q "LRU 3000 pages: 2500 misses in, 2500 out (equal)" err &&
	test "$(pgtrace dump --fields index l3.pgt | sort -n | uniq | wc -l)" = 2500 &&
	pgtrace reduce --fifo 2499 -o l2.pgt l25.pgt 2>err &&
	grep -q "10000 page references in, 10000 out" err
'
test_expect_success 'usage errors' '
	test_must_fail --code=2 pgtrace reduce z.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace reduce --fifo 2 --lru 3 z.pgt 2>err &&
	test_must_fail --code=2 pgtrace reduce --lru 0 z.pgt 2>err &&
	test_must_fail --code=2 pgtrace reduce --lru 10 --check 0 z.pgt 2>err
'
test_done
