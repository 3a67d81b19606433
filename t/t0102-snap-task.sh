#!/bin/bash
# pgtrace snap task: the pages of a process in a known state (the test
# helper maps memory, touches known pages, and waits).
. "$(dirname "$0")/lib-test.sh"
. "$TEST_DIR/lib-snap.sh"

test_expect_success 'setup: a process with known pages' '
	dd if=/dev/urandom of=mapped bs=4096 count=64 status=none && helper drop mapped &&
	start_task anon:300:3 anon:16384:2 file:mapped:0,10..20,63 read:64:4 &&
	cat task.out &&
	test "$(task_field anon 1 4)" = 100 && test "$(task_field anon 2 4)" = 8192 &&
	test "$(task_field file 1 4)" = 12 && test "$(task_field read 1 4)" = 16
'

pid=$(cat task.pid 2>/dev/null)
a1=$(task_field anon 1 2) a2=$(task_field anon 2 2) f1=$(task_field file 1 2) r1=$(task_field read 1 2)

# tj FILE EXPR: test_json_assert with m(addr), the mapping that starts at addr
cat >defs.py <<\EOF
def m(a):
    r = [v for v in d["mappings"] if int(v["start"], 16) == int(a, 16)]
    assert len(r) == 1, (a, r)
    return r[0]
EOF
tj() { test_json_assert "$1" "exec(open(\"defs.py\").read(), globals()) or ($2)"; }

test_expect_success 'present pages of each mapping, anonymous and file' '
	pgtrace snap task --json $pid >out &&
	tj out "d[\"pid\"] == $pid and d[\"comm\"] == \"pgt-test-helper\"" &&
	tj out "m(\"$a1\")[\"pages\"] == 300 and m(\"$a1\")[\"present\"] == 100" &&
	tj out "m(\"$a1\")[\"anon\"] == 100 and m(\"$a1\")[\"file\"] == 0 and m(\"$a1\")[\"exclusive\"] == 100" &&
	tj out "m(\"$a1\")[\"path\"] == \"\" and m(\"$a1\")[\"perms\"] == \"rw-p\"" &&
	tj out "m(\"$a2\")[\"present\"] == 8192 and m(\"$a2\")[\"anon\"] == 8192" &&
	tj out "m(\"$f1\")[\"pages\"] == 64 and m(\"$f1\")[\"present\"] == 12" &&
	tj out "m(\"$f1\")[\"file\"] == 12 and m(\"$f1\")[\"anon\"] == 0" &&
	tj out "m(\"$f1\")[\"path\"].endswith(\"/mapped\") and m(\"$f1\")[\"perms\"] == \"r--s\"" &&
	tj out "d[\"pfns_visible\"] and d[\"pagemap_scan\"]" &&
	tj out "d[\"present\"] == sum(v[\"present\"] for v in d[\"mappings\"])" &&
	tj out "d[\"present\"] == d[\"file\"] + d[\"anon\"] and d[\"swapped\"] == 0" &&
	tj out "sum(k[\"pages\"] for k in m(\"$a1\")[\"kflags\"]) == 100" &&
	tj out "all(int(k[\"flags\"], 16) & (1 << 12) for k in m(\"$a1\")[\"kflags\"])" &&
	tj out "not [k for k in m(\"$f1\")[\"kflags\"] if int(k[\"flags\"], 16) & (1 << 12)]"
'

# Does this kernel map the shared zero page on a read fault of private
# anonymous memory?  Rss of such a mapping is 0 if so (probed apart from
# pgtrace: some kernels allocate a page instead).
zero_page_rss=$(python3 - <<-\EOF
	import ctypes
	libc = ctypes.CDLL(None)
	libc.mmap.restype = ctypes.c_void_p
	libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
	n = 16 * 4096
	a = libc.mmap(None, n, 3, 0x22, -1, 0)  # PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
	libc.madvise(ctypes.c_void_p(a), n, 15)  # MADV_NOHUGEPAGE
	for i in range(16):
	    ctypes.c_char.from_address(a + i * 4096).value
	lines = open("/proc/self/smaps").read().split("\n")
	i = [k for k, l in enumerate(lines) if l.startswith("%x-" % a)][0]
	print([l.split()[1] for l in lines[i:i + 8] if l.startswith("Rss:")][0])
	EOF
)
if [ "$zero_page_rss" != 0 ]; then
test_skip 'pages read but never written map the zero page' \
	"this kernel allocates a page on a read fault of anonymous memory (Rss $zero_page_rss kB for 16 pages read): no zero page to find"
else
test_expect_success 'pages read but never written map the zero page' '
	pgtrace snap task --json $pid >out &&
	tj out "m(\"$r1\")[\"present\"] == 16 and m(\"$r1\")[\"exclusive\"] == 0" &&
	tj out "[(k[\"names\"], k[\"pages\"]) for k in m(\"$r1\")[\"kflags\"]] == [(\"zero_page,reserved\", 16)]"
'
fi

# pagemap calls a page table entry of the shared zero page present; Rss
# does not count it: the two agree once zero pages are taken out.
test_expect_success 'present pages of all mappings = Rss of smaps_rollup + zero pages' '
	pgtrace snap task --json $pid >out &&
	rss=$(awk "\$1 == \"Rss:\" { print \$2 }" /proc/$pid/smaps_rollup) &&
	echo "Rss $rss kB" &&
	tj out "sum(k[\"pages\"] for v in d[\"mappings\"] for k in v[\"kflags\"]) == d[\"present\"]" &&
	tj out "(d[\"present\"] - sum(k[\"pages\"] for v in d[\"mappings\"] for k in v[\"kflags\"] if int(k[\"flags\"], 16) & (1 << 24))) * 4 == $rss" &&
	tj out "not [v for v in d[\"mappings\"] if v[\"path\"] in (\"[vvar]\", \"[vvar_vclock]\", \"[vsyscall]\") and v[\"present\"]]"
'

test_expect_success '--range: only that mapping' '
	end=$(printf "0x%x" $((a1 + 300 * 4096))) &&
	pgtrace snap task --json --range $a1..$end $pid >out &&
	tj out "len(d[\"mappings\"]) == 1 and d[\"present\"] == 100 and m(\"$a1\")[\"pages\"] == 300" &&
	mid=$(printf "0x%x" $((a1 + 30 * 4096 + 100))) &&
	pgtrace snap task --json --range $a1..$mid $pid >out &&
	tj out "len(d[\"mappings\"]) == 1 and m(\"$a1\")[\"pages\"] == 31 and d[\"present\"] == 11"
'

test_expect_success '--list: one run per touched page, with frames' '
	end=$(printf "0x%x" $((a1 + 300 * 4096))) &&
	pgtrace snap task --json --list --range $a1..$end $pid >out &&
	tj out "len(d[\"runs\"]) == 100 and all(r[\"pages\"] == 1 for r in d[\"runs\"])" &&
	tj out "[int(r[\"vaddr\"], 16) for r in d[\"runs\"]] == [$a1 + 3 * 4096 * i for i in range(100)]" &&
	tj out "all(r[\"present\"] and not r[\"file\"] and r[\"pfn\"] for r in d[\"runs\"])" &&
	tj out "all(int(r[\"kflags\"], 16) & (1 << 12) and r[\"mapcount\"] == 1 for r in d[\"runs\"])" &&
	fend=$(printf "0x%x" $((f1 + 64 * 4096))) &&
	pgtrace snap task --json --list --range $f1..$fend $pid >out &&
	tj out "sum(r[\"pages\"] for r in d[\"runs\"]) == 12 and all(r[\"file\"] for r in d[\"runs\"])" &&
	pgtrace snap task --list --range $a1..$end $pid >text &&
	head -1 text | grep -q "^vaddr  *pages  *pfn  *state  *mapcount  *flags / mapping$" &&
	test "$(grep -c " Pax  *1 .*anon.* \[anon\]$" text)" = 100
'

# More than 512 separate present regions in one mapping (4096 even, the
# regions vector of one PAGEMAP_SCAN call): resuming must not count twice.
test_expect_success 'PAGEMAP_SCAN and --no-scan give the same counts' '
	pgtrace snap task --json $pid >scan &&
	pgtrace snap task --json --no-scan $pid >noscan &&
	test_json_assert scan "d[\"pagemap_scan\"]" && test_json_assert noscan "not d[\"pagemap_scan\"]" &&
	tj scan "m(\"$a2\")[\"present\"] == 8192" && tj noscan "m(\"$a2\")[\"present\"] == 8192" &&
	"$PY" -c "
import json
a = json.load(open(\"scan\")); b = json.load(open(\"noscan\"))
# exclusive is left out for files: others map and unmap their pages
key = (\"start\", \"end\", \"present\", \"swapped\", \"file\", \"anon\")
x = [tuple(v[k] for k in key) + (v[\"exclusive\"] if not v[\"file\"] else 0,) for v in a[\"mappings\"] if v[\"path\"] != \"[stack]\"]
y = [tuple(v[k] for k in key) + (v[\"exclusive\"] if not v[\"file\"] else 0,) for v in b[\"mappings\"] if v[\"path\"] != \"[stack]\"]
assert x == y, [(p, q) for p, q in zip(x, y) if p != q]
" &&
	a2end=$(printf "0x%x" $((a2 + 16384 * 4096))) &&
	pgtrace snap task --json --list --range $a2..$a2end $pid >scan &&
	pgtrace snap task --json --list --no-scan --range $a2..$a2end $pid >noscan &&
	test_json_assert scan "len(d[\"runs\"]) == 8192 and sum(r[\"pages\"] for r in d[\"runs\"]) == 8192" &&
	test_json_assert noscan "len(d[\"runs\"]) == 8192"
'

test_expect_success 'text table and --bytes' '
	pgtrace snap task $pid >text &&
	head -1 text | grep -q "^mapping  *perm  *pages  *present  *swapped  *file  *anon  *excl  *path$" &&
	grep -q "^total .* pid $pid (pgt-test-helper), ranges by PAGEMAP_SCAN$" text &&
	grep -q " rw-p  *300  *100  *0  *0  *100  *100  \[anon\]$" text &&
	pgtrace snap task --bytes --no-flags $pid >text &&
	grep -q " rw-p  *1228800  *409600  *0  *0  *409600  *409600  \[anon\]$" text &&
	! grep -q "^    flags" text
'

test_expect_success '-o TRACE: one event per run' '
	pgtrace snap task --json -o t.pgt $pid >out &&
	present=$(test_json out "d[\"present\"]") &&
	pgtrace info --json t.pgt >info &&
	test_json_assert info "d[\"info\"][\"snapshot\"] == \"task\" and d[\"pages\"] == $present" &&
	test_json_assert info "d[\"processes\"] >= 1"
'

test_expect_success 'unprivileged: the pages of a root process are refused, exit 1' '
	test_must_fail --code=1 as_nobody "$PGTRACE" snap task $pid >out 2>err &&
	test_one_line_error err && grep -q "process $pid" err && ! test -s out
'

test_expect_success 'unprivileged, its own process: counts without frames' '
	as_nobody "$HELPER" task anon:50:5 >own.out </dev/null 2>&1 &
	n=0 && until grep -q ready own.out; do n=$((n + 1)); test $n -lt 100; sleep 0.05; done &&
	own=$(awk "\$1 == \"pid\" { print \$2 }" own.out) && echo $own >own.pid &&
	oa=$(awk "\$1 == \"anon\" { print \$2 }" own.out) &&
	as_nobody "$PGTRACE" snap task --json $own >out 2>err &&
	tj out "m(\"$oa\")[\"present\"] == 10 and not d[\"pfns_visible\"]" &&
	as_nobody "$PGTRACE" snap task --json --list --range $oa..$(printf "0x%x" $((oa + 50 * 4096))) $own >out &&
	test_json_assert out "len(d[\"runs\"]) == 10 and all(r[\"pfn\"] is None for r in d[\"runs\"])" &&
	kill $own && rm own.pid
'

test_expect_success 'a process that is gone: exit 1, one line' '
	sh -c "exit 0" & gone=$! && wait $gone &&
	test_must_fail --code=1 pgtrace snap task $gone >out 2>err &&
	test_one_line_error err && grep -q "no process $gone" err
'

test_expect_success 'usage errors: exit 2' '
	for args in "" "0" "abc" "1 2" "--bogus 1" "--range 5..2 1" "--range x 1"; do
		test_must_fail --code=2 pgtrace snap task $args >out 2>err &&
		test_one_line_error err || { echo "args: $args"; cat err; return 1; }
	done
'

test_expect_success 'cleanup' 'kill $(cat task.pid) && rm task.pid'

test_done
