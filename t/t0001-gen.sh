#!/bin/bash
# pgtrace gen: patterns, determinism, options, bad input.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'every pattern writes a complete trace with the asked events' '
	for p in sequential reverse strided loop uniform zipf hot-cold mix; do
		pgtrace gen -p $p -n 5000 --pages 1000 -o $p.pgt &&
		pgtrace info --json $p.pgt >$p.json &&
		grep -q "\"events\":5000," $p.json &&
		grep -q "\"complete\":true" $p.json || exit 1
	done
'
test_expect_success 'same seed, same trace; other seed, other trace' '
	pgtrace gen -p zipf -n 20000 --seed 7 -o a.pgt &&
	pgtrace gen -p zipf -n 20000 --seed 7 -o b.pgt &&
	pgtrace gen -p zipf -n 20000 --seed 8 -o c.pgt &&
	pgtrace dump --format csv a.pgt >a.csv && pgtrace dump --format csv b.pgt >b.csv &&
	pgtrace dump --format csv c.pgt >c.csv &&
	test_cmp a.csv b.csv && ! cmp -s a.csv c.csv
'
test_expect_success 'sequential walks pages in order and wraps' '
	pgtrace gen -n 25 --pages 10 -o s.pgt &&
	pgtrace dump --fields index s.pgt | tr "\n" " " >idx &&
	test "$(cat idx)" = "0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 "
'
test_expect_success 'reverse walks pages backwards' '
	pgtrace gen -p reverse -n 5 --pages 10 -o r.pgt &&
	test "$(pgtrace dump --fields index r.pgt | tr "\n" " ")" = "9 8 7 6 5 "
'
test_expect_success 'strided steps by the stride' '
	pgtrace gen -p strided --stride 3 -n 5 --pages 100 -o st.pgt &&
	test "$(pgtrace dump --fields index st.pgt | tr "\n" " ")" = "0 3 6 9 12 "
'
test_expect_success 'loop repeats its period' '
	pgtrace gen -p loop --period 4 -n 10 --pages 100 -o l.pgt &&
	test "$(pgtrace dump --fields index l.pgt | tr "\n" " ")" = "0 1 2 3 0 1 2 3 0 1 "
'
test_expect_success 'zipf: the most popular page takes a large share' '
	pgtrace gen -p zipf --alpha 1.2 -n 20000 --pages 10000 -o z.pgt &&
	top=$(pgtrace dump --fields index z.pgt | sort | uniq -c | sort -rn | head -1 | awk "{print \$1}") &&
	test "$top" -gt 2000
'
test_expect_success 'hot-cold: 10% of pages get about 90% of references' '
	pgtrace gen -p hot-cold -n 20000 --pages 1000 -o h.pgt &&
	pgtrace dump --fields index h.pgt | sort | uniq -c | sort -rn | head -100 |
		awk "{s+=\$1} END {exit !(s > 17000 && s < 19000)}"
'
test_expect_success 'mix has several files and processes' '
	pgtrace gen -p mix -n 8000 --files 3 --pids 2 -o m.pgt &&
	pgtrace info --json m.pgt >m.json &&
	grep -q "\"files\":3" m.json && grep -q "\"processes\":2" m.json &&
	test "$(pgtrace dump --fields path m.pgt | sort -u | wc -l)" = 3
'
test_expect_success 'npages makes ranges' '
	pgtrace gen -n 3 --npages 8 --pages 100 -o np.pgt &&
	test "$(pgtrace dump --fields index,npages np.pgt | tr "\n" " ")" = "0 8 8 8 16 8 "
'
test_expect_success 'streams to a pipe' '
	pgtrace gen -p mix -n 100000 -o - | pgtrace info --json - >p.json &&
	grep -q "\"events\":100000," p.json && grep -q "\"indexed\":false" p.json
'
test_expect_success 'refuses to overwrite without --force' '
	pgtrace gen -n 10 -o x.pgt &&
	test_must_fail --code=1 pgtrace gen -n 10 -o x.pgt 2>err &&
	grep -q "force" err && pgtrace gen -n 20 -o x.pgt --force &&
	pgtrace info --json x.pgt | grep -q "\"events\":20,"
'
test_expect_success 'output is created 0600 and not through a symlink' '
	pgtrace gen -n 10 -o mode.pgt && test "$(stat -c %a mode.pgt)" = 600 &&
	ln -s target link.pgt && test_must_fail --code=1 pgtrace gen -n 10 -o link.pgt --force 2>err &&
	! test -e target
'
test_expect_success 'bad values are usage errors' '
	test_must_fail --code=2 pgtrace gen -p spiral -o y.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace gen -n 12x -o y.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace gen -n 0 -o y.pgt 2>err &&
	test_must_fail --code=2 pgtrace gen --alpha -1 -o y.pgt 2>err &&
	test_must_fail --code=2 pgtrace gen --period 10 --pages 5 -o y.pgt 2>err &&
	test_must_fail --code=2 pgtrace gen -n 10 2>err && grep -q "no output" err &&
	! test -e y.pgt
'
test_expect_success 'unwritable output: exit 1, one line' '
	test_must_fail --code=1 pgtrace gen -n 10 -o /nonexistent/dir/t.pgt 2>err &&
	test_one_line_error err
'
test_expect_success DEVFULL 'full disk: exit 1 and what was written stays readable' '
	test_must_fail --code=1 pgtrace gen -n 100000 -o - >/dev/full 2>err &&
	grep -q "No space left" err
'
test_done
