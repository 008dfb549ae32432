# deltaq - a fast, fork-safe inspector and validator for Delta Lake tables.
#
#   make demo      install missing packages (as root), build, tour the example table
#   make check     install missing packages (as root), build, run every test
#   make install   PREFIX=/usr/local DESTDIR=
#   make bench     speed against peers, and scan --jobs scaling (see tests/bench/)
#
# Respects CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR.  Dependencies come from pkg-config.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS    := jansson libarchive libzstd zlib liblz4 libbrotlidec snappy
# Loaded when first needed (lib/dynlib.h), so not linked: libarchive and the page codecs
# zlib aside (a codec, and crc32 for pages and deletion vectors).
DLOPEN_PKGS := libarchive libzstd liblz4 libbrotlidec snappy

# The build directory and sanitizer flags; `make check` reuses these rules for its
# ASan+UBSan and TSan builds.
B       ?= build
SAN     ?=

DQ_CFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -Ilib -Ilib/parquet \
	     $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(SAN)
LINK_PKGS := $(filter-out $(DLOPEN_PKGS),$(PKGS))
# No -lm: libm alone cost every start (every --jobs worker) 0.07 ms of its 0.85.
DQ_LDLIBS  = $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null) -lpthread -ldl
# The deltaq binary takes jansson and zlib from their static libraries where they are
# installed (Debian's -dev packages ship them): loading the two shared ones cost every
# start, so every --jobs worker, 0.08 ms of its 0.65.  STATIC_PKGS= links them
# dynamically instead.
has_static = $(and $(foreach l,$(patsubst -l%,%,$(shell $(PKG_CONFIG) --libs-only-l $(1) \
	     2>/dev/null)),$(wildcard $(shell $(PKG_CONFIG) --variable=libdir $(1) 2>/dev/null)/lib$(l).a)),$(1))
STATIC_PKGS ?= $(foreach p,$(LINK_PKGS),$(call has_static,$(p)))
LD_STATIC  := -Wl,-Bstatic
LD_DYNAMIC := -Wl,-Bdynamic
BIN_LDLIBS = $(if $(STATIC_PKGS),$(LD_STATIC) $(shell $(PKG_CONFIG) --libs $(STATIC_PKGS) \
	     2>/dev/null) $(LD_DYNAMIC)) $(shell $(PKG_CONFIG) --libs $(filter-out \
	     $(STATIC_PKGS),$(LINK_PKGS)) 2>/dev/null) -lpthread -ldl
# Unit tests that write archives or compress pages call the libraries themselves.
UNIT_LDLIBS = $(shell $(PKG_CONFIG) --libs $(DLOPEN_PKGS) 2>/dev/null)
DQ_LDFLAGS = $(SAN)

LIB_SRC  := $(sort $(wildcard lib/*.c lib/parquet/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# Unit tests of cmd/ helpers link these objects too.
CMD_LIBOBJ := $(B)/cmd/schema_fmt.o
# The fork-safety programs (tests/fork/), linked with the library only.
FORK_SRC := $(sort $(wildcard tests/fork/*.c))
FORK_BIN := $(FORK_SRC:tests/fork/%.c=$(B)/fork/%)

# Debian packages the build and the tests need.
DEPS := gcc make pkg-config libjansson-dev libarchive-dev libzstd-dev libsnappy-dev \
	liblz4-dev zlib1g-dev libbrotli-dev bats bats-assert bats-support python3 jq clang \
	tar zstd xz-utils zip strace

.PHONY: all deps demo check unit bats conformance sanitize tsan install uninstall clean bench fuzz \
	forktest forkbins

all: $(B)/deltaq $(B)/libdeltaq.a $(B)/libdeltaq.so $(B)/deltaq.bash

$(B)/%.o: %.c $(wildcard lib/*.h lib/parquet/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(DQ_CFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libdeltaq.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libdeltaq.so: $(LIB_OBJ)
	$(CC) -shared $(DQ_LDFLAGS) $(LDFLAGS) -o $@ $^ $(DQ_LDLIBS)

$(B)/deltaq: $(CMD_OBJ) $(B)/libdeltaq.a
	$(CC) $(DQ_LDFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(B)/libdeltaq.a $(BIN_LDLIBS)

$(B)/deltaq.bash: $(B)/deltaq
	$(B)/deltaq completion bash > $@

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libdeltaq.a $(CMD_LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(DQ_CFLAGS) -Icmd $(CFLAGS) $(DQ_LDFLAGS) $(LDFLAGS) -o $@ $< $(CMD_LIBOBJ) \
		$(B)/libdeltaq.a $(DQ_LDLIBS) $(UNIT_LDLIBS)

$(B)/fork/%: tests/fork/%.c tests/fork/forktest.h $(B)/libdeltaq.a
	@mkdir -p $(dir $@)
	$(CC) $(DQ_CFLAGS) $(CFLAGS) $(DQ_LDFLAGS) $(LDFLAGS) -o $@ $< $(B)/libdeltaq.a \
		$(DQ_LDLIBS) -ldl

# Installs what is missing: with apt-get as root, else prints the command to run.
deps:
	@missing=""; for p in $(DEPS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "missing packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
		fi; \
	fi

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(B)/deltaq tests/fixtures/example

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

bats: all
	DELTAQ=$(CURDIR)/$(B)/deltaq bats tests/

conformance: all
	python3 tests/conformance/corpus.py --deltaq $(B)/deltaq
	python3 tests/conformance/test_dispute.py
	python3 tests/conformance/check_corpus.py --deltaq $(B)/deltaq
	python3 tests/parquet/run_conformance.py --deltaq $(B)/deltaq
	python3 tests/archive/compare.py --deltaq $(B)/deltaq

# The whole suite again against an ASan+UBSan build (the fork programs with idle pools),
# and the pool under ThreadSanitizer.
sanitize:
	@$(MAKE) --no-print-directory B=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" unit bats conformance \
		forkbins
	python3 tests/fork/run.py --build build/asan --sanitized
# The pool's tests under ThreadSanitizer.  clang's TSan also follows the fork tests into
# their children (gcc 12's cannot start threads in a forked child); the test is linked with
# lib/pool.c alone, as other libraries' fork handlers confuse TSan in the forked children.
# The pool, and the whole library used from several threads at once (test_threads.c).
TSAN_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fsanitize=thread -Ilib \
	      -Ilib/parquet $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
tsan:
	@mkdir -p build/tsan
	clang $(TSAN_CFLAGS) -o build/tsan/test_pool lib/pool.c tests/unit/test_pool.c -lpthread
	TSAN_OPTIONS="die_after_fork=0 halt_on_error=1" build/tsan/test_pool
	clang $(TSAN_CFLAGS) -o build/tsan/test_threads $(LIB_SRC) tests/unit/test_threads.c \
		$(DQ_LDLIBS)
	TSAN_OPTIONS="halt_on_error=1" build/tsan/test_threads

# Fork safety (tests/fork/README.md): the C programs and the Python harness against this
# build, then against a control build with fork detection compiled out, which must hang
# or fail; every child and every run has a watchdog.
forkbins: $(FORK_BIN) $(B)/libdeltaq.so
forktest: all
	@$(MAKE) --no-print-directory forkbins
	@$(MAKE) --no-print-directory B=build/forkctl CFLAGS="-O1 -g -DDQ_NO_FORK_DETECTION" \
		forkbins build/forkctl/tests/test_pool
	python3 tests/fork/run.py --build $(B) --control build/forkctl

check: deps
	@$(MAKE) --no-print-directory all unit bats conformance forktest
	@$(MAKE) --no-print-directory sanitize
	@$(MAKE) --no-print-directory tsan

bench: all
	tests/bench/run.sh
	tests/bench/scan.sh

# Bounded libFuzzer runs (clang): FUZZ_SECONDS per target, seeded with the fixtures' commits.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -fsanitize=fuzzer,address,undefined \
	$(shell $(PKG_CONFIG) --cflags jansson)
FUZZ_LIB = lib/action.c lib/fast_action.c lib/uri.c lib/util.c lib/stats_fast.c lib/jsonv.c
FUZZ_PQ = $(wildcard lib/parquet/*.c) lib/store_dir.c lib/util.c
FUZZ_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
fuzz: deps
	@mkdir -p build/fuzz/commit build/fuzz/stats build/fuzz/parquet
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_commit tests/fuzz/fuzz_commit.c $(FUZZ_LIB) $(FUZZ_LIBS)
	clang $(FUZZ_FLAGS) -o build/fuzz/fuzz_stats tests/fuzz/fuzz_stats.c $(FUZZ_LIB) $(FUZZ_LIBS)
	clang $(FUZZ_FLAGS) -Ilib/parquet -o build/fuzz/fuzz_parquet tests/fuzz/fuzz_parquet.c \
		$(FUZZ_PQ) $(FUZZ_LIBS)
	for f in tests/fixtures/*/_delta_log/0*.json; do \
		t=$${f#tests/fixtures/}; cp "$$f" "build/fuzz/commit/$${t%%/*}-$${f##*/}"; done
	cp tests/fixtures/parquet/*.parquet build/fuzz/parquet/
	build/fuzz/fuzz_commit -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/commit
	build/fuzz/fuzz_stats -max_total_time=$(FUZZ_SECONDS) -max_len=1024 build/fuzz/stats
	build/fuzz/fuzz_parquet -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		-malloc_limit_mb=1024 build/fuzz/parquet

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPDIR)
	install -m 755 $(B)/deltaq $(DESTDIR)$(BINDIR)/deltaq
	install -m 644 $(B)/libdeltaq.a $(DESTDIR)$(LIBDIR)/libdeltaq.a
	install -m 755 $(B)/libdeltaq.so $(DESTDIR)$(LIBDIR)/libdeltaq.so
	install -m 644 lib/deltaq.h $(DESTDIR)$(INCDIR)/deltaq.h
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(B)/deltaq.bash $(DESTDIR)$(COMPDIR)/deltaq

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/deltaq $(DESTDIR)$(LIBDIR)/libdeltaq.a \
		$(DESTDIR)$(LIBDIR)/libdeltaq.so $(DESTDIR)$(INCDIR)/deltaq.h \
		$(DESTDIR)$(COMPDIR)/deltaq
	for m in man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done

clean:
	rm -rf build
