/* Unit tests for src/cli.c: the finish step every main() shares, numeric option values, and
 * getopt's failures explained. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/cli.h"
#include "../../src/log.h"

/* ---- cli_finish ---- */

/* What one cli_finish() call returned and wrote on each stream. */
struct finished {
    int status;
    char out[1024], err[1024];
};

static int usage_calls;
static FILE *usage_stream;

/* A --help printer that notes where it was asked to print. */
static void fake_usage(FILE *f)
{
    usage_calls++;
    usage_stream = f;
    fputs("Usage: prog [X]\nthe help text\n", f);
}

static const struct cli_program prog = {"prog", "[OPTIONS] X", fake_usage};

/* Reads what fd holds from its start into buf (cap bytes, NUL-terminated), then closes it. */
static void slurp(int fd, char *buf, size_t cap)
{
    ssize_t n = pread(fd, buf, cap - 1, 0);

    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
}

/* Calls cli_finish(r, &prog, err) with stdout and stderr sent to temporary files. */
static void finish(enum cli_result r, const char *err, struct finished *f)
{
    char out_path[] = "/tmp/test_cli_out.XXXXXX", err_path[] = "/tmp/test_cli_err.XXXXXX";
    int out = mkstemp(out_path), errfd = mkstemp(err_path);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);

    assert_true(out >= 0 && errfd >= 0 && saved_out >= 0 && saved_err >= 0);
    unlink(out_path);
    unlink(err_path);
    fflush(stdout);
    dup2(out, STDOUT_FILENO);
    dup2(errfd, STDERR_FILENO);
    f->status = cli_finish(r, &prog, err);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    slurp(out, f->out, sizeof(f->out));
    slurp(errfd, f->err, sizeof(f->err));
}

static void test_finish_run(void **state)
{
    struct finished f;

    (void)state;
    usage_calls = 0;
    finish(CLI_RUN, "not shown", &f);
    assert_int_equal(f.status, -1); /* go on */
    assert_string_equal(f.out, "");
    assert_string_equal(f.err, "");
    assert_int_equal(usage_calls, 0);
}

static void test_finish_help(void **state)
{
    struct finished f;

    (void)state;
    usage_calls = 0;
    finish(CLI_HELP, "not shown", &f);
    assert_int_equal(f.status, 0);
    assert_int_equal(usage_calls, 1);
    assert_ptr_equal(usage_stream, stdout);
    assert_string_equal(f.out, "Usage: prog [X]\nthe help text\n");
    assert_string_equal(f.err, "");
}

static void test_finish_version(void **state)
{
    struct finished f;

    (void)state;
    usage_calls = 0;
    finish(CLI_VERSION, "not shown", &f);
    assert_int_equal(f.status, 0);
    assert_string_equal(f.out, "prog (tcpecho) " TCPECHO_VERSION "\n");
    assert_string_equal(f.err, "");
    assert_int_equal(usage_calls, 0);
}

/* A usage error: the reason as a log line, then the one-line usage, both on stderr; exit 2. */
static void test_finish_usage(void **state)
{
    struct finished f;

    (void)state;
    log_init("prog", LOG_QUIET); /* errors show even when quiet */
    usage_calls = 0;
    finish(CLI_USAGE, "unknown option '-x'", &f);
    assert_int_equal(f.status, 2);
    assert_string_equal(f.out, "");
    assert_string_equal(f.err, "prog: unknown option '-x'\n"
                               "Usage: prog [OPTIONS] X  (--help for details)\n");
    assert_int_equal(usage_calls, 0);
    log_init("test_cli", LOG_NORMAL);
}

/* ---- cli_number ---- */

static void test_number_ok(void **state)
{
    char err[CLI_ERR_LEN] = "";
    long long v = 99;

    (void)state;
    assert_int_equal(cli_number("--n", "0", 0, 10, &v, err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cli_number("--n", "10", 0, 10, &v, err), 0);
    assert_int_equal(v, 10);
    assert_int_equal(cli_number("--n", "-3", -5, 5, &v, err), 0);
    assert_int_equal(v, -3);
    assert_string_equal(err, "");
}

/* The reason names the option as the user wrote it. */
static void test_number_refused(void **state)
{
    char err[CLI_ERR_LEN];
    long long v = 99;

    (void)state;
    assert_int_equal(cli_number("--backlog", "-5", 0, 65535, &v, err), -1);
    assert_string_equal(err, "--backlog: -5 is out of range 0-65535");
    assert_int_equal(cli_number("--backlog", "65536", 0, 65535, &v, err), -1);
    assert_string_equal(err, "--backlog: 65536 is out of range 0-65535");
    assert_int_equal(cli_number("--backlog", "many", 0, 65535, &v, err), -1);
    assert_string_equal(err, "--backlog: 'many' is not a number");
    assert_int_equal(cli_number("--backlog", "", 0, 65535, &v, err), -1);
    assert_non_null(strstr(err, "--backlog: "));
    assert_int_equal(v, 99);
}

/* ---- cli_option_error ---- */

static const struct option long_options[] = {
    {"alpha", no_argument, NULL, 'a'},
    {"bee", required_argument, NULL, 'b'},
    {"long-only", required_argument, NULL, 256},
    {NULL, 0, NULL, 0},
};

/* Runs getopt_long over args (NULL-terminated) until it fails, and explains the failure. */
static void explain(const char *const *args, char *err)
{
    char *argv[8] = {"prog"};
    int argc = 1, opt;

    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    optind = 0;
    opterr = 0;
    strcpy(err, "untouched");
    while ((opt = getopt_long(argc, argv, "+:ab:", long_options, NULL)) != -1)
        if (opt == '?' || opt == ':') {
            cli_option_error(opt, argv, err, CLI_ERR_LEN);
            return;
        }
}

static void check_explained(const char *const *args, const char *want)
{
    char err[CLI_ERR_LEN];

    explain(args, err);
    assert_string_equal(err, want);
}

static void test_option_unknown(void **state)
{
    (void)state;
    check_explained((const char *const[]){"-x", NULL}, "unknown option '-x'");
    check_explained((const char *const[]){"--nope", NULL}, "unknown option '--nope'");
    /* Inside a group, getopt has not moved past the argument yet. */
    check_explained((const char *const[]){"-ax", NULL}, "unknown option '-x'");
    check_explained((const char *const[]){"-a", "-b", "1", "-y", NULL}, "unknown option '-y'");
    /* getopt's optopt is a signed char: a byte above 0x7f comes back negative. */
    check_explained((const char *const[]){"-\xff", NULL}, "unknown option '-\\xff'");
}

static void test_option_needs_value(void **state)
{
    (void)state;
    check_explained((const char *const[]){"-b", NULL}, "option '-b' needs a value");
    check_explained((const char *const[]){"-ab", NULL}, "option '-b' needs a value");
    check_explained((const char *const[]){"--bee", NULL}, "option '--bee' needs a value");
    check_explained((const char *const[]){"--long-only", NULL},
                    "option '--long-only' needs a value");
}

/* The argument is quoted at most 60 bytes long: the message stays one short line. */
static void test_option_long_name_cut(void **state)
{
    char name[200] = "--";
    char err[CLI_ERR_LEN];

    (void)state;
    memset(name + 2, 'z', 150);
    name[152] = '\0';
    explain((const char *const[]){name, NULL}, err);
    assert_int_equal(strlen(err), strlen("unknown option ''") + 60);
    assert_true(strncmp(err, "unknown option '--zzz", 21) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finish_run),
        cmocka_unit_test(test_finish_help),
        cmocka_unit_test(test_finish_version),
        cmocka_unit_test(test_finish_usage),
        cmocka_unit_test(test_number_ok),
        cmocka_unit_test(test_number_refused),
        cmocka_unit_test(test_option_unknown),
        cmocka_unit_test(test_option_needs_value),
        cmocka_unit_test(test_option_long_name_cut),
    };

    log_init("test_cli", LOG_NORMAL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
