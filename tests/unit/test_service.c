/* Unit tests for src/service.c: the echo, line and hello sessions, driven directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/service.h"

#define OUT_MAX (64 * 1024)

/* Everything a session sent back, concatenated, and how it ended. */
struct out {
    char buf[OUT_MAX];
    size_t len;
    int close;        /* some reply asked to close */
    const char *note; /* the note of the reply that closed */
    int calls;        /* service_on_data() calls made */
    char log[1024];   /* the log lines the replies asked for, one per line */
};

static void out_reset(struct out *o)
{
    o->len = 0;
    o->close = 0;
    o->note = NULL;
    o->calls = 0;
    o->log[0] = '\0';
}

/* Appends a reply's segments to o. */
static void collect(struct out *o, const struct service_reply *r)
{
    assert_true(r->iovcnt >= 0 && r->iovcnt <= SERVICE_IOV_MAX);
    for (int i = 0; i < r->iovcnt; i++) {
        assert_non_null(r->iov[i].iov_base);
        assert_true(o->len + r->iov[i].iov_len <= OUT_MAX);
        memcpy(o->buf + o->len, r->iov[i].iov_base, r->iov[i].iov_len);
        o->len += r->iov[i].iov_len;
    }
    if (r->log[0]) {
        assert_true(strlen(o->log) + strlen(r->log) + 2 <= sizeof(o->log));
        strcat(o->log, r->log);
        strcat(o->log, "\n");
    }
    if (r->close) {
        assert_false(o->close); /* a session closes once */
        o->close = 1;
        o->note = r->note;
    } else {
        assert_null(r->note);
    }
}

/* Feeds len bytes the way a model does: write the reply, call again with the rest. */
static void feed(struct session *s, const char *in, size_t len, struct out *o)
{
    struct service_reply r;
    size_t off = 0, used;

    do {
        used = service_on_data(s, in + off, len - off, &r);
        o->calls++;
        assert_true(used <= len - off);
        /* Progress on every call, or the model would spin. */
        assert_true(used > 0 || len - off == 0);
        collect(o, &r);
        off += used;
    } while (off < len);
}

static void feed_str(struct session *s, const char *in, struct out *o)
{
    feed(s, in, strlen(in), o);
}

static void eof(struct session *s, struct out *o)
{
    struct service_reply r;

    service_on_eof(s, &r);
    collect(o, &r);
}

static void expect_out(const struct out *o, const char *want, int want_close)
{
    assert_int_equal(o->len, strlen(want));
    assert_memory_equal(o->buf, want, o->len);
    assert_int_equal(o->close, want_close);
}

static const struct service_config echo_cfg = {SERVICE_ECHO, SERVICE_MAX_LINE_DEFAULT,
                                               SERVICE_GREETING_DEFAULT, 0};
static const struct service_config line_cfg = {SERVICE_LINE, SERVICE_MAX_LINE_DEFAULT,
                                               SERVICE_GREETING_DEFAULT, 0};
static const struct service_config hello_cfg = {SERVICE_HELLO, SERVICE_MAX_LINE_DEFAULT,
                                                SERVICE_GREETING_DEFAULT, 0};
/* A small limit so that limit tests stay readable. */
static const struct service_config line10_cfg = {SERVICE_LINE, 10, SERVICE_GREETING_DEFAULT, 0};

/* Runs one line session on in (as one chunk), then EOF if at_eof; checks the output. */
static void line_case(const struct service_config *cfg, const char *in, const char *want,
                      int want_close, int at_eof)
{
    struct session s;
    struct out *o = malloc(sizeof(*o));

    assert_non_null(o);
    out_reset(o);
    service_session_init(&s, cfg);
    feed_str(&s, in, o);
    if (at_eof)
        eof(&s, o);
    expect_out(o, want, want_close);
    service_session_fini(&s);
    free(o);
}

/* ---- echo ---- */

static void test_echo_no_copy(void **state)
{
    static const char in[] = "ab\0cd\xff\n\r";
    struct service_reply r;
    struct session s;
    size_t used;

    (void)state;
    service_session_init(&s, &echo_cfg);
    used = service_on_data(&s, in, sizeof(in), &r);
    assert_int_equal(used, sizeof(in));
    assert_int_equal(r.iovcnt, 1);
    assert_ptr_equal(r.iov[0].iov_base, in);
    assert_int_equal(r.iov[0].iov_len, sizeof(in));
    assert_int_equal(r.close, 0);
    assert_null(r.note);
    service_session_fini(&s);
}

static void test_echo_session(void **state)
{
    struct service_reply r;
    struct session s;
    char big[20000];

    (void)state;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    service_session_init(&s, &echo_cfg);
    service_on_open(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);

    /* Lines and quit mean nothing to echo. */
    assert_int_equal(service_on_data(&s, "quit\n", 5, &r), 5);
    assert_int_equal(r.iovcnt, 1);
    assert_int_equal(r.close, 0);

    assert_int_equal(service_on_data(&s, big, sizeof(big), &r), sizeof(big));
    assert_int_equal(r.iovcnt, 1);
    assert_ptr_equal(r.iov[0].iov_base, big);
    assert_int_equal(r.iov[0].iov_len, sizeof(big));

    assert_int_equal(service_on_data(&s, big, 0, &r), 0);
    assert_int_equal(r.iovcnt, 0);

    service_on_eof(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 1);

    /* Closed: input is swallowed, nothing is sent. */
    assert_int_equal(service_on_data(&s, "late", 4, &r), 4);
    assert_int_equal(r.iovcnt, 0);
    service_session_fini(&s);
}

/* ---- line ---- */

static void test_line_simple(void **state)
{
    static const char in[] = "hi\n";
    struct service_reply r;
    struct session s;
    struct out o;

    (void)state;
    service_session_init(&s, &line_cfg);
    service_on_open(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);
    /* A whole line is echoed from the input itself. */
    assert_int_equal(service_on_data(&s, in, 3, &r), 3);
    assert_true(r.iovcnt >= 1);
    assert_ptr_equal(r.iov[0].iov_base, in);
    out_reset(&o);
    collect(&o, &r);
    expect_out(&o, "hi\n", 0);
    service_session_fini(&s);
}

static void test_line_crlf(void **state)
{
    (void)state;
    line_case(&line_cfg, "hi\r\n", "hi\n", 0, 0);
    line_case(&line_cfg, "\r\n", "\n", 0, 0);
    line_case(&line_cfg, "\n", "\n", 0, 0);
    /* Only the CR just before the newline goes. */
    line_case(&line_cfg, "a\rb\n", "a\rb\n", 0, 0);
    line_case(&line_cfg, "a\r\r\n", "a\r\n", 0, 0);
    line_case(&line_cfg, "\ra\n", "\ra\n", 0, 0);
}

static void test_line_binary(void **state)
{
    static const char in[] = {'a', '\0', 'b', '\n', '\0', '\n', '\xff', '\r', '\n'};
    static const char want[] = {'a', '\0', 'b', '\n', '\0', '\n', '\xff', '\n'};
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &line_cfg);
    feed(&s, in, sizeof(in), &o);
    assert_int_equal(o.len, sizeof(want));
    assert_memory_equal(o.buf, want, sizeof(want));
    assert_int_equal(o.close, 0);
    service_session_fini(&s);
}

static void test_line_multiple_lines(void **state)
{
    (void)state;
    line_case(&line_cfg, "one\ntwo\r\nthree\n", "one\ntwo\nthree\n", 0, 0);
    line_case(&line_cfg, "\n\n\n", "\n\n\n", 0, 0);
    line_case(&line_cfg, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n",
              0, 0);
}

static void test_line_partial_then_more_lines(void **state)
{
    struct service_reply r;
    struct session s;
    struct out o;
    size_t used;

    (void)state;
    service_session_init(&s, &line_cfg);
    assert_int_equal(service_on_data(&s, "ab", 2, &r), 2);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);
    /* The reply points into the kept bytes: the session stops after that line, and the
     * caller comes back for the rest. */
    used = service_on_data(&s, "c\nd\ne\n", 6, &r);
    assert_int_equal(used, 2);
    out_reset(&o);
    collect(&o, &r);
    expect_out(&o, "abc\n", 0);
    feed_str(&s, "d\ne\n", &o);
    expect_out(&o, "abc\nd\ne\n", 0);
    service_session_fini(&s);
}

/* Feeds in cut at the given points (sorted, each <= len) and returns the output. */
static void feed_cut(const struct service_config *cfg, const char *in, size_t len,
                     const size_t *cuts, int ncuts, int at_eof, struct out *o)
{
    struct session s;
    size_t from = 0;

    out_reset(o);
    service_session_init(&s, cfg);
    for (int i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        feed(&s, in + from, to - from, o);
        from = to;
    }
    if (at_eof)
        eof(&s, o);
    service_session_fini(&s);
}

/* The output for in must not depend on how reads cut it: every split point in two and in
 * three, and one byte at a time, give what one chunk gives. */
static void check_split_invariant(const struct service_config *cfg, const char *in,
                                  const char *want, int want_close, int at_eof)
{
    size_t len = strlen(in), cuts[2];
    struct out *o = malloc(sizeof(*o));
    size_t *each = malloc((len + 1) * sizeof(*each));

    assert_non_null(o);
    assert_non_null(each);
    feed_cut(cfg, in, len, NULL, 0, at_eof, o);
    expect_out(o, want, want_close);
    for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
        feed_cut(cfg, in, len, cuts, 1, at_eof, o);
        expect_out(o, want, want_close);
        for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
            feed_cut(cfg, in, len, cuts, 2, at_eof, o);
            expect_out(o, want, want_close);
        }
    }
    for (size_t i = 0; i < len; i++)
        each[i] = i + 1;
    feed_cut(cfg, in, len, each, (int)len, at_eof, o);
    expect_out(o, want, want_close);
    free(each);
    free(o);
}

static void test_line_split_everywhere(void **state)
{
    (void)state;
    check_split_invariant(&line_cfg, "hello\r\nworld\n\r\nab\rc\n", "hello\nworld\n\nab\rc\n", 0,
                          0);
    check_split_invariant(&line_cfg, "x\r\n\r\n\n", "x\n\n\n", 0, 0);
    /* Exactly max_line bytes with a CRLF: split between CR and LF, the kept bytes reach
     * max_line + 1 and must still be accepted. */
    check_split_invariant(&line10_cfg, "0123456789\r\nabc\n", "0123456789\nabc\n", 0, 0);
    check_split_invariant(&line10_cfg, "0123456789\n", "0123456789\n", 0, 0);
    /* A quit in the middle: what follows it is never echoed. */
    check_split_invariant(&line_cfg, "a\r\nquit\r\nb\n", "a\n", 1, 0);
    /* A final line without a newline, flushed at EOF. */
    check_split_invariant(&line_cfg, "a\nbc\r", "a\nbc\n", 1, 1);
    /* Too long, however it arrives. */
    check_split_invariant(&line10_cfg, "ok\n0123456789A\nlater\n", "ok\nerror: line too long\n", 1,
                          0);
}

static void check_quit(const char *const *chunks, int n)
{
    struct session s;
    struct out o;

    out_reset(&o);
    service_session_init(&s, &line_cfg);
    for (int i = 0; i < n; i++)
        feed_str(&s, chunks[i], &o);
    expect_out(&o, "", 1);
    assert_non_null(o.note);
    assert_string_equal(o.note, "client said quit");
    service_session_fini(&s);
}

static void test_line_quit(void **state)
{
    static const char *const exit_lf[] = {"exit\n"};
    static const char *const quit_lf[] = {"quit\n"};
    static const char *const quit_crlf[] = {"quit\r\n"};
    static const char *const quit_split[] = {"qu", "it\n"};
    static const char *const quit_split_cr[] = {"quit\r", "\n"};
    static const char *const quit_split_nl[] = {"quit", "\n"};
    static const char *const exit_bytes[] = {"e", "x", "i", "t", "\r", "\n"};

    (void)state;
    check_quit(exit_lf, 1);
    check_quit(quit_lf, 1);
    check_quit(quit_crlf, 1);
    check_quit(quit_split, 2);
    check_quit(quit_split_cr, 2);
    check_quit(quit_split_nl, 2);
    check_quit(exit_bytes, 6);
}

static void test_line_quit_lookalikes(void **state)
{
    (void)state;
    line_case(&line_cfg, "quitx\n", "quitx\n", 0, 0);
    line_case(&line_cfg, "xquit\n", "xquit\n", 0, 0);
    line_case(&line_cfg, "qui\n", "qui\n", 0, 0);
    line_case(&line_cfg, "QUIT\n", "QUIT\n", 0, 0);
    line_case(&line_cfg, "quit \n", "quit \n", 0, 0);
    line_case(&line_cfg, " exit\n", " exit\n", 0, 0);
    line_case(&line_cfg, "exit\r\r\n", "exit\r\n", 0, 0);
    line_case(&line_cfg, "exits\n", "exits\n", 0, 0);
    check_split_invariant(&line_cfg, "quitx\nqui\n", "quitx\nqui\n", 0, 0);
}

static void test_line_text_after_quit_ignored(void **state)
{
    struct service_reply r;
    struct session s;
    struct out o;

    (void)state;
    service_session_init(&s, &line_cfg);
    /* The call that closes takes the whole chunk: the rest is never looked at. */
    assert_int_equal(service_on_data(&s, "hello\nquit\nafter\n", 17, &r), 17);
    out_reset(&o);
    collect(&o, &r);
    expect_out(&o, "hello\n", 1);
    assert_string_equal(o.note, "client said quit");
    /* Closed: later data is taken whole and answered with nothing. */
    assert_int_equal(service_on_data(&s, "more\n", 5, &r), 5);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);
    assert_int_equal(service_on_data(&s, "partial", 7, &r), 7);
    assert_int_equal(r.iovcnt, 0);
    service_on_eof(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    service_session_fini(&s);
}

static void test_line_max_line_exact(void **state)
{
    char line[SERVICE_MAX_LINE_DEFAULT + 3], *want;
    size_t cut = 4000;
    struct out *o;

    (void)state;
    line_case(&line10_cfg, "0123456789\n", "0123456789\n", 0, 0);
    line_case(&line10_cfg, "0123456789\r\n", "0123456789\n", 0, 0);
    check_split_invariant(&line10_cfg, "0123456789\n0123456789\r\n", "0123456789\n0123456789\n", 0,
                          0);

    /* The default limit too: 8192 bytes pass, with LF or CRLF. */
    memset(line, 'z', SERVICE_MAX_LINE_DEFAULT);
    strcpy(line + SERVICE_MAX_LINE_DEFAULT, "\n");
    line_case(&line_cfg, line, line, 0, 0);
    /* And with CRLF, arriving in two reads. */
    strcpy(line + SERVICE_MAX_LINE_DEFAULT, "\r\n");
    want = malloc(SERVICE_MAX_LINE_DEFAULT + 2);
    o = malloc(sizeof(*o));
    assert_non_null(want);
    assert_non_null(o);
    feed_cut(&line_cfg, line, strlen(line), &cut, 1, 0, o);
    memcpy(want, line, SERVICE_MAX_LINE_DEFAULT);
    strcpy(want + SERVICE_MAX_LINE_DEFAULT, "\n");
    expect_out(o, want, 0);
    free(want);
    free(o);
}

static void expect_too_long(const struct out *o, const char *before)
{
    char want[256];

    snprintf(want, sizeof(want), "%serror: line too long\n", before);
    expect_out(o, want, 1);
    assert_non_null(o->note);
    assert_string_equal(o->note, "line too long");
}

static void test_line_too_long(void **state)
{
    char line[SERVICE_MAX_LINE_DEFAULT + 3];
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    feed_str(&s, "0123456789A\n", &o);
    expect_too_long(&o, "");
    service_session_fini(&s);

    /* A CR does not buy an extra byte of content. */
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    feed_str(&s, "ok\r\n0123456789A\r\nnext\n", &o);
    expect_too_long(&o, "ok\n");
    service_session_fini(&s);

    /* max_line + 1 bytes kept, then the newline: too long. */
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    feed_str(&s, "0123456789A", &o);
    expect_out(&o, "", 0);
    feed_str(&s, "\n", &o);
    expect_too_long(&o, "");
    service_session_fini(&s);

    /* The default limit: 8193 bytes are refused. */
    memset(line, 'z', SERVICE_MAX_LINE_DEFAULT + 1);
    strcpy(line + SERVICE_MAX_LINE_DEFAULT + 1, "\n");
    out_reset(&o);
    service_session_init(&s, &line_cfg);
    feed_str(&s, line, &o);
    expect_too_long(&o, "");
    service_session_fini(&s);
}

static void test_line_too_long_before_newline(void **state)
{
    struct session s;
    struct out o;
    char c = 'x';

    (void)state;
    /* One byte at a time: max_line + 1 bytes are kept quietly (the last may be the CR of
     * a max_line line); the next one is refused at once, without waiting for a newline. */
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    for (size_t i = 0; i < line10_cfg.max_line + 1; i++) {
        feed(&s, &c, 1, &o);
        expect_out(&o, "", 0);
    }
    feed(&s, &c, 1, &o);
    expect_too_long(&o, "");
    service_session_fini(&s);

    /* In chunks. */
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    feed_str(&s, "012345", &o);
    feed_str(&s, "6789A", &o);
    expect_out(&o, "", 0);
    feed_str(&s, "BC", &o);
    expect_too_long(&o, "");
    service_session_fini(&s);

    /* In one chunk with no newline at all. */
    out_reset(&o);
    service_session_init(&s, &line10_cfg);
    feed_str(&s, "a\n0123456789AB", &o);
    expect_too_long(&o, "a\n");
    service_session_fini(&s);
}

static void test_line_eof_flush(void **state)
{
    size_t cut = 2;
    struct out o;

    (void)state;
    line_case(&line_cfg, "abc", "abc\n", 1, 1);
    line_case(&line_cfg, "abc\r", "abc\n", 1, 1);
    line_case(&line_cfg, "one\ntwo", "one\ntwo\n", 1, 1);
    line_case(&line_cfg, "done\n", "done\n", 1, 1);
    line_case(&line_cfg, "", "", 1, 1);
    line_case(&line10_cfg, "0123456789A", "error: line too long\n", 1, 1);
    line_case(&line10_cfg, "0123456789\r", "0123456789\n", 1, 1);

    /* A final "quit" with no newline still quits, even when it came in two reads. */
    feed_cut(&line_cfg, "quit", 4, &cut, 1, 1, &o);
    expect_out(&o, "", 1);
    assert_non_null(o.note);
    assert_string_equal(o.note, "client said quit");
}

static void test_line_eof_note(void **state)
{
    struct service_reply r;
    struct session s;

    (void)state;
    service_session_init(&s, &line_cfg);
    service_on_eof(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 1);
    assert_null(r.note);
    service_session_fini(&s);
}

static void test_line_1000_lines(void **state)
{
    size_t cap = 1000 * 16, len = 0, wlen = 0;
    char *in = malloc(cap), *want = malloc(cap);
    struct out *o = malloc(sizeof(*o));
    struct session s;

    (void)state;
    assert_non_null(in);
    assert_non_null(want);
    assert_non_null(o);
    for (int i = 0; i < 1000; i++) {
        len += (size_t)snprintf(in + len, cap - len, i % 3 ? "line %d\n" : "line %d\r\n", i);
        wlen += (size_t)snprintf(want + wlen, cap - wlen, "line %d\n", i);
    }
    out_reset(o);
    service_session_init(&s, &line_cfg);
    feed(&s, in, len, o);
    assert_int_equal(o->len, wlen);
    assert_memory_equal(o->buf, want, wlen);
    assert_int_equal(o->close, 0);
    /* A reply holds SERVICE_IOV_MAX segments: 1000 lines need many calls. */
    assert_true(o->calls >= 1000 * 2 / SERVICE_IOV_MAX);
    service_session_fini(&s);
    free(in);
    free(want);
    free(o);
}

static void test_line_session_reuse_after_partial(void **state)
{
    struct session s;
    struct out o;

    (void)state;
    /* A session closed with a kept partial line frees it in service_session_fini (ASan checks). */
    out_reset(&o);
    service_session_init(&s, &line_cfg);
    feed_str(&s, "a half line", &o);
    expect_out(&o, "", 0);
    service_session_fini(&s);
    assert_null(s.partial);
    assert_int_equal(s.partial_len, 0);
    service_session_fini(&s); /* twice is harmless */
}

/* ---- hello ---- */

static void test_hello_default(void **state)
{
    struct service_reply r;
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &hello_cfg);
    service_on_open(&s, &r);
    collect(&o, &r);
    expect_out(&o, "Hello World!\n", 1);
    /* Whatever the client sends afterwards is ignored. */
    assert_int_equal(service_on_data(&s, "hi\n", 3, &r), 3);
    assert_int_equal(r.iovcnt, 0);
    service_on_eof(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    service_session_fini(&s);
}

static void test_hello_custom(void **state)
{
    static const struct service_config custom = {SERVICE_HELLO, 10, "Welcome to tcpecho", 0};
    static const struct service_config empty = {SERVICE_HELLO, 10, "", 0};
    struct service_reply r;
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &custom);
    service_on_open(&s, &r);
    collect(&o, &r);
    expect_out(&o, "Welcome to tcpecho\n", 1);
    assert_ptr_equal(r.iov[0].iov_base, custom.greeting);
    service_session_fini(&s);

    out_reset(&o);
    service_session_init(&s, &empty);
    service_on_open(&s, &r);
    collect(&o, &r);
    expect_out(&o, "\n", 1);
    service_session_fini(&s);
}

static void test_hello_data_before_open_ignored(void **state)
{
    struct service_reply r;
    struct session s;

    (void)state;
    service_session_init(&s, &hello_cfg);
    assert_int_equal(service_on_data(&s, "x", 1, &r), 1);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);
    service_session_fini(&s);
}

/* ---- names ---- */

static void test_service_names(void **state)
{
    static const enum service_kind kinds[] = {SERVICE_ECHO, SERVICE_LINE, SERVICE_HELLO};
    static const char *const names[] = {"echo", "line", "hello"};
    enum service_kind k;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(service_name(kinds[i]), names[i]);
        k = (enum service_kind)99;
        assert_int_equal(service_parse(names[i], &k), 0);
        assert_int_equal(k, kinds[i]);
        assert_int_equal(service_parse(service_name(kinds[i]), &k), 0);
        assert_int_equal(k, kinds[i]);
    }
    k = SERVICE_HELLO;
    assert_int_equal(service_parse("bogus", &k), -1);
    assert_int_equal(service_parse("", &k), -1);
    assert_int_equal(service_parse("ECHO", &k), -1);
    assert_int_equal(service_parse("echo ", &k), -1);
    assert_int_equal(service_parse("lin", &k), -1);
    assert_int_equal(k, SERVICE_HELLO);
}

/* ---- PROXY protocol in front of a service ---- */

static const struct service_config echo_proxy_cfg = {SERVICE_ECHO, SERVICE_MAX_LINE_DEFAULT,
                                                     SERVICE_GREETING_DEFAULT, 1};
static const struct service_config line_proxy_cfg = {SERVICE_LINE, SERVICE_MAX_LINE_DEFAULT,
                                                     SERVICE_GREETING_DEFAULT, 1};
static const struct service_config hello_proxy_cfg = {SERVICE_HELLO, SERVICE_MAX_LINE_DEFAULT,
                                                      SERVICE_GREETING_DEFAULT, 1};

static const char v1_header[] = "PROXY TCP4 203.0.113.7 192.0.2.1 5555 7\r\n";
static const char v1_said[] = "is 203.0.113.7:5555 (PROXY v1, to 192.0.2.1:7)\n";

/* The v2 signature, PROXY over TCP/IPv4: 198.51.100.9 port 40000 to 192.0.2.1 port 7. */
static const char v2_header[28] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"
                                  "\xc6\x33\x64\x09\xc0\x00\x02\x01\x9c\x40\x00\x07";
static const char v2_said[] = "is 198.51.100.9:40000 (PROXY v2, to 192.0.2.1:7)\n";

/* Feeds header + data split in two at every byte: the header is never echoed, the data
 * always is, whole, and the address is logged once. */
static void proxy_every_split(const struct service_config *cfg, const char *hdr, size_t hlen,
                              const char *said)
{
    static const char data[] = "one\r\ntwo\n";
    char in[256];
    size_t len = hlen + sizeof(data) - 1;
    struct out *o = malloc(sizeof(*o));
    struct session s;

    assert_non_null(o);
    memcpy(in, hdr, hlen);
    memcpy(in + hlen, data, sizeof(data) - 1);
    for (size_t cut = 1; cut < len; cut++) {
        out_reset(o);
        service_session_init(&s, cfg);
        feed(&s, in, cut, o);
        feed(&s, in + cut, len - cut, o);
        eof(&s, o);
        expect_out(o, cfg->kind == SERVICE_LINE ? "one\ntwo\n" : data, 1);
        assert_string_equal(o->log, said);
        service_session_fini(&s);
    }
    free(o);
}

static void test_proxy_v1_every_split(void **state)
{
    (void)state;
    proxy_every_split(&echo_proxy_cfg, v1_header, sizeof(v1_header) - 1, v1_said);
    proxy_every_split(&line_proxy_cfg, v1_header, sizeof(v1_header) - 1, v1_said);
}

static void test_proxy_v2_every_split(void **state)
{
    (void)state;
    proxy_every_split(&echo_proxy_cfg, v2_header, sizeof(v2_header), v2_said);
    proxy_every_split(&line_proxy_cfg, v2_header, sizeof(v2_header), v2_said);
}

/* A client that did not come through the proxy: refused at its first bytes, never echoed,
 * what it sent shown escaped in the log. */
static void test_proxy_missing_header(void **state)
{
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &echo_proxy_cfg);
    feed(&s, "GET / HTTP/1.0\r\n\r\n", 18, &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.note, "bad PROXY header");
    assert_string_equal(o.log, "sent a bad PROXY header: not a PROXY header (first bytes \"GET "
                               "/ HTTP/1.0\\x0d\\x0a\"...)\n");
    service_session_fini(&s);

    out_reset(&o);
    service_session_init(&s, &echo_proxy_cfg);
    feed(&s, "\0\xff\"\\", 4, &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.log, "sent a bad PROXY header: not a PROXY header (first bytes "
                               "\"\\x00\\xff\\x22\\x5c\")\n");
    service_session_fini(&s);
}

/* A header that starts well and goes wrong in a later read is refused then, and the bytes
 * kept from the earlier read are freed (ASan would see the leak). */
static void test_proxy_bad_after_split(void **state)
{
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &echo_proxy_cfg);
    feed_str(&s, "PROXY TCP4 203.0.113.7 ", &o);
    assert_int_equal(o.close, 0);
    feed_str(&s, "192.0.2.1 99999 7\r\nhello\n", &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.note, "bad PROXY header");
    assert_non_null(strstr(o.log, "sent a bad PROXY header: "));
    feed_str(&s, "more\n", &o); /* after the refusal, input is ignored */
    expect_out(&o, "", 1);
    service_session_fini(&s);
}

/* End of input before the header is whole, or before any byte. */
static void test_proxy_eof_before_header(void **state)
{
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &echo_proxy_cfg);
    feed_str(&s, "PROXY TCP4", &o);
    eof(&s, &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.note, "PROXY header cut short");
    service_session_fini(&s);

    out_reset(&o);
    service_session_init(&s, &line_proxy_cfg);
    eof(&s, &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.note, "no PROXY header");
    service_session_fini(&s);
}

/* hello waits for the header, then greets; a LOCAL header (a health check) is logged so. */
static void test_proxy_hello_and_local(void **state)
{
    static const char local[16] = "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
    struct service_reply r;
    struct session s;
    struct out o;

    (void)state;
    out_reset(&o);
    service_session_init(&s, &hello_proxy_cfg);
    service_on_open(&s, &r);
    collect(&o, &r);
    expect_out(&o, "", 0);
    feed(&s, v1_header, sizeof(v1_header) - 1, &o);
    expect_out(&o, "Hello World!\n", 1);
    assert_string_equal(o.log, v1_said);
    service_session_fini(&s);

    out_reset(&o);
    service_session_init(&s, &echo_proxy_cfg);
    feed(&s, local, sizeof(local), &o);
    eof(&s, &o);
    expect_out(&o, "", 1);
    assert_string_equal(o.log, "gave no address (PROXY v2 LOCAL: the proxy's own check)\n");
    service_session_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_no_copy),
        cmocka_unit_test(test_echo_session),
        cmocka_unit_test(test_line_simple),
        cmocka_unit_test(test_line_crlf),
        cmocka_unit_test(test_line_binary),
        cmocka_unit_test(test_line_multiple_lines),
        cmocka_unit_test(test_line_partial_then_more_lines),
        cmocka_unit_test(test_line_split_everywhere),
        cmocka_unit_test(test_line_quit),
        cmocka_unit_test(test_line_quit_lookalikes),
        cmocka_unit_test(test_line_text_after_quit_ignored),
        cmocka_unit_test(test_line_max_line_exact),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_line_too_long_before_newline),
        cmocka_unit_test(test_line_eof_flush),
        cmocka_unit_test(test_line_eof_note),
        cmocka_unit_test(test_line_1000_lines),
        cmocka_unit_test(test_line_session_reuse_after_partial),
        cmocka_unit_test(test_hello_default),
        cmocka_unit_test(test_hello_custom),
        cmocka_unit_test(test_hello_data_before_open_ignored),
        cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_proxy_v1_every_split),
        cmocka_unit_test(test_proxy_v2_every_split),
        cmocka_unit_test(test_proxy_missing_header),
        cmocka_unit_test(test_proxy_bad_after_split),
        cmocka_unit_test(test_proxy_eof_before_header),
        cmocka_unit_test(test_proxy_hello_and_local),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
