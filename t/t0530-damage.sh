#!/bin/bash
# Damage no checksum saw before format 1.3: a flipped bit in a record's
# type, a packet dropped, repeated or swapped, CRC-valid records whose END
# totals, first event number or times lie; and traces whose packets are
# not in time order.  Each damaged trace is read up to the damage, then
# an error naming the packet and exit 1; an unordered trace loses no
# event to a time range.  doc/faults.md lists the cases.
. "$(dirname "$0")/lib-test.sh"

# craft.py TRACE OUT OP [ARGS]: the trace with one thing changed.
cat >craft.py <<'PY'
import struct, sys

T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = T[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF

def rec_crc(typed, typ, body):
    return crc32c(body, crc32c(struct.pack("<IQ", typ, len(body))) if typed else 0)

src, out, op, args = sys.argv[1], sys.argv[2], sys.argv[3], [int(a, 0) for a in sys.argv[4:]]
data = open(src, "rb").read()
hsize = struct.unpack_from("<I", data, 12)[0]
hdr = bytearray(data[:hsize])
typed = struct.unpack_from("<Q", hdr, 32)[0] & 1
recs = []                     # [type, crc, body]
off = hsize
while off + 16 <= len(data):
    typ, crc, size = struct.unpack_from("<IIQ", data, off)
    recs.append([typ, crc, bytearray(data[off + 16:off + 16 + size])])
    off += 16 + size
pk = [r for r in recs if r[0] == 1]

def raw():
    return bytes(hdr) + b"".join(struct.pack("<IIQ", t, c, len(b)) + bytes(b) for t, c, b in recs)

def refix(r):
    r[1] = rec_crc(typed, r[0], r[2])

def rebuild():
    """A well-formed trace of the records in their order: event numbers
    follow, index and END computed again."""
    body = [r for r in recs if r[0] not in (8, 9)]
    o = bytearray(hdr)
    ents, sides, seq = [], [], 0
    for r in body:
        if r[0] == 1:
            struct.pack_into("<Q", r[2], 16, seq)
            fts, lts, _, cnt = struct.unpack_from("<QQQI", r[2], 0)
            ents.append(struct.pack("<QQQQII", len(o), fts, lts, seq, cnt, 0))
            seq += cnt
        elif 2 <= r[0] <= 7:
            sides.append(struct.pack("<Q", len(o)))
        refix(r)
        o += struct.pack("<IIQ", r[0], r[1], len(r[2])) + r[2]
    idx_off = len(o)
    ib = struct.pack("<Q", len(ents)) + b"".join(ents) + struct.pack("<Q", len(sides)) + b"".join(sides)
    o += struct.pack("<IIQ", 8, rec_crc(typed, 8, ib), len(ib)) + ib
    eb = struct.pack("<QQQ", idx_off, seq, len(ents))
    o += struct.pack("<IIQ", 9, rec_crc(typed, 9, eb), len(eb)) + eb
    return bytes(o)

if op == "flip-type":          # N-th record of type T: type ^= BIT, crc kept
    n, t, bit = args
    [r for r in recs if r[0] == t][n][0] ^= bit
    res = raw()
elif op == "drop":             # packet K left out
    recs.remove(pk[args[0]]); res = raw()
elif op == "dup":              # packet K twice
    recs.insert(recs.index(pk[args[0]]), list(pk[args[0]])); res = raw()
elif op == "swap":             # packets J and K change places
    j, k = recs.index(pk[args[0]]), recs.index(pk[args[1]])
    recs[j], recs[k] = recs[k], recs[j]; res = raw()
elif op == "end":              # END says EVENTS and PACKETS, crc fixed
    e = recs[-1]; struct.pack_into("<QQ", e[2], 8, args[0], args[1]); refix(e); res = raw()
elif op == "seq":              # packet K's first_seq += D, crc fixed
    r = pk[args[0]]; s = struct.unpack_from("<Q", r[2], 16)[0]
    struct.pack_into("<Q", r[2], 16, s + args[1]); refix(r); res = raw()
elif op == "ts":               # packet K's first_ts and last_ts += D, crc fixed
    r = pk[args[0]]; a, b = struct.unpack_from("<QQ", r[2], 0)
    struct.pack_into("<QQ", r[2], 0, a + args[1], b + args[1]); refix(r); res = raw()
elif op == "lastts":           # packet K's last_ts += D only, crc fixed
    r = pk[args[0]]; b = struct.unpack_from("<Q", r[2], 8)[0]
    struct.pack_into("<Q", r[2], 8, b + args[1]); refix(r); res = raw()
elif op == "unorder":          # packets J and K swapped, a valid trace
    j, k = recs.index(pk[args[0]]), recs.index(pk[args[1]])
    recs[j], recs[k] = recs[k], recs[j]; res = rebuild()
elif op == "info-keys":        # N INFO records of distinct keys first
    new = []
    for i in range(args[0]):
        k, v = b"key.%d" % i, b"v"
        new.append([6, 0, bytearray(struct.pack("<I", len(k)) + k + struct.pack("<I", len(v)) + v)])
    recs[0:0] = new; res = rebuild()
elif op == "colliding-ids":    # N OBJECTs whose ids shared a slot of the old hash
    M = 0xFFFFFFFF
    def inv(a):
        x = a
        for _ in range(5): x = (x * (2 - a * x)) & M
        return x
    def old_inverse(x):
        x ^= x >> 16; x = (x * inv(0x846CA68B)) & M
        x ^= (x >> 15) ^ (x >> 30); x = (x * inv(0x7FEB352D)) & M
        return x ^ (x >> 16)
    new = []
    for i in range(1, args[0] + 1):
        p = b"/c/%d" % i
        new.append([2, 0, bytearray(struct.pack("<IBBHQQQQQ", old_inverse(i << 17), 1, 0, 0, 0, 0, i, 0, 0)
                                    + struct.pack("<I", len(p)) + p)])
    recs[0:0] = new; res = rebuild()
elif op == "downgrade":        # the same trace as format 1.2 wrote it
    typed = 0
    struct.pack_into("<H", hdr, 10, 2)
    struct.pack_into("<Q", hdr, 32, 0)
    struct.pack_into("<I", hdr, 192, 0)
    struct.pack_into("<I", hdr, 192, crc32c(bytes(hdr[:200]) + bytes(hdr[200:])))
    for r in recs:
        refix(r)
    res = raw()
else:
    sys.exit("unknown op " + op)
open(out, "wb").write(res)
PY
craft() { python3 craft.py "$@"; }
# events read (dump lines) and exit status of dump
dumped() { pgtrace dump --fields seq "$1" 2>err >rows; echo $? >rc; wc -l <rows; }

test_expect_success 'setup: 100,000 events in 10 packets, paths and processes' '
	pgtrace gen -p mix -n 100000 --packet-events 10000 --seed 5 -o good.pgt &&
	pgtrace info --json good.pgt | test_json_assert - "
assert d[\"events\"] == 100000 and d[\"packets\"] == 10 and d[\"format\"] == \"1.3\", d" &&
	pgtrace dump --format csv --fields seq,ts,path,comm good.pgt >good.csv
'
test_expect_success 'a flipped bit in a PACKET type: damage after packet 3, exit 1' '
	craft good.pgt t1.pgt flip-type 3 1 0x10 &&
	test "$(dumped t1.pgt)" = 30000 && test "$(cat rc)" = 1 &&
	grep -q "after 3 whole packets: type 17 is unknown and its checksum fails" err &&
	test_must_fail pgtrace info t1.pgt >/dev/null 2>&1
'
test_expect_success 'a flipped bit in an OBJECT or PROCESS type: damage, not lost paths' '
	craft good.pgt t2.pgt flip-type 0 2 0x40 &&
	test_must_fail pgtrace dump t2.pgt >/dev/null 2>err2 && grep -q "checksum fails" err2 &&
	craft good.pgt t3.pgt flip-type 0 3 0x1 &&
	test_must_fail pgtrace dump t3.pgt >/dev/null 2>err3 && grep -q "checksum" err3
'
test_expect_success 'a well-formed record of unknown type is still skipped' '
	python3 - <<-\PYX &&
	import struct, sys
	sys.argv = ["craft.py"]
	exec(open("craft.py").read().split("src, out, op")[0])
	d = bytearray(open("good.pgt", "rb").read())
	h = struct.unpack_from("<I", d, 12)[0]
	body = b"a record of a later minor"
	rec = struct.pack("<IIQ", 4242, rec_crc(1, 4242, body), len(body)) + body
	open("unk.pgt", "wb").write(bytes(d[:h]) + rec + bytes(d[h:]))
	PYX
	pgtrace dump --fields seq unk.pgt >rows && test "$(wc -l <rows)" = 100000
'
test_expect_success 'a dropped packet: 20,000 events, then an error naming packet 3' '
	craft good.pgt d1.pgt drop 2 &&
	test "$(dumped d1.pgt)" = 20000 && test "$(cat rc)" = 1 &&
	grep -q "packet 3 (counting from 1) at offset [0-9]*: its first event is number 30000, but the packets before it end at 20000" err
'
test_expect_success 'a repeated packet and swapped packets: stop at the first out of place' '
	craft good.pgt d2.pgt dup 4 && test "$(dumped d2.pgt)" = 50000 && test "$(cat rc)" = 1 &&
	grep -q "packet 6 (counting from 1)" err &&
	craft good.pgt d3.pgt swap 1 2 && test "$(dumped d3.pgt)" = 10000 && test "$(cat rc)" = 1 &&
	grep -q "packet 2 (counting from 1)" err &&
	sed -n "1,10000p" good.csv >/dev/null
'
test_expect_success 'the good events before the damage are the right ones' '
	pgtrace dump --format csv --fields seq,ts,path,comm d1.pgt >part.csv 2>/dev/null;
	head -n 20001 good.csv >want && test_cmp want part.csv
'
test_expect_success 'an END record whose totals lie: all events, then an error; info fails' '
	craft good.pgt e1.pgt end 0 10 && test "$(dumped e1.pgt)" = 100000 && test "$(cat rc)" = 1 &&
	grep -q "end record at offset [0-9]* says 10 packets and 0 events, but the trace holds 10 packets and 100000 events" err &&
	craft good.pgt e2.pgt end 100000 11 && test "$(dumped e2.pgt)" = 100000 && test "$(cat rc)" = 1 &&
	test_must_fail pgtrace info e1.pgt >/dev/null 2>&1
'
test_expect_success 'a lying END no longer empties --events and cut: the index is not used' '
	pgtrace dump --fields seq --events 500..600 e1.pgt >rows 2>err &&
	test "$(wc -l <rows)" = 100 && test "$(head -1 rows)" = 500 &&
	grep -q "index at offset [0-9]* is inconsistent; scanning instead" err &&
	pgtrace cut --events 50000..50100 -o ec.pgt e1.pgt 2>err &&
	test "$(pgtrace dump --fields seq ec.pgt | wc -l)" = 100 &&
	test_must_fail pgtrace cut --time 50ms.. -o et.pgt e1.pgt 2>err && grep -q "end record" err
'
test_expect_success 'a packet whose first_seq lies: error naming it' '
	craft good.pgt s1.pgt seq 4 7 && test "$(dumped s1.pgt)" = 40000 && test "$(cat rc)" = 1 &&
	grep -q "packet 5 (counting from 1)" err &&
	test_must_fail pgtrace cut --events 45000..45010 -o sc.pgt s1.pgt 2>err &&
	grep -q "packet 5" err
'
test_expect_success 'a packet whose times lie: its index entry and its events say otherwise' '
	craft good.pgt ts1.pgt ts 6 1000000000 && test "$(dumped ts1.pgt)" = 60000 && test "$(cat rc)" = 1 &&
	grep -q "packet 7 (counting from 1) at offset [0-9]* does not match its index entry" err &&
	test_must_fail pgtrace dump --time 65ms..66ms ts1.pgt >rows 2>err &&
	craft good.pgt ts2.pgt lastts 6 1000 &&
	cat ts2.pgt | pgtrace dump --fields seq - 2>err >rows; test $? = 1 && test "$(wc -l <rows)" = 60000 &&
	grep -q "packet 7 (counting from 1)" err
'
test_expect_success 'a trace of format 1.2 (body-only checksums) still reads' '
	craft good.pgt old.pgt downgrade &&
	pgtrace info old.pgt >info && grep -q "^format: *1\.2$" info &&
	pgtrace dump --format csv --fields seq,ts,path,comm old.pgt >old.csv && test_cmp good.csv old.csv &&
	cat old.pgt | pgtrace dump --format csv --fields seq,ts,path,comm - >old2.csv && test_cmp good.csv old2.csv
'
test_expect_success 'format 1.2: a dropped packet is caught by the event numbers' '
	craft old.pgt old-d.pgt drop 2 && test "$(dumped old-d.pgt)" = 20000 && test "$(cat rc)" = 1
'
test_expect_success 'packets out of time order: cut and dump --time miss nothing, and warn' '
	craft good.pgt un.pgt unorder 0 9 &&
	pgtrace dump --fields seq un.pgt >rows 2>err && test "$(wc -l <rows)" = 100000 &&
	grep -q "not in time order" err &&
	first=$(pgtrace dump --fields ts --format csv good.pgt | sed -n 2p) &&
	lo=$((first + 1000000)) hi=$((first + 3000000)) &&
	pgtrace filter -c "ts >= $lo && ts < $hi" un.pgt >want && test "$(cat want)" -gt 1000 &&
	pgtrace cut --time @${lo}ns..@${hi}ns -o uc.pgt un.pgt 2>err && grep -q "not in time order" err &&
	test "$(pgtrace dump --fields seq uc.pgt 2>/dev/null | wc -l)" = "$(cat want)" &&
	pgtrace cut --time @${hi}ns.. -o uc2.pgt un.pgt 2>/dev/null &&
	pgtrace filter -c "ts >= $hi" un.pgt >want2 &&
	test "$(pgtrace dump --fields seq uc2.pgt 2>/dev/null | wc -l)" = "$(cat want2)" &&
	pgtrace dump --fields seq --time @${lo}ns..@${hi}ns un.pgt >rows 2>err &&
	grep -q "not in time order" err && test "$(wc -l <rows)" = "$(cat want)" &&
	pgtrace dump --fields seq --time @${lo}ns..@${hi}ns - <un.pgt >rows 2>/dev/null &&
	test "$(wc -l <rows)" = "$(cat want)"
'
test_expect_success 'an unsorted CSV imports in time order: time ranges find every event' '
	python3 -c "
import random
random.seed(1)
ts = list(range(100000)); random.shuffle(ts)
print(\"ts,pid,type,obj,index\")
for t in ts: print(f\"{t},1,reference,1,{t}\")
" >unsorted.csv &&
	pgtrace import -o us.pgt unsorted.csv 2>err && ! test -s err &&
	pgtrace info us.pgt >info && grep -q "import.sorted: [0-9]* events came after a later one" info &&
	test "$(pgtrace filter -c "ts < 1000" us.pgt)" = 1000 &&
	test "$(pgtrace dump --time @0ns..@1000ns us.pgt | wc -l)" = 1000 &&
	test "$(pgtrace dump --time @50000ns..@51000ns us.pgt | wc -l)" = 1000 &&
	pgtrace cut --time @50000ns..@51000ns -o usc.pgt us.pgt &&
	test "$(pgtrace dump us.pgt --fields ts --format csv | sed 1d | sort -n -c && echo sorted)" = sorted
'
test_expect_success 'an input out of order beyond the sort window: an error naming the line' '
	python3 -c "
print(\"ts,index\")
for t in range(300000): print(f\"{t + 10},{t}\")
print(\"5,1\")
" >late.csv &&
	test_must_fail pgtrace import -o late.pgt late.csv 2>err &&
	test_one_line_error err &&
	grep -q "line 300002: time 5 is before events already written" err &&
	pgtrace import --skip-bad -f -o late.pgt late.csv 2>err &&
	test "$(pgtrace info --json late.pgt | test_json - "d[\"events\"]")" = 300000
'
test_expect_success 'an event of more than 2^24 pages is refused, naming the line' '
	printf "ts,index,npages\n1,0,1\n2,0,16777216\n3,0,4294967295\n" >huge.csv &&
	test_must_fail pgtrace import -o huge.pgt huge.csv 2>err &&
	test_one_line_error err &&
	grep -q "line 4: an event of 4294967295 pages: more than the 16777216" err &&
	pgtrace import --skip-bad -o huge2.pgt huge.csv 2>/dev/null &&
	test "$(pgtrace dump --fields npages huge2.pgt | tail -1)" = 16777216
'
test_expect_success 'INFO keys are applied in linear time: 200,000 keys under 10 s' '
	craft good.pgt keys.pgt info-keys 200000 &&
	timeout 10 "$PGTRACE" info keys.pgt >info &&
	grep -q "key.199999: v" info && test "$(grep -c "^  key\." info)" = 200000
'
test_expect_success 'object ids chosen to collide in the old hash: dump under 10 s' '
	craft good.pgt ids.pgt colliding-ids 32767 &&
	timeout 10 "$PGTRACE" dump --fields seq,path ids.pgt >rows &&
	test "$(wc -l <rows)" = 100000 && timeout 10 "$PGTRACE" info ids.pgt >/dev/null
'
test_done
