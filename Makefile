# bucketlist: a FastCGI worker that lists S3 buckets with credentials it
# fetches from AWS Secrets Manager. `make` builds cgi-bin/bucketlist.fcgi,
# `make check` installs what is missing and runs every test, `make demo`
# runs the whole stack against a local AWS emulator.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
PYTHON   ?= python3
export PYTHON

PKGS     := fcgi libcurl openssl json-c expat
CC       ?= cc
WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wno-unused-parameter -Wno-format-truncation
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT      ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Isrc
CFLAGS   += -std=c11 $(OPT) $(WARN) $(HARDEN) -MMD -MP $(shell pkg-config --cflags $(PKGS))
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lm

# Sanitizer builds use their own tree so objects never mix.
ifeq ($(SANITIZE),1)
BUILD    := build-asan
OPT      := -O1 -g -fno-omit-frame-pointer
HARDEN   := -fPIE
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -DBUCKETLIST_VERSION=\"$(VERSION)\"

MAIN_SRC := src/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(wildcard src/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libbucketlist.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
SUITE     ?= tests/sigv4-suite

ifeq ($(SANITIZE),1)
WORKER   := $(BUILD)/bucketlist.fcgi
SUITE    := $(BUILD)/sigv4-suite
else
WORKER   := cgi-bin/bucketlist.fcgi
endif

# Quiet output unless V=1.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: bench all deps check test unit asan valgrind install uninstall clean demo demo-stop run tools
.DEFAULT_GOAL := all
# Keep intermediate objects so a second `make` has nothing to do.
.SECONDARY:

all: $(WORKER)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tobj/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(WORKER): $(BUILD)/obj/main.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tobj/unit/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tools/%: $(BUILD)/tobj/tools/%.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SUITE): $(BUILD)/tobj/sigv4_suite.o $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tools: $(TOOL_BINS)

deps:
	@scripts/install-deps.sh

# Builds everything the tests need; used by scripts/run-tests.sh.
test-build: $(WORKER) $(UNIT_BINS) $(TOOL_BINS) $(SUITE)

# README command 2: install what is missing, then run every suite.
check:
	@scripts/install-deps.sh --browser
	@$(MAKE) --no-print-directory test-build
	@scripts/run-tests.sh

unit: $(UNIT_BINS) $(SUITE)
	@scripts/run-tests.sh --unit-only

# ASan + UBSan build running the unit tests and the SigV4 suite; ASAN_ALL=1 adds the
# integration tests (tools and worker built with the sanitizers).
asan:
	@$(MAKE) --no-print-directory SANITIZE=1 test-build
	@BUILD=build-asan scripts/run-tests.sh $(if $(ASAN_ALL),--no-browser,--unit-only)

valgrind: test-build
	@VALGRIND=1 scripts/run-tests.sh --unit-only

# Latency/throughput figures of the whole stack (reports, asserts nothing).
bench:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all
	@$(PYTHON) bench/latency.py

# README command 1: the whole stack against a local AWS emulator (moto).
# Dependencies first, then the build: on a fresh machine the build needs them.
demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

demo-stop:
	@scripts/demo.sh --stop

# The same against real AWS, from the user's own credentials.
run:
	@scripts/install-deps.sh --runtime
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

install: $(WORKER)
	install -d $(DESTDIR)$(PREFIX)/lib/bucketlist/cgi-bin $(DESTDIR)$(PREFIX)/share/bucketlist/www/static \
	           $(DESTDIR)$(PREFIX)/share/bucketlist/nginx $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(WORKER) $(DESTDIR)$(PREFIX)/lib/bucketlist/cgi-bin/bucketlist.fcgi
	ln -sf ../lib/bucketlist/cgi-bin/bucketlist.fcgi $(DESTDIR)$(PREFIX)/bin/bucketlist.fcgi
	install -m 0644 www/*.html $(DESTDIR)$(PREFIX)/share/bucketlist/www/
	install -m 0644 www/static/* $(DESTDIR)$(PREFIX)/share/bucketlist/www/static/
	sed 's|/usr/local/|$(PREFIX)/|g' nginx/bucketlist.conf > $(DESTDIR)$(PREFIX)/share/bucketlist/nginx/bucketlist.conf
	chmod 0644 $(DESTDIR)$(PREFIX)/share/bucketlist/nginx/bucketlist.conf

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/lib/bucketlist $(DESTDIR)$(PREFIX)/share/bucketlist $(DESTDIR)$(PREFIX)/bin/bucketlist.fcgi

clean:
	rm -rf build build-asan build-* cgi-bin/bucketlist.fcgi $(SUITE)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tobj/*.d $(BUILD)/tobj/*/*.d)
