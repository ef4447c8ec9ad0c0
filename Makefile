# lfhub - federated case-sync node for Local Focus Hubs.
#   make            build lfhd, lfh and the tests (build/)
#   make test       install missing deps, build, run every test
#   make SAN=1 test the same under AddressSanitizer + UBSan (build/san/)
#   make demo       install missing deps, build, run a 3-agency local hub
#   make bench      benchmarks (figures and ratios)
#   make bench-compare  lfhub's catch-up beside hypercore and PouchDB (installs
#                   them from npm outside the repo; SKIP when offline)
#   make torture    long randomized runs (50 convergence seeds of 100 operations)
#   make install    lfhd, lfh, man pages, bash completion, examples, systemd unit
#                   (PREFIX=/usr/local DESTDIR=; builds only lfhd and lfh)
#   make uninstall  remove what make install put in place (same PREFIX, DESTDIR)
#   make deb        build/lfhub_VERSION_ARCH.deb with debhelper (installs the
#                   packaging tools first: deploy/install-deps.sh --package)
#   make test-deb   make deb, then install, start, stop and purge it (root;
#                   make test does too where the packaging tools are installed)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/lfhub
EXAMPLEDIR ?= $(DOCDIR)/examples
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
CC ?= cc
PKGS := libzmq libsodium lmdb msgpack inih libconfig libsystemd libmicrohttpd
# Only lfh (the CLI) parses JSON: lfh import.
CLI_PKGS := jansson
# libcsv (lfh import of CSV) has no pkg-config file.
CLI_LIBS := -lcsv

ifeq ($(SAN),1)
B := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
B := build
SANFLAGS :=
OPT := -O2
endif

# Recursively expanded so pkg-config runs only when compiling (after deps).
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	-Iinclude $(SANFLAGS) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread

# Every .c under proto/, keys/ and node/ is library code, but the two programs' own.
CLI_SRC := $(wildcard node/cli/*.c)
LIB_SRC := $(filter-out node/main.c $(CLI_SRC),$(shell find proto keys node -name '*.c' | LC_ALL=C sort))
INT_HDR := $(shell find proto keys node -name '*.h')
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)

.PHONY: all test demo bench bench-compare torture clean install uninstall deb test-deb deps fuzz
all: $(B)/lfhd $(B)/lfh $(UNIT_BIN) $(TOOL_BIN) $(BENCH_BIN)

$(B)/liblfh.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(B)/%.o: %.c $(wildcard include/lfh/*.h) $(INT_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/lfhd: $(B)/node/main.o $(B)/liblfh.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(CLI_OBJ): PKG_CFLAGS += $(shell pkg-config --cflags $(CLI_PKGS) 2>/dev/null)

$(B)/lfh: $(CLI_OBJ) $(B)/liblfh.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null) $(CLI_LIBS)

$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(B)/liblfh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/liblfh.a $(LIBS) -lcmocka

$(B)/tools/%: tests/tools/%.c $(wildcard tests/unit/vectors*.h) $(B)/liblfh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/liblfh.a $(LIBS)

$(B)/bench/%: tests/bench/%.c $(wildcard tests/bench/*.h) $(B)/liblfh.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/liblfh.a $(LIBS)

# Install missing Debian packages only when something is missing.
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $(PKGS) $(CLI_PKGS) cmocka \
	    || ! command -v mdb_stat >/dev/null 2>&1 || ! test -f /usr/include/csv.h; then \
		echo "lfhub: installing missing dependencies"; sh deploy/install-deps.sh; fi

test: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh deploy/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) sh tests/bench/run.sh

bench-compare: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) BENCH_COMPARE=1 bash tests/bench/compare.sh

torture: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) SEEDS="$$(seq 1 50)" OPS=100 TEST_TIMEOUT=3600 sh tests/run.sh test_converge.sh
	@# 100,000 cases through the CLI: case list complete, each once, in id
	@# order; due complete (exit 1 otherwise; the timings are only printed)
	@B=$(B) BENCH_LIST_SIZES=100000 bash tests/bench/listing.sh

# What make install puts in place, under $(DESTDIR): uninstall removes these.
MAN1 := deploy/man/lfh.1
MAN5 := deploy/man/lfhd.conf.5 deploy/man/lfh-isa.5
MAN8 := deploy/man/lfhd.8
EXAMPLES := $(wildcard deploy/examples/*)
INSTALLED := $(BINDIR)/lfhd $(BINDIR)/lfh \
	$(MAN1:deploy/man/%=$(MANDIR)/man1/%) $(MAN5:deploy/man/%=$(MANDIR)/man5/%) \
	$(MAN8:deploy/man/%=$(MANDIR)/man8/%) $(BASHCOMPDIR)/lfh \
	$(EXAMPLES:deploy/examples/%=$(EXAMPLEDIR)/%) $(SYSTEMDUNITDIR)/lfhd.service

# Only the two programs: no test libraries needed. The unit's ExecStart
# names $(BINDIR)/lfhd (deploy/lfhd.service says /usr/local/bin).
install: $(B)/lfhd $(B)/lfh
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(EXAMPLEDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(B)/lfhd $(B)/lfh $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 deploy/bash-completion/lfh $(DESTDIR)$(BASHCOMPDIR)/lfh
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|g' deploy/lfhd.service >$(DESTDIR)$(SYSTEMDUNITDIR)/lfhd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/lfhd.service

# The files above, and the directories only lfhub uses (shared ones stay).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

# A Debian package built by Debian's tools (deploy/mkdeb.sh: the source tree
# staged in build/deb/lfhub-VERSION with deploy/debian as its debian/,
# dpkg-buildpackage -b there, lintian), landing in build/.
deb:
	@sh deploy/install-deps.sh --package
	@sh deploy/mkdeb.sh

# Build, install, start, stop and purge the package (root; changes this
# machine's packages and users, and puts them back): tests/integration/test_deb.sh,
# which make test runs too but SKIPs where the packaging tools are missing.
test-deb:
	@sh deploy/install-deps.sh --package
	@$(MAKE) --no-print-directory $(B)/lfhd $(B)/lfh $(B)/tools/freeport $(B)/tools/rawpeer
	@B=$(B) sh tests/run.sh test_deb.sh

# libFuzzer targets (clang): each runs FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/*.c))
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(@D)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -Iinclude \
		-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)
# lfh import's CSV reader is the CLI's (node/cli), with jansson and libcsv.
build/fuzz/fuzz_csv: tests/fuzz/fuzz_csv.c node/cli/import_csv.c node/cli/import_csv.h
	@mkdir -p $(@D)
	clang -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 -Iinclude -Inode/cli \
		-fsanitize=fuzzer,address,undefined $(shell pkg-config --cflags $(CLI_PKGS)) -o $@ $< \
		node/cli/import_csv.c $(shell pkg-config --libs $(CLI_PKGS)) $(CLI_LIBS)
fuzz: deps $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do echo "== $$f"; \
		(cd build/fuzz && ./$$(basename $$f) -max_total_time=$(FUZZ_SECONDS) -max_len=8192) || exit 1; done

clean:
	rm -rf build
