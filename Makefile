# pgtrace - page-level memory tracing toolkit.  GNU make, non-recursive.
#   make [all]        build pgtrace, libpgtrace.a and libpgtrace.so
#   make check        unit, end-to-end and fuzz-corpus tests
#   make asan         the same tests under ASan + UBSan, with allocation failures
#   make failalloc    only the allocation failures (t/t0520-alloc.sh)
#   make fuzz         build libFuzzer targets (clang) and fuzz briefly
#   make bench        benchmarks against peers
#   make demo         the main job on a built-in default
#   make install      PREFIX=/usr/local DESTDIR= (make uninstall: the same)
# DEVELOPER=1 turns warnings into errors.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

CC ?= cc
O ?= .build
PKG_CONFIG ?= pkg-config

# The Debian packages come first, before any flag is computed: on a fresh
# machine pkg-config cannot answer for cairo, tracefs or traceevent until
# mk/deps.sh has installed them.  Every goal but these few installs what is
# missing (quick when nothing is); DEPS is settable so t/t0005-build.sh can
# check the order.
DEPS ?= sh mk/deps.sh
# PGT_SKIP_DEPS=1 skips the install step (packages installed another way).
NODEPS_GOALS := clean uninstall help
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(NODEPS_GOALS),$(MAKECMDGOALS)),)
PGT_NO_BUILD := 1
endif
endif
ifeq ($(PGT_NO_BUILD)$(PGT_SKIP_DEPS)$(MAKELEVEL),0)
DEPS_RC := $(shell $(DEPS) >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error the Debian packages pgtrace needs could not be installed ($(DEPS) exited $(DEPS_RC)); install them as root: make deps)
endif
endif
PKG_MODULES := libzstd libtracefs libtraceevent cairo
ifneq ($(PGT_NO_BUILD),1)
PKG_MISSING := $(strip $(foreach m,$(PKG_MODULES),$(if $(shell $(PKG_CONFIG) --exists $(m) 2>/dev/null && echo y),,$(m))))
ifneq ($(PKG_MISSING),)
$(error pkg-config finds no $(PKG_MISSING): install the Debian packages with 'make deps' (as root))
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKG_MODULES))
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-format-nonliteral
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
OPT ?= -O2 -g
CFLAGS ?=
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude -Ilib -MMD -MP \
	$(PKG_CFLAGS) \
	$(SAN_CFLAGS)
# zstd linked statically: it shaves a tenth of a millisecond off every start
LIBS := -Wl,-Bstatic -lzstd -Wl,-Bdynamic -ltracefs -ltraceevent -lcairo -lfontconfig -lm -lpthread
LDFLAGS ?=

LIB_SRC := $(wildcard lib/*/*.c)
CMD_SRC := $(wildcard cmd/*.c)
UNIT_SRC := $(wildcard t/unit/test-*.c)

LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
CMD_OBJ := $(patsubst %.c,$(O)/%.o,$(CMD_SRC))
UNIT_BIN := $(patsubst t/unit/%.c,$(O)/t/%,$(UNIT_SRC))
HELPER_BIN := $(patsubst t/helper/%.c,$(O)/t/%,$(wildcard t/helper/pgt-*.c))
FUZZ_SRC := $(wildcard fuzz/fuzz-*.c)
FUZZ_REPLAY := $(patsubst fuzz/%.c,$(O)/fuzz/%-replay,$(FUZZ_SRC))

BIN ?= pgtrace
LIBA ?= libpgtrace.a

# The shared library: its soname changes with the major version (0 until
# the API is declared stable), the file carries the whole version, the
# .so link is what -lpgtrace finds.  Built from position-independent
# copies of the objects in $(O)/pic/, so pgtrace and libpgtrace.a keep
# their non-PIC code.  lib/libpgtrace.map exports the functions of
# include/pgtrace/*.h and nothing else (sh mk/libmap.sh writes it).
VERSION := $(shell sed -n 's/^\#define PGT_VERSION_STRING "\(.*\)"/\1/p' include/pgtrace/pgtrace.h)
SO_MAJOR := $(firstword $(subst ., ,$(VERSION)))
SONAME := libpgtrace.so.$(SO_MAJOR)
LIBSO ?= libpgtrace.so.$(VERSION)
LIBMAP := lib/libpgtrace.map
PIC_OBJ := $(patsubst %.c,$(O)/pic/%.o,$(LIB_SRC))
# the .so links its dependencies dynamically (zstd included: a static
# libzstd.a need not be position-independent)
SO_LIBS := -lzstd -ltracefs -ltraceevent -lcairo -lfontconfig -lm -lpthread

all: $(BIN) $(LIBA) $(LIBSO)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(LIBSO): $(PIC_OBJ) $(LIBMAP)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=$(LIBMAP) -Wl,-z,defs -o $@ $(PIC_OBJ) $(SO_LIBS)
	ln -sf $(notdir $@) $(dir $@)$(SONAME)
	ln -sf $(SONAME) $(dir $@)libpgtrace.so

$(LIBA): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIBA) $(LIBS)

$(O)/t/test-%: t/unit/test-%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) -lcmocka $(LIBS)

# Helper programs of the end-to-end tests (they find them in $(O)/t/),
# never sanitized: the processes they set up must look like ordinary ones
# (ASan would map terabytes of shadow memory into them).
$(O)/t/pgt-%: t/helper/pgt-%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(SAN_CFLAGS),$(BASE_CFLAGS)) $(CFLAGS) -o $@ $<

# Fuzz targets double as regression tests: the replay driver feeds every
# file of the corpus through the target, built with the normal compiler.
$(O)/fuzz/%-replay: fuzz/%.c fuzz/replay.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< fuzz/replay.c $(LIBA) $(LIBS)

deps:
	@$(DEPS)

check: deps
	@$(MAKE) --no-print-directory all test-bins
	@sh t/run-all.sh

test-bins: $(UNIT_BIN) $(HELPER_BIN) $(FUZZ_REPLAY)

ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_MAKE = $(MAKE) --no-print-directory O=.build-asan BIN=.build-asan/pgtrace \
		LIBA=.build-asan/libpgtrace.a LIBSO=.build-asan/libpgtrace.so.$(VERSION) SAN_CFLAGS="$(ASAN_FLAGS)" OPT="-O1 -g" \
		LDFLAGS="$(ASAN_FLAGS)"
asan: deps
	@$(ASAN_MAKE) all test-bins .build-asan/pgtrace-failalloc
	@PGT_BUILD=.build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 sh t/run-all.sh

# Allocation failures (t/t0520-alloc.sh, run by make asan): the same
# objects linked once more with our calls to the allocators wrapped by
# t/helper/failmalloc.c, which fails the Nth one (it says why --wrap).
FAIL_WRAP := malloc calloc realloc strdup strndup asprintf vasprintf getline \
	__getdelim fopen opendir fdopendir regcomp pthread_create
$(O)/pgtrace-failalloc: $(CMD_OBJ) $(LIBA) $(O)/t/helper/failmalloc.o
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(LDFLAGS) $(foreach f,$(FAIL_WRAP),-Wl,--wrap=$(f)) \
		-o $@ $(CMD_OBJ) $(O)/t/helper/failmalloc.o $(LIBA) $(LIBS)

failalloc: deps
	@$(ASAN_MAKE) .build-asan/pgtrace .build-asan/pgtrace-failalloc
	@PGT_BUILD_DIR=$(CURDIR)/.build-asan bash t/t0520-alloc.sh

FUZZ_TIME ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory O=.build-fuzz CC=clang LIBA=.build-fuzz/libpgtrace.a \
		SAN_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" OPT="-O1 -g" .build-fuzz/libpgtrace.a
	@sh fuzz/run.sh $(FUZZ_TIME)

bench: deps all
	@sh bench/run.sh
	@bash bench/snap.sh
	@bash bench/record.sh
	@bash bench/tools.sh
	@bash bench/analysis.sh
	@bash bench/plot.sh
	@bash bench/validate.sh
	@bash bench/bounds.sh
	@bash bench/cache.sh

demo: deps all
	@sh mk/demo.sh

MAN1 := $(wildcard doc/*.1)
MAN3 := $(wildcard doc/*.3)
MAN5 := $(wildcard doc/*.5)
# libpgtrace.pc: the paths as installed, relative to ${prefix} where they
# lie under it (a relocated tree can then change one line)
pc_path = $(patsubst $(PREFIX)%,$${prefix}%,$(1))
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/pgtrace \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 0755 pgtrace $(DESTDIR)$(BINDIR)/pgtrace
	install -m 0644 libpgtrace.a $(DESTDIR)$(LIBDIR)/libpgtrace.a
	install -m 0755 $(LIBSO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIBSO))
	ln -sf $(notdir $(LIBSO)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpgtrace.so
	install -m 0644 include/pgtrace/*.h $(DESTDIR)$(INCDIR)/pgtrace/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|' \
		-e 's|@INCDIR@|$(call pc_path,$(INCDIR))|' -e 's|@VERSION@|$(VERSION)|' \
		libpgtrace.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libpgtrace.pc
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MAN3),install -m 0644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pgtrace $(DESTDIR)$(LIBDIR)/libpgtrace.a
	rm -f $(DESTDIR)$(LIBDIR)/libpgtrace.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/$(notdir $(LIBSO)) $(DESTDIR)$(PKGCONFIGDIR)/libpgtrace.pc
	rm -rf $(DESTDIR)$(INCDIR)/pgtrace
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))

clean:
	rm -rf .build .build-asan .build-fuzz pgtrace libpgtrace.a libpgtrace.so libpgtrace.so.* t/trash

.PHONY: all check asan failalloc fuzz bench demo install uninstall clean deps test-bins

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
