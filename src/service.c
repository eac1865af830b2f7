/* service: the echo, line and hello sessions, as pure functions of the bytes they are fed. */
#include "service.h"

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

void service_on_open(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    /* Behind a proxy, hello greets once the header has said who is there. */
    if (s->cfg->kind == SERVICE_HELLO && !s->want_proxy)
        greet(s, r);
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
    if (s->cfg->kind == SERVICE_HELLO)
        greet(s, r);
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
