/* Unit tests for src/proxy.c: PROXY protocol headers, v1 and v2, against the spec's examples;
 * prefixes that must wait, bad headers refused at the byte that shows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/proxy.h"

#define V1(s) (const unsigned char *)(s), sizeof(s) - 1

/* The v2 signature, then the version/command and family bytes of a few headers. */
#define V2_SIG        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
#define V2_PROXY_TCP4 V2_SIG, 0x21, 0x11
#define V2_PROXY_TCP6 V2_SIG, 0x21, 0x21
#define V2_LOCAL      V2_SIG, 0x20, 0x00
#define ADDR4_SRC     203, 0, 113, 7                                             /* 203.0.113.7 */
#define ADDR4_DST     192, 0, 2, 1                                               /* 192.0.2.1 */
#define ADDR6_SRC     0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 /* 2001:db8::1 */
#define ADDR6_DST     0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 /* 2001:db8::2 */
#define PORTS_5555_7  0x15, 0xb3, 0x00, 0x07

/* proxy_parse() on a copy of n bytes in a buffer of exactly n, so that ASan (make asan) sees
 * any read past n. */
static long parse(const void *buf, size_t n, struct proxy_header *h, const char **why)
{
    void *copy = malloc(n ? n : 1);
    long r;

    assert_non_null(copy);
    memcpy(copy, buf, n);
    r = proxy_parse(copy, n, h, why);
    free(copy);
    return r;
}

/* ss holds address text and port (family af), as inet_ntop() and ntohs() read them. */
static void expect_addr(const struct sockaddr_storage *ss, int af, const char *text, unsigned port)
{
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)ss;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    char got[INET6_ADDRSTRLEN];

    assert_int_equal(ss->ss_family, af);
    assert_non_null(
        inet_ntop(af, af == AF_INET ? (const void *)&in4->sin_addr : (const void *)&in6->sin6_addr,
                  got, sizeof(got)));
    assert_string_equal(got, text);
    assert_int_equal(ntohs(af == AF_INET ? in4->sin_port : in6->sin6_port), port);
}

/* A valid header, and what proxy_parse() must make of it. */
struct sample {
    const unsigned char *bytes;
    size_t len; /* the header's */
    int version, local, af;
    const char *src, *dst;
    unsigned sport, dport;
};

/* Parses s whole, then followed by client data: the same header, the data not counted. */
static void expect_sample(const struct sample *s)
{
    unsigned char buf[PROXY_MAX + 8];
    struct proxy_header h;
    const char *why = "untouched";

    memcpy(buf, s->bytes, s->len);
    memcpy(buf + s->len, "GET /\r\n", 7);
    for (size_t extra = 0; extra <= 7; extra += 7) {
        memset(&h, 0xee, sizeof(h));
        assert_int_equal(parse(buf, s->len + extra, &h, &why), (long)s->len);
        assert_string_equal(why, "untouched");
        assert_int_equal(h.version, s->version);
        assert_int_equal(h.local, s->local);
        if (!s->local) {
            expect_addr(&h.src, s->af, s->src, s->sport);
            expect_addr(&h.dst, s->af, s->dst, s->dport);
        }
    }
}

/* Every prefix of s's header, and of the header with data after it, split anywhere, waits
 * for more (0) and leaves h and why alone; from the header's last byte on, its length. */
static void expect_split_everywhere(const struct sample *s)
{
    unsigned char buf[PROXY_MAX + 8];
    struct proxy_header h, untouched;
    const char *why = "untouched";

    memcpy(buf, s->bytes, s->len);
    memcpy(buf + s->len, "PROXY\r\n", 7);
    memset(&untouched, 0x5a, sizeof(untouched));
    for (size_t k = 0; k <= s->len + 7; k++) {
        h = untouched;
        if (k < s->len) {
            assert_int_equal(parse(buf, k, &h, &why), 0);
            assert_memory_equal(&h, &untouched, sizeof(h));
        } else {
            assert_int_equal(parse(buf, k, &h, &why), (long)s->len);
        }
        assert_string_equal(why, "untouched");
    }
}

/* ---- v1 ---- */

static const struct sample v1_samples[] = {
    /* The spec's example, section 2.1. */
    {V1("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), 1, 0, AF_INET, "192.168.0.1",
     "192.168.0.11", 56324, 443},
    /* The spec's longest TCP6 line (104 bytes): "optional fields set to 0xff". */
    {V1("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
     1, 0, AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 65535},
    /* Short forms inet_pton() takes, ports at both ends of the range. */
    {V1("PROXY TCP6 2001:DB8::1 ::ffff:192.0.2.7 0 65535\r\n"), 1, 0, AF_INET6, "2001:db8::1",
     "::ffff:192.0.2.7", 0, 65535},
    {V1("PROXY TCP6 :: ::1 1 2\r\n"), 1, 0, AF_INET6, "::", "::1", 1, 2},
    {V1("PROXY TCP4 0.0.0.0 255.255.255.255 0 10\r\n"), 1, 0, AF_INET, "0.0.0.0", "255.255.255.255",
     0, 10},
    {V1("PROXY UNKNOWN\r\n"), 1, 1, 0, NULL, NULL, 0, 0},
    /* The spec's worst case, exactly PROXY_V1_MAX bytes. */
    {V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
     1, 1, 0, NULL, NULL, 0, 0},
    /* UNKNOWN: whatever comes before the CRLF is ignored. */
    {V1("PROXY UNKNOWN whatever, even  two  spaces\r\n"), 1, 1, 0, NULL, NULL, 0, 0},
};

#define N_SAMPLES(a) (sizeof(a) / sizeof((a)[0]))

static void test_v1_samples(void **state)
{
    (void)state;
    assert_int_equal(v1_samples[6].len, PROXY_V1_MAX);
    for (size_t i = 0; i < N_SAMPLES(v1_samples); i++)
        expect_sample(&v1_samples[i]);
}

static void test_v1_split_everywhere(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES(v1_samples); i++)
        expect_split_everywhere(&v1_samples[i]);
}

static void test_v1_ends_at_crlf(void **state)
{
    static const char in[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
                             "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
    struct proxy_header h;
    const char *why = NULL;

    (void)state;
    assert_int_equal(parse(in, sizeof(in) - 1, &h, &why), 47);
    assert_int_equal(parse("PROXY UNKNOWN\r\n\r\n", 17, &h, &why), 15);
    /* Data after the header is the client's, however long and whatever it holds. */
    assert_int_equal(parse("PROXY UNKNOWN\r\n\n\r\0zz", 20, &h, &why), 15);
}

/* A bad header, the number of bytes that show it is bad, and the reason given. */
struct bad {
    const unsigned char *bytes;
    size_t len;
    size_t at; /* the shortest prefix refused */
    const char *why;
};

/* Prefixes shorter than b->at wait for more; from b->at on, every one is refused, always with
 * b->why; h is never touched. */
static void expect_bad(const struct bad *b)
{
    struct proxy_header h, untouched;
    const char *why;

    memset(&untouched, 0x5a, sizeof(untouched));
    for (size_t k = 0; k <= b->len; k++) {
        h = untouched;
        why = NULL;
        if (k < b->at) {
            assert_int_equal(parse(b->bytes, k, &h, &why), 0);
            assert_null(why);
        } else {
            assert_int_equal(parse(b->bytes, k, &h, &why), -1);
            assert_non_null(why);
            assert_string_equal(why, b->why);
        }
        assert_memory_equal(&h, &untouched, sizeof(h));
    }
}

#define BAD_SRC    "v1: bad source address"
#define BAD_DST    "v1: bad destination address"
#define BAD_SPORT  "v1: bad source port"
#define BAD_DPORT  "v1: bad destination port"
#define BAD_PROTO  "v1: bad protocol (not TCP4, TCP6 or UNKNOWN)"
#define NOT_PROXY  "not a PROXY header"
#define TCP4_ADDRS "PROXY TCP4 1.2.3.4 5.6.7.8 "

/* Each refused at its first impossible byte: at is where in the line that byte is. */
static const struct bad v1_bad[] = {
    {V1("GET / HTTP/1.1\r\n"), 1, NOT_PROXY},
    {V1("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), 1, NOT_PROXY},
    {V1("PROXY\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n"), 6, NOT_PROXY},
    {V1("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), 7, BAD_PROTO},
    {V1("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"), 7, BAD_PROTO},
    {V1("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), 10, BAD_PROTO},
    {V1("PROXY UNKNOWNS\r\n"), 14, BAD_PROTO},
    {V1("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), 12, BAD_SRC},
    {V1("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), 20, BAD_DST},
    {V1("PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n"), 28, BAD_SPORT},
    {V1(TCP4_ADDRS "1  2\r\n"), 30, BAD_DPORT},
    /* Addresses: the family the protocol says, inet_pton()'s forms only. */
    {V1("PROXY TCP4 ::1 ::2 1 2\r\n"), 12, BAD_SRC},
    {V1("PROXY TCP4 1.2.3.4 ::ffff:1.2.3.4 1 2\r\n"), 20, BAD_DST},
    {V1("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), 13, BAD_SRC},
    {V1("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), 20, BAD_SRC},
    {V1("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n"), 13, BAD_SRC},
    {V1("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"), 17, BAD_SRC},
    {V1("PROXY TCP4 1.2.3.4.5 6.7.8.9 1 2\r\n"), 19, BAD_SRC},
    {V1("PROXY TCP6 ::1::2 ::1 1 2\r\n"), 16, BAD_SRC},
    {V1("PROXY TCP6 12345::1 ::1 1 2\r\n"), 16, BAD_SRC},
    {V1("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), 19, BAD_SRC},
    {V1("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"), 19, BAD_SRC},
    /* Longer than any address: refused whole too, not copied past the parser's buffer. */
    {V1("PROXY TCP6 1111111111111111111111111111111111111111111111111111111111111111111111111111"
        " ::1 1 2\r\n"),
     16, BAD_SRC},
    /* Ports: decimal digits, 0-65535, no sign, no leading zero. */
    {V1(TCP4_ADDRS "65536 2\r\n"), 32, BAD_SPORT},
    {V1(TCP4_ADDRS "1 65536\r\n"), 34, BAD_DPORT},
    {V1(TCP4_ADDRS "99999 2\r\n"), 32, BAD_SPORT},
    {V1(TCP4_ADDRS "+1 2\r\n"), 28, BAD_SPORT},
    {V1(TCP4_ADDRS "-1 2\r\n"), 28, BAD_SPORT},
    {V1(TCP4_ADDRS "0443 2\r\n"), 29, BAD_SPORT},
    {V1(TCP4_ADDRS "1 0x10\r\n"), 31, BAD_DPORT},
    {V1(TCP4_ADDRS "1a 2\r\n"), 29, BAD_SPORT},
    {V1(TCP4_ADDRS "100000 2\r\n"), 33, BAD_SPORT},
    /* Fields and line end. */
    {V1(TCP4_ADDRS "1\r\n"), 29, "v1: too few fields"},
    {V1("PROXY TCP4\r\n"), 11, "v1: too few fields"},
    {V1(TCP4_ADDRS "1 2 3\r\n"), 31, "v1: too many fields"},
    {V1(TCP4_ADDRS "1 2 \r\n"), 31, "v1: too many fields"},
    {V1(TCP4_ADDRS "1 2\n"), 31, "v1: LF without CR"},
    {V1(TCP4_ADDRS "1\n2\r\n"), 29, "v1: LF without CR"},
    {V1(TCP4_ADDRS "1 2\r\r\n"), 32, "v1: CR without LF"},
    {V1(TCP4_ADDRS "1 2\r"), 32, "v1: CR without LF"}, /* len < at: never refused */
    {V1("PROXY UNKNOWN\n"), 14, "v1: LF without CR"},
    {V1("PROXY UNKNOWN a\nb\r\n"), 16, "v1: LF without CR"},
    {V1("PROXY UNKNOWN a\rb\r\n"), 17, "v1: CR without LF"},
};

static void test_v1_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES(v1_bad); i++)
        expect_bad(&v1_bad[i]);
}

/* A line gets PROXY_V1_MAX bytes to end: refused as soon as they came without a CRLF. */
static void test_v1_longest_line(void **state)
{
    char line[PROXY_V1_MAX + 8];
    const struct bad too_long = {(unsigned char *)line, PROXY_V1_MAX + 1, PROXY_V1_MAX,
                                 "v1: no CRLF within 107 bytes"};
    const struct bad cr_last = {(unsigned char *)line, PROXY_V1_MAX + 1, PROXY_V1_MAX,
                                "v1: no CRLF within 107 bytes"};
    struct proxy_header h;

    (void)state;
    memset(line, 'x', sizeof(line));
    memcpy(line, "PROXY UNKNOWN ", 14);
    expect_bad(&too_long);
    /* The CRLF would end at byte 108. */
    line[PROXY_V1_MAX - 1] = '\r';
    line[PROXY_V1_MAX] = '\n';
    expect_bad(&cr_last);
    /* One byte earlier, it fits. */
    line[PROXY_V1_MAX - 2] = '\r';
    line[PROXY_V1_MAX - 1] = '\n';
    assert_int_equal(parse(line, PROXY_V1_MAX - 1, &h, NULL), 0);
    assert_int_equal(parse(line, PROXY_V1_MAX + 8, &h, NULL), PROXY_V1_MAX);
    assert_int_equal(h.local, 1);
}

/* ---- v2 ---- */

static const unsigned char v2_tcp4[] = {V2_PROXY_TCP4, 0, 12, ADDR4_SRC, ADDR4_DST, PORTS_5555_7};
static const unsigned char v2_tcp6[] = {V2_PROXY_TCP6, 0,    36, ADDR6_SRC, ADDR6_DST,
                                        0x9c,          0x40, 0,  7};
/* With TLVs after the addresses: ALPN "h2", AUTHORITY "example.com", a 3-byte NOOP. */
static const unsigned char v2_tlv[] = {V2_PROXY_TCP4,
                                       0,
                                       12 + 5 + 14 + 6,
                                       ADDR4_SRC,
                                       ADDR4_DST,
                                       PORTS_5555_7,
                                       0x01,
                                       0,
                                       2,
                                       'h',
                                       '2',
                                       0x02,
                                       0,
                                       11,
                                       'e',
                                       'x',
                                       'a',
                                       'm',
                                       'p',
                                       'l',
                                       'e',
                                       '.',
                                       'c',
                                       'o',
                                       'm',
                                       0x04,
                                       0,
                                       3,
                                       0,
                                       0,
                                       0};
/* LOCAL: the proxy's own health check, no address; or with one, to be skipped; or with a
 * family the spec says to ignore. */
static const unsigned char v2_local[] = {V2_LOCAL, 0, 0};
static const unsigned char v2_local_addr[] = {V2_SIG, 0x20,      0x11,      0,
                                              12,     ADDR4_SRC, ADDR4_DST, PORTS_5555_7};
static const unsigned char v2_local_tcp6_empty[] = {V2_SIG, 0x20, 0x21, 0, 0};
/* PROXY with UNSPEC: the sender forwards something it cannot describe. */
static const unsigned char v2_unspec[] = {V2_SIG, 0x21, 0x00, 0, 3, 0xaa, 0xbb, 0xcc};
static const unsigned char v2_inet_unspec[] = {V2_SIG, 0x21, 0x10, 0, 0};

static const struct sample v2_samples[] = {
    {v2_tcp4, sizeof(v2_tcp4), 2, 0, AF_INET, "203.0.113.7", "192.0.2.1", 5555, 7},
    {v2_tcp6, sizeof(v2_tcp6), 2, 0, AF_INET6, "2001:db8::1", "2001:db8::2", 40000, 7},
    {v2_tlv, sizeof(v2_tlv), 2, 0, AF_INET, "203.0.113.7", "192.0.2.1", 5555, 7},
    {v2_local, sizeof(v2_local), 2, 1, 0, NULL, NULL, 0, 0},
    {v2_local_addr, sizeof(v2_local_addr), 2, 1, 0, NULL, NULL, 0, 0},
    {v2_local_tcp6_empty, sizeof(v2_local_tcp6_empty), 2, 1, 0, NULL, NULL, 0, 0},
    {v2_unspec, sizeof(v2_unspec), 2, 1, 0, NULL, NULL, 0, 0},
    {v2_inet_unspec, sizeof(v2_inet_unspec), 2, 1, 0, NULL, NULL, 0, 0},
};

static void test_v2_samples(void **state)
{
    (void)state;
    assert_int_equal(sizeof(v2_tcp4), 16 + 12);
    assert_int_equal(sizeof(v2_tcp6), 16 + 36);
    assert_int_equal(sizeof(v2_tlv), 16 + 12 + 5 + 14 + 6);
    for (size_t i = 0; i < N_SAMPLES(v2_samples); i++)
        expect_sample(&v2_samples[i]);
}

static void test_v2_split_everywhere(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_SAMPLES(v2_samples); i++)
        expect_split_everywhere(&v2_samples[i]);
}

/* Writes a v2 header declaring len address bytes, then len bytes of pattern. */
static size_t v2_build(unsigned char *out, int ver_cmd, int fam, size_t len)
{
    static const unsigned char sig[] = {V2_SIG};

    memcpy(out, sig, sizeof(sig));
    out[12] = (unsigned char)ver_cmd;
    out[13] = (unsigned char)fam;
    out[14] = (unsigned char)(len >> 8);
    out[15] = (unsigned char)len;
    for (size_t i = 0; i < len; i++)
        out[16 + i] = (unsigned char)(i * 7 + 1);
    return 16 + len;
}

/* The longest block accepted, PROXY_MAX bytes in all; one more byte of it is refused. */
static void test_v2_longest(void **state)
{
    static unsigned char buf[PROXY_MAX + 16];
    const struct sample unix_stream = {buf, 16 + 216, 2, 1, 0, NULL, NULL, 0, 0};
    struct sample longest = {buf,           PROXY_MAX,     2,     0, AF_INET6,
                             "2001:db8::1", "2001:db8::2", 40000, 7};

    (void)state;
    memcpy(buf, v2_tcp6, sizeof(v2_tcp6));
    v2_build(buf + sizeof(v2_tcp6), 0, 0, PROXY_MAX - sizeof(v2_tcp6) - 16);
    buf[15] = PROXY_V2_MAX_LEN & 0xff;
    buf[14] = PROXY_V2_MAX_LEN >> 8;
    expect_sample(&longest);
    expect_split_everywhere(&longest);
    /* UNIX: its 216 address bytes skipped, no address given. */
    v2_build(buf, 0x21, 0x31, 216);
    expect_sample(&unix_stream);
}

static void test_v2_bad(void **state)
{
    static const char *const short4 = "v2: address block too short for IPv4";
    static const char *const short6 = "v2: address block too short for IPv6";
    static const char *const shortu = "v2: address block too short for UNIX";
    static const struct {
        int ver_cmd, fam;
        size_t len, at; /* declared address length; the shortest prefix refused */
        const char *why;
    } cases[] = {
        {0x11, 0x11, 12, 13, "v2: bad version"},
        {0x31, 0x11, 12, 13, "v2: bad version"},
        {0x01, 0x00, 0, 13, "v2: bad version"},
        {0x22, 0x11, 12, 13, "v2: bad command (not LOCAL or PROXY)"},
        {0x2f, 0x00, 0, 13, "v2: bad command (not LOCAL or PROXY)"},
        {0x21, 0x41, 12, 14, "v2: bad address family"},
        {0x20, 0xf0, 0, 14, "v2: bad address family"},
        {0x21, 0x13, 12, 14, "v2: bad transport protocol"},
        {0x20, 0x03, 0, 14, "v2: bad transport protocol"},
        {0x21, 0x12, 12, 14, "v2: not a stream"},
        {0x21, 0x22, 36, 14, "v2: not a stream"},
        {0x21, 0x32, 216, 14, "v2: not a stream"},
        {0x21, 0x02, 0, 14, "v2: not a stream"},
        {0x21, 0x11, PROXY_V2_MAX_LEN + 1, 16, "v2: address block longer than 1024 bytes"},
        {0x20, 0x00, 0xffff, 16, "v2: address block longer than 1024 bytes"},
        {0x21, 0x11, 11, 16, short4},
        {0x21, 0x11, 0, 16, short4},
        {0x21, 0x21, 35, 16, short6},
        {0x21, 0x21, 12, 16, short6},
        {0x21, 0x31, 215, 16, shortu},
    };
    static unsigned char buf[16 + 0xffff];
    struct bad b;

    (void)state;
    for (size_t i = 0; i < N_SAMPLES(cases); i++) {
        b.len = v2_build(buf, cases[i].ver_cmd, cases[i].fam, cases[i].len);
        b.len = b.len < 300 ? b.len : 300; /* the verdict comes by byte 16 */
        b.bytes = buf;
        b.at = cases[i].at;
        b.why = cases[i].why;
        expect_bad(&b);
    }
    /* A signature wrong in any byte is no header, from that byte on. */
    for (size_t k = 0; k < 12; k++) {
        b.len = v2_build(buf, 0x21, 0x11, 12);
        buf[k] ^= 0x40;
        b.at = k + 1;
        b.why = NOT_PROXY;
        expect_bad(&b);
    }
}

/* Nothing yet is a beginning; one byte decides as far as it can; why may be NULL. */
static void test_edges(void **state)
{
    struct proxy_header h;

    (void)state;
    assert_int_equal(parse("", 0, &h, NULL), 0);
    assert_int_equal(parse("X", 1, &h, NULL), -1);
    assert_int_equal(parse("\r", 1, &h, NULL), 0);
    assert_int_equal(parse("P", 1, &h, NULL), 0);
    assert_int_equal(parse("\r\n\r\n\0\r\nQUIT\n", 12, &h, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_samples),
        cmocka_unit_test(test_v1_split_everywhere),
        cmocka_unit_test(test_v1_ends_at_crlf),
        cmocka_unit_test(test_v1_bad),
        cmocka_unit_test(test_v1_longest_line),
        cmocka_unit_test(test_v2_samples),
        cmocka_unit_test(test_v2_split_everywhere),
        cmocka_unit_test(test_v2_longest),
        cmocka_unit_test(test_v2_bad),
        cmocka_unit_test(test_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
