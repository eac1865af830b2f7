/*
 * fuzz_addr: libFuzzer target for the command-line value parsers: net_parse_port() and
 * net_split_hostport() of src/net.c, num_parse(), num_parse_double() and num_parse_size() of
 * src/num.c. Each string the input holds (its pieces between NUL bytes) goes to all of them.
 * Beyond ASan, it aborts when a parser accepts what its contract refuses or refuses what it
 * accepts, gives a value other than the string's, one out of range, or one that does not
 * survive printing and parsing again; or when a refusal leaves err empty or unterminated.
 * Nothing here touches the network.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/net.h"
#include "../../src/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* num.h: err holds at least this much. */
#define NUM_ERR_LEN 128

#define check(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_addr: %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The ranges the programs use, the widest, and some around zero. */
static const struct {
    long long min, max;
} int_ranges[] = {
    {0, 65535},     {1, 16 << 20}, {1024, 1LL << 30}, {1, 1 << 20}, {LLONG_MIN, LLONG_MAX},
    {0, LLONG_MAX}, {-5, 5},
};
static const struct {
    double min, max;
} real_ranges[] = {
    {0.1, 86400},
    {0, 1e9},
    {-1e300, 1e300},
    {0, 0},
};

/* Most strings a run checks, so that thousands of NUL bytes do not make it crawl. */
#define MAX_PIECES 64

/* The buffers the parsers fill, each on the heap at exactly its documented size and poisoned
 * before each use: ASan sees a write past one, the checks a message never written. Allocated
 * once: a malloc per call would cost more than the parsing. */
enum buf { ERR_NET, ERR_NUM, HOST, HOST_AGAIN, NBUF };

static char *buffer(enum buf which)
{
    static const size_t sizes[NBUF] = {NET_ERR_LEN, NUM_ERR_LEN, NET_HOST_LEN, NET_HOST_LEN};
    static char *bufs[NBUF];

    if (!bufs[which])
        bufs[which] = malloc(sizes[which]);
    check(bufs[which] != NULL);
    memset(bufs[which], 0xa5, sizes[which]);
    return bufs[which];
}

/* A refusal explains itself in a NUL-terminated, non-empty message within len bytes. */
static void check_err(const char *err, size_t len)
{
    check(memchr(err, '\0', len) != NULL);
    check(err[0] != '\0');
}

/* Reference: s is -?[0-9]+ (sign only when sign is allowed) whose value fits a long long;
 * returns 1 and the value, or 0. */
static int ref_integer(const char *s, int sign, long long *out)
{
    int neg = sign && *s == '-';
    unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;

    s += neg;
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        if (v > (limit - (unsigned)(*s - '0')) / 10)
            return 0;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = neg ? (long long)(0 - v) : (long long)v;
    return 1;
}

static void check_port(const char *s)
{
    char *err = buffer(ERR_NET), again[8];
    long long want;
    int ok = ref_integer(s, 0, &want) && want <= 65535;
    uint16_t port = 0, back = 0;

    if (net_parse_port(s, &port, err) == 0) {
        check(ok && port == want);
        snprintf(again, sizeof(again), "%u", port);
        check(net_parse_port(again, &back, err) == 0 && back == port);
    } else {
        check(!ok);
        check_err(err, NET_ERR_LEN);
    }
}

/* Reference for net_split_hostport(): "[host]" or "[host]:..." with no ']' in host; else a
 * host before the only ':', or the whole string (none, or two or more: a bare IPv6). */
static int ref_split(const char *s)
{
    size_t len;

    if (s[0] == '[') {
        const char *end = strchr(s, ']');

        if (!end || (end[1] != '\0' && end[1] != ':'))
            return 0;
        len = (size_t)(end - s - 1);
    } else {
        const char *colon = strchr(s, ':');

        len = colon && !strchr(colon + 1, ':') ? (size_t)(colon - s) : strlen(s);
    }
    return len > 0 && len < NET_HOST_LEN;
}

/* Splits s, expecting host and port (NULL: none). */
static void split_again(const char *s, const char *host, const char *port)
{
    char *err = buffer(ERR_NET), *h = buffer(HOST_AGAIN);
    const char *p = NULL;

    check(net_split_hostport(s, h, &p, err) == 0);
    check(strcmp(h, host) == 0);
    check(port ? p != NULL && strcmp(p, port) == 0 : p == NULL);
}

static void check_split(const char *s)
{
    static const char untouched[] = "untouched";
    char *err = buffer(ERR_NET), *host = buffer(HOST), *joined;
    const char *port = untouched;
    size_t n;

    if (net_split_hostport(s, host, &port, err) == 0) {
        joined = malloc(strlen(s) + 4);
        check(joined != NULL);
        check(ref_split(s));
        n = strnlen(host, NET_HOST_LEN);
        check(n > 0 && n < NET_HOST_LEN);
        if (port == untouched) {
            port = NULL;
        } else {
            /* Inside s, just after its ':'. */
            check(port > s && port <= s + strlen(s) && port[-1] == ':');
            check(s[0] == '[' || !strchr(host, ':'));
        }
        /* Nothing lost: host and port put back as they were written give s again. */
        snprintf(joined, strlen(s) + 4, "%s%s%s%s%s", s[0] == '[' ? "[" : "", host,
                 s[0] == '[' ? "]" : "", port ? ":" : "", port ? port : "");
        check(strcmp(joined, s) == 0);
        /* Written the other way, bracketed or not, it splits the same. */
        if (s[0] != '[' && !strchr(host, ']')) {
            snprintf(joined, strlen(s) + 4, "[%s]%s%s", host, port ? ":" : "", port ? port : "");
            split_again(joined, host, port);
        } else if (s[0] == '[' && host[0] != '[' && !strchr(host, ':') &&
                   (!port || !strchr(port, ':'))) {
            snprintf(joined, strlen(s) + 4, "%s%s%s", host, port ? ":" : "", port ? port : "");
            split_again(joined, host, port);
        }
        free(joined);
    } else {
        check(!ref_split(s));
        check(port == untouched);
        check_err(err, NET_ERR_LEN);
    }
}

static void check_integer(const char *s, long long min, long long max)
{
    char *err = buffer(ERR_NUM), again[32];
    long long v = 0, want = 0, back = 0;
    int ok = ref_integer(s, 1, &want) && want >= min && want <= max;

    if (num_parse(s, min, max, &v, err) == 0) {
        check(ok && v == want);
        snprintf(again, sizeof(again), "%lld", v);
        check(num_parse(again, min, max, &back, err) == 0 && back == v);
    } else {
        check(!ok);
        check_err(err, NUM_ERR_LEN);
    }
}

static void check_real(const char *s, double min, double max)
{
    char *err = buffer(ERR_NUM), again[40];
    double v = 0, back = 0;

    if (num_parse_double(s, min, max, &v, err) == 0) {
        /* Plain decimal only: no "inf", "nan", hex or spaces. */
        check(s[0] != '\0' && strspn(s, "0123456789.eE+-") == strlen(s));
        check(isfinite(v) && v >= min && v <= max);
        /* %.17g keeps every bit of a double. */
        snprintf(again, sizeof(again), "%.17g", v);
        check(num_parse_double(again, min, max, &back, err) == 0 && back == v);
    } else {
        check_err(err, NUM_ERR_LEN);
    }
}

/* Reference for num_parse_size(): an integer as num_parse() takes it, not below 0, then an
 * optional K or M (times 1024 or 1024 * 1024) with no overflow; and fewer than SIZE_MAX_LEN
 * bytes in all (longer is no size: refused whole, as zero-padding is the only way to fit). */
#define SIZE_MAX_LEN 32
static int ref_size(const char *s, long long *out)
{
    size_t len = strlen(s);
    long long mult = 1, v;
    char digits[SIZE_MAX_LEN];

    *out = 0;
    if (len >= SIZE_MAX_LEN)
        return 0;
    if (len > 1 && strchr("kKmM", s[len - 1]))
        mult = s[len - 1] == 'k' || s[len - 1] == 'K' ? 1024 : 1024 * 1024;
    memcpy(digits, s, len + 1);
    digits[mult > 1 ? len - 1 : len] = '\0';
    if (!ref_integer(digits, 1, &v) || v < 0 || v > LLONG_MAX / mult)
        return 0;
    *out = v * mult;
    return 1;
}

static void check_size(const char *s, long long min, long long max)
{
    char *err = buffer(ERR_NUM), again[32];
    long long v = 0, want = 0, back = 0;
    int ok = ref_size(s, &want) && want >= min && want <= max;

    if (num_parse_size(s, min, max, &v, err) == 0) {
        check(ok && v == want);
        snprintf(again, sizeof(again), "%lld", v);
        check(num_parse_size(again, min, max, &back, err) == 0 && back == v);
    } else {
        check(!ok);
        check_err(err, NUM_ERR_LEN);
    }
}

/* Every parser on one string, a heap copy of its exact length. */
static void check_string(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);

    check(s != NULL);
    memcpy(s, p, n);
    s[n] = '\0';
    check_port(s);
    check_split(s);
    for (size_t i = 0; i < sizeof(int_ranges) / sizeof(int_ranges[0]); i++) {
        check_integer(s, int_ranges[i].min, int_ranges[i].max);
        check_size(s, int_ranges[i].min, int_ranges[i].max);
    }
    for (size_t i = 0; i < sizeof(real_ranges) / sizeof(real_ranges[0]); i++)
        check_real(s, real_ranges[i].min, real_ranges[i].max);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size, *p = data, *nul;

    /* The pieces between NUL bytes, each as the C string it would be on a command line. */
    for (int i = 0; i < MAX_PIECES; i++) {
        nul = memchr(p, '\0', (size_t)(end - p));
        check_string(p, nul ? (size_t)(nul - p) : (size_t)(end - p));
        if (!nul)
            break;
        p = nul + 1;
    }
    return 0;
}
