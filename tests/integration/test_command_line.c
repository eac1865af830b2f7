/*
 * test_command_line: the three programs' command lines, run for real. Every error a user can
 * make: the exact one-line message, the usage line after it, and the exit status (2 for
 * usage, 1 for a failure); --help and --version; echo-server --list-models, which scripts
 * read the list of models from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_ARGS 8

struct cli_case {
    const char *prog;
    const char *args[MAX_ARGS];
    int status;
    const char *err; /* the exact first line of stderr (without its newline) */
};

static const struct cli_case cases[] = {
    {"echo-server", {"-p", "abc"}, 2, "echo-server: invalid port 'abc': not a number"},
    {"echo-server", {"70000"}, 2, "echo-server: invalid port '70000': out of range 0-65535"},
    {"echo-server", {"-p", "-1"}, 2, "echo-server: invalid port '-1': not a number"},
    {"echo-server", {"-p", ""}, 2, "echo-server: invalid port '': empty"},
    {"echo-server",
     {"-s", "bogus"},
     2,
     "echo-server: unknown service 'bogus' (echo, line, hello, discard, chargen, daytime, time)"},
    {"echo-server", {"--proto", "sctp"}, 2, "echo-server: --proto: 'sctp' is not tcp, udp or both"},
    {"echo-server",
     {"-u", "-s", "line"},
     2,
     "echo-server: the line service is TCP only: a datagram is whole, it has no lines to gather "
     "(use echo)"},
    {"echo-server",
     {"--rate-limit", "lots"},
     2,
     "echo-server: --rate-limit: 'lots' is not a number"},
    {"echo-server",
     {"-m", "bogus"},
     2,
     "echo-server: unknown model 'bogus' (see --help for the list)"},
    {"echo-server", {"--backlog", "-5"}, 2, "echo-server: --backlog: -5 is out of range 0-65535"},
    {"echo-server", {"--backlog", "many"}, 2, "echo-server: --backlog: 'many' is not a number"},
    {"echo-server",
     {"--max-line", "0"},
     2,
     "echo-server: --max-line: 0 is out of range 1-16777216"},
    {"echo-server",
     {"--drain-timeout", "1x"},
     2,
     "echo-server: --drain-timeout: '1x' is not a number"},
    {"echo-server", {"-x"}, 2, "echo-server: unknown option '-x'"},
    {"echo-server", {"--nope"}, 2, "echo-server: unknown option '--nope'"},
    {"echo-server", {"-p"}, 2, "echo-server: option '-p' needs a value"},
    {"echo-server",
     {"7000", "7001"},
     2,
     "echo-server: too many arguments (expected at most a PORT)"},
    {"echo-server",
     {"-b", "[::1"},
     2,
     "echo-server: invalid address '[::1': expected [IPv6] or [IPv6]:PORT"},
    {"echo-server", {"-b", "127.0.0.1:port"}, 2, "echo-server: invalid port 'port': not a number"},
    {"echo-server",
     {"-b", "nosuchhost.invalid", "-p", "0"},
     1,
     "echo-server: resolve nosuchhost.invalid: "},
    /* 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails, no packet is sent. */
    {"echo-server",
     {"-b", "192.0.2.1", "-p", "0"},
     1,
     "echo-server: bind 192.0.2.1:0: Cannot assign requested address"},
    {"echo-bench", {NULL}, 2, "echo-bench: missing HOST and PORT"},
    {"echo-bench", {"127.0.0.1"}, 2, "echo-bench: missing PORT"},
    {"echo-bench",
     {"-c", "0", "h", "1"},
     2,
     "echo-bench: --connections: 0 is out of range 1-100000"},
    {"echo-bench",
     {"-s", "2M", "h", "1"},
     2,
     "echo-bench: --size: 2M is out of range 1-1048576 bytes"},
    {"echo-bench",
     {"-s", "lots", "h", "1"},
     2,
     "echo-bench: --size: 'lots' is not a size (bytes, or with K or M)"},
    {"echo-bench", {"-t", "abc", "h", "1"}, 2, "echo-bench: --duration: 'abc' is not a number"},
    {"echo-bench", {"-t", "inf", "h", "1"}, 2, "echo-bench: --duration: 'inf' is not a number"},
    {"echo-bench",
     {"--bulk", "-r", "5", "h", "1"},
     2,
     "echo-bench: --bulk and --rate do not go together"},
    {"echo-bench", {"-d"}, 2, "echo-bench: option '-d' needs a value"},
    {"echo-bench", {"nosuchhost.invalid", "1"}, 1, "echo-bench: resolve nosuchhost.invalid: "},
    {"echo-client", {"-t", "abc"}, 2, "echo-client: --timeout: 'abc' is not a number"},
    {"echo-client", {"-t", "-1"}, 2, "echo-client: --timeout: -1 is out of range 0-86400"},
    {"echo-client", {"-s", "bogus"}, 2, "echo-client: unknown service 'bogus' (echo, line, hello)"},
    {"echo-client", {"a", "1", "2"}, 2, "echo-client: too many arguments (expected HOST and PORT)"},
    {"echo-client",
     {"127.0.0.1:1", "2"},
     2,
     "echo-client: port given twice ('127.0.0.1:1' and '2')"},
    {"echo-client",
     {"127.0.0.1", "99999"},
     2,
     "echo-client: invalid port '99999': out of range 0-65535"},
    {"echo-client", {"--bogus"}, 2, "echo-client: unknown option '--bogus'"},
    {"echo-client", {"--timeout"}, 2, "echo-client: option '--timeout' needs a value"},
    {"echo-client", {"-s"}, 2, "echo-client: option '-s' needs a value"},
};

/* Runs one case and checks status and stderr: the message line, then "Usage: " for status 2. */
static void check_case(const struct cli_case *c)
{
    const char *argv[MAX_ARGS + 2];
    struct run_result r;
    char prog[4096];
    const char *nl;
    int n = 0;

    snprintf(prog, sizeof(prog), "%s", bin_path(c->prog));
    argv[n++] = prog;
    for (int i = 0; i < MAX_ARGS && c->args[i]; i++)
        argv[n++] = c->args[i];
    argv[n] = NULL;
    assert_int_equal(run_program(argv, NULL, 0, 30000, &r), 0);
    print_message("%s %s%s -> %d: %s", c->prog, c->args[0] ? c->args[0] : "",
                  c->args[0] && c->args[1] ? " ..." : "", r.status, r.err);
    assert_int_equal(r.status, c->status);
    assert_true(strncmp(r.err, c->err, strlen(c->err)) == 0);
    nl = strchr(r.err, '\n');
    assert_non_null(nl);
    if (c->status == 2) {
        assert_true(strncmp(nl + 1, "Usage: ", 7) == 0);
        nl = strchr(nl + 1, '\n');
        assert_non_null(nl);
    }
    assert_string_equal(nl + 1, ""); /* nothing more */
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
}

static void test_every_usage_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i]);
}

/* --help and --version: on stdout, exit 0. */
static void check_info(const char *prog, const char *opt, const char *expect)
{
    char path[4096];
    struct run_result r;

    snprintf(path, sizeof(path), "%s", bin_path(prog));
    {
        const char *const argv[] = {path, opt, NULL};
        assert_int_equal(run_program(argv, NULL, 0, 10000, &r), 0);
    }
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, expect));
    assert_string_equal(r.err, "");
    run_result_free(&r);
}

static void test_help_and_version(void **state)
{
    (void)state;
    check_info("echo-server", "--help", "Usage: echo-server [OPTIONS] [PORT]");
    check_info("echo-server", "-h", "--greeting TEXT");
    check_info("echo-server", "--help", "iterative");
    check_info("echo-server", "--version", "echo-server (tcpecho) ");
    check_info("echo-client", "--help", "Usage: echo-client [OPTIONS] [HOST] [PORT]");
    check_info("echo-client", "-V", "echo-client (tcpecho) ");
    check_info("echo-bench", "--help", "Usage: echo-bench [OPTIONS] HOST PORT");
    check_info("echo-bench", "--version", "echo-bench (tcpecho) ");
}

#define MAX_MODELS 16

/* Runs echo-server with one option (and no other) to completion. */
static void run_server(const char *opt, struct run_result *r)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s", bin_path("echo-server"));
    {
        const char *const argv[] = {path, opt, NULL};
        assert_int_equal(run_program(argv, NULL, 0, 30000, r), 0);
    }
}

/* Fills names with the models --help lists under "Models:", in order. Returns the count. */
static int help_models(char names[][32])
{
    struct run_result r;
    const char *line;
    int n = 0;

    run_server("--help", &r);
    line = strstr(r.out, "\nModels:\n");
    assert_non_null(line);
    for (line = strchr(line + 1, '\n') + 1; strncmp(line, "  ", 2) == 0 && n < MAX_MODELS;
         line = strchr(line, '\n') + 1)
        assert_int_equal(sscanf(line, "%31s", names[n++]), 1);
    run_result_free(&r);
    return n;
}

/* Returns the index of name in names, or -1. */
static int find(char names[][32], int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
            return i;
    return -1;
}

/* Checks err: one "echo-server: NAME: why" line for each model of names not blanked out
 * (count of them), and that "-m NAME" refuses to start with the same line. */
static void check_left_out(char names[][32], int n, const char *err, int count)
{
    int lines = 0;

    for (const char *l = err; *l; l = strchr(l, '\n') + 1)
        lines++;
    assert_int_equal(lines, count);
    for (int i = 0; i < n; i++) {
        const char *const argv_tail[] = {"-b", "127.0.0.1", "-p", "0", NULL};
        char want[64], path[4096];
        const char *at;
        struct run_result r;

        if (!names[i][0])
            continue;
        snprintf(want, sizeof(want), "echo-server: %.31s: ", names[i]);
        at = strstr(err, want);
        assert_non_null(at);
        assert_true(at == err || at[-1] == '\n');
        assert_true(at[strlen(want)] != '\n'); /* a reason follows */
        snprintf(path, sizeof(path), "%s", bin_path("echo-server"));
        {
            const char *const argv[] = {path,         "-m",         names[i],     argv_tail[0],
                                        argv_tail[1], argv_tail[2], argv_tail[3], NULL};
            assert_int_equal(run_program(argv, NULL, 0, 30000, &r), 0);
        }
        assert_int_equal(r.status, 1);
        assert_true(strncmp(r.err, at, (size_t)(strchr(at, '\n') - at + 1)) == 0);
        run_result_free(&r);
    }
}

/* Checks that model can serve: it starts, says it listens, and stops on SIGTERM with 0. */
static void check_serves(const char *model)
{
    const char *const args[] = {"-m", model, NULL};
    struct server s;

    print_message("--list-models: %s serves\n", model);
    assert_int_equal(server_start(&s, args), 0);
    assert_int_equal(server_stop(&s), 0);
    server_release(&s);
}

/*
 * --list-models: on stdout the models that can run here, a line each, in --help's order, each
 * of them able to serve; on stderr one "echo-server: NAME: why" line for each other model of
 * --help, which then also refuses to start with that line.
 */
static void test_list_models(void **state)
{
    char names[MAX_MODELS][32];
    int n = help_models(names), listed = 0, last = -1;
    struct run_result r;

    (void)state;
    assert_true(n >= 6);
    run_server("--list-models", &r);
    assert_int_equal(r.status, 0);
    for (const char *l = r.out, *nl; *l; l = nl + 1, listed++) {
        int i;

        nl = strchr(l, '\n');
        assert_non_null(nl);
        i = find(names, n, l, (size_t)(nl - l));
        assert_true(i > last); /* a model of --help, in its order, once */
        last = i;
        names[i][0] = '\0'; /* listed: left out of what follows */
    }
    assert_true(listed >= 1);
    assert_true(strncmp(r.out, "iterative\n", 10) == 0); /* blocking sockets run anywhere */
    for (const char *l = r.out, *nl; *l; l = nl + 1) {
        char model[32];

        nl = strchr(l, '\n');
        snprintf(model, sizeof(model), "%.*s", (int)(nl - l), l);
        check_serves(model);
    }
    check_left_out(names, n, r.err, n - listed);
    run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_usage_error),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_list_models),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
