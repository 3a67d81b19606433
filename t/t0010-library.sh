#!/bin/bash
# libpgtrace as others link it: the shared library exports exactly the
# functions of include/pgtrace/*.h (lib/libpgtrace.map, kept in step with
# the headers by sh mk/libmap.sh), carries its soname, and make install
# lays out what a program needs to build with pkg-config; the example
# program built that way agrees with the pgtrace pipeline it mirrors.
. "$(dirname "$0")/lib-test.sh"
# run as make's own child (make check), make would take this for a sub-make
unset MAKEFLAGS MFLAGS
SO=$TOP/libpgtrace.so
names_of_map() { sed -n 's/^[[:space:]]*\(pgt_[A-Za-z0-9_]*\);$/\1/p' "$1" | sort -u; }
# print the names of $1 missing from $2, after a title ($3)
missing() { comm -23 "$1" "$2" | sed "s|^|$3: |"; }

test_expect_success 'lib/libpgtrace.map lists exactly the functions the headers declare' '
	(cd "$TOP" && sh mk/libmap.sh) >map.want &&
	names_of_map map.want >want && names_of_map "$TOP/lib/libpgtrace.map" >have &&
	test -s want &&
	missing want have "declared in include/pgtrace but not in lib/libpgtrace.map" >diff &&
	missing have want "in lib/libpgtrace.map but declared nowhere" >>diff &&
	if test -s diff; then
		cat diff; echo "update it with: sh mk/libmap.sh >lib/libpgtrace.map"; exit 1
	fi &&
	cmp map.want "$TOP/lib/libpgtrace.map"
'
test_expect_success 'libpgtrace.so exports the map and nothing else' '
	test -e "$SO" &&
	names_of_map "$TOP/lib/libpgtrace.map" >want &&
	nm -D --defined-only "$SO" | awk "{ print \$3 }" | sed "s/@.*//" |
		grep -v "^LIBPGTRACE_" | sort -u >have &&
	missing want have "declared but not defined by the library" >diff &&
	missing have want "exported but not in lib/libpgtrace.map" >>diff &&
	if test -s diff; then cat diff; exit 1; fi &&
	nm -D --defined-only "$SO" | grep -q " pgt_strerror@@LIBPGTRACE_0.1$"
'
test_expect_success 'the soname is libpgtrace.so.0, the links lead to the real file' '
	readelf -d "$SO" | grep "(SONAME)" | grep -q "\[libpgtrace.so.0\]" &&
	test "$(readlink "$SO")" = libpgtrace.so.0 &&
	test "$(readlink "$TOP/libpgtrace.so.0")" = "libpgtrace.so.$(pgtrace --version | sed -n "s/^pgtrace \([0-9.]*\).*/\1/p")"
'
test_expect_success 'make install (DESTDIR) lays out the library; make uninstall removes it' '
	make -C "$TOP" --no-print-directory PGT_SKIP_DEPS=1 DESTDIR="$TRASH/root" PREFIX=/opt/pgt \
		install >log 2>&1 &&
	r=root/opt/pgt &&
	test -x $r/bin/pgtrace && test -f $r/lib/libpgtrace.a &&
	test -f $r/lib/libpgtrace.so.0.* && test -L $r/lib/libpgtrace.so.0 && test -L $r/lib/libpgtrace.so &&
	test -f $r/include/pgtrace/pgtrace.h && test -f $r/share/man/man3/libpgtrace.3 &&
	test -f $r/share/man/man1/pgtrace.1 && test -f $r/share/man/man5/pgtrace-format.5 &&
	grep -qx "prefix=/opt/pgt" $r/lib/pkgconfig/libpgtrace.pc &&
	grep -qx "libdir=\${prefix}/lib" $r/lib/pkgconfig/libpgtrace.pc &&
	grep -qx "includedir=\${prefix}/include" $r/lib/pkgconfig/libpgtrace.pc &&
	! grep -q "$TRASH" $r/lib/pkgconfig/libpgtrace.pc &&
	make -C "$TOP" --no-print-directory PGT_SKIP_DEPS=1 DESTDIR="$TRASH/root" PREFIX=/opt/pgt \
		uninstall >log 2>&1 &&
	find root \( -type f -o -type l \) >left &&
	if test -s left; then cat left; exit 1; fi
'
# the same pipeline through the library and through the commands
example() {
	PKG_CONFIG_PATH=$TRASH/usr/lib/pkgconfig LD_LIBRARY_PATH=$TRASH/usr/lib "$@"
}
test_expect_success 'the example builds with pkg-config against the installed library' '
	make -C "$TOP" --no-print-directory PGT_SKIP_DEPS=1 PREFIX="$TRASH/usr" install >log 2>&1 &&
	flags=$(example pkg-config --cflags --libs libpgtrace) &&
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -o gen-filter-stats \
		"$TOP/examples/gen-filter-stats.c" $flags &&
	example ldd ./gen-filter-stats | grep -q "libpgtrace.so.0 => $TRASH/usr/lib/libpgtrace.so.0"
'
test_expect_success 'the example and gen | filter | stats --json find the same figures' '
	while read -r pattern events seed expr; do
		set -- "$pattern" "$events" "$seed" "$expr"
		example ./gen-filter-stats "$1" "$2" "$3" "$4" >got &&
		pgtrace gen -p "$1" -n "$2" --seed "$3" -o - | pgtrace filter "$4" |
			pgtrace stats --json |
			sed -n "s/^{\"summary\":{\"refs\":\([0-9]*\),\"pages\":\([0-9]*\),\"cold\":\([0-9]*\),[^{}]*\"reaccessed\":\([0-9]*\),.*/refs=\1 pages=\2 cold=\3 reaccessed=\4/p" >want &&
		test -s want && cat got && cmp want got || exit 1
	done <<-EOF
	zipf 200000 7 index < 1000
	mix 100000 3 pid != 2 && path =~ "*-1*"
	EOF
'
test_expect_success 'the example reports a bad expression as the library words it' '
	test_must_fail example ./gen-filter-stats zipf 10 1 "index <" 2>err &&
	grep -q "^gen-filter-stats: index <: " err
'
test_done
