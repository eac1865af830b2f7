/*
 * conn: one non-blocking connection — read, feed the service, write the reply back, keep what
 * the socket would not take — shared by the event-loop models (poll, epoll).
 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net.h"

/* Bytes read per conn_process() call before yielding to other connections, whatever the
 * buffer's size: one busy connection delays the others by about 1 MiB of work at most. */
#define READ_BUDGET_BYTES (1024 * 1024)
#define PENDING_MIN       (16 * 1024)

/* Keeps n more reply bytes for later. Returns 0, or -1 when memory ran out. */
static int pending_add(struct conn *c, const void *p, size_t n)
{
    size_t need = c->pending_len + n, cap;
    char *np;

    if (need > c->pending_cap) {
        if (c->pending_off > 0) { /* slide unsent bytes to the front first */
            memmove(c->pending, c->pending + c->pending_off, c->pending_len - c->pending_off);
            c->pending_len -= c->pending_off;
            c->pending_off = 0;
            need = c->pending_len + n;
        }
        for (cap = c->pending_cap ? c->pending_cap : PENDING_MIN; cap < need; cap *= 2)
            ;
        if (cap != c->pending_cap) {
            np = realloc(c->pending, cap);
            if (!np)
                return -1;
            c->pending = np;
            c->pending_cap = cap;
        }
    }
    memcpy(c->pending + c->pending_len, p, n);
    c->pending_len += n;
    return 0;
}

static size_t pending_size(const struct conn *c)
{
    return c->pending_len - c->pending_off;
}

/* Sends one message without blocking. Returns bytes sent, 0 when the socket is full, or -1
 * (note set). */
static ssize_t send_some(struct conn *c, struct iovec *iov, int cnt)
{
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
    ssize_t n;

    do
        n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n >= 0) {
        c->out += (size_t)n;
        return n;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
    c->note = strerror(errno);
    return -1;
}

/* Writes what is pending. Returns 0 (done or socket full), or -1 when the client is gone. */
static int flush_pending(struct conn *c)
{
    struct iovec iov;
    ssize_t n;

    while (pending_size(c) > 0) {
        iov.iov_base = c->pending + c->pending_off;
        iov.iov_len = pending_size(c);
        n = send_some(c, &iov, 1);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        c->pending_off += (size_t)n;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_off = c->pending_len = c->pending_cap = 0;
    return 0;
}

/* Writes a reply, straight from its segments when nothing is queued before it; keeps the rest.
 * Returns 0, or -1 when the connection must close. */
static int write_reply(struct conn *c, struct service_reply *r)
{
    struct iovec *iov = r->iov;
    int cnt = r->iovcnt;
    ssize_t n = 0;

    if (pending_size(c) == 0 && cnt > 0) {
        n = send_some(c, iov, cnt);
        if (n < 0)
            return -1;
    }
    /* Skip what was sent, keep the rest (a copy: the segments point into shared memory). */
    for (; cnt > 0; iov++, cnt--) {
        if ((size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            continue;
        }
        if (pending_add(c, (char *)iov->iov_base + n, iov->iov_len - (size_t)n) < 0) {
            c->note = "out of memory";
            return -1;
        }
        n = 0;
    }
    if (r->close) {
        c->closing = 1;
        c->note = r->note;
    }
    return 0;
}

/* Feeds n read bytes to the service and writes its replies. Returns 0 or -1. */
static int feed(struct conn *c, const char *p, size_t n)
{
    struct service_reply r;
    size_t used;

    while (n > 0 && !c->closing) {
        used = service_on_data(&c->session, p, n, &r);
        server_client_log(c->id, &r);
        if (write_reply(c, &r) < 0)
            return -1;
        p += used;
        n -= used;
    }
    return 0;
}

/* What to wait for now that no more can be done. */
static int wants(const struct conn *c, const struct server *srv)
{
    if (pending_size(c) == 0 && (c->closing || c->draining))
        return CONN_CLOSE;
    if (pending_size(c) == 0)
        return service_streams(&c->session) ? CONN_WANT_READ | CONN_WANT_WRITE : CONN_WANT_READ;
    if (c->closing || c->draining || pending_size(c) >= srv->cfg->max_pending)
        return CONN_WANT_WRITE;
    return CONN_WANT_WRITE | CONN_WANT_READ;
}

/* Reads and answers until EAGAIN, the budget, or backpressure. Returns 1 when the budget ran
 * out with input maybe left, 0 otherwise, -1 to close. */
static int read_loop(struct conn *c, struct server *srv, char *buf, size_t buflen, int budget)
{
    struct service_reply r;
    size_t len;
    ssize_t n;

    for (; budget > 0; budget--) {
        if (c->closing || c->draining || pending_size(c) >= srv->cfg->max_pending)
            return 0;
        /* No more than fits under --max-pending, so an echo the client does not read costs
         * at most that much, whatever the buffer's size. */
        len = srv->cfg->max_pending - pending_size(c);
        len = len < buflen ? len : buflen;
        n = recv(c->fd, buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            c->note = strerror(errno);
            return -1;
        }
        if (n == 0) { /* the client half-closed: answer the rest, then close */
            service_on_eof(&c->session, &r);
            return write_reply(c, &r);
        }
        c->in += (size_t)n;
        if (feed(c, buf, (size_t)n) < 0)
            return -1;
        /* A short read emptied the socket: skip the recv() that would say EAGAIN. Not when a
         * FIN is known to wait behind the data: its end of file must be read now. */
        if ((size_t)n < len && !c->peer_fin)
            return 0;
    }
    return 1;
}

/* Sends what a streaming service (chargen) has to say unasked while the socket takes it, up to
 * the read budget's worth of bytes. Returns 1 when the budget ran out first, 0 when the socket
 * filled up, -1 to close. */
static int stream(struct conn *c)
{
    unsigned long long start = c->out;
    struct service_reply r;

    while (service_streams(&c->session) && !c->draining && pending_size(c) == 0) {
        if (c->out - start >= READ_BUDGET_BYTES)
            return 1;
        service_on_ready(&c->session, &r);
        if (write_reply(c, &r) < 0)
            return -1;
    }
    return 0;
}

int conn_process(struct conn *c, struct server *srv, char *buf, size_t buflen, long long now_ms)
{
    unsigned long long moved = c->in + c->out;
    int more, streamed;

    if (flush_pending(c) < 0 || (streamed = stream(c)) < 0)
        return CONN_CLOSE;
    more = read_loop(c, srv, buf, buflen,
                     buflen >= READ_BUDGET_BYTES ? 1 : (int)(READ_BUDGET_BYTES / buflen));
    if (more < 0)
        return CONN_CLOSE;
    more |= streamed;
    if (c->in + c->out != moved)
        c->last_ms = now_ms;
    return wants(c, srv) | (more ? CONN_AGAIN : 0);
}

int conn_open(struct conn *c, struct server *srv, int fd, long long now_ms)
{
    struct service_reply r;

    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->last_ms = now_ms;
    net_set_nodelay(fd);
    c->id = server_client_open(srv, fd);
    service_session_init(&c->session, &srv->cfg->service);
    service_on_open(&c->session, &r);
    if (write_reply(c, &r) < 0)
        return CONN_CLOSE;
    return wants(c, srv);
}

int conn_drain(struct conn *c, struct server *srv, char *buf, size_t buflen, long long now_ms)
{
    int w;

    if (c->draining)
        return conn_process(c, srv, buf, buflen, now_ms) & ~CONN_AGAIN;
    w = conn_process(c, srv, buf, buflen, now_ms);
    c->draining = 1;
    return w == CONN_CLOSE ? CONN_CLOSE : wants(c, srv);
}

int conn_idle_expired(struct conn *c, const struct server *srv, long long now_ms)
{
    if (!server_client_idle(srv, c->last_ms, now_ms))
        return 0;
    c->note = "idle timeout";
    return 1;
}

void conn_close(struct conn *c, struct server *srv, char *buf, size_t buflen)
{
    server_close_gracefully(c->fd, buf, buflen);
    if (c->draining)
        c->note = server_drain_note(c->note, pending_size(c));
    service_session_fini(&c->session);
    free(c->pending);
    c->pending = NULL;
    server_client_close(srv, c->id, c->in, c->out, c->note);
}
