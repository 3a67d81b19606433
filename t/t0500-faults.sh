#!/bin/bash
# Faults from outside: a full disk, a recorder killed with SIGKILL, a
# target that vanishes, unreadable /proc files, a read-only output
# directory.  Each gets one line naming the problem, exit 1, and what
# was already written stays readable up to its last packet; a partial
# CSV, HTML or picture is removed.  doc/faults.md lists them all.
. "$(dirname "$0")/lib-test.sh"

root= tracing=
test_have_prereq ROOT && root=1
test_have_prereq ROOT,TRACEFS && tracing=1

# Scratch mounts live outside the trash directory, which is removed
# with rm -rf at the next run; they go at exit whatever happens.
mnt=$(mktemp -d /tmp/pgt-t0500.XXXXXX) || exit 1
chmod 755 "$mnt"
cleanup() {
	for m in "$mnt/full" "$mnt/ro"; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	rm -rf "$mnt"
}
trap cleanup EXIT

full=$mnt/full ro=$mnt/ro
mkdir "$full" "$ro"
# Fill the full-disk mount, leaving about $1 KiB free.
fill() { rm -rf "${full:?}"/*; dd if=/dev/zero of="$full/fill" bs=1k count=$((1024 - $1)) 2>/dev/null; :; }
# Events of a trace, as info counts them (exit 0, or 1 for a damaged trace).
events() { "$PGTRACE" info --json "$1" 2>/dev/null | test_json - "d[\"events\"]"; }
# Lookups of FILE in TRACE
lookups() { pgtrace dump --format csv --fields type,ino,npages "$2" |
	awk -F, -v i="$(stat -c %i "$1")" '$1 == "lookup" && $2 == i { s += $3 } END { print s + 0 }'; }
# The stderr of a failure: one line, naming $2, saying $3.
says() { test_one_line_error "$1" && grep -qF "$2" "$1" && grep -q "$3" "$1" || { cat "$1"; return 1; }; }

test_expect_success 'setup: a trace of a million events, data files' '
	pgtrace gen -p mix -n 1M --seed 5 -o big.pgt &&
	pgtrace gen -p mix -n 20000 --seed 6 -o small.pgt &&
	dd if=/dev/urandom of=data bs=1M count=4 2>/dev/null &&
	dd if=/dev/urandom of=data16 bs=1M count=16 2>/dev/null
'

# ---- 1. a full disk ----

if [ -z "$root" ]; then
	test_skip 'a full disk' 'needs root to mount a small tmpfs'
elif ! mount -t tmpfs -o size=1m pgtrace-t0500 "$full" 2>/dev/null; then
	test_skip 'a full disk' 'mount -t tmpfs is not permitted here'
else
	if [ -n "$tracing" ]; then
		test_expect_success 'full disk: record stops, one line naming the file, exit 125 (the recording failed)' '
			fill 128 &&
			test_must_fail --code=125 pgtrace record -q -o "$full/r.pgt" -- sh -c \
				"for i in 1 2 3 4 5 6 7 8 9 10 11 12; do dd if=data16 of=/dev/null bs=512 2>/dev/null; done" 2>err &&
			says err "$full/r.pgt" "No space left on device.*readable up to its last packet; free some space"
		'
		test_expect_success 'full disk: the recorded trace is readable up to its last packet' '
			pgtrace info "$full/r.pgt" >out && grep -q "no end record" out &&
			n=$(events "$full/r.pgt") && test "$n" -gt 0 &&
			pgtrace dump "$full/r.pgt" >ev && test "$(wc -l <ev)" = "$n"
		'
		test_expect_success 'full disk: without -q the summary does not claim a size' '
			fill 128 &&
			test_must_fail --code=125 pgtrace record -o "$full/r.pgt" -- sh -c \
				"for i in 1 2 3 4 5 6 7 8 9 10 11 12; do dd if=data16 of=/dev/null bs=512 2>/dev/null; done" 2>err &&
			tail -1 err | grep -q "No space left" && ! grep -q "bytes/event" err
		'
	else
		test_skip 'full disk: record' 'no tracefs'
	fi
	test_expect_success 'full disk: cut: one line, exit 1, the output readable' '
		fill 1024 &&
		test_must_fail --code=1 pgtrace cut --events 0.. -o "$full/c.pgt" big.pgt 2>err &&
		says err "$full/c.pgt" "No space left on device.*free some space" &&
		n=$(events "$full/c.pgt") && test "$n" -gt 0 && test "$n" -lt 1000000 &&
		pgtrace dump --format csv "$full/c.pgt" >a &&
		pgtrace dump --format csv --events 0..$n big.pgt >b && test_cmp a b
	'
	test_expect_success 'full disk: split: one line, exit 1, each trace written readable' '
		fill 1024 &&
		test_must_fail --code=1 pgtrace split --by events:100000 -o "$full/s" big.pgt 2>err &&
		says err "$full/s/" "No space left on device" &&
		ls "$full/s"/*.pgt >l && test "$(wc -l <l)" -ge 2 &&
		total=0 && for f in $(cat l); do
			n=$(events "$f") && test "$n" -gt 0 && total=$((total + n)) || exit 1
		done &&
		test "$total" -lt 1000000 && ! test -e "$full/s/index.tsv"
	'
	test_expect_success 'full disk: gen, filter, merge, reduce: one line, exit 1, the output readable' '
		for c in "gen -p zipf -n 2M" "filter type==lookup big.pgt" "merge big.pgt small.pgt" \
			 "reduce --lru 100 big.pgt"; do
			fill 1024 &&
			test_must_fail --code=1 pgtrace $c -o "$full/o.pgt" 2>err &&
			says err "$full/o.pgt" "No space left on device.*readable up to its last packet" &&
			test "$(events "$full/o.pgt")" -gt 0 || exit 1
		done
	'
	test_expect_success 'full disk: export: one line, exit 1, no partial file left' '
		for fmt in csv jsonl oracle-general; do
			fill 1024 &&
			test_must_fail --code=1 pgtrace export -F $fmt -o "$full/e.$fmt" big.pgt 2>err &&
			says err "$full/e.$fmt" "No space left on device (the partial file was removed" &&
			! test -e "$full/e.$fmt" || exit 1
		done
	'
	test_expect_success 'full disk: stats --csv, plot, report: one line, exit 1, no partial file left' '
		fill 0 &&
		test_must_fail --code=1 pgtrace stats --csv "$full/st" small.pgt >/dev/null 2>err &&
		says err "$full/st/summary.csv" "No space left on device" && test -z "$(ls -A "$full/st")" &&
		# --force over older files: each stays whole until its new one is
		fill 8 && mkdir -p "$full/st" && echo old >"$full/st/summary.csv" &&
		echo old >"$full/st/popularity.csv" &&
		test_must_fail --code=1 pgtrace stats --force --csv "$full/st" big.pgt >/dev/null 2>err &&
		test "$(cat "$full/st/popularity.csv")" = old &&
		! ls -A "$full/st" | grep -q pgtrace- &&
		test_must_fail --code=1 pgtrace plot heatmap -o "$full/p.png" small.pgt 2>err &&
		says err "$full/p.png" "No space left on device" && ! test -e "$full/p.png" &&
		test_must_fail --code=1 pgtrace plot mrc -o "$full/p.svg" small.pgt 2>err &&
		! test -e "$full/p.svg" &&
		fill 32 &&
		test_must_fail --code=1 pgtrace report -o "$full/r.html" big.pgt 2>err &&
		says err "$full/r.html" "No space left on device (the partial file was removed" &&
		! test -e "$full/r.html"
	'
	test_expect_success 'cleanup: the small tmpfs unmounted' '
		umount "$full" && ! mountpoint -q "$full"
	'
fi
if [ -n "$root" ]; then
	test_expect_success 'a device given as the output is never removed (/dev/full)' '
		mknod devfull c 1 7 &&
		for o in p.png p.svg; do
			ln -f devfull $o &&
			test_must_fail --code=1 pgtrace plot heatmap --force -o $o small.pgt 2>err &&
			test_one_line_error err && test -c $o || exit 1
		done &&
		ln -f devfull r.html && test_must_fail --code=1 pgtrace report --force -o r.html small.pgt 2>err &&
		test_one_line_error err && test -c r.html &&
		ln -f devfull e.csv && test_must_fail --code=1 pgtrace export -F csv --force -o e.csv small.pgt 2>err &&
		says err e.csv "No space left on device" && test -c e.csv &&
		ln -f devfull c.pgt && test_must_fail --code=1 pgtrace cut --force --events 0.. -o c.pgt small.pgt 2>err &&
		says err c.pgt "No space left on device" && test -c c.pgt
	'
else
	test_skip 'a device as the output' 'needs root for mknod'
fi

# ---- 2. the recorder killed with SIGKILL at random moments ----

if [ -n "$tracing" ]; then
	seed=${PGT_T0500_SEED:-$(date +%s)}
	echo "# SIGKILL delays from seed $seed (PGT_T0500_SEED=$seed to repeat)"
	delays=$(awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 10; i++) printf "%.2f ", 0.05 + rand() * 1.45 }')
	test_expect_success "SIGKILL at ten moments ($delays): every trace left readable" '
		(while :; do dd if=data of=/dev/null bs=4k 2>/dev/null; done) &
		busy=$!
		trap "kill $busy" EXIT
		: >pids; i=0; got=0
		for d in $delays; do
			i=$((i + 1))
			"$PGTRACE" record -q -a -o k$i.pgt &
			rec=$!; echo $rec >>pids
			sleep $d; kill -KILL $rec; wait $rec 2>/dev/null || :
			if ! test -s k$i.pgt; then
				echo "kill $i after $d s: no trace yet"; continue
			fi
			rc=0; "$PGTRACE" info --json k$i.pgt >k$i.json 2>k$i.err || rc=$?
			echo "kill $i after $d s: info exit $rc, $(wc -c <k$i.pgt) bytes"
			case $rc in
			0) ;;
			1) says k$i.err k$i.pgt "ends inside\|truncat" ;;
			*) exit 1 ;;
			esac
			n=$(test_json k$i.json "d[\"events\"]")
			drc=0; "$PGTRACE" dump k$i.pgt >k$i.txt 2>/dev/null || drc=$?
			test $drc = $rc
			test "$(wc -l <k$i.txt)" = "$n"
			got=$((got + n))
		done
		echo "events read: $got"
	'
	test_expect_success 'after the kills: the next record works, no instance left behind' '
		pgtrace record -q -o after.pgt -- dd if=data of=/dev/null bs=4k 2>/dev/null &&
		test "$(lookups data after.pgt)" = 1024 &&
		for p in $(cat pids); do
			# instances are named pgtrace-PID-TOKEN
			! ls -d /sys/kernel/tracing/instances/pgtrace-$p-* 2>/dev/null | grep -q . || exit 1
		done
	'
else
	test_skip 'SIGKILL at ten moments' 'needs root and tracefs'
fi

# ---- 3. a target that vanishes ----

if [ -n "$tracing" ]; then
	test_expect_success 'record -p: the target exits, recording stops by itself, with a note' '
		(sleep 0.5; exec dd if=data of=/dev/null bs=4k 2>/dev/null) &
		t=$! && start=$(date +%s%N) &&
		timeout 20 "$PGTRACE" record -p $t -o vp.pgt 2>err &&
		took=$(( ($(date +%s%N) - start) / 1000000 )) && echo "stopped after $took ms" &&
		test $took -lt 5000 && grep -q "have all exited" err &&
		test "$(lookups data vp.pgt)" = 1024
	'
	test_expect_success 'record -p: a child outliving its parent is waited for' '
		sh -c "sleep 0.6; (sleep 1; dd if=data of=/dev/null bs=4k 2>/dev/null) & exit 0" &
		t=$! && start=$(date +%s%N) &&
		timeout 20 "$PGTRACE" record -q -p $t -o vc.pgt &&
		took=$(( ($(date +%s%N) - start) / 1000000 )) && echo "stopped after $took ms" &&
		test $took -ge 1500 && test "$(lookups data vc.pgt)" = 1024
	'
	test_expect_success 'record -p of a pid that is gone: one line, exit 1, no trace' '
		sh -c "exit 0" & gone=$! && wait $gone &&
		test_must_fail --code=1 pgtrace record -q -p $gone -o gone.pgt 2>err &&
		says err "$gone" "no process" && ! test -e gone.pgt
	'
else
	test_skip 'record -p of a vanishing process' 'needs root and tracefs'
fi
test_expect_success 'snap task of a pid that is gone: one line, exit 1' '
	sh -c "exit 0" & gone=$! && wait $gone &&
	test_must_fail --code=1 pgtrace snap task $gone >out 2>err &&
	says err "$gone" "no process" && ! test -s out
'

# ---- 4. unreadable /proc files ----

if test_have_prereq ROOT,KPAGEFLAGS,SETPRIV; then
	test_expect_success 'as nobody: snap pfn names /proc/kpageflags, exit 1' '
		test_must_fail --code=1 as_nobody "$PGTRACE" snap pfn >out 2>err &&
		says err /proc/kpageflags "Permission denied" && ! test -s out
	'
	test_expect_success 'as nobody: snap task of a root process, snap who: one line, exit 1' '
		test_must_fail --code=1 as_nobody "$PGTRACE" snap task 1 >out 2>err &&
		test_one_line_error err && grep -q "/proc/1/\|process 1" err && ! test -s out &&
		test_must_fail --code=1 as_nobody "$PGTRACE" snap who 4096 >out 2>err &&
		says err "needs root" "/proc"
	'
else
	test_skip 'unreadable /proc as nobody' 'needs root, setpriv and /proc/kpageflags'
fi
# As root, in a mount namespace of its own, with files of mode 0 bound
# over /proc files and the capabilities that override modes dropped.
if test_have_prereq ROOT,KPAGEFLAGS,UNSHARE &&
   unshare -m --propagation private true 2>/dev/null; then
	: >mode0 && chmod 0 mode0
	hidden() {	# FILES... -- COMMAND...
		local binds=
		while [ "$1" != -- ]; do binds="$binds mount --bind $TRASH/mode0 $1 &&"; shift; done
		shift
		unshare -m --propagation private sh -c "$binds exec setpriv \
			--bounding-set=-dac_override,-dac_read_search --inh-caps=-dac_override,-dac_read_search \"\$@\"" \
			sh "$@"
	}
	test_expect_success 'unreadable kpagecount, kpagecgroup: snap pfn names the file, exit 1' '
		test_must_fail --code=1 hidden /proc/kpagecount -- "$PGTRACE" snap pfn --mapcount 0..0x1000 >out 2>err &&
		says err /proc/kpagecount "Permission denied" &&
		test_must_fail --code=1 hidden /proc/kpagecgroup -- "$PGTRACE" snap pfn --cgroup 0..0x1000 >out 2>err &&
		says err /proc/kpagecgroup "Permission denied" &&
		test_must_fail --code=1 hidden /proc/kpageflags -- "$PGTRACE" snap pfn 0..0x1000 >out 2>err &&
		says err /proc/kpageflags "Permission denied"
	'
	test_expect_success 'unreadable /proc/iomem: snap pfn walks the whole frame array' '
		hidden /proc/iomem -- "$PGTRACE" snap pfn --json >out &&
		test_json_assert out "assert d[\"walked\"] > 0 and d[\"ranges\"] == 1, d"
	'
	test_expect_success 'unreadable /proc/PID/maps: snap task one line, exit 1; snap who names none of its frames' '
		sleep 30 & s=$! &&
		test_must_fail --code=1 hidden /proc/$s/maps -- "$PGTRACE" snap task $s >out 2>err &&
		test_one_line_error err && ! test -s out &&
		hidden /proc/$s/maps -- "$PGTRACE" snap who 0x1000 >out 2>err &&
		grep -q "could not be read" err &&
		kill $s
	'
	test_expect_success 'unreadable /proc/kpageflags: snap task and snap who, one line, exit 1' '
		test_must_fail --code=1 hidden /proc/kpageflags -- "$PGTRACE" snap task $$ >out 2>err &&
		test_one_line_error err &&
		test_must_fail --code=1 hidden /proc/kpageflags -- "$PGTRACE" snap who 0x1000 >out 2>err &&
		test_one_line_error err && grep -q kpageflags err
	'
else
	test_skip 'unreadable /proc files as root' 'needs root, unshare -m and /proc/kpageflags'
fi

# ---- 5. a read-only output directory ----

ro_cmds() {	# RUN DIR: each command writing into DIR fails, nothing created
	local run=$1 d=$2
	for c in "gen -n 1000 -o $d/g.pgt" "cut --events 0..10 -o $d/c.pgt $mnt/in.pgt" \
		 "split --by pid -o $d/s $mnt/in.pgt" "split --by pid -o $d $mnt/in.pgt" \
		 "filter type==lookup -o $d/f.pgt $mnt/in.pgt" "export -F csv -o $d/e.csv $mnt/in.pgt" \
		 "stats --csv $d/st $mnt/in.pgt" "stats --csv $d $mnt/in.pgt" \
		 "plot heatmap -o $d/p.png $mnt/in.pgt" "report -o $d/r.html $mnt/in.pgt"; do
		test_must_fail --code=1 $run "$PGTRACE" $c >/dev/null 2>err &&
		test_one_line_error err && grep -qF "$d" err || { echo "pgtrace $c:"; cat err; return 1; }
	done
	test -z "$(ls -A "$d")"
}
cp small.pgt "$mnt/in.pgt" && chmod 644 "$mnt/in.pgt"
if [ -n "$root" ] && mount -t tmpfs -o ro,size=64k pgtrace-t0500-ro "$ro" 2>/dev/null; then
	test_expect_success 'read-only filesystem: one line naming the path, exit 1, nothing created' '
		ro_cmds "" "$ro" && grep -q "Read-only file system" err
	'
	if [ -n "$tracing" ]; then
		test_expect_success 'read-only filesystem: record names its output, exit 125' '
			test_must_fail --code=125 pgtrace record -q -o "$ro/r.pgt" -- true 2>err &&
			says err "cannot create '\''$ro/r.pgt'\''" "Read-only file system" && test -z "$(ls -A "$ro")"
		'
	fi
	test_expect_success 'cleanup: the read-only tmpfs unmounted' 'umount "$ro" && ! mountpoint -q "$ro"'
else
	test_skip 'read-only filesystem' 'needs root to mount a read-only tmpfs'
fi
mkdir "$mnt/r5" && chmod 555 "$mnt/r5"
if test_have_prereq ROOT,SETPRIV; then
	test_expect_success 'directory of mode 555, as nobody: one line naming the path, exit 1, nothing created' '
		ro_cmds as_nobody "$mnt/r5" && grep -q "Permission denied" err
	'
elif [ -z "$root" ]; then
	test_expect_success 'directory of mode 555: one line naming the path, exit 1, nothing created' '
		ro_cmds "" "$mnt/r5" && grep -q "Permission denied" err
	'
else
	test_skip 'directory of mode 555' 'needs setpriv to drop root'
fi

test_done
