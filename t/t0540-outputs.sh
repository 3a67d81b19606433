#!/bin/bash
# Outputs: never the input, whole or absent when interrupted, messages
# that quote what was typed and show controls instead of obeying them.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'setup' '
	pgtrace gen -p mix -n 20000 --seed 3 -o in.pgt &&
	cp in.pgt in.orig &&
	ln in.pgt hard.pgt &&
	mkdir sub && ln in.pgt sub/other.pgt
'

# ---- an output that is the input (item 3) ----

# $1: what to run, with OUT where the output goes; the input is in.pgt
same_file_refused() {
	for out in in.pgt hard.pgt ./in.pgt sub/other.pgt "$PWD/in.pgt"; do
		cmd=${1//OUT/$out}
		test_must_fail --code=2 eval "pgtrace $cmd" 2>err || return 1
		test_one_line_error err || return 1
		grep -q "write to another file" err || { cat err; return 1; }
		cmp in.pgt in.orig || { echo "'"'"'$cmd'"'"' changed the input"; return 1; }
	done
}

test_expect_success 'cut refuses an output that is its input (any path, hard link), exit 2' '
	same_file_refused "cut --events 0..10 --force -o OUT in.pgt" &&
	same_file_refused "cut --events 0..10 -o OUT in.pgt"
'
test_expect_success 'reduce refuses it' '
	same_file_refused "reduce --lru 8 --force -o OUT in.pgt"
'
test_expect_success 'export refuses it (csv, jsonl, oracle-general)' '
	same_file_refused "export --format csv --force -o OUT in.pgt" &&
	same_file_refused "export --format jsonl --force -o OUT in.pgt" &&
	same_file_refused "export --format oracle-general --force -o OUT in.pgt"
'
test_expect_success 'report refuses it and does not delete it' '
	same_file_refused "report --force -o OUT in.pgt" && test -s in.pgt
'
test_expect_success 'plot refuses it' '
	same_file_refused "plot wss --format svg --force -o OUT in.pgt"
'
test_expect_success 'import refuses it' '
	pgtrace dump --format csv in.pgt >in.csv && cp in.csv in.csv.orig &&
	ln in.csv hard.csv &&
	test_must_fail --code=2 pgtrace import --force -o hard.csv in.csv 2>err &&
	test_one_line_error err && test_cmp in.csv.orig in.csv
'
test_expect_success 'filter and merge refuse it through a hard link too' '
	same_file_refused "filter --force -o OUT \"pid >= 0\" in.pgt" &&
	same_file_refused "merge --force -o OUT in.pgt" &&
	cp in.pgt two.pgt &&
	same_file_refused "merge --force -o OUT two.pgt in.pgt"
'
test_expect_success 'standard output redirected onto the input is refused too' '
	test_must_fail --code=2 pgtrace cut --events 0..10 --force -o - in.pgt 1<>hard.pgt 2>err &&
	test_one_line_error err && cmp in.pgt in.orig &&
	test_must_fail --code=2 pgtrace export --format csv in.pgt 1<>hard.pgt 2>err &&
	cmp in.pgt in.orig
'
test_expect_success 'split with --force refuses an input inside its output directory' '
	mkdir sp && pgtrace gen -p mix -n 2000 -o sp/1000.pgt && cp sp/1000.pgt sp.orig &&
	test_must_fail --code=2 pgtrace split --by pid --force -o sp sp/1000.pgt 2>err &&
	test_one_line_error err && grep -q "sp/1000.pgt.*output directory" err &&
	cmp sp/1000.pgt sp.orig && ! test -e sp/index.tsv &&
	test_must_fail --code=1 pgtrace split --by pid -o sp sp/1000.pgt 2>err &&
	test_one_line_error err && cmp sp/1000.pgt sp.orig
'
test_expect_success 'a different file is still written' '
	pgtrace cut --events 0..10 -o small.pgt in.pgt && pgtrace info small.pgt >/dev/null
'

# ---- interrupted writers (item 8) ----

test_expect_success 'setup: a big trace and whole outputs to compare with' '
	pgtrace gen -p mix --pids 20 -n 3M -o big.pgt &&
	pgtrace export --format csv -o full.csv big.pgt &&
	pgtrace export --format jsonl -o full.jsonl big.pgt &&
	pgtrace export --format oracle-general -o full.og big.pgt
'

# $1 signal, $2 output, $3... the command.  Starts it, waits until its
# temporary (or the output) holds something, kills it.  Fails if it ended
# before the signal.
kill_midway() {
	sig=$1 out=$2
	shift 2
	(
		set -m
		"$PGTRACE" "$@" 2>/dev/null &
		pid=$!
		for i in $(seq 200); do
			tmp=$(ls -a | grep "^\.${out}\.pgtrace-" | head -1)
			# a writer in place (no temporary) is killed too, once it wrote
			[ -z "$tmp" ] && [ -s "$out" ] && [ "$out" != old.csv ] && tmp=$out
			# a page is written at the end: its temporary is made first
			case $out in *.html) [ -n "$tmp" ] && sleep 0.3 && break ;; esac
			[ -n "$tmp" ] && [ -s "$tmp" ] && break
			# a trace of split's own, not the index.tsv planted before
			[ "$out" = DIR ] && ls sd/*.pgt >/dev/null 2>&1 && break
			sleep 0.05
		done
		kill -"$sig" $pid
		wait $pid
		rc=$?
		[ $rc -gt 128 ] || { echo "ended before the signal (exit $rc)"; exit 1; }
	)
}

for sig in INT KILL; do
	test_expect_success "export csv killed by SIG$sig: no output, or all of it" '
		rm -f o.csv .o.csv.pgtrace-* &&
		kill_midway '$sig' o.csv export --format csv -o o.csv big.pgt &&
		{ ! test -e o.csv || cmp o.csv full.csv; } &&
		if [ '$sig' = INT ]; then ! ls -a | grep -q "^\.o\.csv\.pgtrace-"; fi
	'
	test_expect_success "export jsonl killed by SIG$sig: no output, or all of it" '
		rm -f o.jsonl .o.jsonl.pgtrace-* &&
		kill_midway '$sig' o.jsonl export --format jsonl -o o.jsonl big.pgt &&
		{ ! test -e o.jsonl || cmp o.jsonl full.jsonl; } &&
		if [ '$sig' = INT ]; then ! ls -a | grep -q "^\.o\.jsonl\.pgtrace-"; fi
	'
	test_expect_success "export oracle-general killed by SIG$sig: no records with wrong next uses" '
		rm -f o.og .o.og.pgtrace-* &&
		kill_midway '$sig' o.og export --format oracle-general -o o.og big.pgt &&
		{ ! test -e o.og || cmp o.og full.og; } &&
		if [ '$sig' = INT ]; then ! ls -a | grep -q "^\.o\.og\.pgtrace-"; fi
	'
	test_expect_success "export over an existing file with --force, killed by SIG$sig: the old file stays" '
		echo old >old.csv &&
		kill_midway '$sig' old.csv export --format csv --force -o old.csv big.pgt &&
		test "$(cat old.csv)" = old
	'
	test_expect_success "report killed by SIG$sig: no page, or a whole one" '
		rm -f o.html .o.html.pgtrace-* &&
		kill_midway '$sig' o.html report -o o.html big.pgt &&
		{ ! test -e o.html || tail -1 o.html | grep -q "</html>"; } &&
		if [ '$sig' = INT ]; then ! ls -a | grep -q "^\.o\.html\.pgtrace-"; fi
	'
	test_expect_success "split killed by SIG$sig: traces readable, index.tsv whole or absent" '
		rm -rf sd && mkdir sd && echo "key	file	events	first_ts	last_ts" >sd/index.tsv &&
		echo "0	0.pgt	1	0	0" >>sd/index.tsv &&
		kill_midway '$sig' DIR split --by pid --force -o sd big.pgt &&
		total=0 &&
		for f in sd/*.pgt; do
			n=$(pgtrace dump --fields seq "$f" 2>/dev/null | wc -l) &&
			total=$((total + n)) || return 1
		done &&
		if [ '$sig' = INT ]; then
			test -s sd/index.tsv &&
			test "$(awk -F"\t" "NR > 1 { s += \$3 } END { print s }" sd/index.tsv)" = $total &&
			test "$(($(wc -l <sd/index.tsv) - 1))" = "$(ls sd/*.pgt | wc -l)" &&
			! ls -a sd | grep -q pgtrace-
		else
			# the earlier index.tsv is gone: it would describe other traces
			! test -e sd/index.tsv
		fi
	'
done
test_expect_success 'filter (a .pgt writer) killed by SIGKILL: readable to its last packet' '
	rm -f f.pgt &&
	(
		set -m
		"$PGTRACE" filter -o f.pgt "pid >= 0" big.pgt 2>/dev/null &
		pid=$!
		for i in $(seq 200); do [ "$(stat -c %s f.pgt 2>/dev/null || echo 0)" -gt 100000 ] && break; sleep 0.05; done
		kill -KILL $pid; wait $pid; [ $? -gt 128 ]
	) &&
	rc=0 && pgtrace info f.pgt >info 2>err || rc=$? &&
	[ $rc -le 1 ] &&
	n=$(pgtrace dump --fields seq f.pgt 2>/dev/null | wc -l) && [ "$n" -gt 0 ] &&
	grep -q "^events: *$n\$" info
'

# ---- messages (item 13) ----

test_expect_success 'a write error is worded as one, not as a create error' '
	for c in "cut --events 0..10" "reduce --lru 8" "filter pid>=0" "merge"; do
		test_must_fail --code=1 pgtrace $c --force -o /dev/full in.pgt 2>err &&
		test_one_line_error err && grep -q "cannot write '\''/dev/full'\''" err || return 1
	done &&
	test_must_fail --code=1 pgtrace export --format csv --force -o /dev/full in.pgt 2>err &&
	grep -q "cannot write" err && test -c /dev/full
'
test_expect_success 'count options quote what was typed, suffix included' '
	test_must_fail --code=2 pgtrace gen -n 5Q -o x.pgt 2>err && grep -q "'\''5Q'\''" err &&
	test_must_fail --code=2 pgtrace gen -n 5xM -o x.pgt 2>err && grep -q "'\''5xM'\''" err &&
	test_must_fail --code=2 pgtrace split --by pid --buffer 99999999999T -o sd2 in.pgt 2>err &&
	grep -q "'\''99999999999T'\'': out of range" err && ! test -e x.pgt
'
test_expect_success 'filter refuses values a field cannot hold, naming the range' '
	test_must_fail --code=2 pgtrace filter -c "level == 4" in.pgt 2>err &&
	grep -q "out of range for '\''level'\'' (0 to 3)" err &&
	test_must_fail --code=2 pgtrace filter -c "cpu == 4294967296" in.pgt 2>err &&
	grep -q "out of range for '\''cpu'\''" err &&
	test_must_fail --code=2 pgtrace filter -c "pid in {1, 4294967296}" in.pgt 2>err &&
	test "$(pgtrace filter -c "level <= 3" in.pgt)" = 20000 &&
	test "$(pgtrace filter -c "cpu == 4294967295" in.pgt)" = 0
'
test_expect_success 'bidirectional controls in a path are shown as \xNN (text, CSV), \uXXXX (JSON)' '
	rlo=$(printf "\342\200\256") &&
	printf "ts,pid,comm,type,path,index\n1,1,cat,lookup,/tmp/a${rlo}gpj.exe,0\n" >bidi.csv &&
	pgtrace import -o bidi.pgt bidi.csv &&
	pgtrace dump bidi.pgt >out.txt && grep -qF "/tmp/a\xe2\x80\xaegpj.exe" out.txt &&
	! grep -q "$rlo" out.txt &&
	pgtrace export --format csv bidi.pgt >out.csv && grep -qF "a\xe2\x80\xaegpj" out.csv &&
	pgtrace export --format jsonl bidi.pgt >out.json && grep -qF "a\u202egpj" out.json &&
	python3 -c "import json; assert \"\u202e\" in json.loads(open(\"out.json\").readline())[\"path\"]" &&
	! grep -q "$rlo" out.csv out.json
'
test_expect_success 'and in messages that quote a path' '
	rlo=$(printf "\342\200\256") &&
	test_must_fail pgtrace info "x${rlo}y.pgt" 2>err && grep -qF "x\xe2\x80\xaey.pgt" err &&
	! grep -q "$rlo" err
'
test_done
