/* Unit tests for src/server/options.c: echo-server's command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/server/model.h"
#include "../../src/server/options.h"

#define ARGC(argv) ((int)(sizeof(argv) / sizeof((argv)[0])) - 1)

/* Parses argv (NULL-terminated) into *cfg; err is cleared first. */
static enum cli_result parse(int argc, char **argv, struct server_config *cfg, char *err)
{
    memset(cfg, 0xa5, sizeof(*cfg)); /* the parser must set every field itself */
    err[0] = '\0';
    return server_options_parse(argc, argv, cfg, err);
}

/* Parses argv, expects a usage error, and checks err holds want. */
static void expect_usage(int argc, char **argv, const char *want)
{
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    assert_int_equal(parse(argc, argv, &cfg, err), CLI_USAGE);
    if (!strstr(err, want))
        fail_msg("err '%s' does not contain '%s'", err, want);
}

static void expect_defaults_except_port(const struct server_config *cfg)
{
    assert_string_equal(cfg->host, "0.0.0.0");
    assert_int_equal(cfg->backlog, SOMAXCONN);
    assert_int_equal(cfg->reuseaddr, 1);
    assert_int_equal(cfg->service.kind, SERVICE_ECHO);
    assert_string_equal(cfg->model, "epoll");
    assert_int_equal(cfg->service.max_line, 8192);
    assert_string_equal(cfg->service.greeting, "Hello World!");
    assert_int_equal(cfg->drain_timeout, SERVER_DRAIN_TIMEOUT_DEFAULT);
    assert_int_equal(cfg->verbosity, LOG_NORMAL);
    assert_int_equal(cfg->inetd, 0);
    assert_int_equal(cfg->list_models, 0);
    assert_int_equal(cfg->service.proxy, 0);
    assert_null(cfg->user);
    assert_null(cfg->group);
}

static void test_defaults(void **state)
{
    char *argv[] = {"echo-server", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(argv), argv, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 7000);
    expect_defaults_except_port(&cfg);
    assert_non_null(model_find(cfg.model));
    assert_string_equal(err, "");
}

static void test_port_option(void **state)
{
    char *zero[] = {"echo-server", "-p", "0", NULL};
    char *lng[] = {"echo-server", "--port", "65535", NULL};
    char *eq[] = {"echo-server", "--port=123", NULL};
    char *glued[] = {"echo-server", "-p4321", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(zero), zero, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 0);
    expect_defaults_except_port(&cfg);
    assert_int_equal(parse(ARGC(lng), lng, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 65535);
    assert_int_equal(parse(ARGC(eq), eq, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 123);
    assert_int_equal(parse(ARGC(glued), glued, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 4321);
}

static void test_port_option_invalid(void **state)
{
    char *big[] = {"echo-server", "-p", "70000", NULL};
    char *junk[] = {"echo-server", "-p", "7k", NULL};
    char *empty[] = {"echo-server", "-p", "", NULL};

    (void)state;
    expect_usage(ARGC(big), big, "invalid port '70000': out of range 0-65535");
    expect_usage(ARGC(junk), junk, "invalid port '7k': not a number");
    expect_usage(ARGC(empty), empty, "invalid port '': empty");
}

static void test_bare_port(void **state)
{
    char *argv[] = {"echo-server", "8080", NULL};
    char *after[] = {"echo-server", "-s", "line", "9", NULL};
    char *word[] = {"echo-server", "http", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(argv), argv, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 8080);
    expect_defaults_except_port(&cfg);
    assert_int_equal(parse(ARGC(after), after, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 9);
    assert_int_equal(cfg.service.kind, SERVICE_LINE);
    expect_usage(ARGC(word), word, "invalid port 'http': not a number");
}

static void test_bind(void **state)
{
    char *v6[] = {"echo-server", "-b", "[::1]:9000", NULL};
    char *v4[] = {"echo-server", "-b", "127.0.0.1", "-p", "1234", NULL};
    char *v4port[] = {"echo-server", "--bind", "127.0.0.1:80", NULL};
    char *bare6[] = {"echo-server", "-b", "::1", NULL};
    char *then_p[] = {"echo-server", "-b", "127.0.0.1:80", "-p", "81", NULL};
    char *then_arg[] = {"echo-server", "-b", "localhost:80", "82", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(v6), v6, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "::1");
    assert_int_equal(cfg.port, 9000);
    assert_int_equal(parse(ARGC(v4), v4, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_int_equal(cfg.port, 1234);
    assert_int_equal(parse(ARGC(v4port), v4port, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_int_equal(cfg.port, 80);
    assert_int_equal(parse(ARGC(bare6), bare6, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "::1");
    assert_int_equal(cfg.port, 7000);
    /* A later -p or PORT overrides the port of -b. */
    assert_int_equal(parse(ARGC(then_p), then_p, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 81);
    assert_int_equal(parse(ARGC(then_arg), then_arg, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "localhost");
    assert_int_equal(cfg.port, 82);
}

static void test_bind_invalid(void **state)
{
    char *open6[] = {"echo-server", "-b", "[::1", NULL};
    char *empty[] = {"echo-server", "-b", ":80", NULL};
    char *badport[] = {"echo-server", "-b", "127.0.0.1:99999", NULL};
    char *noport[] = {"echo-server", "-b", "[::1]:", NULL};

    (void)state;
    expect_usage(ARGC(open6), open6, "expected [IPv6] or [IPv6]:PORT");
    expect_usage(ARGC(empty), empty, "empty host name");
    expect_usage(ARGC(badport), badport, "invalid port '99999': out of range 0-65535");
    expect_usage(ARGC(noport), noport, "invalid port '': empty");
}

static void test_backlog(void **state)
{
    char *zero[] = {"echo-server", "--backlog", "0", NULL};
    char *max[] = {"echo-server", "--backlog=65535", NULL};
    char *neg[] = {"echo-server", "--backlog", "-1", NULL};
    char *big[] = {"echo-server", "--backlog", "65536", NULL};
    char *abc[] = {"echo-server", "--backlog", "abc", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(zero), zero, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.backlog, 0);
    assert_int_equal(cfg.port, 7000);
    assert_int_equal(parse(ARGC(max), max, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.backlog, 65535);
    expect_usage(ARGC(neg), neg, "--backlog: -1 is out of range 0-65535");
    expect_usage(ARGC(big), big, "--backlog: 65536 is out of range 0-65535");
    expect_usage(ARGC(abc), abc, "--backlog: 'abc' is not a number");
}

static void test_no_reuseaddr(void **state)
{
    char *off[] = {"echo-server", "--no-reuseaddr", "-p", "9190", NULL};
    char *arg[] = {"echo-server", "--no-reuseaddr=1", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(off), off, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.reuseaddr, 0);
    assert_int_equal(cfg.port, 9190);
    expect_usage(ARGC(arg), arg, "--no-reuseaddr");
}

/* The deployment options: inetd mode, PROXY headers, the user and group to become. */
static void test_deploy_options(void **state)
{
    char *all[] = {"echo-server", "--inetd", "--proxy-protocol", "-U",
                   "nobody",      "--group", "nogroup",          NULL};
    char *user[] = {"echo-server", "--user", NULL};
    char *group[] = {"echo-server", "-g", NULL};
    char *inetd[] = {"echo-server", "--inetd=yes", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(all), all, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.inetd, 1);
    assert_int_equal(cfg.service.proxy, 1);
    assert_string_equal(cfg.user, "nobody");
    assert_string_equal(cfg.group, "nogroup");
    expect_usage(ARGC(user), user, "option '--user' needs a value");
    expect_usage(ARGC(group), group, "option '-g' needs a value");
    expect_usage(ARGC(inetd), inetd, "--inetd");
}

/* --proto and -u; the UDP guards' options and their defaults; what UDP cannot serve. */
static void test_udp_options(void **state)
{
    char *dflt[] = {"echo-server", NULL};
    char *udp[] = {"echo-server", "-u", "-s", "chargen", NULL};
    char *both[] = {"echo-server",
                    "--proto",
                    "both",
                    "--rate-limit",
                    "0",
                    "--rate-limit-total",
                    "5000",
                    "--no-loop-guard",
                    "--no-broadcast-guard",
                    "--max-datagram",
                    "1000",
                    NULL};
    char *bad_proto[] = {"echo-server", "--proto", "sctp", NULL};
    char *line[] = {"echo-server", "-u", "-s", "line", NULL};
    char *line_tcp[] = {"echo-server", "--proto", "tcp", "-s", "line", NULL};
    char *proxy[] = {"echo-server", "--proto", "both", "--proxy-protocol", NULL};
    char *big[] = {"echo-server", "--max-datagram", "65537", NULL};
    char *rate[] = {"echo-server", "--rate-limit", "-1", NULL};
    char greeting[600],
        *hello[] = {"echo-server", "-u", "-s", "hello", "--greeting", greeting, NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(dflt), dflt, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.proto, SERVER_TCP);
    assert_int_equal(cfg.guard.ports, 1);
    assert_int_equal(cfg.guard.broadcast, 1);
    assert_int_equal(cfg.guard.rate, GUARD_RATE_DEFAULT);
    assert_int_equal(cfg.guard.rate_total, GUARD_RATE_TOTAL_DEFAULT);
    assert_int_equal(cfg.max_datagram, SERVER_MAX_DATAGRAM_DEFAULT);
    assert_int_equal(parse(ARGC(udp), udp, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.proto, SERVER_UDP);
    assert_int_equal(cfg.service.kind, SERVICE_CHARGEN);
    assert_int_equal(parse(ARGC(both), both, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.proto, SERVER_TCP | SERVER_UDP);
    assert_int_equal(cfg.guard.rate, 0);
    assert_int_equal(cfg.guard.rate_total, 5000);
    assert_int_equal(cfg.guard.ports, 0);
    assert_int_equal(cfg.guard.broadcast, 0);
    assert_int_equal(cfg.max_datagram, 1000);
    assert_int_equal(parse(ARGC(line_tcp), line_tcp, &cfg, err), CLI_RUN);
    expect_usage(ARGC(bad_proto), bad_proto, "--proto: 'sctp' is not tcp, udp or both");
    expect_usage(ARGC(line), line, "the line service is TCP only");
    expect_usage(ARGC(proxy), proxy, "--proxy-protocol is for TCP only");
    expect_usage(ARGC(big), big, "--max-datagram");
    expect_usage(ARGC(rate), rate, "--rate-limit");
    memset(greeting, 'g', sizeof(greeting) - 1);
    greeting[sizeof(greeting) - 1] = '\0';
    expect_usage(ARGC(hello), hello, "--greeting: over UDP at most 511 bytes");
    greeting[511] = '\0';
    assert_int_equal(parse(ARGC(hello), hello, &cfg, err), CLI_RUN);
}

static void test_service(void **state)
{
    char *line[] = {"echo-server", "-s", "line", NULL};
    char *hello[] = {"echo-server", "--service", "hello", NULL};
    char *echo[] = {"echo-server", "-s", "echo", NULL};
    char *bogus[] = {"echo-server", "-s", "bogus", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(line), line, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.kind, SERVICE_LINE);
    assert_int_equal(parse(ARGC(hello), hello, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.kind, SERVICE_HELLO);
    assert_int_equal(parse(ARGC(echo), echo, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.kind, SERVICE_ECHO);
    expect_usage(ARGC(bogus), bogus,
                 "unknown service 'bogus' (echo, line, hello, discard, chargen, daytime, time)");
}

static void test_model(void **state)
{
    char *iter[] = {"echo-server", "-m", "iterative", NULL};
    char *bogus[] = {"echo-server", "--model", "bogus", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(iter), iter, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.model, "iterative");
    expect_usage(ARGC(bogus), bogus, "unknown model 'bogus'");
}

/* Every model of the table is a name -m takes, uring too, built into this binary or not: its
 * check says what is missing, not the parser. */
static void test_every_model_name(void **state)
{
    char *argv[] = {"echo-server", "-m", NULL, NULL};
    char uring[] = "uring";
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];
    int n = 0;

    (void)state;
    for (const struct model *const *m = model_all(); *m; m++, n++) {
        argv[2] = (char *)(*m)->name;
        assert_int_equal(parse(ARGC(argv), argv, &cfg, err), CLI_RUN);
        assert_ptr_equal(cfg.model, (*m)->name);
    }
    assert_int_equal(n, 6);
    argv[2] = uring;
    assert_int_equal(parse(ARGC(argv), argv, &cfg, err), CLI_RUN);
}

/* --list-models asks main() to list, whatever else the line says; options after it are still
 * checked. */
static void test_list_models(void **state)
{
    char *alone[] = {"echo-server", "--list-models", NULL};
    char *with[] = {"echo-server", "-m", "poll", "--list-models", "7001", NULL};
    char *bad[] = {"echo-server", "--list-models", "--bogus", NULL};
    char *value[] = {"echo-server", "--list-models=uring", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(alone), alone, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.list_models, 1);
    cfg.list_models = 0;
    assert_int_equal(cfg.port, 7000);
    expect_defaults_except_port(&cfg); /* nothing else changed */
    assert_int_equal(parse(ARGC(with), with, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.list_models, 1);
    assert_string_equal(cfg.model, "poll");
    assert_int_equal(cfg.port, 7001);
    expect_usage(ARGC(bad), bad, "unknown option '--bogus'");
    expect_usage(ARGC(value), value, "unknown option '--list-models=uring'");
}

/* The limits of the concurrent models: accepted in range, refused out of it. */
static void test_limits(void **state)
{
    char *ok[] = {"echo-server",   "-t",    "3",       "--max-conns", "100", "--idle-timeout", "7",
                  "--max-pending", "65536", "--stats", "2",           NULL};
    char *threads[] = {"echo-server", "--threads", "-1", NULL};
    char *conns[] = {"echo-server", "--max-conns", "lots", NULL};
    char *pending[] = {"echo-server", "--max-pending", "10", NULL};
    char *idle[] = {"echo-server", "--idle-timeout", "86401", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(ok), ok, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.threads, 3);
    assert_int_equal(cfg.max_conns, 100);
    assert_int_equal(cfg.idle_timeout, 7);
    assert_int_equal(cfg.max_pending, 65536);
    assert_int_equal(cfg.stats_interval, 2);
    expect_usage(ARGC(threads), threads, "--threads: -1 is out of range 0-1024");
    expect_usage(ARGC(conns), conns, "--max-conns: 'lots' is not a number");
    expect_usage(ARGC(pending), pending, "--max-pending: 10 is out of range 1024-1073741824");
    expect_usage(ARGC(idle), idle, "--idle-timeout: 86401 is out of range 0-86400");
}

static void test_limit_defaults(void **state)
{
    char *none[] = {"echo-server", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(none), none, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.threads, 0);
    assert_int_equal(cfg.max_conns, 0);
    assert_int_equal(cfg.idle_timeout, 0);
    assert_int_equal(cfg.max_pending, 256 * 1024);
    assert_int_equal(cfg.stats_interval, 0);
}

static void test_max_line(void **state)
{
    char *one[] = {"echo-server", "--max-line", "1", NULL};
    char *limit[] = {"echo-server", "--max-line", "16777216", NULL};
    char *zero[] = {"echo-server", "--max-line", "0", NULL};
    char *over[] = {"echo-server", "--max-line", "16777217", NULL};
    char *junk[] = {"echo-server", "--max-line", "1k", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(one), one, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.max_line, 1);
    assert_int_equal(parse(ARGC(limit), limit, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.max_line, SERVICE_MAX_LINE_LIMIT);
    expect_usage(ARGC(zero), zero, "--max-line: 0 is out of range 1-16777216");
    expect_usage(ARGC(over), over, "--max-line: 16777217 is out of range");
    expect_usage(ARGC(junk), junk, "--max-line: '1k' is not a number");
}

static void test_greeting(void **state)
{
    char *text[] = {"echo-server", "--greeting", "Hi there, client", NULL};
    char *empty[] = {"echo-server", "--greeting=", NULL};
    static char long_text[4096 + 2];
    char *too_long[] = {"echo-server", "--greeting", long_text, NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(text), text, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.service.greeting, "Hi there, client");
    assert_int_equal(parse(ARGC(empty), empty, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.service.greeting, "");

    memset(long_text, 'g', 4096);
    long_text[4096] = '\0';
    assert_int_equal(parse(ARGC(too_long), too_long, &cfg, err), CLI_RUN);
    assert_int_equal(strlen(cfg.service.greeting), 4096);
    long_text[4096] = 'g';
    long_text[4097] = '\0';
    expect_usage(ARGC(too_long), too_long, "--greeting: longer than 4096 bytes");
}

static void test_drain_timeout_and_verbosity(void **state)
{
    char *drain[] = {"echo-server", "--drain-timeout", "0", "-q", NULL};
    char *verbose[] = {"echo-server", "-v", "--drain-timeout=3600", NULL};
    char *over[] = {"echo-server", "--drain-timeout", "3601", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(drain), drain, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.drain_timeout, 0);
    assert_int_equal(cfg.verbosity, LOG_QUIET);
    assert_int_equal(parse(ARGC(verbose), verbose, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.drain_timeout, 3600);
    assert_int_equal(cfg.verbosity, LOG_VERBOSE);
    expect_usage(ARGC(over), over, "--drain-timeout: 3601 is out of range 0-3600");
}

static void test_help_and_version(void **state)
{
    char *h[] = {"echo-server", "-h", NULL};
    char *help[] = {"echo-server", "-p", "1", "--help", "--bogus", NULL};
    char *v[] = {"echo-server", "-V", NULL};
    char *version[] = {"echo-server", "--version", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(h), h, &cfg, err), CLI_HELP);
    assert_int_equal(parse(ARGC(help), help, &cfg, err), CLI_HELP);
    assert_int_equal(parse(ARGC(v), v, &cfg, err), CLI_VERSION);
    assert_int_equal(parse(ARGC(version), version, &cfg, err), CLI_VERSION);
}

static void test_usage_text(void **state)
{
    const char *prev;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(f);
    server_usage(f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(strstr(text, "Usage: echo-server [OPTIONS] [PORT]"));
    assert_non_null(strstr(text, "[7000]"));
    assert_non_null(strstr(text, "      --list-models "));
    prev = text;
    /* The models, each on a line of its own, in the table's order. */
    for (const struct model *const *m = model_all(); *m; m++) {
        char line[64];
        const char *at;

        snprintf(line, sizeof(line), "\n  %-12s ", (*m)->name);
        at = strstr(text, line);
        assert_non_null(at);
        assert_true(at > prev);
        prev = at;
    }
    free(text);
}

static void test_unknown_option(void **state)
{
    char *shrt[] = {"echo-server", "-x", NULL};
    char *lng[] = {"echo-server", "--bogus", NULL};
    char *lng_arg[] = {"echo-server", "--bogus=1", NULL};
    char *group[] = {"echo-server", "-p", "1", "-xq", NULL};
    char *high[] = {"echo-server", "-\xffq", NULL}; /* not ASCII: the fuzzer's find */

    (void)state;
    expect_usage(ARGC(group), group, "unknown option '-x'");
    expect_usage(ARGC(high), high, "unknown option '-\\xff'");
    expect_usage(ARGC(shrt), shrt, "unknown option '-x'");
    expect_usage(ARGC(lng), lng, "unknown option '--bogus'");
    expect_usage(ARGC(lng_arg), lng_arg, "unknown option '--bogus=1'");
}

/* Parses argv with stderr sent to a temporary file. Returns how many bytes were printed. */
static long stderr_bytes(int argc, char **argv)
{
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    long n;

    assert_non_null(tmp);
    assert_true(saved >= 0);
    fflush(stderr);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    parse(argc, argv, &cfg, err);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
    n = ftell(tmp);
    fclose(tmp);
    return n;
}

static void test_errors_not_printed(void **state)
{
    char *unknown[] = {"echo-server", "-x", "--bogus", NULL};
    char *missing[] = {"echo-server", "-p", NULL};

    (void)state;
    /* The caller prints err its own way: getopt must stay silent. */
    assert_int_equal(stderr_bytes(ARGC(unknown), unknown), 0);
    assert_int_equal(stderr_bytes(ARGC(missing), missing), 0);
}

static void test_missing_value(void **state)
{
    char *p[] = {"echo-server", "-p", NULL};
    char *s[] = {"echo-server", "-q", "-s", NULL};
    char *b[] = {"echo-server", "-b", NULL};
    char *m[] = {"echo-server", "-m", NULL};
    char *backlog[] = {"echo-server", "--backlog", NULL};
    char *port[] = {"echo-server", "--port", NULL};

    (void)state;
    /* A long option is named as written, not by its value in the option table. */
    expect_usage(ARGC(backlog), backlog, "option '--backlog' needs a value");
    expect_usage(ARGC(port), port, "option '--port' needs a value");
    expect_usage(ARGC(p), p, "option '-p' needs a value");
    expect_usage(ARGC(s), s, "option '-s' needs a value");
    expect_usage(ARGC(b), b, "option '-b' needs a value");
    expect_usage(ARGC(m), m, "option '-m' needs a value");
}

static void test_too_many_arguments(void **state)
{
    char *two[] = {"echo-server", "7000", "7001", NULL};
    /* Options end at the first argument: "-p" after a PORT is an argument too. */
    char *late[] = {"echo-server", "7000", "-p", "1", NULL};

    (void)state;
    expect_usage(ARGC(two), two, "too many arguments");
    expect_usage(ARGC(late), late, "too many arguments");
}

static void test_parse_twice(void **state)
{
    char *first[] = {"echo-server", "-s", "line", "-p", "1234", "--max-line", "10", NULL};
    char *second[] = {"echo-server", "-b", "[::1]:9000", NULL};
    /* The error stops getopt inside "-xq": a stale position would go on to read 'q'. */
    char *mid_group[] = {"echo-server", "-xq", NULL};
    char *third[] = {"echo-server", "-p", "4000", NULL};
    struct server_config cfg;
    char err[OPTIONS_ERR_LEN];

    (void)state;
    assert_int_equal(parse(ARGC(first), first, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.service.kind, SERVICE_LINE);
    assert_int_equal(cfg.port, 1234);
    assert_int_equal(cfg.service.max_line, 10);

    /* A second parse starts from the defaults and from argv[1]. */
    assert_int_equal(parse(ARGC(second), second, &cfg, err), CLI_RUN);
    assert_string_equal(cfg.host, "::1");
    assert_int_equal(cfg.port, 9000);
    assert_int_equal(cfg.service.kind, SERVICE_ECHO);
    assert_int_equal(cfg.service.max_line, 8192);

    /* Even after an error in the middle of a group of short options. */
    assert_int_equal(parse(ARGC(mid_group), mid_group, &cfg, err), CLI_USAGE);
    assert_int_equal(parse(ARGC(third), third, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.verbosity, LOG_NORMAL);
    assert_int_equal(cfg.port, 4000);
    assert_string_equal(cfg.host, "0.0.0.0");

    assert_int_equal(parse(ARGC(first), first, &cfg, err), CLI_RUN);
    assert_int_equal(cfg.port, 1234);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_port_option),
        cmocka_unit_test(test_port_option_invalid),
        cmocka_unit_test(test_bare_port),
        cmocka_unit_test(test_bind),
        cmocka_unit_test(test_bind_invalid),
        cmocka_unit_test(test_backlog),
        cmocka_unit_test(test_no_reuseaddr),
        cmocka_unit_test(test_deploy_options),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_every_model_name),
        cmocka_unit_test(test_list_models),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_limit_defaults),
        cmocka_unit_test(test_max_line),
        cmocka_unit_test(test_greeting),
        cmocka_unit_test(test_drain_timeout_and_verbosity),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_text),
        cmocka_unit_test(test_unknown_option),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_errors_not_printed),
        cmocka_unit_test(test_too_many_arguments),
        cmocka_unit_test(test_parse_twice),
        cmocka_unit_test(test_udp_options),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
