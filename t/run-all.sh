#!/bin/sh
# Run every test: cmocka unit tests, end-to-end scripts, fuzz corpus
# replay.  Ends with the line "N passed, N failed, N skipped".
# PGT_BUILD selects the build directory (.build, or .build-asan).
cd "$(dirname "$0")/.." || exit 1
B=${PGT_BUILD:-.build}
PGTRACE=${PGTRACE:-$(pwd)/$B/pgtrace}
[ -x "$PGTRACE" ] || PGTRACE=$(pwd)/pgtrace
export PGTRACE
# test helper programs (t/helper) are built there too
PGT_BUILD_DIR=$(pwd)/$B
export PGT_BUILD_DIR
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {
	# count TAP lines of $log
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# *[Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
}

echo "== unit tests"
for t in "$B"/t/test-*; do
	[ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
	rc=$?
	count
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
		fail=$((fail + 1)); echo "not ok - $t exited $rc"
	fi
	grep -E '^(not ok|#)' "$log" | head -n 40
	echo "$(basename "$t"): $(grep -c '^ok ' "$log") ok, $(grep -c '^not ok ' "$log") not ok"
done

echo "== end-to-end tests"
for t in t/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	bash "$t" >"$log" 2>&1
	rc=$?
	count
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
		fail=$((fail + 1)); echo "not ok - $t exited $rc"
	fi
	grep -E '^(not ok|#)' "$log" | head -n 60
	# a script that passed leaves nothing behind (PGT_KEEP_TRASH=1 keeps
	# it); a failing one keeps its scratch directory to look at
	if [ $rc -eq 0 ] && [ -z "${PGT_KEEP_TRASH:-}" ]; then
		rm -rf "t/trash/$(basename "$t" .sh)"
	fi
done
rmdir t/trash 2>/dev/null
[ -d t/trash ] && echo "# kept for the failures: t/trash ($(du -sh t/trash | cut -f1))"

echo "== fuzz corpus replay"
for r in "$B"/fuzz/fuzz-*-replay; do
	[ -x "$r" ] || continue
	name=$(basename "$r" -replay); name=${name#fuzz-}
	if "$r" fuzz/corpus/"$name" >"$log" 2>&1; then
		pass=$((pass + 1)); echo "ok - $name corpus: $(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); echo "not ok - $name corpus"; tail -n 20 "$log"
	fi
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
