#!/bin/bash
# Privileges and outputs: every command as an unprivileged user (what
# needs root says which capability and file; the rest works), outputs
# 0600, never through a symbolic link, never over a file without --force;
# no trace string reaches a shell or leaves split's directory; text, CSV,
# JSON and index.tsv escape control characters and bytes that are not UTF-8.
. "$(dirname "$0")/lib-test.sh"

test_require ROOT,NOBODY,SETPRIV 'privileges'

# The binary and a scratch directory nobody may use (the trash directory
# may sit under a path nobody cannot enter).
B=$(mktemp -d /tmp/pgt0510.XXXXXX) && chmod 755 "$B" && cp "$PGTRACE" "$B/pgtrace" && chmod 755 "$B/pgtrace" || exit 1
trap 'rm -rf "$B"' EXIT
NG=$(id -g nobody)
W=$B/w
mkdir "$W" && chown nobody:"$NG" "$W" || exit 1
NP=$B/pgtrace
# nb CMD ARGS: as nobody, no capabilities, in $W
nb() {
	(cd "$W" && HOME=$W setpriv --reuid=nobody --regid="$NG" --clear-groups --inh-caps=-all "$@")
}
# nbp ARGS: pgtrace as nobody with umask 000
nbp() { (umask 0; nb "$NP" "$@"); }
export B W NP NG

# a trace of root's that nobody may read, and one nobody may not
pgtrace gen -p mix -n 20000 --seed 7 -o "$B/world.pgt" && chmod 644 "$B/world.pgt" &&
cp "$B/world.pgt" "$B/private.pgt" && chmod 600 "$B/private.pgt" || exit 1

# ---- what needs root ----

test_expect_success 'record: exit 125 with a command (1 without), one line naming CAP_SYS_ADMIN and the tracefs instances' '
	for args in "-o r.pgt -- true" "-a -d 1s -o r.pgt"; do
		code=1; case $args in *--*) code=125 ;; esac
		test_must_fail --code=$code nbp record $args 2>err && test_one_line_error err &&
		grep -q "CAP_SYS_ADMIN" err && grep -q "/tracing/instances" err || { cat err; exit 1; }
	done &&
	! test -e "$W/r.pgt"
'
test_expect_success 'snap pfn: exit 1 naming /proc/kpageflags and CAP_SYS_ADMIN, no trace left' '
	test_must_fail --code=1 nbp snap pfn 2>err && test_one_line_error err &&
	grep -q "/proc/kpageflags" err && grep -q CAP_SYS_ADMIN err &&
	test_must_fail --code=1 nbp snap pfn -o pfn.pgt 2>err && grep -q "/proc/kpageflags" err &&
	! test -e "$W/pfn.pgt"
'
test_expect_success 'snap task: another user'\''s process names /proc/PID/pagemap and CAP_SYS_PTRACE' '
	test_must_fail --code=1 nbp snap task 1 2>err && test_one_line_error err &&
	grep -q "/proc/1/pagemap" err && grep -q CAP_SYS_PTRACE err
'
test_expect_success 'snap task: its own process works; --flags names /proc/kpageflags and CAP_SYS_ADMIN' '
	nb sh -c "exec \"$NP\" snap task \$\$" >own-task && grep -q "^mapping" own-task &&
	nb sh -c "exec \"$NP\" snap task -o task.pgt \$\$" >/dev/null && nbp info task.pgt >/dev/null &&
	test_must_fail --code=1 nb sh -c "exec \"$NP\" snap task --flags \$\$" 2>err && test_one_line_error err &&
	grep -q "/proc/kpageflags" err && grep -q CAP_SYS_ADMIN err
'
test_expect_success 'snap who: exit 1 naming /proc/PID/pagemap, /proc/kpageflags and CAP_SYS_ADMIN' '
	test_must_fail --code=1 nbp snap who 4096 2>err && test_one_line_error err &&
	grep -q "/proc/PID/pagemap" err && grep -q "/proc/kpageflags" err && grep -q CAP_SYS_ADMIN err
'
test_expect_success 'snap file: nobody'\''s own files, cached pages counted; --flags names the capability' '
	nb sh -c "dd if=/dev/zero of=own bs=64k count=4 2>/dev/null && cat own >/dev/null" &&
	nbp snap file --json own >own.json &&
	test_json_assert own.json "d[\"total\"][\"cached\"] == 64 and d[\"total\"][\"errors\"] == 0" &&
	nbp snap file -o own.pgt own >/dev/null && nbp dump own.pgt | grep -q " own 0 64$" &&
	test_must_fail --code=1 nbp snap file --flags own 2>err && test_one_line_error err &&
	grep -q CAP_SYS_ADMIN err && grep -q /proc/kpageflags err
'
test_expect_success 'snap fs: works unprivileged, counting what it could not examine' '
	nbp snap fs --top 3 "$W" >fs.txt &&
	grep -q "files examined, .* could not be examined" fs.txt && grep -q "^  cached:" fs.txt
'

# ---- what works without root ----

test_expect_success 'every trace tool works as nobody on a trace nobody may read' '
	nbp info "$B/world.pgt" | grep -q "^events: *20000$" &&
	nbp info --json "$B/world.pgt" >/dev/null &&
	test "$(nbp dump "$B/world.pgt" | wc -l)" = 20000 &&
	test "$(nbp dump --format csv "$B/world.pgt" | wc -l)" = 20001 &&
	nbp dump --format jsonl -e -5.. "$B/world.pgt" | python3 -c "import json,sys; [json.loads(l) for l in sys.stdin]" &&
	nbp gen -p zipf -n 5000 -o z.pgt &&
	nbp cut -e 100..1100 -o cut.pgt "$B/world.pgt" &&
	nbp filter -o filt.pgt "pid > 0" "$B/world.pgt" &&
	nbp split --by pid -o split "$B/world.pgt" &&
	nbp merge -o merged.pgt cut.pgt z.pgt &&
	nbp reduce --fifo 16 -q -o red.pgt "$B/world.pgt" &&
	nbp export --format csv -o w.csv "$B/world.pgt" &&
	nbp import -o imp.pgt w.csv &&
	nbp export --format jsonl -o w.jsonl "$B/world.pgt" &&
	nbp export --format oracle-general -o w.og "$B/world.pgt" &&
	nbp stats "$B/world.pgt" >stats.txt && nbp stats --json "$B/world.pgt" >/dev/null &&
	nbp stats --csv statsdir "$B/world.pgt" &&
	nbp phase "$B/world.pgt" >/dev/null && nbp phase --json "$B/world.pgt" >/dev/null &&
	nbp plot heatmap -o h.png "$B/world.pgt" && nbp plot mrc -o m.svg "$B/world.pgt" &&
	nbp report -o r.html "$B/world.pgt" &&
	for t in z cut filt merged red imp; do
		nbp info "$t.pgt" >/dev/null || exit 1
	done &&
	test "$(nbp info cut.pgt | sed -n "s/^events: *//p")" = 1000 &&
	test "$(nbp info imp.pgt | sed -n "s/^events: *//p")" = 20000 &&
	test "$(stat -c %s "$W/w.og")" -gt 0 && test -s "$W/r.html" && test -s "$W/h.png" &&
	test -f "$W/statsdir/mrc.csv" && test -f "$W/split/index.tsv"
'
test_expect_success 'a trace nobody may not read: exit 1, one line, says to check permissions' '
	test_must_fail --code=1 nbp info "$B/private.pgt" 2>err && test_one_line_error err &&
	grep -q "permission" err
'

# ---- outputs: 0600, no symbolic links, no overwriting without --force ----

# Each writer as "w_NAME OUT [--force]"; OUT is a file, or a directory for
# split and stats.
w_gen() { nbp gen -p sequential -n 100 -o "$1" $2; }
w_cut() { nbp cut -e 0..100 -o "$1" $2 "$B/world.pgt"; }
w_filter() { nbp filter -o "$1" $2 "pid > 0" "$B/world.pgt"; }
w_split() { nbp split --by pid -o "$1" $2 "$B/world.pgt"; }
w_merge() { nbp merge -o "$1" $2 "$B/world.pgt" "$B/world.pgt"; }
w_reduce() { nbp reduce --fifo 16 -q -o "$1" $2 "$B/world.pgt"; }
w_import() { nbp import -o "$1" $2 "$B/in.csv"; }
w_export_csv() { nbp export --format csv -o "$1" $2 "$B/world.pgt"; }
w_export_jsonl() { nbp export --format jsonl -o "$1" $2 "$B/world.pgt"; }
w_export_og() { nbp export --format oracle-general -o "$1" $2 "$B/world.pgt"; }
w_stats() { nbp stats --csv "$1" $2 "$B/world.pgt" >/dev/null; }
w_plot() { nbp plot mrc --format png -o "$1" $2 "$B/world.pgt"; }
w_report() { nbp report -o "$1" $2 "$B/world.pgt"; }
w_snap_file() { nbp snap file -o "$1" $2 snapme >/dev/null; }
nb sh -c "echo data >snapme"
printf "ts,pid,comm,type,path,index\n1,5,sh,lookup,/a,1\n" >"$B/in.csv" && chmod 644 "$B/in.csv"
# a file of root'\''s that anyone could write: following a link would work
echo precious >"$B/victim" && chmod 666 "$B/victim"

check_outputs() {
	w=w_$1 o=$W/out.$1
	rm -rf "$o" "$W/link.$1" "$W/dangling.$1" "$B/none.$1"
	$w "out.$1" || return 1
	if [ -d "$o" ]; then
		test "$(stat -c %a "$o")" = 700 || { echo "$1: directory mode $(stat -c %a "$o")"; return 1; }
		test -z "$(find "$o" -type f ! -perm 600)" || { echo "$1: files not 0600:"; ls -l "$o"; return 1; }
		f=$(find "$o" -type f -name "*.csv" -o -type f -name index.tsv | head -1)
	else
		test "$(stat -c %a "$o")" = 600 || { echo "$1: mode $(stat -c %a "$o")"; return 1; }
		f=$o
	fi
	cksum <"$f" >"$W/sum.$1"
	# exists: exit 1, says --force, untouched
	test_must_fail --code=1 $w "out.$1" 2>err || return 1
	grep -q -- --force err || { echo "$1: no --force in:"; cat err; return 1; }
	cksum <"$f" | cmp -s - "$W/sum.$1" || { echo "$1: overwritten without --force"; return 1; }
	# --force: written again
	echo junk >"$f"
	$w "out.$1" --force || { echo "$1: --force failed"; return 1; }
	test -s "$f" && test "$(cat "$f")" != junk || { echo "$1: --force did not write"; return 1; }
	test "$(stat -c %U "$f")" = nobody || return 1
	# symbolic links: to root'\''s file and to nothing, with and without --force
	ln -s "$B/victim" "$W/link.$1" && ln -s "$B/none.$1" "$W/dangling.$1" &&
	for l in link dangling; do
		for force in "" --force; do
			test_must_fail --code=1 $w "$l.$1" $force 2>err || { echo "$1: $l $force"; return 1; }
			test_one_line_error err || return 1
		done
	done
	test "$(cat "$B/victim")" = precious || { echo "$1: wrote through a link"; return 1; }
	! test -e "$B/none.$1" || { echo "$1: created a link'\''s target"; return 1; }
	test -L "$W/link.$1" && test -L "$W/dangling.$1"
}
for c in gen cut filter split merge reduce import export_csv export_jsonl export_og stats plot report snap_file; do
	test_expect_success "outputs of $c: 0600 under umask 000, no link followed, --force needed" "
		check_outputs $c
	"
done
test_expect_success 'a symbolic link to a directory is no split or stats --csv directory' '
	mkdir "$B/rootdir" && chmod 777 "$B/rootdir" && ln -s "$B/rootdir" "$W/dlink" &&
	test_must_fail --code=1 nbp split --by pid -o dlink "$B/world.pgt" 2>err && test_one_line_error err &&
	grep -q "symbolic link" err &&
	test_must_fail --code=1 nbp stats --csv dlink "$B/world.pgt" 2>err && test_one_line_error err &&
	test -z "$(ls -A "$B/rootdir")"
'
test_expect_success 'symbolic links inside split and stats directories are not followed' '
	rm -rf "$W/sd" && w_split sd && ln -sf "$B/victim" "$W/sd/index.tsv" &&
	test_must_fail --code=1 w_split sd --force 2>/dev/null &&
	w_stats st && rm "$W/st/mrc.csv" && ln -s "$B/victim" "$W/st/mrc.csv" &&
	test_must_fail --code=1 w_stats st --force 2>/dev/null &&
	test "$(cat "$B/victim")" = precious
'
if pgtrace record -q -o "$TRASH/probe.pgt" -- true 2>/dev/null; then
	test_expect_success 'record (as root): 0600 under umask 000, no link followed, --force needed' '
		rm -f r.pgt && (umask 0; pgtrace record -q -o r.pgt -- true) && test "$(stat -c %a r.pgt)" = 600 &&
		cksum <r.pgt >sum &&
		test_must_fail --code=2 pgtrace record -q -o r.pgt -- true 2>err && grep -q -- --force err &&
		cksum <r.pgt | cmp - sum &&
		pgtrace record -q --force -o r.pgt -- true && pgtrace info r.pgt >/dev/null &&
		ln -s "$B/victim" rl && ln -s "$B/none.rec" rd &&
		for l in rl rd; do
			for f in "" --force "--force --keep 1M"; do
				test_must_fail --code=125 pgtrace record -q $f -o $l -- true 2>err &&
				test_one_line_error err && grep -q "symbolic link" err || exit 1
			done
		done &&
		test "$(cat "$B/victim")" = precious && ! test -e "$B/none.rec" && test -L rl
	'
else
	test_skip 'record outputs as root' 'record does not run here (tracefs)'
fi

# ---- no shell ----

test_expect_success 'no shell in the code: the only exec is record'\''s execvp of the given command' '
	grep -rnE "\<(system|popen|execl|execlp|execle|execv|execve|execvpe|posix_spawnp?)\(" \
		"$TOP/cmd" "$TOP/lib" "$TOP/include" >calls || true
	grep -rn "\<execvp(" "$TOP/cmd" "$TOP/lib" >execvp &&
	test ! -s calls &&
	test "$(grep -c "execvp(.*o->argv\[0\], .*o->argv)" execvp)" = "$(wc -l <execvp)"
'

# CSV import syntax for raw bytes: control characters, bytes that are not
# ASCII and a backslash before x as \xNN (pgtrace-import(1)).
cat >mk.py <<\EOF
import csv, json, sys
def esc(b):
    out = ""
    for i, c in enumerate(b):
        if c < 0x20 or c >= 0x7f or (c == 0x5c and b[i+1:i+2] == b"x"):
            out += "\\x%02x" % c
        else:
            out += chr(c)
    return out
# (comm, path) pairs, as bytes
S = [
    (b"$(touch pwned)", b"/d/$(touch pwned)`touch pwned`;rm -rf x"),
    (b"\x1b[31m\r\n\t", b"/d/\x1b[31mred\x1b[0m\r\nnl\ttab\x7f"),
    (b'q"u,o\\t\\x41', b"/d/\xff\xfe-\xc3(-\xed\xa0\x80-\xc2\x9b-\xe2\x82\xac-\xf4\x90\x80\x80"),
    (b"<script>", b"/d/<script>alert(\"x\")</script>&amp;'"),
    (b"..", b".."),
    (b"../up", b"../../etc/x"),
    (b"`id`", b"/"),
    (b"a/b", b".hidden"),
    (b"\xe2\x82\xac;ls", b"/d/caf\xc3\xa9 \\n"),
]
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["ts", "pid", "comm", "type", "path", "index"])
    for i, (c, p) in enumerate(S):
        w.writerow([i + 1, 100 + i, esc(c), "lookup", esc(p), i])
json.dump([[c.hex(), p.hex()] for c, p in S], open("strings.json", "w"))
EOF
cat >chk.py <<\EOF
# chk.py MODE KIND FILE: KIND comm or path; each string of the trace must
# come out in FILE as pgtrace(1) says, and FILE must be valid UTF-8 with no
# control character a terminal would obey.
import csv, io, json, re, sys
mode, kind, path = sys.argv[1:4]
S = [bytes.fromhex(x[0 if kind == "comm" else 1]) for x in json.load(open("strings.json"))]
raw = open(path, "rb").read()
txt = raw.decode("utf-8")   # strict: no invalid bytes, no surrogates
bad = [c for c in txt if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0]
assert not bad, "control characters in %s: %r" % (path, bad[:5])

def units(b):
    i = 0
    while i < len(b):
        c = b[i]
        if c < 0x20 or c == 0x7f:
            yield "ctl", b[i:i+1]; i += 1; continue
        if c == 0x5c and b[i+1:i+2] == b"x":
            yield "bsx", b[i:i+1]; i += 1; continue
        for n in range(1, 5):
            try:
                ch = b[i:i+n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None:
            yield "bad", b[i:i+1]; i += 1; continue
        yield ("c1" if 0x80 <= ord(ch) < 0xa0 else "ok"), b[i:i+n]; i += n

def text_form(b):
    return "".join(u.decode() if k == "ok" else "".join("\\x%02x" % x for x in u) for k, u in units(b))
def json_form(b):
    return "".join(u.decode() if k in ("ok", "ctl", "c1") else "\\x%02x" % u[0] for k, u in units(b))
def tsv_form(b):
    m = {9: "\\t", 10: "\\n", 0x5c: "\\\\"}
    return "".join(m[u[0]] if len(u) == 1 and u[0] in m else
                   u.decode() if k == "ok" else "".join("\\x%02x" % x for x in u) for k, u in units(b))
def unescape(s):    # \xNN back to bytes: the round trip
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]), s.encode())

if mode == "lines":     # dump text with one field: the strings in order
    got = txt.split("\n")[:-1]
    assert got == [text_form(b) for b in S], (got, [text_form(b) for b in S])
    assert [unescape(g) for g in got] == S
elif mode == "csv":     # RFC 4180, one row per line, fields round trip
    assert len(txt.split("\n")) == len(S) + 2, "a row spans lines"
    rows = list(csv.reader(io.StringIO(txt, newline=""), strict=True))
    col = rows[0].index(kind)
    got = [r[col] for r in rows[1:]]
    assert got == [text_form(b) for b in S], (got, [text_form(b) for b in S])
    assert [unescape(g) for g in got] == S
elif mode == "jsonl":   # every line parses; valid UTF-8 strings exactly
    got = [json.loads(l)[kind] for l in txt.split("\n")[:-1]]
    assert got == [json_form(b) for b in S], (got, [json_form(b) for b in S])
    for g, b in zip(got, S):
        assert unescape(g) == b
        try:
            if b"\\x" not in b:
                assert g == b.decode("utf-8")
        except UnicodeDecodeError:
            pass
elif mode == "json":    # a document: every string is somewhere in it
    found = set()
    def walk(x):
        if isinstance(x, str): found.add(x)
        elif isinstance(x, dict): [walk(k) or walk(v) for k, v in x.items()]
        elif isinstance(x, list): [walk(v) for v in x]
    walk(json.loads(txt))
    missing = [json_form(b) for b in S if json_form(b) not in found]
    assert not missing, missing
elif mode == "keys":    # stats keys.csv: RFC 4180, every key in column one
    rows = list(csv.reader(io.StringIO(txt, newline=""), strict=True))
    keys = set(r[0] for r in rows[1:])
    missing = [text_form(b) for b in S if text_form(b) not in keys]
    assert not missing, missing
    assert not [k for k in keys if unescape(k) not in S], keys
elif mode == "text":   # a table: every string escaped somewhere in it
    missing = [text_form(b) for b in S if text_form(b) not in txt]
    assert not missing, missing
elif mode == "tsv":     # split's index.tsv: five fields a line, keys round trip
    rows = [l.split("\t") for l in txt.split("\n")[:-1]]
    assert rows[0] == ["key", "file", "events", "first_ts", "last_ts"]
    assert all(len(r) == 5 for r in rows)
    keys = [r[0] for r in rows[1:]]
    want = sorted(set(tsv_form(b) for b in S))
    assert sorted(keys) == want, (sorted(keys), want)
else:
    sys.exit("unknown mode " + mode)
EOF

test_expect_success 'a trace whose comms and paths hold controls, bad UTF-8, quotes and shell text' '
	name=$(printf "in\033[31m\t.csv") &&
	python3 mk.py "$name" && pgtrace import -o n.pgt "$name" &&
	test "$(pgtrace info n.pgt | sed -n "s/^events: *//p")" = 9 && chmod 644 n.pgt
'
test_expect_success 'dump text: strings escaped, no raw control byte, \xNN round trips' '
	pgtrace dump n.pgt >d.txt && python3 chk.py text path d.txt && python3 chk.py text comm d.txt &&
	! grep -q "$(printf "\033")" d.txt &&
	pgtrace dump --fields comm n.pgt >c.txt && python3 chk.py lines comm c.txt &&
	pgtrace dump --fields path n.pgt >p.txt && python3 chk.py lines path p.txt
'
test_expect_success 'dump and export CSV: RFC 4180, one row a line, fields round trip (and back through import)' '
	pgtrace dump --format csv n.pgt >d.csv && python3 chk.py csv comm d.csv && python3 chk.py csv path d.csv &&
	pgtrace export --format csv -o e.csv n.pgt && test_cmp d.csv e.csv &&
	pgtrace import -o back.pgt e.csv && pgtrace dump --format csv back.pgt | cmp - d.csv
'
test_expect_success 'dump and export JSON lines: valid UTF-8 JSON, strings exact or \xNN' '
	pgtrace dump --format jsonl n.pgt >d.jsonl &&
	python3 chk.py jsonl comm d.jsonl && python3 chk.py jsonl path d.jsonl &&
	pgtrace export --format jsonl -o e.jsonl n.pgt && test_cmp d.jsonl e.jsonl &&
	grep -q "\"path\":\"/d/\\\\\\\\xff\\\\\\\\xfe-" d.jsonl
'
test_expect_success 'info: the trace'\''s own strings escaped in text and JSON' '
	pgtrace info n.pgt >i.txt && grep -q "input=in\\\\x1b\[31m\\\\x09.csv" i.txt &&
	python3 -c "import sys; t=open(\"i.txt\",\"rb\").read().decode(); sys.exit(\"\x1b\" in t or \"\x09.csv\" in t)" &&
	pgtrace info --json n.pgt >i.json &&
	python3 -c "import json; d=json.loads(open(\"i.json\",\"rb\").read().decode()); assert \"input=in\x1b[31m\t.csv\" in d[\"info\"][\"import\"], d[\"info\"]"
'
test_expect_success 'stats --by comm and --by file: text, JSON and keys.csv escape every key' '
	for k in comm file; do
		kind=$k && { [ $k = comm ] || kind=path; } &&
		pgtrace stats --by $k n.pgt >s.$k && python3 chk.py text $kind s.$k &&
		pgtrace stats --by $k --json n.pgt >s.$k.json && python3 chk.py json $kind s.$k.json &&
		rm -rf sc.$k && pgtrace stats --by $k --csv sc.$k n.pgt >/dev/null &&
		python3 chk.py keys $kind sc.$k/keys.csv || exit 1
	done
'
test_expect_success 'phase: text and JSON escape every path' '
	pgtrace phase n.pgt >ph.txt && python3 chk.py text path ph.txt &&
	pgtrace phase --json n.pgt >ph.json && python3 chk.py json path ph.json
'
test_expect_success 'split index.tsv: five fields a line, keys escaped, valid UTF-8' '
	rm -rf sp.comm sp.file &&
	pgtrace split --by comm -o sp.comm n.pgt && python3 chk.py tsv comm sp.comm/index.tsv &&
	pgtrace split --by file -o sp.file n.pgt && python3 chk.py tsv path sp.file/index.tsv
'
test_expect_success 'snap file: a file name with controls and bad UTF-8 is shown escaped' '
	nb sh -c "echo x >\"\$(printf \"e\\033[31m\\n\\377\")\"" &&
	nbp snap file "$W"/e* >sf.txt &&
	python3 -c "import sys; t=open(\"sf.txt\",\"rb\").read().decode(); sys.exit(not (\"e\\\\x1b[31m\\\\x0a\\\\xff\" in t and \"\x1b\" not in t))"
'

test_expect_success 'no trace string reaches a shell: every tool, shell text in comms and paths' '
	mkdir -p sh/x && cd sh &&
	for by in comm file cwd; do
		pgtrace split --by $by -o s.$by ../n.pgt || exit 1
	done &&
	pgtrace split --by comm -t "%k-%n.pgt" -o t1 ../n.pgt &&
	pgtrace split --by file -t "x%k.pgt" -o t2 ../n.pgt &&
	pgtrace dump ../n.pgt >/dev/null && pgtrace dump --format csv ../n.pgt >/dev/null &&
	pgtrace dump --format jsonl ../n.pgt >/dev/null && pgtrace info ../n.pgt >/dev/null &&
	pgtrace export --format csv -o e.csv ../n.pgt && pgtrace export --format jsonl -o e.jsonl ../n.pgt &&
	pgtrace export --format oracle-general -o e.og ../n.pgt &&
	pgtrace stats --by comm ../n.pgt >/dev/null && pgtrace stats --by file --json ../n.pgt >/dev/null &&
	pgtrace stats --by comm --csv st ../n.pgt >/dev/null &&
	pgtrace phase ../n.pgt >/dev/null && pgtrace phase --json ../n.pgt >/dev/null &&
	pgtrace filter -o f.pgt "comm == \"\$(touch pwned)\"" ../n.pgt &&
	test "$(pgtrace filter -c --file "*pwned*" ../n.pgt)" = 1 &&
	for k in heatmap fileheat phase; do
		pgtrace plot $k -o $k.svg ../n.pgt && pgtrace plot $k -o $k.png ../n.pgt || exit 1
	done &&
	pgtrace report -o r.html ../n.pgt &&
	cp ../n.pgt "$B/n.pgt" && chmod 644 "$B/n.pgt" &&
	nbp dump "$B/n.pgt" >/dev/null && nbp stats --by file "$B/n.pgt" >/dev/null &&
	nbp split --by file -o s.nobody "$B/n.pgt" && nbp report -o r2.html "$B/n.pgt" &&
	cd .. && test -d sh/x &&
	test -z "$(find "$TRASH" "$W" -name "pwned*")" &&
	! grep -l "<script" sh/*.svg
'
test_expect_success 'split: keys with /, .. and dots become file names inside the directory' '
	cd sh &&
	for d in s.comm s.file s.cwd t1 t2 "$W/s.nobody"; do
		test -z "$(find "$d" -mindepth 1 ! -type f)" || { echo "not a plain file in $d:"; find "$d"; exit 1; }
		test -z "$(ls -A "$d" | grep "^\.")" || { echo "hidden file in $d"; ls -A "$d"; exit 1; }
		for f in "$d"/*; do
			case $f in */index.tsv) continue ;; esac
			pgtrace info "$f" >/dev/null || exit 1
		done
		# every event in one of the traces listed
		test "$(awk -F "\t" "NR > 1 { n += \$3 } END { print n }" "$d/index.tsv")" = 9 || exit 1
	done &&
	test "$(ls s.file | wc -l)" = 10 && test "$(ls s.comm | wc -l)" = 10 &&
	ls s.file | grep -qx "%2E..pgt" && ls s.file | grep -qx "%2E.%2F..%2Fetc%2Fx.pgt" &&
	ls s.file | grep -qx "%2F.pgt" && ls s.file | grep -qx "%2Ehidden.pgt" &&
	ls s.comm | grep -qx "a%2Fb.pgt" && ls s.comm | grep -qx "%2E.%2Fup.pgt" &&
	! test -e up.pgt && ! test -e "$TRASH/etc" && ! test -e "$TRASH/up.pgt" && ! test -e "$B/etc" &&
	test_must_fail --code=2 pgtrace split --by comm -t "../%k" -o t3 ../n.pgt 2>err && ! test -e t3 &&
	test_must_fail --code=2 pgtrace split --by comm -t "x/%k" -o t4 ../n.pgt 2>err
'

test_done
