/* Unit tests for src/service.c: inetd's simple services (discard, chargen, daytime, time) over
 * TCP, and every service answering one datagram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/service.h"

/* Concatenates a reply's segments into buf (cap bytes). Returns the length. */
static size_t flatten(const struct iovec *iov, int cnt, char *buf, size_t cap)
{
    size_t n = 0;

    for (int i = 0; i < cnt; i++) {
        assert_true(n + iov[i].iov_len <= cap);
        memcpy(buf + n, iov[i].iov_base, iov[i].iov_len);
        n += iov[i].iov_len;
    }
    return n;
}

/* Checks that text holds whole RFC 864 lines, each starting one character after the one
 * before (wrapping from '~' to ' '), the first at *first; moves *first past the last line. */
static void expect_chargen_lines(const char *text, size_t len, int *first)
{
    assert_int_equal(len % SERVICE_CHARGEN_LINE, 0);
    for (size_t at = 0; at < len; at += SERVICE_CHARGEN_LINE) {
        for (int c = 0; c < SERVICE_CHARGEN_COLS; c++)
            assert_int_equal(text[at + (size_t)c], ' ' + (*first + c) % 95);
        assert_memory_equal(text + at + SERVICE_CHARGEN_COLS, "\r\n", 2);
        *first = (*first + 1) % 95;
    }
}

static void test_discard_tcp(void **state)
{
    struct service_config cfg = {.kind = SERVICE_DISCARD};
    struct service_reply r;
    struct session s;

    (void)state;
    service_session_init(&s, &cfg);
    service_on_open(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 0);
    assert_int_equal(service_on_data(&s, "drop me\n", 8, &r), 8);
    assert_int_equal(r.iovcnt, 0);
    assert_false(service_streams(&s));
    service_on_eof(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_int_equal(r.close, 1);
    service_session_fini(&s);
}

/* chargen streams: 200 replies in a row make one unbroken run of rotating lines, whatever the
 * client sends meanwhile; its end of input ends the session. */
static void test_chargen_tcp_stream(void **state)
{
    struct service_config cfg = {.kind = SERVICE_CHARGEN};
    static char buf[200 * 1024];
    struct service_reply r;
    struct session s;
    size_t n;
    int first = 0;

    (void)state;
    service_session_init(&s, &cfg);
    service_on_open(&s, &r);
    assert_true(service_streams(&s));
    n = flatten(r.iov, r.iovcnt, buf, sizeof(buf));
    assert_true(n > 0);
    for (int i = 0; i < 200; i++) {
        assert_int_equal(service_on_data(&s, "ignored", 7, &r), 7);
        assert_int_equal(r.iovcnt, 0);
        service_on_ready(&s, &r);
        n += flatten(r.iov, r.iovcnt, buf + n, sizeof(buf) - n);
    }
    expect_chargen_lines(buf, n, &first);
    assert_true(n / SERVICE_CHARGEN_LINE > 95); /* wrapped around at least once */
    service_on_eof(&s, &r);
    assert_int_equal(r.close, 1);
    assert_false(service_streams(&s));
    service_on_ready(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    service_session_fini(&s);
}

/* Behind a proxy, chargen waits for the header before it streams. */
static void test_chargen_after_proxy(void **state)
{
    struct service_config cfg = {.kind = SERVICE_CHARGEN, .proxy = 1};
    const char hdr[] = "PROXY TCP4 192.0.2.1 192.0.2.2 5555 19\r\n";
    struct service_reply r;
    struct session s;

    (void)state;
    service_session_init(&s, &cfg);
    service_on_open(&s, &r);
    assert_int_equal(r.iovcnt, 0);
    assert_false(service_streams(&s));
    assert_int_equal(service_on_data(&s, hdr, sizeof(hdr) - 1, &r), sizeof(hdr) - 1);
    assert_true(r.iovcnt > 0);
    assert_true(service_streams(&s));
    service_session_fini(&s);
}

/* daytime: one line, within a second or two of now, then the session closes. */
static void test_daytime_tcp(void **state)
{
    struct service_config cfg = {.kind = SERVICE_DAYTIME};
    struct service_reply r;
    struct session s;
    char line[SERVICE_STAMP_LEN + 1], want[SERVICE_STAMP_LEN];
    time_t before = time(NULL);
    size_t n;

    (void)state;
    service_session_init(&s, &cfg);
    service_on_open(&s, &r);
    n = flatten(r.iov, r.iovcnt, line, sizeof(line) - 1);
    line[n] = '\0';
    assert_int_equal(r.close, 1);
    assert_true(n > 2 && line[n - 2] == '\r' && line[n - 1] == '\n');
    /* The same text as formatting the time just before or just after. */
    if (strcmp(line, (service_daytime(before, want, sizeof(want)), want)) != 0) {
        service_daytime(time(NULL), want, sizeof(want));
        assert_string_equal(line, want);
    }
    service_session_fini(&s);
}

/* time: four bytes, big-endian seconds since 1900, then close; the epoch offset and the wrap. */
static void test_time_bytes(void **state)
{
    struct service_config cfg = {.kind = SERVICE_TIME};
    unsigned char b[4], got[8];
    struct service_reply r;
    struct session s;
    uint32_t v;
    time_t now;

    (void)state;
    service_time(0, b); /* 1970-01-01: 2208988800 = 0x83aa7e80 */
    assert_memory_equal(b, "\x83\xaa\x7e\x80", 4);
    service_time((time_t)2085978496, b); /* 2036-02-07 06:28:16 UTC: the 32-bit value wraps */
    assert_memory_equal(b, "\0\0\0\0", 4);
    service_session_init(&s, &cfg);
    now = time(NULL);
    service_on_open(&s, &r);
    assert_int_equal(flatten(r.iov, r.iovcnt, (char *)got, sizeof(got)), 4);
    assert_int_equal(r.close, 1);
    v = (uint32_t)got[0] << 24 | (uint32_t)got[1] << 16 | (uint32_t)got[2] << 8 | got[3];
    assert_true(v - (uint32_t)((unsigned long long)now + SERVICE_TIME_OFFSET) <= 2);
    service_session_fini(&s);
}

/* Echo answers a datagram with itself, uncopied, the empty one too. */
static void test_dgram_echo(void **state)
{
    struct service_config cfg = {.kind = SERVICE_ECHO};
    struct service_dgram d = {0};
    char in[65507];

    (void)state;
    memset(in, 'x', sizeof(in));
    assert_int_equal(service_datagram(&cfg, &d, in, sizeof(in)), 1);
    assert_int_equal(d.len, sizeof(in));
    assert_int_equal(d.iovcnt, 1);
    assert_ptr_equal(d.iov[0].iov_base, in);
    assert_int_equal(service_datagram(&cfg, &d, in, 0), 1);
    assert_int_equal(d.len, 0);
}

/* chargen over UDP: whole lines, at most 512 bytes, each reply going on where the last
 * stopped; discard answers nothing; line has no datagram form. */
static void test_dgram_chargen_discard(void **state)
{
    struct service_config cfg = {.kind = SERVICE_CHARGEN};
    struct service_dgram d = {0};
    char buf[SERVICE_DGRAM_REPLY_MAX];
    int first = 0;

    (void)state;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(service_datagram(&cfg, &d, "", 0), 1);
        assert_true(d.len > 0 && d.len <= SERVICE_DGRAM_REPLY_MAX);
        assert_int_equal(flatten(d.iov, d.iovcnt, buf, sizeof(buf)), d.len);
        expect_chargen_lines(buf, d.len, &first);
    }
    cfg.kind = SERVICE_DISCARD;
    assert_int_equal(service_datagram(&cfg, &d, "x", 1), 0);
    assert_true(service_has_dgram(SERVICE_ECHO));
    assert_false(service_has_dgram(SERVICE_LINE));
}

/* hello, daytime and time over UDP: small answers, whatever the request's size. */
static void test_dgram_small_answers(void **state)
{
    struct service_config cfg = {.kind = SERVICE_HELLO, .greeting = "Hello World!"};
    struct service_dgram d = {0};
    char buf[SERVICE_DGRAM_REPLY_MAX], big[600];

    (void)state;
    assert_int_equal(service_datagram(&cfg, &d, "", 0), 1);
    assert_int_equal(flatten(d.iov, d.iovcnt, buf, sizeof(buf)), 13);
    assert_memory_equal(buf, "Hello World!\n", 13);
    memset(big, 'g', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cfg.greeting = big; /* the option parser refuses it; the service still keeps the bound */
    assert_int_equal(service_datagram(&cfg, &d, "", 0), 1);
    assert_int_equal(d.len, SERVICE_DGRAM_REPLY_MAX);
    cfg.kind = SERVICE_DAYTIME;
    assert_int_equal(service_datagram(&cfg, &d, "?", 1), 1);
    assert_true(d.len > 20 && d.len < SERVICE_STAMP_LEN);
    cfg.kind = SERVICE_TIME;
    assert_int_equal(service_datagram(&cfg, &d, "", 0), 1);
    assert_int_equal(d.len, 4);
}

static void test_names(void **state)
{
    static const char *const names[] = {"discard", "chargen", "daytime", "time"};
    enum service_kind k;

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(service_parse(names[i], &k), 0);
        assert_string_equal(service_name(k), names[i]);
        assert_non_null(strstr(SERVICE_NAMES, names[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discard_tcp),
        cmocka_unit_test(test_chargen_tcp_stream),
        cmocka_unit_test(test_chargen_after_proxy),
        cmocka_unit_test(test_daytime_tcp),
        cmocka_unit_test(test_time_bytes),
        cmocka_unit_test(test_dgram_echo),
        cmocka_unit_test(test_dgram_chargen_discard),
        cmocka_unit_test(test_dgram_small_answers),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
