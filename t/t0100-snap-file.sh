#!/bin/bash
# pgtrace snap file: cached pages and extents of files in a known state,
# holes, small files, hard links, symlinks, ranges, batches, deleted files,
# mincore, agreement with fincore and vmtouch, unprivileged callers.
. "$(dirname "$0")/lib-test.sh"
. "$TEST_DIR/lib-snap.sh"

# The scratch directory is on a disk filesystem (tmpfs pages are shmem).
test_expect_success 'setup: files on a disk filesystem, nothing cached' '
	fstype=$(stat -f -c %T .) && echo "$fstype" &&
	test "$fstype" != tmpfs &&
	dd if=/dev/urandom of=f bs=4096 count=256 status=none &&
	truncate -s 1M s &&
	dd if=/dev/urandom of=s bs=4096 count=4 conv=notrunc status=none &&
	dd if=/dev/urandom of=s bs=4096 seek=128 count=4 conv=notrunc status=none &&
	printf hello >tiny &&
	head -c 10000 /dev/urandom >odd &&
	helper drop f s tiny odd &&
	pgtrace snap file --json f s tiny odd >out &&
	test_json_assert out "[x[\"cached\"] for x in d[\"files\"]] == [0, 0, 0, 0]"
'

test_expect_success 'exact cached count and extents (readahead off)' '
	helper drop f && helper read f 0 10..20 100 255 &&
	pgtrace snap file --json --extents f >out &&
	test_json_assert out "F(\"f\")[\"cached\"] == 13 and F(\"f\")[\"pages\"] == 256" &&
	test_json_assert out "F(\"f\")[\"size\"] == 1048576 and F(\"f\")[\"method\"] == \"cachestat\"" &&
	test_json_assert out "F(\"f\")[\"extents\"] == [[0, 1], [10, 10], [100, 1], [255, 1]]" &&
	test_json_assert out "F(\"f\")[\"hole_pages\"] == 0 and F(\"f\")[\"dirty\"] == 0" &&
	test_json_assert out "d[\"total\"][\"cached\"] == 13 and d[\"total\"][\"files\"] == 1" &&
	pgtrace snap file --extents f >text &&
	grep "^    cached" text >ext &&
	printf "    cached %s\n" "0..1 (1 pages)" "10..20 (10 pages)" "100..101 (1 pages)" \
		"255..256 (1 pages)" >expect &&
	test_cmp expect ext &&
	grep -q "^ *256 *13 *5\.1% .* f$" text
'

test_expect_success '--range: only the pages asked for' '
	pgtrace snap file --json --extents --range 5..101 f >out &&
	test_json_assert out "F(\"f\")[\"first\"] == 5 and F(\"f\")[\"end\"] == 101" &&
	test_json_assert out "F(\"f\")[\"cached\"] == 11 and F(\"f\")[\"extents\"] == [[10, 10], [100, 1]]" &&
	test_json_assert out "d[\"total\"][\"pages\"] == 96" &&
	pgtrace snap file --json --range 250.. f >out &&
	test_json_assert out "F(\"f\")[\"first\"] == 250 and F(\"f\")[\"end\"] == 256 and F(\"f\")[\"cached\"] == 1" &&
	pgtrace snap file --json --range ..11 f >out &&
	test_json_assert out "F(\"f\")[\"first\"] == 0 and F(\"f\")[\"end\"] == 11 and F(\"f\")[\"cached\"] == 2" &&
	pgtrace snap file --json --range 300..400 f >out &&
	test_json_assert out "F(\"f\")[\"cached\"] == 0 and F(\"f\")[\"end\"] - F(\"f\")[\"first\"] == 0"
'

test_expect_success 'sparse file read whole: its holes are cached and counted' '
	helper drop s && cat s >/dev/null &&
	pgtrace snap file --json s >out &&
	test_json_assert out "F(\"s\")[\"pages\"] == 256 and F(\"s\")[\"cached\"] == 256" &&
	test_json_assert out "F(\"s\")[\"hole_pages\"] == 248 and F(\"s\")[\"cached_in_holes\"] == 248" &&
	test_json_assert out "d[\"total\"][\"hole_pages\"] == 248 and d[\"total\"][\"cached_in_holes\"] == 248"
'

test_expect_success 'sparse file: holes never read are not cached, read ones are' '
	helper drop s && helper read s 0..4 128..132 &&
	pgtrace snap file --json s >out &&
	test_json_assert out "F(\"s\")[\"cached\"] == 8 and F(\"s\")[\"cached_in_holes\"] == 0" &&
	test_json_assert out "F(\"s\")[\"hole_pages\"] == 248" &&
	helper read s 50..60 &&
	pgtrace snap file --json --extents s >out &&
	test_json_assert out "F(\"s\")[\"cached\"] == 18 and F(\"s\")[\"cached_in_holes\"] == 10" &&
	test_json_assert out "F(\"s\")[\"extents\"] == [[0, 4], [50, 10], [128, 4]]"
'

test_expect_success 'a file under a page has one page; a partial last page counts' '
	helper drop tiny odd && cat tiny >/dev/null &&
	pgtrace snap file --json tiny odd >out &&
	test_json_assert out "F(\"tiny\")[\"size\"] == 5 and F(\"tiny\")[\"pages\"] == 1 and F(\"tiny\")[\"cached\"] == 1" &&
	test_json_assert out "F(\"odd\")[\"pages\"] == 3 and F(\"odd\")[\"cached\"] == 0" &&
	helper read odd 2 &&
	pgtrace snap file --json --extents odd >out &&
	test_json_assert out "F(\"odd\")[\"cached\"] == 1 and F(\"odd\")[\"extents\"] == [[2, 1]]" &&
	cat odd >/dev/null &&
	pgtrace snap file --json odd >out && test_json_assert out "F(\"odd\")[\"cached\"] == 3" &&
	pgtrace snap file --json --range 2..3 odd >out && test_json_assert out "F(\"odd\")[\"cached\"] == 1"
'

test_expect_success '-R: a tiny file before a big one, each counted over its own size' '
	mkdir p && printf "%100s" x >p/a && dd if=/dev/urandom of=p/b bs=4096 count=64 status=none &&
	helper drop p/a p/b && cat p/a p/b >/dev/null &&
	pgtrace snap file -R --json p >out &&
	test_json_assert out "F(\"p/a\")[\"cached\"] == 1 and F(\"p/b\")[\"cached\"] == 64" &&
	test_json_assert out "d[\"total\"][\"files\"] == 2 and d[\"total\"][\"cached\"] == 65 and d[\"total\"][\"pages\"] == 65"
'

test_expect_success '-R: hard links are counted once' '
	mkdir h && dd if=/dev/urandom of=h/x bs=4096 count=8 status=none && ln h/x h/y &&
	printf data >h/z && cat h/x h/z >/dev/null &&
	pgtrace snap file -R --json h >out &&
	test_json_assert out "d[\"total\"][\"files\"] == 2 and d[\"total\"][\"hard_links\"] == 1" &&
	test_json_assert out "d[\"total\"][\"cached\"] == 9 and d[\"total\"][\"pages\"] == 9" &&
	test_json_assert out "F(\"h/y\")[\"hard_link_of\"] == \"h/x\" and \"hard_link_of\" not in F(\"h/x\")" &&
	test_json_assert out "F(\"h/y\")[\"cached\"] == 8" &&
	pgtrace snap file -R h >text &&
	grep -q " h/y (hard link of h/x)$" text &&
	grep -q "total: 2 files, 1 hard links counted once$" text
'

test_expect_success '-R does not follow symlinks; -L does, once each, through loops' '
	mkdir l od && dd if=/dev/urandom of=l/r bs=4096 count=4 status=none &&
	dd if=/dev/urandom of=outside bs=4096 count=2 status=none &&
	dd if=/dev/urandom of=od/inner bs=4096 count=3 status=none &&
	ln -s ../outside l/to-outside && ln -s ../od l/to-dir && ln -s . l/loop &&
	ln -s r l/to-r && ln -s nowhere l/dangling &&
	cat l/r outside od/inner >/dev/null &&
	pgtrace snap file -R --json l >out &&
	test_json_assert out "[x[\"path\"] for x in d[\"files\"]] == [\"l/r\"]" &&
	test_json_assert out "d[\"total\"][\"cached\"] == 4" &&
	timeout 20 "$PGTRACE" snap file -R -L --json l >out &&
	test_json_assert out "d[\"total\"][\"files\"] == 3 and d[\"total\"][\"hard_links\"] == 1" &&
	test_json_assert out "d[\"total\"][\"cached\"] == 9" &&
	test_json_assert out "F(\"l/to-dir/inner\")[\"cached\"] == 3 and F(\"l/to-outside\")[\"cached\"] == 2" &&
	test_json_assert out "\"hard_link_of\" in F(\"l/to-r\") or \"hard_link_of\" in F(\"l/r\")" &&
	test_json_assert out "not [x for x in d[\"files\"] if x[\"path\"].startswith(\"l/loop/\")]" &&
	pgtrace snap file --json l/to-outside >out &&
	test_json_assert out "F(\"l/to-outside\")[\"cached\"] == 2"
'

test_expect_success '-j and --unordered: the same files and counts' '
	pgtrace snap file -R --json -j 1 p h l od f s tiny odd >one &&
	pgtrace snap file -R --json -j 3 --unordered p h l od f s tiny odd >many &&
	"$PY" -c "
import json
a = json.load(open(\"one\")); b = json.load(open(\"many\"))
key = lambda x: (x[\"path\"], x[\"cached\"], x[\"pages\"])
assert sorted(map(key, a[\"files\"])) == sorted(map(key, b[\"files\"]))
assert [x[\"path\"] for x in a[\"files\"]][-4:] == [\"f\", \"s\", \"tiny\", \"odd\"]
assert a[\"total\"] == b[\"total\"], (a[\"total\"], b[\"total\"])
"
'

test_expect_success '--stdin: one file per line, each with its own range' '
	dd if=/dev/urandom of="my file" bs=4096 count=8 status=none && cat "my file" >/dev/null &&
	helper drop f && helper read f 0 10..20 100 255 &&
	printf "%s\n" "f 10 20" "my file 0 4" "s" "tiny 0" >list &&
	pgtrace snap file --stdin --json <list >out &&
	test_json_assert out "[x[\"path\"] for x in d[\"files\"]] == [\"f\", \"my file\", \"s\", \"tiny\"]" &&
	test_json_assert out "F(\"f\")[\"first\"] == 10 and F(\"f\")[\"end\"] == 20 and F(\"f\")[\"cached\"] == 10" &&
	test_json_assert out "F(\"my file\")[\"end\"] == 4 and F(\"my file\")[\"cached\"] == 4" &&
	test_json_assert out "F(\"s\")[\"first\"] == 0 and F(\"s\")[\"end\"] == 256" &&
	test_json_assert out "F(\"tiny\")[\"first\"] == 0 and F(\"tiny\")[\"end\"] == 1" &&
	printf "%s\n" "f" "s 0 4" | pgtrace snap file --stdin --range 0..11 --json >out &&
	test_json_assert out "F(\"f\")[\"end\"] == 11 and F(\"f\")[\"cached\"] == 2 and F(\"s\")[\"end\"] == 4"
'

test_expect_success '--stdin: disjoint ranges of one file both count' '
	printf "%s\n" "f 0 1" "f 100 101" "f 10 15" | pgtrace snap file --stdin --json >out &&
	test_json_assert out "len(d[\"files\"]) == 3" &&
	test_json_assert out "[x[\"cached\"] for x in d[\"files\"]] == [1, 1, 5]" &&
	test_json_assert out "not [x for x in d[\"files\"] if \"hard_link_of\" in x]" &&
	test_json_assert out "d[\"total\"][\"cached\"] == 7 and d[\"total\"][\"pages\"] == 7"
'

test_expect_success 'a deleted file held open, through /proc/PID/fd' '
	dd if=/dev/urandom of=del bs=4096 count=16 status=none && cat del >/dev/null &&
	hold del del && pid=$(cat del.pid) && rm del &&
	readlink /proc/$pid/fd/3 | grep -q "del (deleted)$" &&
	pgtrace snap file --json /proc/$pid/fd/3 >out &&
	test_json_assert out "d[\"files\"][0][\"cached\"] == 16 and d[\"files\"][0][\"pages\"] == 16" &&
	kill $pid && rm del.pid
'

test_expect_success '--method mincore agrees with cachestat (counts, extents, holes)' '
	helper drop s && helper read s 0..4 128..132 50..60 &&
	pgtrace snap file --json --extents f s tiny odd p/b >cs &&
	pgtrace snap file --json --extents --method mincore f s tiny odd p/b >mc &&
	test_json_assert mc "set(x[\"method\"] for x in d[\"files\"]) == {\"mincore\"}" &&
	"$PY" -c "
import json
a = json.load(open(\"cs\"))[\"files\"]; b = json.load(open(\"mc\"))[\"files\"]
assert len(a) == len(b) == 5
for x, y in zip(a, b):
    for k in (\"path\", \"pages\", \"cached\", \"extents\", \"hole_pages\", \"cached_in_holes\"):
        assert x[k] == y[k], (x[\"path\"], k, x[k], y[k])
"
'

test_expect_success FINCORE 'agrees with fincore' '
	fincore -n -o PAGES,FILE f s tiny odd p/b >fc &&
	pgtrace snap file --json f s tiny odd p/b >out &&
	test_json out "\"\\n\".join(\"%d %s\" % (x[\"cached\"], x[\"path\"]) for x in d[\"files\"])" >mine &&
	sed "s/^ *//" fc >theirs && test_cmp theirs mine
'

test_expect_success VMTOUCH 'agrees with vmtouch' '
	for x in f s tiny odd p/b; do
		vmtouch "$x" | sed -n "s/^ *Resident Pages: \([0-9]*\/[0-9]*\) .*/\1/p" >vt &&
		pgtrace snap file --json "$x" >out &&
		test_json out "\"%d/%d\" % (d[\"files\"][0][\"cached\"], d[\"files\"][0][\"pages\"])" >mine &&
		echo "$x: $(cat vt) $(cat mine)" && test_cmp vt mine || return 1
	done
'

test_expect_success 'unprivileged, a file it may not write: cachestat EPERM, exit 1' '
	chmod 0644 f && test "$(stat -c %U f)" = root &&
	test_must_fail --code=1 as_nobody "$PGTRACE" snap file f >out 2>err &&
	test_one_line_error err && grep -q "^pgtrace snap file: .f.: cachestat: permission denied" err &&
	test "$(wc -l <out)" = 1 && ! grep -q "100\.0%" out &&
	test_must_fail --code=1 as_nobody "$PGTRACE" snap file --json f s >out 2>err &&
	test "$(wc -l <err)" = 2 &&
	test_json_assert out "d[\"files\"] == [] and d[\"total\"][\"errors\"] == 2 and d[\"total\"][\"cached\"] == 0"
'

test_expect_success 'unprivileged: --method mincore refuses too (it would lie)' '
	test_must_fail --code=1 as_nobody "$PGTRACE" snap file --method mincore f >out 2>err &&
	test_one_line_error err && grep -q "mincore would report every page cached" err &&
	! grep -q "100\.0%" out
'

test_expect_success 'unprivileged, its own file: both methods work' '
	cp f own && chown 65534:65534 own && helper drop own && helper read own 3..9 &&
	as_nobody "$PGTRACE" snap file --json --extents own >out &&
	test_json_assert out "F(\"own\")[\"cached\"] == 6 and F(\"own\")[\"extents\"] == [[3, 6]]" &&
	as_nobody "$PGTRACE" snap file --json --extents --method mincore own >out &&
	test_json_assert out "F(\"own\")[\"cached\"] == 6 and F(\"own\")[\"extents\"] == [[3, 6]]"
'

test_expect_success 'a missing path: one line, exit 1, the other files reported' '
	test_must_fail --code=1 pgtrace snap file f missing tiny >out 2>err &&
	test_one_line_error err && grep -q "missing" err &&
	grep -q " f$" out && grep -q " tiny$" out && grep -q "total: 2 files" out &&
	test_must_fail --code=1 pgtrace snap file --json f missing >out 2>err &&
	test_json_assert out "len(d[\"files\"]) == 1 and d[\"total\"][\"errors\"] == 1"
'

test_expect_success 'a directory without -R: exit 1' '
	test_must_fail --code=1 pgtrace snap file p >out 2>err &&
	test_one_line_error err && grep -q "directory" err
'

test_expect_success 'usage errors: exit 2, one line' '
	for args in "--bogus f" "--method foo f" "--range 5..2 f" "--range x f" "-j 0 f" "" \
		"--stdin f"; do
		test_must_fail --code=2 pgtrace snap file $args >out 2>err </dev/null &&
		test_one_line_error err && ! test -s out || { echo "args: $args"; cat err; return 1; }
	done
'

test_expect_success '-o TRACE: snapshot-page events, one page per cached page' '
	pgtrace snap file --json -o t.pgt f s tiny >out &&
	cached=$(test_json out "d[\"total\"][\"cached\"]") && test "$cached" -gt 0 &&
	pgtrace info --json t.pgt >info &&
	test_json_assert info "
assert d[\"complete\"] and d[\"info\"][\"snapshot\"] == \"file\", d
assert d[\"objects\"][\"files\"] == 3, d[\"objects\"]
assert d[\"pages\"] == $cached, (d[\"pages\"], $cached)
assert set(d[\"types\"]) == {\"snapshot-page\"}, d[\"types\"]
" &&
	pgtrace dump --format csv --fields type,npages t.pgt >ev &&
	test "$(tail -n +2 ev | awk -F, "\$1 != \"snapshot-page\" { bad++ } { s += \$2 } END { print bad + 0, s }")" = "0 $cached" &&
	test_must_fail --code=1 pgtrace snap file -o t.pgt f >out 2>err &&
	grep -q "force" err &&
	pgtrace snap file -f -o t.pgt tiny >out && pgtrace info --json t.pgt >info &&
	test_json_assert info "d[\"objects\"][\"files\"] == 1"
'

# Frames are found by faulting the cached pages into a mapping: a file
# truncated meanwhile must not kill pgtrace with SIGBUS.
test_expect_success '--pfns and --flags on a file being truncated: no crash' '
	dd if=/dev/urandom of=shrink bs=1M count=64 status=none &&
	{ while :; do truncate -s 4096 shrink; truncate -s 64M shrink; cat shrink; done \
		>/dev/null 2>&1 </dev/null & } && echo $! >shrink.pid &&
	i=0 && while [ $i -lt 100 ]; do
		i=$((i + 1)) && opt=--pfns && [ $((i % 2)) = 0 ] && opt=--flags
		rc=0 && "$PGTRACE" snap file $opt shrink >/dev/null 2>err || rc=$?
		[ $rc = 0 ] || { echo "run $i ($opt): exit $rc"; cat err; break; }
	done &&
	kill $(cat shrink.pid) && rm shrink.pid && test $rc = 0
'

test_expect_success '--summary: only the total; --bytes: sizes in bytes' '
	helper drop f && helper read f 0 10..20 100 255 &&
	pgtrace snap file --summary f tiny >out && test "$(wc -l <out)" = 1 &&
	grep -q "total: 2 files" out &&
	pgtrace snap file --bytes f >out && grep -q "^ *1048576 *53248 .* f$" out
'

test_done
