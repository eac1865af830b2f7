/*
 * fuzz_line: libFuzzer target for the session state machine of src/service.c (echo, line and
 * hello, with or without a PROXY header in front). The first bytes choose the service, the
 * line limit, the PROXY option and how the stream is cut into reads; the rest is the stream.
 * It is fed the way the models feed it, and beyond ASan it aborts when a reply breaks what
 * the models rely on (progress on every call, segments in bounds, silence once closed), when
 * the output differs from a reference model of the service, or when it depends on the cuts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/proxy.h"
#include "../../src/service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input bytes before the stream: service and PROXY, max_line, a 16-bit chunking seed. */
#define HEADER 4

#define check(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_line: %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* What a session sent back over the whole run. */
struct out {
    char *buf;
    size_t len, cap;
    int closed; /* a reply had close set */
    int logs;   /* replies with a non-empty log line */
};

static void out_add(struct out *o, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (o->len + n > o->cap) {
        o->cap = (o->len + n) * 2 + 64;
        o->buf = realloc(o->buf, o->cap);
        check(o->buf != NULL);
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

/* Checks one reply and appends its bytes. Done at once: its segments may point into the
 * chunk just given or into the session, valid only until the next call. */
static void collect(struct out *o, const struct service_reply *r)
{
    size_t bytes = 0;

    check(r->iovcnt >= 0 && r->iovcnt <= SERVICE_IOV_MAX);
    check(r->close == 0 || r->close == 1);
    check(memchr(r->log, '\0', SERVICE_LOG_LEN) != NULL);
    for (int i = 0; i < r->iovcnt; i++) {
        check(r->iov[i].iov_base != NULL || r->iov[i].iov_len == 0);
        out_add(o, r->iov[i].iov_base, r->iov[i].iov_len);
        bytes += r->iov[i].iov_len;
    }
    /* Once a reply closed the session, nothing more may be written to the client. */
    check(!o->closed || bytes == 0);
    o->closed |= r->close;
    o->logs += r->log[0] != '\0';
}

/* A reply full of garbage, so that a field the session forgets to set shows. */
static void reply_poison(struct service_reply *r)
{
    memset(r, 0xa5, sizeof(*r));
}

/* xorshift32: cheap, and the same seed cuts the same chunks. */
static uint32_t next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Length of the next read: mode 0 one byte at a time, 1 and 2 short reads, 3 any length. */
static size_t chunk_len(uint32_t *x, unsigned mode, size_t left)
{
    static const size_t most[] = {1, 8, 64, 0};
    size_t max = most[mode] ? most[mode] : left;
    size_t n = 1 + next(x) % max;

    return n < left ? n : left;
}

/* One read: feeds it until all of it is used, as serve.c does (and goes on after a close, to
 * check that a closed session stays silent). The chunk is a heap copy of its exact length,
 * freed after use, so that ASan sees a reply pointing past it or kept past its life. */
static void feed(struct session *s, const uint8_t *p, size_t n, struct out *o)
{
    struct service_reply r;
    char *chunk = malloc(n);
    size_t off = 0, used;

    check(chunk != NULL);
    memcpy(chunk, p, n);
    while (off < n) {
        reply_poison(&r);
        used = service_on_data(s, chunk + off, n - off, &r);
        /* Within what was given, and never 0: the models would spin. */
        check(used > 0 && used <= n - off);
        collect(o, &r);
        off += used;
    }
    free(chunk);
}

/* Runs a whole session on the stream, cut by seed (one chunk when whole). */
static void run(const struct service_config *cfg, const uint8_t *in, size_t len, int whole,
                uint32_t seed, struct out *o)
{
    struct service_reply r;
    struct session s;
    uint32_t x = seed * 2654435761u | 1;
    unsigned mode = seed & 3;
    size_t off = 0, n;

    memset(o, 0, sizeof(*o));
    service_session_init(&s, cfg);
    reply_poison(&r);
    service_on_open(&s, &r);
    collect(o, &r);
    while (off < len) {
        n = whole ? len : chunk_len(&x, mode, len - off);
        feed(&s, in + off, n, o);
        off += n;
    }
    reply_poison(&r);
    service_on_eof(&s, &r);
    collect(o, &r);
    /* After the end of input the session is over, one way or another. */
    check(o->closed);
    service_session_fini(&s);
}

/* The line service as the man page tells it: each line back with its newline, one trailing
 * CR dropped; "exit" or "quit" ends the session silently; a line longer than max (its CR not
 * counted) is answered with an error and ends it; a last line without newline still counts. */
static void line_model(const uint8_t *in, size_t len, size_t max, struct out *o)
{
    static const char too_long[] = "error: line too long\n";
    size_t pos = 0;

    while (pos < len) {
        const uint8_t *nl = memchr(in + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - in) : len, n = end - pos;

        if (n > 0 && in[pos + n - 1] == '\r')
            n--;
        if (n > max) {
            out_add(o, too_long, sizeof(too_long) - 1);
            return;
        }
        if (n == 4 && (memcmp(in + pos, "exit", 4) == 0 || memcmp(in + pos, "quit", 4) == 0))
            return;
        out_add(o, in + pos, n);
        out_add(o, "\n", 1);
        pos = end + 1;
    }
}

/* What the client should get back for the whole stream. */
static void model(const struct service_config *cfg, const uint8_t *in, size_t len, struct out *o)
{
    memset(o, 0, sizeof(*o));
    if (cfg->proxy) {
        struct proxy_header h;
        long n = proxy_parse(in, len, &h, NULL);

        /* No whole valid header: closed without a word. */
        if (n <= 0)
            return;
        in += n;
        len -= (size_t)n;
    }
    switch (cfg->kind) {
    case SERVICE_ECHO:
        out_add(o, in, len);
        break;
    case SERVICE_LINE:
        line_model(in, len, cfg->max_line, o);
        break;
    case SERVICE_HELLO:
        out_add(o, cfg->greeting, strlen(cfg->greeting));
        out_add(o, "\n", 1);
        break;
    case SERVICE_DISCARD: /* nothing comes back */
        break;
    case SERVICE_CHARGEN: /* not fed here: chargen streams, daytime and time follow the clock */
    case SERVICE_DAYTIME:
    case SERVICE_TIME:
        break;
    }
}

static void check_same(const struct out *got, const struct out *want)
{
    check(got->len == want->len);
    check(got->len == 0 || memcmp(got->buf, want->buf, got->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum service_kind kinds[] = {SERVICE_ECHO, SERVICE_LINE, SERVICE_HELLO,
                                              SERVICE_DISCARD};
    struct service_config cfg;
    struct out chunked, whole, want;
    uint32_t seed;
    long header = 0;

    if (size < HEADER)
        return 0;
    cfg.kind = kinds[data[0] % 4];
    cfg.proxy = (data[0] >> 2) & 1;
    /* Small limits, so that they are hit; sometimes the default. */
    cfg.max_line = data[1] < 0xf0 ? 1 + data[1] % 64 : SERVICE_MAX_LINE_DEFAULT;
    cfg.greeting = SERVICE_GREETING_DEFAULT;
    seed = (uint32_t)data[2] | (uint32_t)data[3] << 8;
    data += HEADER;
    size -= HEADER;

    run(&cfg, data, size, 0, seed, &chunked);
    run(&cfg, data, size, 1, 0, &whole);
    model(&cfg, data, size, &want);
    check_same(&chunked, &want);
    check_same(&whole, &want);
    /* One log line exactly when a header was taken or refused; none without PROXY. */
    if (cfg.proxy) {
        struct proxy_header h;

        header = proxy_parse(data, size, &h, NULL);
    }
    check(chunked.logs == (header != 0) && whole.logs == (header != 0));
    free(chunked.buf);
    free(whole.buf);
    free(want.buf);
    return 0;
}
