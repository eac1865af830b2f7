/* service: the echo, line and hello sessions, as pure functions of the bytes they are fed. */
#include "service.h"

#include <stdlib.h>
#include <string.h>

static const char newline[] = "\n";
static const char too_long[] = "error: line too long\n";
static const char no_memory[] = "error: out of memory\n";

static const char *const names[] = {
    [SERVICE_ECHO] = "echo",
    [SERVICE_LINE] = "line",
    [SERVICE_HELLO] = "hello",
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

void session_init(struct session *s, const struct service_config *cfg)
{
    s->cfg = cfg;
    s->partial = NULL;
    s->partial_len = 0;
    s->done = 0;
}

void session_fini(struct session *s)
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

void service_on_open(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    if (s->cfg->kind != SERVICE_HELLO)
        return;
    reply_add(r, s->cfg->greeting, strlen(s->cfg->greeting));
    reply_add(r, newline, 1);
    finish(s, r, NULL);
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
    switch (s->cfg->kind) {
    case SERVICE_ECHO:
        reply_add(r, in, len);
        return len;
    case SERVICE_LINE:
        return line_on_data(s, in, len, r);
    case SERVICE_HELLO:
        break;
    }
    return len;
}

void service_on_eof(struct session *s, struct service_reply *r)
{
    reply_reset(r);
    if (s->done)
        return;
    /* A last line with no newline is still a line: echo it rather than lose it. */
    if (s->cfg->kind == SERVICE_LINE && s->partial_len > 0)
        line_complete(s, "", 0, r);
    if (!s->done)
        finish(s, r, NULL);
}
