#!/bin/bash
# pgtrace export: CSV and JSON lines (the rows of dump), libCacheSim
# oracleGeneral (next_access_vtime, ids, reference types), round trips.
. "$(dirname "$0")/lib-test.sh"

# oracleGeneral records as text: clock obj_id size next, one per line
cat >og.py <<\EOF
import struct, sys
d = open(sys.argv[1], "rb").read()
assert len(d) % 24 == 0, "size %d is not a multiple of 24" % len(d)
for i in range(0, len(d), 24):
    print("%d %d %d %d" % struct.unpack("<IQIq", d[i:i + 24]))
EOF

test_expect_success 'setup' '
	pgtrace gen -p mix -n 100000 --seed 9 -o mix.pgt &&
	pgtrace gen -p zipf -n 200000 --pages 5000 --npages 3 --seed 4 -o z.pgt
'
test_expect_success 'csv and jsonl are the rows of dump' '
	pgtrace export --format csv -o mix.csv mix.pgt &&
	pgtrace dump --format csv mix.pgt | cmp - mix.csv &&
	pgtrace export --format jsonl mix.pgt >mix.jsonl &&
	pgtrace dump --format jsonl mix.pgt | cmp - mix.jsonl &&
	test_json_assert --lines mix.jsonl "len(d)==100000" &&
	pgtrace export --format csv --fields index,seq --no-header mix.pgt | head -2 >f &&
	pgtrace dump --format csv --fields index,seq --no-header mix.pgt | head -2 | cmp - f &&
	cat mix.pgt | pgtrace export --format csv - | cmp - mix.csv
'
test_expect_success 'an SQL engine reads the CSV: references per file match' '
	python3 - <<-\EOF >sql.out &&
	import csv, sqlite3
	db = sqlite3.connect(":memory:")
	rows = list(csv.DictReader(open("mix.csv")))
	db.execute("create table t (%s)" % ",".join("\"%s\"" % k for k in rows[0].keys()))
	db.executemany("insert into t values (%s)" % ",".join("?" * len(rows[0])), [list(r.values()) for r in rows])
	for path, n in db.execute("select path, count(*) from t group by path order by path"):
	    print(path, n)
	EOF
	pgtrace dump --fields path mix.pgt | sort | uniq -c | awk "{print \$2, \$1}" >expect &&
	test_cmp expect sql.out
'
test_expect_success 'oracle-general: next_access_vtime on a hand-made trace' '
	cat >h.csv <<-\EOF &&
	ts,type,obj,path,index,npages
	0,lookup,1,/a,0,2
	1000000000,fault,2,/b,0,1
	1500000000,add,1,/a,5,1
	2500000000,lookup,1,/a,1,1
	3000000000,reference,1,/a,0,1
	4000000000,map,2,/b,0,3
	EOF
	pgtrace import -o h.pgt h.csv &&
	pgtrace export --format oracle-general -o h.og h.pgt &&
	python3 og.py h.og >got &&
	printf "%s\n" "0 1 4096 5" "0 2 4096 4" "1 3 4096 -1" "2 2 4096 -1" "3 1 4096 -1" >expect &&
	test_cmp expect got &&
	# a fault-around map is not a reference unless asked for
	pgtrace export --format oracle-general --refs default,map -o hm.og h.pgt &&
	python3 og.py hm.og >got &&
	printf "%s\n" "0 1 4096 5" "0 2 4096 4" "1 3 4096 6" "2 2 4096 -1" "3 1 4096 -1" \
		"4 3 4096 -1" "4 4 4096 -1" "4 5 4096 -1" >expect &&
	test_cmp expect got
'
test_expect_success 'oracle-general: --refs chooses the types, --ids packed keeps (object, page)' '
	pgtrace export --format oracle-general --refs add,reference h.pgt >h2.og &&
	python3 og.py h2.og >got &&
	printf "%s\n" "0 1 4096 -1" "1 2 4096 -1" >expect && test_cmp expect got &&
	pgtrace export --format oracle-general --refs all --ids packed h.pgt >h3.og &&
	python3 og.py h3.og | cut -d" " -f2,4 | tr "\n" " " >got &&
	test "$(cat got)" = "1099511627776 6 1099511627777 5 2199023255552 7 1099511627781 -1 1099511627777 -1 1099511627776 -1 2199023255552 -1 2199023255553 -1 2199023255554 -1 "
'
test_expect_success 'oracle-general: ids that do not fit packed are an error' '
	printf "obj,path,index\n16777216,/big,1\n" >p.csv && pgtrace import -o p.pgt p.csv &&
	test_must_fail --code=1 pgtrace export --format oracle-general --ids packed -o p.og p.pgt 2>err &&
	test_one_line_error err && grep -q "use --ids dense" err
'
test_expect_success 'oracle-general: every record checked on a bigger trace; file, pipe and redirect agree' '
	pgtrace export --format oracle-general -o z.og z.pgt &&
	test $(stat -c %s z.og) = $((200000 * 3 * 24)) &&
	pgtrace export --format oracle-general z.pgt | cat >z2.og && cmp z.og z2.og &&
	pgtrace export --format oracle-general z.pgt >z3.og && cmp z.og z3.og &&
	pgtrace dump --format csv --fields ts,obj,index,npages z.pgt >z.csv &&
	python3 - <<-\EOF
	import csv, struct
	d = open("z.og", "rb").read()
	recs = [struct.unpack("<IQIq", d[i:i + 24]) for i in range(0, len(d), 24)]
	refs, ts = [], []
	for r in csv.DictReader(open("z.csv")):
	    for k in range(int(r["npages"])):
	        refs.append((r["obj"], int(r["index"]) + k))
	        ts.append(int(r["ts"]))
	assert len(refs) == len(recs)
	ids, nxt, seen = {}, {}, {}
	for i, p in enumerate(refs):
	    ids.setdefault(p, len(ids) + 1)
	want = [0] * len(refs)
	for i in range(len(refs) - 1, -1, -1):
	    want[i] = seen.get(refs[i], -1)
	    seen[refs[i]] = i + 1
	for i, r in enumerate(recs):
	    assert r[0] == (ts[i] - ts[0]) // 10**9, i
	    assert r[1] == ids[refs[i]], i
	    assert r[2] == 4096 and r[3] == want[i], (i, r, want[i])
	EOF
'
test_expect_success 'oracle-general round trip: export, import, export gives the same records' '
	pgtrace import -o zi.pgt z.og &&
	pgtrace export --format oracle-general -o z4.og zi.pgt && cmp z.og z4.og &&
	pgtrace export --format oracle-general -o m.og mix.pgt &&
	pgtrace import -o mi.pgt m.og &&
	pgtrace dump --fields index mi.pgt >seq1 &&
	pgtrace export --format oracle-general mi.pgt | cmp - m.og &&
	test "$(wc -l <seq1)" = 100000
'
test_expect_success 'a truncated trace: what was read is written, exit 1' '
	size=$(stat -c %s z.pgt) && head -c $((size / 2)) z.pgt >cut.pgt &&
	test_must_fail --code=1 pgtrace export --format csv -o cut.csv cut.pgt 2>err &&
	test_one_line_error err && n=$(($(wc -l <cut.csv) - 1)) && test $((n % 32768)) = 0 && test $n -gt 0 &&
	test_must_fail --code=1 pgtrace export --format oracle-general -o cut.og cut.pgt 2>err &&
	test_one_line_error err && test $(stat -c %s cut.og) = $((n * 3 * 24)) &&
	python3 og.py cut.og | awk -v n=$((n * 3)) "\$4 != -1 && (\$4 <= NR || \$4 > n) {exit 1}"
'
test_expect_success 'usage errors: exit 2 with one line' '
	test_must_fail --code=2 pgtrace export mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace export --format xml mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace export --format csv --refs add mix.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace export --format oracle-general --fields ts mix.pgt 2>err &&
	test_must_fail --code=2 pgtrace export --format oracle-general --refs bogus mix.pgt 2>err &&
	grep -q "bogus" err &&
	test_must_fail --code=2 pgtrace export --format oracle-general --ids hashed mix.pgt 2>err &&
	test_must_fail --code=1 pgtrace export --format csv -o mix.csv mix.pgt 2>err && grep -q "force" err &&
	pgtrace export --format csv --force -o mix.csv mix.pgt &&
	pgtrace export --help | grep -q "^Examples:"
'
test_expect_success 'closing the pipe early is quiet' '
	pgtrace export --format csv mix.pgt 2>err | head -1 >/dev/null && ! test -s err
'
test_done
