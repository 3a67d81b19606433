#!/bin/bash
# pgtrace import: lackey, CSV, oracleGeneral, perf script and trace-cmd
# report text; detection, strict parsing, --skip-bad, round trips.
. "$(dirname "$0")/lib-test.sh"
D=$TEST_DIR/data

test_expect_success 'lackey: accesses become references, the clock is the line number' '
	pgtrace import -o l.pgt "$D/lackey-ls.txt" &&
	pgtrace info l.pgt >info &&
	grep -q "^events: *29$" info && grep -q "clock: *synthetic" info &&
	grep -q "import: format=lackey" info &&
	grep -q "import.result: lines=158 events=29 skipped_bad=0 skipped_other=129" info &&
	pgtrace dump --format csv --fields ts,pid,comm,type,path,index,npages,flags,aux l.pgt >rows &&
	sed -n 2p rows | grep -q "^9,2588,ls,reference,\[lackey pid 2588\],33550336,1,write,8$"
'
test_expect_success 'lackey: an access across a page boundary touches both pages' '
	# line 129 is " L 04035ffa,16": bytes 0x4035ffa..0x4036009
	grep -q "^129,2588,ls,reference,\[lackey pid 2588\],16437,2,,16$" rows
'
test_expect_success 'lackey: modify is a write, --instructions adds the I lines' '
	printf "==7== Command: /bin/true\nI  00401000,4\n M 7ff000ffc,8\n L 10,1\n" >m.txt &&
	pgtrace import -o m.pgt m.txt &&
	pgtrace dump --format csv --fields ts,index,npages,flags,aux m.pgt >m.csv &&
	printf "ts,index,npages,flags,aux\n3,8384512,2,write,8589934600\n4,0,1,,1\n" >expect &&
	test_cmp expect m.csv &&
	pgtrace import --instructions -o mi.pgt m.txt &&
	pgtrace dump --format csv --fields ts,index,aux mi.pgt >mi.csv &&
	grep -q "^2,1025,4294967300$" mi.csv && test "$(wc -l <mi.csv)" = 4 &&
	pgtrace dump --fields comm,path m.pgt | sort -u >who && test "$(cat who)" = "true [lackey pid 7]"
'
test_expect_success 'lackey from a pipe, without Valgrind lines: named after the input' '
	grep -v "^==" "$D/lackey-ls.txt" | pgtrace import --format lackey >p.pgt &&
	pgtrace dump --fields path,pid p.pgt | sort -u >who && test "$(cat who)" = "[lackey] 0"
'
test_expect_success 'trace-cmd report: events, objects, processes, lost events' '
	pgtrace import -o tc.pgt "$D/trace-cmd-cat.txt" &&
	pgtrace info tc.pgt >info &&
	grep -q "^events: *58$" info && grep -q "lost events: *100098" info &&
	grep -q "clock: *local" info && grep -q "import: format=trace-cmd" info &&
	pgtrace dump --format csv tc.pgt >tc.csv &&
	head -2 tc.csv | tail -1 | grep -q "^0,5019482828000,1,12076,12076,kworker/u8:2,add,1,,254:0,1,2781,1,1055280,,0$" &&
	grep -q "^14,5019722283000,0,13185,13185,cat,map,6,,254:0,332835,206,16,,level1,0$" tc.csv &&
	grep -q ",cat,fault,[0-9]*,,254:0,247134,10,1,,level1,0$" tc.csv &&
	grep -q ",cat,lookup,[0-9]*,,254:0,247134,0,1,,level1,0$" tc.csv &&
	grep -q "^13,5019711884000,0,13181,13181,bash,delete,5,,254:0,332523,7288,1,1155933,,0$" tc.csv &&
	# the report lists its instances one after the other: import sorts
	grep -q "import.sorted: 13 events came after a later one" info &&
	cut -d, -f2 tc.csv | sed 1d >ts && sort -n -c ts
'
test_expect_success 'trace-cmd report without instance names reads the same' '
	sed "s/^pgtimp2: *//" "$D/trace-cmd-cat.txt" | pgtrace import -o tc2.pgt - &&
	pgtrace dump --format csv tc2.pgt | cmp - tc.csv
'
test_expect_success 'perf script: default and --ns -F comm,pid,tid,... outputs' '
	pgtrace import -o pf.pgt "$D/perf-script-cat.txt" &&
	pgtrace info pf.pgt >info && grep -q "^events: *30$" info && grep -q "format=perf-script" info &&
	pgtrace dump --format csv pf.pgt >pf.csv &&
	sed -n 2p pf.csv | grep -q "^0,5026963874000,1,13284,13284,cat,fault,1,,254:0,247134,10,1,,level1,0$" &&
	grep -q ",cat,add,1,,254:0,247134,4,1,1225287,,0$" pf.csv &&
	pgtrace import -o ns.pgt "$D/perf-script-ns.txt" &&
	pgtrace dump --format csv --fields ts,pid,tid,type,index,npages ns.pgt | sed -n 2p >first &&
	test "$(cat first)" = "5026964773619,13284,13284,map,119,16"
'
test_expect_success 'perf script: other events are skipped, comm with spaces, no cpu column' '
	cat >o.txt <<-\EOF &&
	# ========
	# captured on    : a while ago
	Web Content 4242/4243 [003] 100.000001:   sched:sched_switch: prev_comm=x
	Web Content 4242/4243 [003] 100.000002:   filemap:mm_filemap_get_pages: dev=8:1 ino=0x1f ofs=8192-16383
	      kworker/0:1 77  100.000003:   filemap:mm_filemap_fault: dev=8:1 ino=1f ofs=4096
	EOF
	pgtrace import -o o.pgt o.txt &&
	pgtrace dump --format csv --fields ts,cpu,pid,tid,comm,type,dev,ino,index,npages o.pgt >o.csv &&
	printf "%s\n" ts,cpu,pid,tid,comm,type,dev,ino,index,npages \
		"100000002000,3,4242,4243,Web Content,lookup,8:1,31,2,2" \
		"100000003000,0,77,77,kworker/0:1,fault,8:1,31,1,1" >expect &&
	test_cmp expect o.csv &&
	pgtrace info o.pgt | grep -q "skipped_other=3"
'
test_expect_success 'older kernels: pfn in decimal, page=, no order' '
	printf "cat-5 [000] 1.5: mm_filemap_add_to_page_cache: dev 8:1 ino 2 page=0xffffea0001 pfn=4660 ofs=8192\n" |
	pgtrace import --format trace-cmd -o old.pgt &&
	test "$(pgtrace dump --format csv --fields ts,index,npages,pfn old.pgt | tail -1)" = "1500000000,2,1,4660"
'
test_expect_success 'CSV: round trip of every column through export' '
	pgtrace gen -p mix -n 50000 --seed 3 -o mix.pgt &&
	pgtrace export --format csv -o mix.csv mix.pgt &&
	pgtrace import -o back.pgt mix.csv &&
	pgtrace dump mix.pgt >a && pgtrace dump back.pgt >b && test_cmp a b &&
	pgtrace dump --format csv back.pgt | cmp - mix.csv &&
	for t in l.pgt tc.pgt pf.pgt; do
		pgtrace export --format csv $t | pgtrace import -f -o rt.pgt - &&
		pgtrace dump --format csv $t >a && pgtrace dump --format csv rt.pgt >b && test_cmp a b || exit 1
	done
'
test_expect_success 'CSV: a subset of columns in any order, quotes and escapes' '
	cat >s.csv <<-\EOF &&
	index,path,type,comm,pid,flags,ts,dev,ino
	7,"/data/a,b.db",lookup,"say ""hi""",10,write|major,1.5,8:1,12
	8,/data/c\x09tab,fault,sh,11,,2000000000,8:1,13

	9,"/data/a,b.db",add,"say ""hi""",10,dirty|level2|0x100,3000000000,8:1,12
	EOF
	pgtrace import -o s.pgt s.csv &&
	pgtrace dump --format csv --fields ts,pid,comm,type,obj,path,dev,ino,index,npages,pfn,flags s.pgt >got &&
	printf "%s\n" ts,pid,comm,type,obj,path,dev,ino,index,npages,pfn,flags \
		"1500000000,10,\"say \"\"hi\"\"\",lookup,1,\"/data/a,b.db\",8:1,12,7,1,,write|major" \
		"2000000000,11,sh,fault,2,/data/c\\x09tab,8:1,13,8,1,," \
		"3000000000,10,\"say \"\"hi\"\"\",add,1,\"/data/a,b.db\",8:1,12,9,1,,dirty|level2|0x100" >expect &&
	test_cmp expect got
'
test_expect_success 'CSV: a new path for an object number is a rename from then on' '
	printf "ts,obj,path,index\n1,5,/old,0\n2,5,/old,1\n3,5,/new,2\n4,5,/new,3\n" >r.csv &&
	pgtrace import -o r.pgt r.csv &&
	test "$(pgtrace dump --fields obj,path r.pgt | tr "\n" " ")" = "5 /old 5 /old 5 /new 5 /new "
'
test_expect_success 'CSV: a bad line stops the import with its number; the events before are kept' '
	printf "ts,type,index\n1,lookup,1\n2,lookup,2\n3,lookkup,3\n4,lookup,4\n" >bad.csv &&
	test_must_fail --code=1 pgtrace import -o bad.pgt bad.csv 2>err &&
	test_one_line_error err && grep -q "bad.csv.: line 4: unknown event type .lookkup." err &&
	pgtrace info bad.pgt >info && grep -q "^events: *2$" info && grep -q "^format: *1\.3$" info
'
test_expect_success 'CSV: --skip-bad counts and skips, and says so' '
	pgtrace import --skip-bad -o skip.pgt bad.csv 2>err &&
	grep -q "warning: .bad.csv.: skipped 1 malformed line; the first, line 4" err &&
	test "$(pgtrace dump --fields index skip.pgt | tr "\n" " ")" = "1 2 4 "
'
test_expect_success 'CSV: wrong field counts, unknown columns and numbers name the line' '
	printf "ts,index\n1,2,3\n" >f.csv &&
	test_must_fail --code=1 pgtrace import -o f.pgt f.csv 2>err && grep -q "line 2: .*2 columns" err &&
	printf "ts,bogus\n1,2\n" >u.csv &&
	test_must_fail --code=1 pgtrace import --format csv -o u.pgt u.csv 2>err &&
	grep -q "line 1: unknown column .bogus." err && test_one_line_error err &&
	printf "ts,index\n1,0x\n" >n.csv &&
	test_must_fail --code=1 pgtrace import -o n.pgt n.csv 2>err && grep -q "line 2: index .0x." err &&
	printf "ts,dev,index\n1,8-1,0\n" >d.csv &&
	test_must_fail --code=1 pgtrace import -o d.pgt d.csv 2>err && grep -q "line 2: dev .8-1.: expected MAJOR:MINOR" err
'
test_expect_success 'oracleGeneral: records become references of one object' '
	python3 -c "
import struct, sys
recs = [(0, 7, 4096, 3), (1, 9, 100, -1), (1, 7, 4096, -1), (4, 18446744073709551615, 1, -1)]
sys.stdout.buffer.write(b\"\".join(struct.pack(\"<IQIq\", *r) for r in recs))
" >o.bin &&
	pgtrace import -o ob.pgt o.bin &&
	pgtrace dump --format csv --fields ts,type,path,index,npages,aux ob.pgt >got &&
	printf "%s\n" ts,type,path,index,npages,aux "0,reference,[oracleGeneral],7,1,4096" \
		"1000000000,reference,[oracleGeneral],9,1,100" "1000000000,reference,[oracleGeneral],7,1,4096" \
		"4000000000,reference,[oracleGeneral],18446744073709551615,1,1" >expect &&
	test_cmp expect got
'
test_expect_success 'oracleGeneral: a cut record is an error after the whole ones' '
	head -c 60 o.bin >cut.bin &&
	test_must_fail --code=1 pgtrace import --format oracle-general -o cut.pgt cut.bin 2>err &&
	test_one_line_error err && grep -q "record 3 (byte 48): the input ends inside a record: 12 bytes of 24" err &&
	pgtrace info cut.pgt | grep -q "^events: *2$"
'
test_expect_success 'the format is told from the first bytes, or the import refuses' '
	for f in l.pgt:lackey tc.pgt:trace-cmd pf.pgt:perf-script ob.pgt:oracle-general back.pgt:csv; do
		pgtrace info ${f%%:*} | grep -q "format=${f#*:} " || exit 1
	done &&
	printf "hello\nworld\n" >x.txt &&
	test_must_fail --code=1 pgtrace import -o x.pgt x.txt 2>err && test_one_line_error err &&
	grep -q "cannot tell the format" err && grep -q "use --format" err &&
	: >empty && test_must_fail --code=1 pgtrace import -o e.pgt empty 2>err && grep -q "empty" err &&
	pgtrace import --format lackey -o e.pgt empty && pgtrace info e.pgt | grep -q "^events: *0$"
'
test_expect_success 'perf and trace-cmd text: bad fields name the line and what was expected' '
	printf "cat 1 [000] 1.0: filemap:mm_filemap_fault: dev=8:1 ino=zz ofs=0\n" >b1.txt &&
	test_must_fail --code=1 pgtrace import -o b1.pgt b1.txt 2>err &&
	grep -q "line 1: mm_filemap_fault: expected .ino=HEX." err && test_one_line_error err &&
	printf "cat 1 [000] 1.0: filemap:mm_filemap_get_pages: dev=8:1 ino=1 ofs=100-4095\n" >b2.txt &&
	test_must_fail --code=1 pgtrace import -o b2.pgt b2.txt 2>err && grep -q "page size" err &&
	test_must_fail --code=1 pgtrace import --page-size 64K -o b3.pgt "$D/perf-script-cat.txt" 2>err &&
	grep -q "not a multiple of the page size 65536" err &&
	printf "cat 1 [000] 1.0: filemap:mm_filemap_fault: dev=8:1 ino=1 ofs=0\ngarbage here\n" >b4.txt &&
	test_must_fail --code=1 pgtrace import --format perf-script -o b4.pgt b4.txt 2>err &&
	grep -q "line 2: expected an event line" err && pgtrace info b4.pgt | grep -q "^events: *1$"
'
test_expect_success 'usage errors: exit 2, one line and a hint' '
	test_must_fail --code=2 pgtrace import --format xml x.txt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace import --page-size 1000 x.txt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace import a b 2>err && test_one_line_error err &&
	pgtrace import --help | grep -q "^Examples:" &&
	test_must_fail --code=1 pgtrace import -o l.pgt "$D/lackey-ls.txt" 2>err && grep -q "force" err &&
	test_must_fail --code=1 pgtrace import -o z.pgt nosuchfile 2>err && test_one_line_error err
'
test_done
