# tcpecho: echo-server, echo-client and their tests.
#   make            build into build/
#   make run        build and serve echo on port 7000
#   make test       install missing test packages, run every test, then again under ASan+UBSan
#   make asan       the suite only, built with -fsanitize=address,undefined (build/asan/)
#   make tsan       the threaded models' integration tests under ThreadSanitizer
#   make fuzz       each libFuzzer target for FUZZ_TIME seconds [60]
#   make test-hostile   hostile clients against every model; SOAK=1 for the long bounds
#   make lint       cppcheck and clang-tidy on src/, shellcheck and flake8 on every script, no
#                   finding allowed; the binaries' hardening
#   make valgrind   integration tests with the programs under valgrind: no error, no leak
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
# Hardening, on by default (scripts/check-hardening.sh checks the result in make lint): stack
# canaries, position-independent executables, the GOT read-only and resolved at start (full
# RELRO), and glibc's checked copies and formats (_FORTIFY_SOURCE=3, gcc 12). FORTIFY needs the
# optimiser and gets in the sanitizers' way: not with SANITIZE, nor without -O or with -O0.
# -U first: some gcc builds predefine _FORTIFY_SOURCE=2, and a redefinition would be a warning.
HARDEN_CFLAGS  = -fstack-protector-strong -fPIE
HARDEN_LDFLAGS = -pie -Wl,-z,relro,-z,now
OPT_LEVEL     := $(lastword $(filter -O%,$(CFLAGS)))
ifeq ($(SANITIZE),)
ifneq ($(filter-out -O0,$(OPT_LEVEL)),)
HARDEN_CPPFLAGS = -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
endif
ALL_CFLAGS = -std=c11 -pthread $(WARN) $(HARDEN_CFLAGS) $(CFLAGS) -MMD -MP
LDFLAGS   += -pthread $(HARDEN_LDFLAGS)
ALL_CPPFLAGS = -D_GNU_SOURCE -DTCPECHO_VERSION='"$(VERSION)"' $(HARDEN_CPPFLAGS) $(CPPFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS     += -fsanitize=$(SANITIZE)
endif

# Packages the build wants (liburing for the uring model), and what `make test` adds: the unit
# test framework and peers for the interop tests.
BUILD_DEPS = liburing-dev
TEST_DEPS  = $(BUILD_DEPS) libcmocka-dev socat netcat-openbsd python3 iproute2 strace \
             xinetd haproxy systemd mandoc nftables

LIB_SRC    = src/net.c src/io.c src/service.c src/log.c src/sig.c src/clock.c src/num.c src/cli.c \
             src/proxy.c
# Every file of src/server, so that a new model is its file and its line in model.c; the uring
# model's files only where liburing is.
SERVER_SRC = $(filter-out src/server/uring%.c,$(sort $(wildcard src/server/*.c)))
# io_uring through liburing: built when its header is there (make run and make test install it).
ifneq ($(wildcard /usr/include/liburing.h),)
ifneq ($(wildcard src/server/uring.c),)
SERVER_SRC   += src/server/uring.c src/server/uring_ring.c src/server/uring_conn.c \
                src/server/uring_udp.c
ALL_CPPFLAGS += -DHAVE_LIBURING
SERVER_LIBS   = -luring
endif
endif
CLIENT_SRC = src/client/main.c src/client/options.c src/client/interactive.c \
             src/client/pipe.c src/client/hello.c src/client/reads.c src/client/simple.c \
             src/client/stamp.c src/client/udp.c src/client/udp_prompt.c src/client/udp_pipe.c \
             src/client/dgram.c
BENCH_SRC  = src/bench/main.c src/bench/options.c src/bench/load.c src/bench/pattern.c \
             src/bench/hist.c src/bench/sched.c src/bench/report.c src/bench/cpu.c \
             src/bench/setup.c src/bench/rss.c src/bench/dueq.c src/bench/evwait.c \
             src/bench/udp_load.c src/bench/udp_track.c src/bench/udp_wire.c \
             src/bench/crew.c
UNIT_TESTS = test_net test_io test_service test_num test_server_options test_bench_hist test_bench_sched \
             test_proxy test_bench_setup test_bench_report test_bench_dueq test_sig test_log test_clock \
             test_cli test_server_model test_server_evloop test_server_conn \
             test_service_simple test_server_guard test_bench_udp_track test_bench_udp_wire \
             test_client_dgram test_client_stamp
INTEG_TESTS = test_command_line test_bench test_bench_udp test_echo_server test_echo_client test_concurrency test_udp_server \
              test_simple_services \
              test_proxy_protocol test_nagle test_udp_client
# Integration tests that run once per model.
MODEL_TESTS = test_echo_server test_echo_client test_concurrency test_proxy_protocol test_nagle \
              test_udp_server test_simple_services test_udp_client
HARNESS_SRC = tests/integration/harness.c
# The hostile-client suite; it runs each case against every model of MODELS (below) itself.
HOSTILE_TESTS = tests/hostile/run_hostile.py
# bench/report (RESULTS.md and the charts) on hand-written raw results.
REPORT_TESTS = tests/report/test_report_udp.py
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
# The notes' four programs, corrected, and the echo pair rewritten for UDP, one file each, for
# learners to read (classic/).
CLASSIC    = $(addprefix $(BUILD)/classic/,hello_server hello_client echo_server echo_client \
             udp_echo_server udp_echo_client)
UNIT_BINS  = $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
INTEG_BINS = $(addprefix $(BUILD)/tests/,$(INTEG_TESTS))
ONCE_BINS  = $(addprefix $(BUILD)/tests/,$(filter-out $(MODEL_TESTS),$(INTEG_TESTS)))
MODEL_BINS = $(addprefix $(BUILD)/tests/,$(MODEL_TESTS))
# The models of the per-model tests and the hostile suite: MODELS="epoll poll" picks; unset,
# every model that `$(BUILD)/echo-server --list-models` says can run here (tests/run.sh and
# run_hostile.py ask it), so a new model is tested as soon as it is in src/server/model.c.
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

# The server's unit tests (test_server_options, test_server_model) link everything of it but main().
$(BUILD)/tests/test_server_%: $(call obj,tests/unit/test_server_%.c) $(SERVER_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(SERVER_LIBS) -lcmocka -o $@

$(BUILD)/tests/test_bench_hist: $(call obj,tests/unit/test_bench_hist.c src/bench/hist.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_sched: $(call obj,tests/unit/test_bench_sched.c src/bench/sched.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_setup: $(call obj,tests/unit/test_bench_setup.c src/bench/setup.c \
                                 src/bench/rss.c src/bench/options.c src/bench/udp_track.c) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_report: $(call obj,tests/unit/test_bench_report.c src/bench/report.c \
                                  src/bench/hist.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_dueq: $(call obj,tests/unit/test_bench_dueq.c src/bench/dueq.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_udp_track: $(call obj,tests/unit/test_bench_udp_track.c \
                                     src/bench/udp_track.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

$(BUILD)/tests/test_bench_udp_wire: $(call obj,tests/unit/test_bench_udp_wire.c \
                                    src/bench/udp_wire.c src/bench/pattern.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lcmocka -o $@

# The client's pure parts, each with its one source.
$(BUILD)/tests/test_client_%: $(call obj,tests/unit/test_client_%.c src/client/%.c)
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
	@sh tests/run.sh $(BUILD) $(UNIT_BINS) $(ONCE_BINS) $(DOC_TESTS) $(HOSTILE_TESTS) \
		$(REPORT_TESTS) -- \
		$(MODEL_BINS)

# Hostile clients against every model (slowloris, never-readers, resets, churn, half-close
# storms, descriptor exhaustion, pathological bytes, signals under load, start-up errors, a
# soak). Short bounds in check; SOAK=1 gives the long ones: 50,000 connects, 10,000 resets,
# a 10-minute soak of every model at once. Not through tests/run.sh: its 300 s limit is for
# tests that should never take that long.
.PHONY: test-hostile
test-hostile: $(PROGRAMS)
	python3 tests/hostile/run_hostile.py $(BUILD)

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
FUZZ_TARGETS = fuzz_proxy fuzz_line fuzz_addr fuzz_cli
FUZZ_TIME   ?= 60
FUZZ_BUILD   = $(BUILD)/fuzz
FUZZ_CC      = clang
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -DTCPECHO_VERSION='"$(VERSION)"' -g -O1 \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(WARN)
FUZZ_SRC_fuzz_proxy = src/proxy.c
FUZZ_SRC_fuzz_line  = src/service.c src/proxy.c src/net.c
FUZZ_SRC_fuzz_addr  = src/net.c src/num.c
# The three option parsers, and what the server's needs: its model table and so every model.
# Without uring (no HAVE_LIBURING here): "-m uring" is still a known name, so the parser is
# the same, and the target builds where liburing is missing.
FUZZ_SRC_fuzz_cli   = $(filter-out src/server/main.c src/server/uring%.c,$(SERVER_SRC)) \
                      $(LIB_SRC) src/client/options.c src/bench/options.c src/bench/udp_track.c
# Extra link flags of a target, after its sources.
FUZZ_LIBS_fuzz_cli  = -pthread

define FUZZ_RULE
$(FUZZ_BUILD)/$(1): tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) $(wildcard src/*.h src/*/*.h)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/$(1).c $(FUZZ_SRC_$(1)) $(FUZZ_LIBS_$(1)) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# Benchmarks: every model and the peers a user would pick instead (socat, ncat, xinetd, Node.js,
# uvloop, libuv, libevent, Go; bench/peers/), server and echo-bench pinned to separate CPUs.
# make bench: 8 TCP and 5 UDP scenarios, 5 s each, median of 3 interleaved rounds for the event
# loops (1 for the rest), C100K (as many connections as the descriptor limit allows), perf's
# system calls and instructions per message, iperf3's bulk ceiling: about 46 minutes, 49 at most
# (a time budget). make bench-quick: 3 TCP and 2 UDP scenarios of 1 s and a 1000-connection
# C100K, one round, about 3.5 minutes. Both write bench/RESULTS.md (with the performance
# targets of bench/report/targets.py judged MET or MISSED) and bench/*.svg; sh bench/run.sh
# --help lists the knobs. Not tests: they report figures, never pass/fail.
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

# Static analysis with no finding left: cppcheck, then clang-tidy (.clang-tidy says which checks
# and why not the others) on every C file of src/, with the build's defines; then the hardening
# of the default build's programs (scripts/check-hardening.sh); then shellcheck on every shell
# script and flake8 on every Python file (both Debian packages). A deliberate exception is
# marked where it is, with its reason: "cppcheck-suppress ID ; why", "NOLINTNEXTLINE(check):
# why", "shellcheck disable=SCnnnn # why" or "noqa: Ennn (why)".
# cppcheck's two global suppressions: missingIncludeSystem (it uses its own model of libc, not
# /usr/include) and variableScope (the house style declares a function's locals at its top).
LINT_SRC  = $(filter-out $(if $(SERVER_LIBS),,src/server/uring%.c), \
            $(sort $(wildcard src/*.c src/*/*.c)))
LINT_DEFS = -D_GNU_SOURCE -DTCPECHO_VERSION='"$(VERSION)"' $(if $(SERVER_LIBS),-DHAVE_LIBURING)
CPPCHECK_FLAGS = --enable=warning,style,performance,portability --std=c11 --inline-suppr \
                 --error-exitcode=1 --quiet --suppress=missingIncludeSystem \
                 --suppress=variableScope
TIDY_RUNS = $(addprefix tidy/,$(LINT_SRC))
# shellcheck follows the files a script sources (-x): bench/run.sh's bench/lib/*.sh, which are
# also checked one by one (bench/lib/.shellcheckrc says which two checks need the driver).
# flake8 is pyflakes (names and imports) and pycodestyle (PEP 8) in one; 100 columns, like
# .clang-format.
LINT_SH = $(sort $(wildcard bench/*.sh bench/*/*.sh scripts/*.sh tests/*.sh tests/*/*.sh \
          tests/*/*/*.sh contrib/*.sh contrib/*/*.sh)) .ci/run
LINT_PY = $(sort $(wildcard bench/*.py bench/*/*.py scripts/*.py tests/*.py tests/*/*.py \
          tests/*/*/*.py contrib/*.py contrib/*/*.py))
.PHONY: lint lint-cppcheck lint-tidy lint-sh lint-py hardening-check $(TIDY_RUNS)
lint: lint-cppcheck lint-tidy hardening-check lint-sh lint-py

lint-sh:
	shellcheck -x $(LINT_SH)

lint-py:
	flake8 --max-line-length=100 $(LINT_PY)

lint-cppcheck:
	cppcheck $(CPPCHECK_FLAGS) $(LINT_DEFS) -I src $(LINT_SRC)

# One clang-tidy per file, so that make -j runs them side by side (its analyzer is slow). The
# "N warnings generated." lines count what the configuration leaves out: not shown.
lint-tidy: $(TIDY_RUNS)
$(TIDY_RUNS): tidy/%:
	@mkdir -p $(BUILD)/lint
	@$(if $(V),:,echo "  TIDY    $*")
	$(Q)clang-tidy --quiet $* -- -std=c11 -pthread $(WARN) $(LINT_DEFS) \
		>$(BUILD)/lint/$(subst /,_,$*).log 2>&1; rc=$$?; \
		grep -v '^[0-9]* warnings\{0,1\} generated\.$$' $(BUILD)/lint/$(subst /,_,$*).log; \
		exit $$rc

hardening-check: $(PROGRAMS) $(CLASSIC)
	@sh scripts/check-hardening.sh $(PROGRAMS) $(CLASSIC)

# The programs under valgrind's memcheck, driven by integration tests that themselves run
# natively (scripts/valgrind.sh): no error and no definite or indirect leak in any process.
# About 5 minutes. The server's tests once per model, every model but uring: under valgrind
# 3.19 it never gets to listening. The client's once, the server on its default model: they
# test the client, and with the fork model the server-killed case races the serving child's
# PDEATHSIG, which valgrind delivers late. Not test_concurrency: its descriptor-limit tests
# leave valgrind itself no descriptors, and 200 clients of the fork model are 200 valgrinds.
VALGRIND_MODELS ?= iterative fork thread poll epoll
VALGRIND_ONCE    = $(addprefix $(BUILD)/tests/,test_command_line test_bench test_echo_client)
VALGRIND_MODEL   = $(addprefix $(BUILD)/tests/,test_echo_server test_proxy_protocol test_udp_server \
                                                 test_simple_services)
.PHONY: valgrind
valgrind: $(PROGRAMS) $(VALGRIND_ONCE) $(VALGRIND_MODEL)
	@MODELS="$(VALGRIND_MODELS)" sh scripts/valgrind.sh $(BUILD) $(BUILD)/valgrind \
		$(VALGRIND_ONCE) -- $(VALGRIND_MODEL)

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
