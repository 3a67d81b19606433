#!/bin/bash
# The build on a fresh machine: the Debian packages are installed before any
# compiler flag is computed, and mk/deps.sh names every package the build,
# the tests and the benches use.
. "$(dirname "$0")/lib-test.sh"
# run as make's own child (make check), make would take this for a sub-make
unset MAKELEVEL MAKEFLAGS MFLAGS

# A pkg-config that knows nothing until "the packages are installed" (the
# stamp exists), as on a fresh Debian 12 machine; the deps step only makes
# the stamp.  The old Makefile read 'pkg-config --cflags cairo' while it was
# parsed, before the deps step ran, and failed on cairo.h.
test_expect_success 'make installs the packages before computing flags' '
	mkdir src bin &&
	(cd "$TOP" && tar cf - Makefile mk include lib cmd) | (cd src && tar xf -) &&
	real=$(command -v pkg-config) &&
	printf "#!/bin/sh\n[ -e %s ] || exit 1\nexec %s \"\$@\"\n" "$TRASH/stamp" "$real" >bin/pkg-config &&
	chmod +x bin/pkg-config &&
	make -C src -j2 O=.b PKG_CONFIG="$TRASH/bin/pkg-config" DEPS="touch $TRASH/stamp" \
		BIN=.b/pgtrace LIBA=.b/libpgtrace.a all >log 2>&1 &&
	test -e stamp && src/.b/pgtrace --version >/dev/null
'
test_expect_success 'a missing package is named before anything is compiled' '
	rm -f stamp &&
	test_must_fail make -C src O=.c PKG_CONFIG="$TRASH/bin/pkg-config" DEPS=true \
		BIN=.c/pgtrace LIBA=.c/libpgtrace.a all >log 2>&1 &&
	grep -q "pkg-config finds no libzstd libtracefs libtraceevent cairo" log &&
	! test -e src/.c
'
test_expect_success 'a failed install stops the build with what to do' '
	test_must_fail make -C src O=.c DEPS=false all >log 2>&1 &&
	grep -q "could not be installed" log && grep -q "make deps" log
'

# Every file the build includes or links, and every program the tests and
# benches run, comes from a package that mk/deps.sh lists: a package that
# happens to be on this machine but not in the list would break a fresh one.
listed=$(sed -n '/^pkgs="/,/"$/p' "$TOP/mk/deps.sh" | tr -d '"' | sed 's/^pkgs=//' | tr ' ' '\n')
# what the listed packages bring along, two levels deep (build-essential
# brings gcc, which brings gcc-12 and its cc)
deps_of() {
	dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' "$@" 2>/dev/null |
		tr ',|' '\n\n' | sed 's/(.*)//; s/:any//; s/ //g' | grep -v '^$' | sort -u
}
if test_have_prereq DPKG; then
	level1=$(deps_of $listed)
	listed=$(printf '%s\n' $listed $level1 $(deps_of $level1) | sort -u)
fi
owner() { dpkg -S "$1" 2>/dev/null | grep -v '^diversion by' | head -n 1 | cut -d: -f1; }
check_owned() {
	what=$1 file=$2
	[ -n "$file" ] || { echo "$what: not found on this machine"; return 1; }
	pkg=$(owner "$file")
	[ -n "$pkg" ] || pkg=$(owner "$(readlink -f "$file")")
	[ -n "$pkg" ] || pkg=$(owner "$(echo "$file" | sed "s,^/usr/lib,/lib,")")
	[ -n "$pkg" ] || { echo "$what ($file): no Debian package owns it"; return 1; }
	echo "$listed" | grep -qx "$pkg" || { echo "$what ($file) comes from $pkg, which mk/deps.sh does not list"; return 1; }
}
test_expect_success DPKG 'mk/deps.sh lists the package of every pkg-config module' '
	for m in $(sed -n "s/^PKG_MODULES := //p" "$TOP/Makefile"); do
		check_owned "pkg-config $m" "$(pkg-config --variable=pcfiledir $m)/$m.pc" || exit 1
	done
'
test_expect_success DPKG 'mk/deps.sh lists the package of every linked library' '
	for l in $(sed -n "s/^LIBS := //p" "$TOP/Makefile" | tr " " "\n" | sed -n "s/^-l//p") cmocka; do
		case $l in m|pthread) continue ;; esac
		f=$(cc -print-file-name=lib$l.so); [ "$f" != "lib$l.so" ] || f=$(cc -print-file-name=lib$l.a)
		check_owned "-l$l" "$f" || exit 1
	done
'
test_expect_success DPKG 'mk/deps.sh lists the package of every program the tests and benches run' '
	for p in cc clang python3 vmtouch fincore sqlite3 chromium zstd perf trace-cmd jq /usr/bin/time; do
		f=/usr/bin/${p#/usr/bin/}; [ -e "$f" ] || f=$(command -v $p)
		check_owned "$p" "$f" || exit 1
	done
'
test_done
