# tcpecho: echo-server, echo-client and their tests.
#   make            build into build/
#   make run        build and serve echo on port 7000
#   make test       install missing test packages, run every test, then again under ASan+UBSan
#   make asan       the suite only, built with -fsanitize=address,undefined (build/asan/)
#   make tsan       the threaded models' integration tests under ThreadSanitizer
#   make fuzz       each libFuzzer target for FUZZ_TIME seconds [60]
#   make install    PREFIX=/usr/local DESTDIR=

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/tcpecho
UNITDIR   ?= $(PREFIX)/lib/systemd/system
BUILD     ?= build
SANITIZE  ?=
CFLAGS    ?= -O2 -g
WARN       = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla
ALL_CFLAGS = -std=c11 -pthread $(WARN) $(CFLAGS) -MMD -MP
LDFLAGS   += -pthread
ALL_CPPFLAGS = -D_GNU_SOURCE -DTCPECHO_VERSION='"$(VERSION)"' $(CPPFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS     += -fsanitize=$(SANITIZE)
endif

# Packages the build wants (liburing for the uring model), and what `make test` adds: the unit
# test framework and peers for the interop tests.
BUILD_DEPS = liburing-dev
TEST_DEPS  = $(BUILD_DEPS) libcmocka-dev socat netcat-openbsd python3 iproute2 strace \
             xinetd haproxy systemd mandoc

LIB_SRC    = src/net.c src/io.c src/service.c src/log.c src/sig.c src/num.c src/cli.c \
             src/proxy.c
SERVER_SRC = src/server/main.c src/server/options.c src/server/model.c src/server/server.c \
             src/server/serve.c src/server/stats.c src/server/conn.c src/server/acceptor.c \
             src/server/iterative.c src/server/fork.c src/server/thread.c \
             src/server/poll.c src/server/epoll.c src/server/activate.c \
             src/server/privdrop.c src/server/inetd.c
# io_uring through liburing: built when its header is there (make run and make test install it).
ifneq ($(wildcard /usr/include/liburing.h),)
ifneq ($(wildcard src/server/uring.c),)
SERVER_SRC   += src/server/uring.c
ALL_CPPFLAGS += -DHAVE_LIBURING
SERVER_LIBS   = -luring
endif
endif
CLIENT_SRC = src/client/main.c src/client/options.c src/client/interactive.c \
             src/client/pipe.c src/client/hello.c src/client/reads.c
BENCH_SRC  = src/bench/main.c src/bench/options.c src/bench/load.c src/bench/pattern.c \
             src/bench/hist.c src/bench/sched.c src/bench/report.c src/bench/cpu.c
UNIT_TESTS = test_net test_io test_service test_num test_server_options test_hist test_sched \
             test_proxy
INTEG_TESTS = test_cli test_bench test_echo_server test_echo_client test_concurrency \
              test_proxy_protocol
# Integration tests that run once per model.
MODEL_TESTS = test_echo_server test_echo_client test_concurrency test_proxy_protocol
HARNESS_SRC = tests/integration/harness.c
# The golden transcripts of classic/, every console block of docs/GUIDE.md, the deployments
# (inetd, xinetd, systemd socket activation, haproxy) with the real programs, the guide and the
# deployments each in network namespaces of their own, and the man pages (lint, every option
# of --help documented, make install and uninstall).
DOC_TESTS   = tests/classic/run.sh tests/guide/run_guide.py tests/deploy/run_deploy.py \
              tests/man/run.sh

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIB        = $(BUILD)/libtcpecho.a
SERVER_LIB = $(BUILD)/libserver.a
PROGRAMS   = $(BUILD)/echo-server $(BUILD)/echo-client $(BUILD)/echo-bench
# The notes' four programs, corrected, one file each, for learners to read (classic/).
CLASSIC    = $(addprefix $(BUILD)/classic/,hello_server hello_client echo_server echo_client)
UNIT_BINS  = $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
INTEG_BINS = $(addprefix $(BUILD)/tests/,$(INTEG_TESTS))
ONCE_BINS  = $(addprefix $(BUILD)/tests/,$(filter-out $(MODEL_TESTS),$(INTEG_TESTS)))
MODEL_BINS = $(addprefix $(BUILD)/tests/,$(MODEL_TESTS))
MODELS    ?= iterative fork thread poll epoll $(if $(SERVER_LIBS),uring)
export MODELS

.PHONY: all run test check unit integration asan tsan fuzz bench bench-quick deps deps-build install uninstall clean format \
        format-check
all: $(PROGRAMS) $(CLASSIC)

# V=1 shows the whole command lines.
Q = $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),:,echo "  CC      $@")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRC))
	$(AR) rcs $@ $^

# Everything of the server but main(), so unit tests can drive its option parser.
$(SERVER_LIB): $(call obj,$(filter-out src/server/main.c,$(SERVER_SRC)))
	$(AR) rcs $@ $^

$(BUILD)/echo-server: $(call obj,src/server/main.c) $(SERVER_LIB) $(LIB)
	$(CC) $(LDFLAGS) $^ $(SERVER_LIBS) -o $@

$(BUILD)/echo-client: $(call obj,$(CLIENT_SRC)) $(LIB)
	$(CC) $(LDFLAGS) $^ -o $@

$(BUILD)/echo-bench: $(call obj,$(BENCH_SRC)) $(LIB)
	$(CC) $(LDFLAGS) $^ -lm -o $@

$(BUILD)/classic/%: classic/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@

$(BUILD)/tests/test_server_options: $(call obj,tests/unit/test_server_options.c) $(SERVER_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(SERVER_LIBS) -lcmocka -o $@

$(BUILD)/tests/test_hist: $(call obj,tests/unit/test_hist.c src/bench/hist.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_sched: $(call obj,tests/unit/test_sched.c src/bench/sched.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_%: $(call obj,tests/unit/test_%.c) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(INTEG_BINS): $(BUILD)/tests/%: $(call obj,tests/integration/%.c $(HARNESS_SRC)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -lutil -o $@

run: deps-build
	$(MAKE) all
	./$(BUILD)/echo-server

deps-build:
	@sh scripts/deps.sh $(BUILD_DEPS) || echo "make: building without the uring model" >&2

deps:
	@sh scripts/deps.sh $(TEST_DEPS)

# The whole suite on one build: unit tests, then integration tests against the real binaries,
# those about serving once per model (MODELS="epoll poll" to pick).
check: $(PROGRAMS) $(CLASSIC) $(UNIT_BINS) $(INTEG_BINS)
	@sh tests/run.sh $(BUILD) $(UNIT_BINS) $(ONCE_BINS) $(DOC_TESTS) -- $(MODEL_BINS)

unit: $(UNIT_BINS)
	@sh tests/run.sh $(BUILD) $(UNIT_BINS)

integration: $(PROGRAMS) $(INTEG_BINS)
	@sh tests/run.sh $(BUILD) $(ONCE_BINS) -- $(MODEL_BINS)

asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined CFLAGS='-O1 -g' check

# The multi-threaded models under ThreadSanitizer: no data races.
tsan:
	$(MAKE) BUILD=build/tsan SANITIZE=thread CFLAGS='-O1 -g' \
		MODELS="thread epoll $(if $(SERVER_LIBS),uring)" integration

test: deps
	$(MAKE) check
	$(MAKE) asan

# libFuzzer targets, tests/fuzz/<target>.c, each built with clang from its file and the sources
# FUZZ_SRC_<target> names, then run on a copy of its seed corpus tests/fuzz/corpus/<target>/ (what
# it finds stays in $(FUZZ_BUILD)/corpus/). A crash, leak or sanitizer report fails the target.
FUZZ_TARGETS = fuzz_proxy
FUZZ_TIME   ?= 60
FUZZ_BUILD   = $(BUILD)/fuzz
FUZZ_CC      = clang
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all $(WARN)
FUZZ_SRC_fuzz_proxy = src/proxy.c

define FUZZ_RULE
$(FUZZ_BUILD)/$(1): tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) $(wildcard src/*.h)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# Benchmarks: every model and the peers a user would pick instead, pinned to separate CPUs;
# writes bench/RESULTS.md and bench/*.svg. Not tests: they report figures, never pass/fail.
bench: all
	sh bench/run.sh

bench-quick: all
	sh bench/run.sh --quick

# The programs, their man pages, the systemd units (@BINDIR@ in them replaced by $(BINDIR)), and
# the xinetd entry (@BINDIR@ too) and haproxy configuration as examples. A package:
# make install PREFIX=/usr DESTDIR=pkg. tests/man/run.sh checks the list; uninstall removes it.
install: $(PROGRAMS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	install -m 644 man/echo-server.1 man/echo-client.1 man/echo-bench.1 $(DESTDIR)$(MANDIR)/man1
	for f in $(UNITDIR)/tcpecho.socket $(UNITDIR)/tcpecho.service \
		$(DOCDIR)/examples/tcpecho.xinetd; do \
		sed 's|@BINDIR@|$(BINDIR)|g' contrib/$${f##*/} >$(DESTDIR)$$f && \
		chmod 644 $(DESTDIR)$$f || exit 1; \
	done
	install -m 644 contrib/haproxy.cfg $(DESTDIR)$(DOCDIR)/examples

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/echo-server $(DESTDIR)$(BINDIR)/echo-client \
		$(DESTDIR)$(BINDIR)/echo-bench
	rm -f $(DESTDIR)$(MANDIR)/man1/echo-server.1 $(DESTDIR)$(MANDIR)/man1/echo-client.1 \
		$(DESTDIR)$(MANDIR)/man1/echo-bench.1
	rm -f $(DESTDIR)$(UNITDIR)/tcpecho.socket $(DESTDIR)$(UNITDIR)/tcpecho.service
	rm -f $(DESTDIR)$(DOCDIR)/examples/tcpecho.xinetd $(DESTDIR)$(DOCDIR)/examples/haproxy.cfg
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# The man pages: lint-clean under mandoc and groff, every option of each program's --help in
# its page (and none that --help lacks), and make install/uninstall into a temporary DESTDIR.
.PHONY: man-check
man-check: $(PROGRAMS)
	@sh tests/man/run.sh $(BUILD)

FORMAT_FILES = $(shell find src tests classic -name '*.[ch]')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The model table changes when uring.c appears: rebuild it then.
$(BUILD)/src/server/model.o: $(wildcard src/server/uring.c)
