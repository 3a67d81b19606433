#!/bin/bash
# pgtrace snap pfn: the physical frame walk over /proc/kpageflags.
. "$(dirname "$0")/lib-test.sh"
. "$TEST_DIR/lib-snap.sh"

test_require ROOT,KPAGEFLAGS 'snap pfn'

test_expect_success 'all of RAM: every frame walked once, combinations sum up' '
	pgtrace snap pfn --json >out &&
	total_kb=$(meminfo MemTotal) &&
	test_json_assert out "d[\"walked\"] > 0 and d[\"matched\"] == d[\"walked\"] and d[\"ranges\"] >= 1" &&
	test_json_assert out "sum(c[\"pages\"] for c in d[\"combos\"]) == d[\"matched\"]" &&
	test_json_assert out "all(c[\"bytes\"] == 4096 * c[\"pages\"] for c in d[\"combos\"])" &&
	test_json_assert out "len(set(c[\"flags\"] for c in d[\"combos\"])) == len(d[\"combos\"])" &&
	test_json_assert out "[c[\"pages\"] for c in d[\"combos\"]] == sorted((c[\"pages\"] for c in d[\"combos\"]), reverse=True)" &&
	test_json_assert out "d[\"walked\"] * 4 >= $total_kb" &&
	test_json_assert out "not [c for c in d[\"combos\"] if int(c[\"flags\"], 16) & (1 << 20)]"
'

test_expect_success 'text table: a total line equal to the frames walked' '
	pgtrace snap pfn 0x1000..0x3000 >out &&
	head -1 out | grep -q "^flags  *pages  *size  *names$" &&
	grep -q "^total  *8192 .*(8192 frames walked in 1 ranges)$" out
'

# File pages on the LRU against /proc/meminfo, read before and after the
# walk; the tolerance is the change seen meanwhile plus 10% or 20 MiB.
test_expect_success '--flags lru,~anon,~swapbacked matches the file LRU of /proc/meminfo' '
	a=$(( $(meminfo "Active(file)") + $(meminfo "Inactive(file)") )) &&
	pgtrace snap pfn --json --flags lru,~anon,~swapbacked >out &&
	b=$(( $(meminfo "Active(file)") + $(meminfo "Inactive(file)") )) &&
	shmem=$(meminfo Shmem) &&
	pgtrace snap pfn --json --flags lru,~anon >out2 &&
	"$PY" -c "
import json
a, b, shmem = $a, $b, $shmem
d = json.load(open(\"out\")); e = json.load(open(\"out2\"))
kb = d[\"matched\"] * 4
lo, hi = min(a, b), max(a, b)
tol = max(20 * 1024, hi // 10)
print(\"file LRU: walk %d kB, meminfo %d..%d kB\" % (kb, lo, hi))
assert lo - tol <= kb <= hi + tol
for c in d[\"combos\"]:
    f = int(c[\"flags\"], 16)
    assert f & (1 << 5) and not f & (1 << 12) and not f & (1 << 14), c
# lru,~anon adds shmem (swap-backed, not anonymous) to the file LRU
kb2 = e[\"matched\"] * 4
assert kb <= kb2 <= hi + shmem + tol, (kb, kb2)
"
'

test_expect_success '--list: runs in frame order, their pages sum to matched' '
	pgtrace snap pfn --json --list 0..0x100000 >out &&
	test_json_assert out "d[\"walked\"] == 0x100000" &&
	test_json_assert out "
runs = d[\"runs\"]
assert runs and sum(r[\"pages\"] for r in runs) == d[\"matched\"]
for p, r in zip(runs, runs[1:]):
    assert p[\"pfn\"] + p[\"pages\"] <= r[\"pfn\"], (p, r)
    assert not (p[\"pfn\"] + p[\"pages\"] == r[\"pfn\"] and p[\"flags\"] == r[\"flags\"]), (p, r)
assert runs[-1][\"pfn\"] + runs[-1][\"pages\"] <= 0x100000
by = {}
for r in runs:
    by[int(r[\"flags\"], 16)] = by.get(int(r[\"flags\"], 16), 0) + r[\"pages\"]
# the same frames grouped two ways (up to churn between the two reads)
for c in d[\"combos\"]:
    assert by.get(int(c[\"flags\"], 16)) == c[\"pages\"], c
" &&
	pgtrace snap pfn --list --flags reserved 0..0x1000 >text &&
	head -1 text | grep -q "^pfn  *pages  *flags  *names$" &&
	tail -n +2 text | grep -v "reserved" | { ! grep .; }
'

test_expect_success 'a frame range walks exactly its frames' '
	pgtrace snap pfn --json 0x1000..0x2000 >out &&
	test_json_assert out "d[\"walked\"] == 4096 and d[\"ranges\"] == 1 and d[\"matched\"] == 4096" &&
	pgtrace snap pfn --json 4096..4097 >out &&
	test_json_assert out "d[\"walked\"] == 1" &&
	pgtrace snap pfn --json --list --mapcount --cgroup 0x1000..0x1100 >out &&
	test_json_assert out "all(\"mapcount\" in r and \"cgroup\" in r for r in d[\"runs\"])" &&
	test_json_assert out "sum(r[\"pages\"] for r in d[\"runs\"]) == 256"
'

test_expect_success '-j 1 and -j 2 agree' '
	pgtrace snap pfn --json -j 1 >one &&
	pgtrace snap pfn --json -j 2 >two &&
	"$PY" -c "
import json
a = json.load(open(\"one\")); b = json.load(open(\"two\"))
assert a[\"walked\"] == b[\"walked\"] and a[\"ranges\"] == b[\"ranges\"]
def pages(d, bit):
    return sum(c[\"pages\"] for c in d[\"combos\"] if int(c[\"flags\"], 16) & (1 << bit))
# reserved frames do not change; the rest may move a little
assert pages(a, 32) == pages(b, 32), (pages(a, 32), pages(b, 32))
tol = max(a[\"walked\"] // 20, 5120)
for bit in (5, 10, 7):
    assert abs(pages(a, bit) - pages(b, bit)) <= tol, (bit, pages(a, bit), pages(b, bit))
" &&
	pgtrace snap pfn --json --list -j 1 0x1000..0x30000 >one &&
	pgtrace snap pfn --json --list -j 2 0x1000..0x30000 >two &&
	test_json_assert one "d[\"walked\"] == 0x2f000" && test_json_assert two "d[\"walked\"] == 0x2f000"
'

test_expect_success 'bad flags and ranges: exit 2, one line' '
	test_must_fail --code=2 pgtrace snap pfn --flags bogus >out 2>err &&
	test_one_line_error err && grep -q "bogus" err && ! test -s out &&
	test_must_fail --code=2 pgtrace snap pfn --flags lru,~bogus 2>err &&
	test_one_line_error err && grep -q "at .~bogus." err &&
	for args in "--flags lru," "--flags 64" "0x2000..0x1000" "0x10..0x10" "-j 0" \
		"1..2 3..4" "--resolve" "--bogus" "x..y"; do
		test_must_fail --code=2 pgtrace snap pfn $args >out 2>err &&
		test_one_line_error err || { echo "args: $args"; cat err; return 1; }
	done
'

test_expect_success '-o TRACE: one event per run, frames and flags kept' '
	pgtrace snap pfn --json -o t.pgt 0x1000..0x3000 >out &&
	pgtrace info --json t.pgt >info &&
	test_json_assert info "d[\"complete\"] and d[\"info\"][\"snapshot\"] == \"pfn\"" &&
	test_json_assert info "d[\"pages\"] == 8192 and set(d[\"types\"]) == {\"snapshot-page\"}" &&
	pgtrace dump --format csv --fields index,npages,pfn t.pgt | tail -n +2 >ev &&
	awk -F, "\$1 != \$3 { exit 1 } { s += \$2 } END { exit s != 8192 }" ev &&
	pgtrace snap pfn --json -f -o t.pgt --flags reserved 0..0x100000 >out &&
	m=$(test_json out "d[\"matched\"]") &&
	pgtrace info --json t.pgt >info && test_json_assert info "d[\"pages\"] == $m"
'

test_expect_success 'unprivileged: exit 1, naming /proc/kpageflags and root' '
	test_must_fail --code=1 as_nobody "$PGTRACE" snap pfn >out 2>err &&
	test_one_line_error err && grep -q "/proc/kpageflags" err && grep -q "root" err &&
	! test -s out
'

test_done
