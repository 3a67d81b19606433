#!/bin/bash
# The field table (include/pgtrace/fields.h): stats --by keys against an
# independent count over the CSV dump, and the same with threads on names
# that change across packets; phase --by on the keys of stats; split and
# stats grouping the same events under the same keys; and every man
# page's list of fields equal to the list the command itself gives
# (generated from the table).
. "$(dirname "$0")/lib-test.sh"

# The references of each key: events of the default reference types
# (lookup, fault, user-fault, reference), npages each, by the csv's
# column COL; "?" for an empty key as stats prints it.
refs_by() {
	awk -F, -v col="$1" 'NR > 1 && ($2 == "lookup" || $2 == "fault" || $2 == "user-fault" ||
		$2 == "reference") { k = $col == "" ? "?" : $col; s[k] += $3 }
		END { for (k in s) print k "\t" s[k] }' mix.csv | sort
}

# The keys of a stats --by JSON document with their references, sorted.
stats_keys() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in d["keys"]:
    print("%s\t%d" % (k["key"], k["summary"]["refs"]))' | sort
}

test_expect_success 'setup' '
	pgtrace gen -p mix -n 30000 --files 6 --pids 5 --phase-events 2000 --seed 5 -o mix.pgt &&
	pgtrace dump --format csv --fields pid,type,npages,comm,cgroup,dev,path,ino,tid,cpu mix.pgt >mix.csv &&
	test "$(wc -l <mix.csv)" = 30001
'

# csv columns: 1 pid 2 type 3 npages 4 comm 5 cgroup 6 dev 7 path 8 ino 9 tid 10 cpu
test_expect_success 'stats --by cgroup, comm, pid, tid, cpu: references per key as counted from the dump' '
	for k in cgroup:5 comm:4 pid:1 tid:9 cpu:10; do
		pgtrace stats --json --by ${k%%:*} mix.pgt | stats_keys >got &&
		refs_by ${k#*:} >want &&
		cmp got want || { echo "--by ${k%%:*}:"; diff want got; return 1; }
	done
'
test_expect_success 'stats --by dev, file, inode: references per key as counted from the dump' '
	pgtrace stats --json --by dev mix.pgt | stats_keys >got && refs_by 6 >want && cmp got want &&
	pgtrace stats --json --by file mix.pgt | stats_keys >got && refs_by 7 >want && cmp got want &&
	awk -F, -v OFS=, "NR == 1 { print; next } { \$8 = \$6 \":\" \$8; print }" mix.csv >ino.csv &&
	mv ino.csv mix.csv && pgtrace stats --json --by inode mix.pgt | stats_keys >got &&
	refs_by 8 >want && cmp got want
'
test_expect_success 'stats --by cwd: one key per working directory of the process table' '
	pgtrace stats --json --by cwd mix.pgt | stats_keys >got &&
	test "$(wc -l <got)" -ge 1 &&
	total=$(pgtrace stats --json mix.pgt | python3 -c "import json,sys; print(json.load(sys.stdin)[\"summary\"][\"refs\"])") &&
	test "$(awk -F"\t" "{ s += \$2 } END { print s }" got)" = "$total"
'
test_expect_success 'split and stats agree: each key of split is the key of stats, with its references' '
	for by in comm cgroup pid tid cpu uid cwd type file dev inode; do
		rm -rf s && pgtrace split --by $by -o s mix.pgt &&
		pgtrace stats --json --by $by mix.pgt | stats_keys >want &&
		tail -n +2 s/index.tsv | while IFS="	" read -r key file rest; do
			refs=$(pgtrace stats --json "s/$file" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"summary\"][\"refs\"])") &&
			if [ "$refs" != 0 ]; then printf "%s\t%s\n" "${key:-?}" "$refs"; fi
		done | sort >got &&
		cmp got want || { echo "--by $by:"; diff want got; return 1; }
	done
'
test_expect_success 'comm is the process name (by pid) in split, stats, filter and dump alike' '
	pgtrace stats --json --by comm mix.pgt | stats_keys | cut -f1 >stats.keys &&
	pgtrace split --by comm -o c mix.pgt && tail -n +2 c/index.tsv | cut -f1 | sort >split.keys &&
	cut -d, -f4 mix.csv | tail -n +2 | sort -u >dump.keys &&
	cmp stats.keys split.keys && cmp stats.keys dump.keys &&
	for c in $(cat dump.keys); do
		test "$(pgtrace filter --count "comm == \"$c\"" mix.pgt)" = \
		     "$(awk -F, -v c="$c" "NR > 1 && \$4 == c" mix.csv | wc -l)" || return 1
	done
'
test_expect_success 'filter cwd: a string field of the process table' '
	test "$(pgtrace filter --count "cwd =~ \"*\"" mix.pgt)" = 30000 &&
	test "$(pgtrace filter --count "cwd == \"/no/such/dir\"" mix.pgt)" = 0
'

# Names that change across many packets (gen --rename-every): the
# parallel decoder's side tables run ahead of the events by up to 16
# packets, so a key read from them must be read in step, whatever the
# threads.  The counts per name are those of the dump, which reads
# names in step.
test_expect_success 'stats --by file and comm on renamed objects: the same with and without threads, and as dump counts' '
	pgtrace gen -p mix -n 300000 --packet-events 1000 --rename-every 7000 --seed 3 -o ren.pgt &&
	pgtrace dump --format csv --fields type,npages,comm,path ren.pgt >ren.csv &&
	test "$(cut -d, -f4 ren.csv | sort -u | wc -l)" -gt 40 &&
	for k in file:4 comm:3; do
		PGTRACE_THREADS=0 pgtrace stats --json --by ${k%%:*} ren.pgt | stats_keys >serial &&
		pgtrace stats --json --by ${k%%:*} ren.pgt | stats_keys >par &&
		cmp serial par || { echo "--by ${k%%:*}: threads differ"; diff serial par | head; return 1; } &&
		awk -F, -v col=${k#*:} "NR > 1 && (\$1 == \"lookup\" || \$1 == \"fault\" ||
			\$1 == \"user-fault\" || \$1 == \"reference\") { s[\$col] += \$2 }
			END { for (k in s) print k \"\t\" s[k] }" ren.csv | sort >want &&
		cmp want par || { echo "--by ${k%%:*}: not the dump"; diff want par | head; return 1; }
	done
'
test_expect_success 'phase --by: one classifier per key, keys and references as stats --by' '
	for k in comm file pid; do
		pgtrace stats --json --by $k ren.pgt | stats_keys >want &&
		pgtrace phase --json --by $k ren.pgt | python3 -c "
import json, sys
for k in json.load(sys.stdin):
    print(\"%s\t%d\" % (k[\"key\"], k[\"refs\"]))" | sort >got &&
		cmp want got || { echo "--by $k:"; diff want got | head; return 1; }
	done &&
	PGTRACE_THREADS=0 pgtrace phase --by file ren.pgt >serial &&
	pgtrace phase --by file ren.pgt >par && cmp serial par &&
	pgtrace phase --by comm --top 2 mix.pgt >top &&
	test "$(grep -c "^== comm " top)" = 2 && grep -q "^(3 more keys, " top &&
	pgtrace phase --json --by pid mix.pgt | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert len(d) == 5 and all(\"phases\" in k and \"objects\" in k for k in d), d" &&
	test_must_fail --code=2 pgtrace phase --top 2 mix.pgt
'

# The names of a man page's list between the markers '.\" fields: USE'
# and '.\" fields end': the words of each .TP entry's tag line.
man_fields() {
	awk -v use="$2" '
		$0 ~ "^\\.\\\\\" fields: " use "( |$)" { on = 1; next }
		/^\.\\" fields end/ { on = 0 }
		on && tp { gsub(/^\.[BI]+R? /, ""); gsub(/"/, " "); gsub(/,/, " ");
			   for (i = 1; i <= NF; i++) if ($i ~ /^[a-z]+$/) print $i }
		{ tp = on && /^\.TP/ }' "$TOP/doc/pgtrace-$1.1" | sort
}
# The names a command lists in a usage error, sorted.
msg_fields() { sed -n "s/.*$1//p" | tr -s ", " "\n\n" | grep -v "^$" | sort; }

test_expect_success 'man pages list the fields of the table: filter' '
	test_must_fail --code=2 pgtrace filter "nosuch == 1" mix.pgt 2>err &&
	head -1 err | msg_fields "expected " >want && man_fields filter filter >got &&
	test -s got && cmp want got
'
test_expect_success 'man pages list the fields of the table: split and stats keys' '
	test_must_fail --code=2 pgtrace split --by nosuch -o x mix.pgt 2>err &&
	head -1 err | sed "s/, time:INTERVAL or events:N//" | msg_fields "expected " >want &&
	man_fields split split >got && test -s got && cmp want got &&
	test_must_fail --code=2 pgtrace stats --by nosuch mix.pgt 2>err &&
	head -1 err | msg_fields "invalid --by .nosuch.: " >want &&
	man_fields stats stats >got && test -s got && cmp want got &&
	test_must_fail --code=2 pgtrace phase --by nosuch mix.pgt 2>err &&
	head -1 err | msg_fields "invalid --by .nosuch.: " >want &&
	man_fields phase phase >got && test -s got && cmp want got &&
	pgtrace phase --help | sed -n "/^Keys of --by:/,/^$/p" | awk "NR > 1 && NF { print \$1 }" | sort >help &&
	cmp want help
'
test_expect_success 'man pages list the fields of the table: dump, export and import columns' '
	test_must_fail --code=2 pgtrace dump --fields nosuch mix.pgt 2>err &&
	head -1 err | msg_fields "expected " >want &&
	man_fields dump column >got && test -s got && cmp want got &&
	pgtrace dump --format csv --fields all mix.pgt | head -1 | tr , "\n" | sort >want &&
	man_fields export all >got && test -s got && cmp want got &&
	printf "seq,nosuch\n1,2\n" >bad.csv &&
	test_must_fail --code=1 pgtrace import --format csv -o bad.pgt bad.csv 2>err &&
	grep "unknown column" err | msg_fields "expected " >want &&
	man_fields import import >got && test -s got && cmp want got
'
# The words of a --help's column list: the lines after the one of
# --fields LIST up to the next option, past what regex $1 matches and
# before $2.
help_columns() {
	sed -n "/--fields LIST/,/^  *-/{/--fields LIST/d;/^  *-/d;p}" | tr "\n" " " |
	sed "s/$1//; s/$2.*//" | tr -s " " "\n" | grep -v "^$"
}
test_expect_success 'dump and export --help list the columns of the table, in its order' '
	test_must_fail --code=2 pgtrace dump --fields nosuch mix.pgt 2>err &&
	head -1 err | sed -n "s/.*expected //p" | tr -s ", " "\n\n" >want &&
	pgtrace dump --help | help_columns "^ *" "(all:" >got &&
	test -s got && cmp want got &&
	pgtrace dump --format csv --fields all mix.pgt | head -1 | tr , "\n" >all &&
	grep -vxF -f all want >want.but &&
	pgtrace dump --help | help_columns "^.*every one but" ")" >got.but &&
	test -s got.but && cmp want.but got.but &&
	pgtrace export --help | help_columns "^.*all:" ")" >got &&
	test -s got && cmp all got
'
test_expect_success 'every column of the table is a column of dump and of import' '
	pgtrace dump --format csv --fields all mix.pgt | head -1 >hdr &&
	pgtrace dump --format csv --fields "$(cat hdr)" mix.pgt >all.csv &&
	pgtrace import -o back.pgt all.csv &&
	test "$(pgtrace filter --count true back.pgt)" = 30000 &&
	pgtrace dump --format csv --fields "$(cat hdr),cgroup" mix.pgt | head -1 | grep -q ",aux,cgroup$"
'
test_expect_success 'man pages state the default reference types of pgt_refs_default()' '
	pgtrace stats --help | tr -d "\n" | sed -n "s/.*(default: *\([a-z,-]*\);.*/\1/p" | tr , "\n" | sort >want &&
	test "$(wc -l <want)" -ge 2 &&
	python3 - "$TOP"/doc/*.1 >got <<-\EOF &&
	import re, sys
	norm = {"lookups": "lookup", "faults": "fault", "user faults": "user-fault",
	        "user-faults": "user-fault", "references": "reference", "mappings": "map", "maps": "map",
	        "mapping": "map"}
	seen = 0
	for f in sys.argv[1:]:
	    t = open(f).read()
	    t = re.sub(r"^\.(B|BR|I|IR|RB|BI)\s+", "", t, flags=re.M)
	    t = re.sub(r"\\f[BIRP]", "", t.replace("\"", "").replace("\\-", "-")).replace("\n", " ")
	    for m in re.finditer(r"(by default|default set is|default reference types(?: of pgtrace-stats \(1\))?)[ (]*"
	                         r"((?:(?:lookups?|faults?|user[- ]faults?|references?|mappings?|maps?)"
	                         r"(?:,| and| or|\s)*)+)", t):
	        words = re.findall(r"user[- ]faults?|lookups?|faults?|references?|mappings?|maps?", m.group(2))
	        got = sorted(set(norm.get(w, w) for w in words))
	        print("%s: %s" % (f.split("/")[-1], ",".join(got)))
	        seen += 1
	assert seen >= 5, seen
	EOF
	sort -u want | paste -sd, >w1 &&
	sed "s/^[^:]*: //" got | sort -u >g1 &&
	cmp w1 g1 || { cat got; echo "want: $(cat w1)"; return 1; }
'

test_done
