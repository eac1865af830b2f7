/* service: the echo, line, hello and inetd's simple services, as pure functions of the bytes
 * they are fed (and, for daytime and time, of the clock). */
#include "service.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "proxy.h"

static const char newline[] = "\n";
static const char too_long[] = "error: line too long\n";
static const char no_memory[] = "error: out of memory\n";

static const char *const names[] = {
    [SERVICE_ECHO] = "echo",       [SERVICE_LINE] = "line",       [SERVICE_HELLO] = "hello",
    [SERVICE_DISCARD] = "discard", [SERVICE_CHARGEN] = "chargen", [SERVICE_DAYTIME] = "daytime",
    [SERVICE_TIME] = "time",
};

/*
 * chargen's 95 printable characters, twice over: line i (RFC 864) is the 72 characters from
 * offset i, so every line is a slice of this constant and costs no copy.
 */
#define CHARGEN_CHARS 95
static const char chargen_ring[] = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
                                   " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
static const char crlf[] = "\r\n";
/* chargen lines per TCP reply: two segments each, within SERVICE_IOV_MAX. */
#define CHARGEN_TCP_LINES (SERVICE_IOV_MAX / 2)

int service_parse(const char *name, enum service_kind *kind)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *kind = (enum service_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *service_name(enum service_kind kind)
{
    return names[kind];
}

void service_session_init(struct session *s, const struct service_config *cfg)
{
    s->cfg = cfg;
    s->partial = NULL;
    s->partial_len = 0;
    s->done = 0;
    s->want_proxy = cfg->proxy;
    s->chargen_line = 0;
}

void service_session_fini(struct session *s)
{
    free(s->partial);
    s->partial = NULL;
    s->partial_len = 0;
}

static void reply_reset(struct service_reply *r)
{
    r->iovcnt = 0;
    r->close = 0;
    r->note = NULL;
    r->log[0] = '\0';
}

static void reply_add(struct service_reply *r, const void *p, size_t n)
{
    if (n == 0)
        return;
    r->iov[r->iovcnt].iov_base = (void *)p;
    r->iov[r->iovcnt].iov_len = n;
    r->iovcnt++;
}

/* Ends the session after the reply: further input is ignored. */
static void finish(struct session *s, struct service_reply *r, const char *note)
{
    s->done = 1;
    r->close = 1;
    r->note = note;
}

static void greet(struct session *s, struct service_reply *r)
{
    reply_add(r, s->cfg->greeting, strlen(s->cfg->greeting));
    reply_add(r, newline, 1);
    finish(s, r, NULL);
}

size_t service_daytime(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (!localtime_r(&t, &tm))
        return (size_t)snprintf(buf, len, "%lld\r\n", (long long)t) % len;
    return strftime(buf, len, "%a %b %e %H:%M:%S %Y\r\n", &tm);
}

void service_time(time_t t, unsigned char out[4])
{
    /* RFC 868 wraps in 2036; taken modulo 2^32, the value keeps counting from 0 then. */
    uint32_t v = (uint32_t)((unsigned long long)t + SERVICE_TIME_OFFSET);

    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

/* Adds lines chargen lines from *line on to iov (two segments a line), moving *line on.
 * Returns the segments used. */
static int chargen_lines(unsigned *line, struct iovec *iov, int lines)
{
    int n = 0;

    for (int i = 0; i < lines; i++) {
        iov[n].iov_base = (void *)(chargen_ring + *line);
        iov[n++].iov_len = SERVICE_CHARGEN_COLS;
        iov[n].iov_base = (void *)crlf;
        iov[n++].iov_len = 2;
        *line = (*line + 1) % CHARGEN_CHARS;
    }
    return n;
}

/* What a service without input says as the connection opens: hello's greeting, daytime's
 * line, time's four bytes (each then closes), or chargen's first lines. */
static void start(struct session *s, struct service_reply *r)
{
    switch (s->cfg->kind) {
    case SERVICE_HELLO:
        greet(s, r);
        break;
    case SERVICE_DAYTIME:
        reply_add(r, s->stamp, service_daytime(time(NULL), s->stamp, sizeof(s->stamp)));
        finish(s, r, NULL);
        break;
    case SERVICE_TIME:
        service_time(time(NULL), (unsigned char *)s->stamp);
        reply_add(r, s->stamp, 4);
        finish(s, r, NULL);
        break;
    case SERVICE_CHARGEN:
        service_on_ready(s, r);
        break;
    default:
        break;
    }
}

void service_on_open(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    /* Behind a proxy, the services that speak first do so once the header has said who is
     * there. */
    if (!s->want_proxy)
        start(s, r);
}

void service_on_ready(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    if (service_streams(s))
        r->iovcnt = chargen_lines(&s->chargen_line, r->iov, CHARGEN_TCP_LINES);
}

/* The header arrived: say who the client is, and start the service. */
static void proxy_accept(struct session *s, const struct proxy_header *h, struct service_reply *r)
{
    char src[NET_ADDR_LEN], dst[NET_ADDR_LEN];

    s->want_proxy = 0;
    free(s->partial);
    s->partial = NULL;
    s->partial_len = 0;
    if (h->local)
        snprintf(r->log, sizeof(r->log), "gave no address (PROXY v%d %s)", h->version,
                 h->version == 1 ? "UNKNOWN" : "LOCAL: the proxy's own check");
    else
        snprintf(r->log, sizeof(r->log), "is %.64s (PROXY v%d, to %.64s)",
                 net_format((const struct sockaddr *)&h->src, src), h->version,
                 net_format((const struct sockaddr *)&h->dst, dst));
    start(s, r);
}

/* A bad or missing header: log why with the first bytes (escaped), close without a word. */
static void proxy_reject(struct session *s, const char *why, const char *p, size_t n,
                         struct service_reply *r)
{
    static const char hex[] = "0123456789abcdef";
    char seen[4 * 16 + 1];
    size_t k = 0;

    for (size_t i = 0; i < n && i < 16; i++) {
        unsigned char c = (unsigned char)p[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            seen[k++] = (char)c;
        } else {
            seen[k++] = '\\';
            seen[k++] = 'x';
            seen[k++] = hex[c >> 4];
            seen[k++] = hex[c & 15];
        }
    }
    seen[k] = '\0';
    snprintf(r->log, sizeof(r->log), "sent a bad PROXY header: %s (first bytes \"%s\"%s)", why,
             seen, n > 16 ? "..." : "");
    finish(s, r, "bad PROXY header");
}

/*
 * Reads the PROXY header in front of the client's bytes. Returns how many of in it used: the
 * rest is the client's. A header split across reads is kept in s->partial until whole.
 */
static size_t proxy_on_data(struct session *s, const char *in, size_t len, struct service_reply *r)
{
    struct proxy_header h;
    const char *why = "not a PROXY header", *p = in;
    size_t kept = s->partial_len, take = len;
    long n;

    if (kept > 0) {
        take = len < PROXY_MAX - kept ? len : PROXY_MAX - kept;
        memcpy(s->partial + kept, in, take);
        p = s->partial;
    }
    n = proxy_parse(p, kept + take, &h, &why);
    if (n > (long)kept) {
        proxy_accept(s, &h, r);
        return (size_t)n - kept;
    }
    if (n != 0 || kept + take >= PROXY_MAX) {
        proxy_reject(s, n != 0 ? why : "longer than the longest header", p, kept + take, r);
        return len;
    }
    if (!s->partial) {
        s->partial = malloc(PROXY_MAX);
        if (!s->partial) {
            finish(s, r, "out of memory");
            return len;
        }
        memcpy(s->partial, in, take);
    }
    s->partial_len = kept + take;
    return take;
}

/* Is the line head+tail (a partial line kept from earlier reads, then new bytes) a command
 * that ends the session? */
static int is_quit(const char *head, size_t hn, const char *tail, size_t tn)
{
    char word[5];

    if (hn + tn != 4)
        return 0;
    if (hn > 0)
        memcpy(word, head, hn);
    memcpy(word + hn, tail, tn);
    word[4] = '\0';
    return strcmp(word, "exit") == 0 || strcmp(word, "quit") == 0;
}

/*
 * Replies to one whole line: the kept partial bytes, then n new bytes (its newline
 * excluded). A CR before the newline is dropped, so "hi\r\n" from telnet echoes as "hi\n".
 */
static void line_complete(struct session *s, const char *p, size_t n, struct service_reply *r)
{
    size_t hn = s->partial_len;

    if (n > 0 && p[n - 1] == '\r')
        n--;
    else if (n == 0 && hn > 0 && s->partial[hn - 1] == '\r')
        hn--;
    s->partial_len = 0;
    if (hn + n > s->cfg->max_line) {
        reply_add(r, too_long, sizeof(too_long) - 1);
        finish(s, r, "line too long");
    } else if (is_quit(s->partial, hn, p, n)) {
        finish(s, r, "client said quit");
    } else {
        reply_add(r, s->partial, hn);
        reply_add(r, p, n);
        reply_add(r, newline, 1);
    }
}

/* Keeps the n bytes of a line whose newline has not come yet. Returns 0, or -1 when the
 * line can no longer fit (the reply then says why). */
static int line_keep(struct session *s, const char *p, size_t n, struct service_reply *r)
{
    /* One more byte than max_line: the line's own CR may still be among them. */
    size_t cap = s->cfg->max_line + 1;

    if (s->partial_len + n > cap) {
        reply_add(r, too_long, sizeof(too_long) - 1);
        finish(s, r, "line too long");
        return -1;
    }
    if (!s->partial) {
        s->partial = malloc(cap);
        if (!s->partial) {
            reply_add(r, no_memory, sizeof(no_memory) - 1);
            finish(s, r, "out of memory");
            return -1;
        }
    }
    memcpy(s->partial + s->partial_len, p, n);
    s->partial_len += n;
    return 0;
}

static size_t line_on_data(struct session *s, const char *in, size_t len, struct service_reply *r)
{
    size_t used = 0;

    /* Each line takes up to three segments: kept bytes, new bytes, newline. */
    while (used < len && !s->done && r->iovcnt + 3 <= SERVICE_IOV_MAX) {
        const char *p = in + used;
        const char *nl = memchr(p, '\n', len - used);
        int had_partial = s->partial_len > 0;

        if (!nl) {
            line_keep(s, p, len - used, r);
            return len;
        }
        line_complete(s, p, (size_t)(nl - p), r);
        used += (size_t)(nl - p) + 1;
        /* The reply points into the partial buffer: it must be written before reuse. */
        if (had_partial)
            break;
    }
    return s->done ? len : used;
}

size_t service_on_data(struct session *s, const char *in, size_t len, struct service_reply *r)
{
    reply_reset(r);
    if (s->done)
        return len;
    if (s->want_proxy)
        return proxy_on_data(s, in, len, r);
    switch (s->cfg->kind) {
    case SERVICE_ECHO:
        reply_add(r, in, len);
        return len;
    case SERVICE_LINE:
        return line_on_data(s, in, len, r);
    default: /* hello, discard, chargen, daytime, time: input is dropped (RFC 863, 864) */
        break;
    }
    return len;
}

void service_on_eof(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    if (s->done)
        return;
    if (s->want_proxy) {
        finish(s, r, s->partial_len > 0 ? "PROXY header cut short" : "no PROXY header");
        return;
    }
    /* A last line with no newline is still a line: echo it rather than lose it. */
    if (s->cfg->kind == SERVICE_LINE && s->partial_len > 0)
        line_complete(s, "", 0, r);
    if (!s->done)
        finish(s, r, NULL);
}

int service_has_dgram(enum service_kind kind)
{
    return kind != SERVICE_LINE;
}

static void dgram_add(struct service_dgram *d, const void *p, size_t n)
{
    d->iov[d->iovcnt].iov_base = (void *)p;
    d->iov[d->iovcnt++].iov_len = n;
    d->len += n;
}

int service_datagram(const struct service_config *cfg, struct service_dgram *d, const char *in,
                     size_t len)
{
    size_t n;

    d->iovcnt = 0;
    d->len = 0;
    switch (cfg->kind) {
    case SERVICE_ECHO:
        dgram_add(d, in, len);
        return 1;
    case SERVICE_HELLO:
        /* The greeting is cut to the bound rather than refused: --greeting checks it at start. */
        n = strlen(cfg->greeting);
        dgram_add(d, cfg->greeting, n < SERVICE_DGRAM_REPLY_MAX ? n : SERVICE_DGRAM_REPLY_MAX - 1);
        dgram_add(d, newline, 1);
        return 1;
    case SERVICE_CHARGEN:
        /* RFC 864: a reply of 0 to 512 characters; whole lines, as many as fit. */
        d->iovcnt =
            chargen_lines(&d->chargen_line, d->iov, SERVICE_DGRAM_REPLY_MAX / SERVICE_CHARGEN_LINE);
        d->len = (size_t)(d->iovcnt / 2) * SERVICE_CHARGEN_LINE;
        return 1;
    case SERVICE_DAYTIME:
        dgram_add(d, d->stamp, service_daytime(time(NULL), d->stamp, sizeof(d->stamp)));
        return 1;
    case SERVICE_TIME:
        service_time(time(NULL), (unsigned char *)d->stamp);
        dgram_add(d, d->stamp, 4);
        return 1;
    default: /* discard; line is refused at start */
        return 0;
    }
}
