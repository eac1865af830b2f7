/*
 * test_cli: every command-line error a user can make, on both programs: the exact one-line
 * message, the usage line after it, and the exit status (2 for usage, 1 for a failure).
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
    {"echo-server", {"-s", "bogus"}, 2, "echo-server: unknown service 'bogus' (echo, line, hello)"},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_usage_error),
        cmocka_unit_test(test_help_and_version),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
