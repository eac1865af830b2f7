/* Unit tests for src/log.c: "prog: text" lines on stderr, one write each, filtered by level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/log.h"

/* The longest line log.c writes, newline included: its 1024-byte buffer less the NUL. */
#define LINE_MAX_BYTES 1023
/* Room for every line a case writes, and for what a cut-short line would otherwise be. */
#define CAPTURE_MAX 4096
#define MAX_LINES   8

/* What one case wrote to stderr: each write(2) as its own datagram. */
struct capture {
    int n;                                 /* writes seen */
    size_t len[MAX_LINES];                 /* bytes of each */
    char text[MAX_LINES][CAPTURE_MAX + 1]; /* each, NUL-terminated */
};

/* ---- helpers ---- */

/* Runs fn with stderr on one end of a datagram socket pair, then restores stderr and collects
 * every datagram: each is one write(2), so a line written in two pieces shows as two. */
static void capture(void (*fn)(void), struct capture *out)
{
    int sv[2], saved;
    ssize_t n;

    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(sv[1], STDERR_FILENO), STDERR_FILENO);
    fn();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(sv[1]);
    memset(out, 0, sizeof(*out));
    while ((n = recv(sv[0], out->text[out->n], CAPTURE_MAX, MSG_DONTWAIT)) >= 0) {
        assert_true(out->n < MAX_LINES);
        out->len[out->n++] = (size_t)n;
    }
    assert_int_equal(errno, EAGAIN);
    close(sv[0]);
}

/* One message through each function, in a fixed order. */
static void each_function(void)
{
    log_error("error %d", 1);
    log_notice("notice %d", 2);
    log_info("info %d", 3);
    log_debug("debug %d", 4);
}

/* Checks that level shows exactly the lines named in want, in order. */
static void expect_shown(enum log_level level, const char *const *want, int nwant)
{
    struct capture c;

    log_init("prog", level);
    capture(each_function, &c);
    assert_int_equal(c.n, nwant);
    for (int i = 0; i < nwant; i++) {
        assert_string_equal(c.text[i], want[i]);
        assert_int_equal(c.len[i], strlen(want[i]));
    }
}

static char long_text[3000];
static size_t long_len;

static void log_long(void)
{
    log_error("%.*s", (int)long_len, long_text);
}

/* Logs long_len bytes of text and returns what came out (one line is asserted). */
static const char *log_of_length(size_t len, struct capture *c)
{
    memset(long_text, 'x', sizeof(long_text));
    long_len = len;
    log_init("prog", LOG_NORMAL);
    capture(log_long, c);
    assert_int_equal(c->n, 1);
    return c->text[0];
}

/* ---- cases ---- */

static void log_format(void)
{
    log_info("%s has %d bytes, 100%%", "line", 7);
}

static void test_log_line_format(void **state)
{
    struct capture c;

    (void)state;
    log_init("echo-test", LOG_NORMAL);
    assert_string_equal(log_prog(), "echo-test");
    capture(log_format, &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.text[0], "echo-test: line has 7 bytes, 100%\n");
}

static void test_log_quiet_shows_errors_and_notices(void **state)
{
    static const char *const want[] = {"prog: error 1\n", "prog: notice 2\n"};

    (void)state;
    expect_shown(LOG_QUIET, want, 2);
}

static void test_log_normal_adds_info(void **state)
{
    static const char *const want[] = {"prog: error 1\n", "prog: notice 2\n", "prog: info 3\n"};

    (void)state;
    expect_shown(LOG_NORMAL, want, 3);
}

static void test_log_verbose_adds_debug(void **state)
{
    static const char *const want[] = {"prog: error 1\n", "prog: notice 2\n", "prog: info 3\n",
                                       "prog: debug 4\n"};

    (void)state;
    expect_shown(LOG_VERBOSE, want, 4);
}

/* A text that just fits ("prog: " and the newline included) comes out whole. */
static void test_log_longest_line_whole(void **state)
{
    struct capture c;
    size_t room = LINE_MAX_BYTES - strlen("prog: ") - 1;
    const char *line;

    (void)state;
    line = log_of_length(room, &c);
    assert_int_equal(c.len[0], LINE_MAX_BYTES);
    assert_int_equal(strncmp(line, "prog: ", 6), 0);
    assert_int_equal(strspn(line + 6, "x"), room);
    assert_int_equal(line[LINE_MAX_BYTES - 1], '\n');
}

/* A longer text is cut, still one line ending in a newline, never two writes. */
static void test_log_long_line_cut(void **state)
{
    struct capture c;
    size_t room = LINE_MAX_BYTES - strlen("prog: ") - 1;
    size_t lens[] = {room + 1, sizeof(long_text)};
    const char *line;

    (void)state;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        line = log_of_length(lens[i], &c);
        assert_int_equal(c.len[0], LINE_MAX_BYTES);
        assert_int_equal(strncmp(line, "prog: ", 6), 0);
        assert_int_equal(strspn(line + 6, "x"), room);
        assert_int_equal(line[LINE_MAX_BYTES - 1], '\n');
    }
}

/* A program name longer than the line: the line is cut, not written past its buffer. */
static void test_log_long_prog_name(void **state)
{
    static char prog[2000];
    struct capture c;

    (void)state;
    memset(prog, 'p', sizeof(prog) - 1);
    log_init(prog, LOG_NORMAL);
    capture(log_format, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.len[0], LINE_MAX_BYTES);
    assert_int_equal(strspn(c.text[0], "p"), LINE_MAX_BYTES - 1);
    assert_int_equal(c.text[0][LINE_MAX_BYTES - 1], '\n');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_line_format),
        cmocka_unit_test(test_log_quiet_shows_errors_and_notices),
        cmocka_unit_test(test_log_normal_adds_info),
        cmocka_unit_test(test_log_verbose_adds_debug),
        cmocka_unit_test(test_log_longest_line_whole),
        cmocka_unit_test(test_log_long_line_cut),
        cmocka_unit_test(test_log_long_prog_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
