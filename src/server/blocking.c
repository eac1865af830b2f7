/* blocking: one connection served from open to close with blocking waits — the session loop
 * that iterative runs in turn, fork in a child per client and thread in a thread per client. */
#include "blocking.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../net.h"
#include "../sig.h"

/* One connection's progress, for the log line at its end. */
struct client {
    int fd;
    unsigned long long id, in, out;
    const char *note;
};

enum wait_result { WAIT_ERROR = -1, WAIT_STOP = 0, WAIT_READY = 1, WAIT_IDLE = 2 };

/*
 * Waits until fd is ready for events. Once a stop is asked, a reader (reading) gives up at once
 * (an idle client must not delay the exit) and a writer waits only for what is left of the
 * drain time. A reader also gives up after --idle-timeout seconds of silence.
 */
static enum wait_result wait_fd(struct server *srv, int fd, short events, int reading)
{
    struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = sig_stop_fd(), .events = POLLIN}};
    int idle = reading ? srv->cfg->idle_timeout * 1000 : 0;
    long long idle_end = clock_now_ms() + idle;
    int stopping, timeout, r;

    for (;;) {
        stopping = sig_stop_requested();
        if (stopping && reading)
            return WAIT_STOP;
        timeout = stopping   ? server_drain_left_ms(srv)
                  : idle > 0 ? (int)(idle_end - clock_now_ms())
                             : -1;
        if (timeout == 0 || (timeout < 0 && idle > 0))
            return stopping ? WAIT_STOP : WAIT_IDLE;
        /* The stop pipe stays readable once written: watch it only until the stop. */
        r = poll(p, stopping ? 1 : 2, server_wait_ms(timeout));
        if (r < 0 && errno != EINTR)
            return WAIT_ERROR;
        if (r > 0 && p[0].revents)
            return WAIT_READY;
    }
}

/* Drops n written bytes from the front of the segments. */
static void iov_advance(struct iovec **iov, int *cnt, size_t n)
{
    while (*cnt > 0 && n >= (*iov)->iov_len) {
        n -= (*iov)->iov_len;
        (*iov)++;
        (*cnt)--;
    }
    if (*cnt > 0) {
        (*iov)->iov_base = (char *)(*iov)->iov_base + n;
        (*iov)->iov_len -= n;
    }
}

/* Writes the whole reply. Returns 0, or -1 when the client is gone or the drain time ran out. */
static int send_reply(struct server *srv, struct client *c, struct service_reply *r)
{
    struct iovec *iov = r->iov;
    int cnt = r->iovcnt;
    ssize_t n;

    while (cnt > 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};

        n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            c->out += (size_t)n;
            iov_advance(&iov, &cnt, (size_t)n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            /* The client is not reading: block here (this model's nature) until it does. */
            if (wait_fd(srv, c->fd, POLLOUT, 0) != WAIT_READY) {
                c->note = "echo unfinished at shutdown";
                return -1;
            }
        } else if (errno != EINTR) {
            c->note = strerror(errno);
            return -1;
        }
    }
    return 0;
}

/* Feeds n bytes to the session and writes its replies. Returns 0, or -1 to end the client. */
static int feed(struct server *srv, struct client *c, struct session *s, const char *p, size_t n)
{
    struct service_reply r;
    size_t used;

    while (n > 0) {
        used = service_on_data(s, p, n, &r);
        server_client_log(c->id, &r);
        if (send_reply(srv, c, &r) < 0)
            return -1;
        if (r.close) {
            c->note = r.note;
            return -1;
        }
        p += used;
        n -= used;
    }
    return 0;
}

/* Reads once. Returns the byte count, 0 at end of input, -1 on error (note set). */
static ssize_t read_some(struct client *c, char *buf, size_t len, int dontwait)
{
    ssize_t n;

    do
        n = recv(c->fd, buf, len, dontwait ? MSG_DONTWAIT : 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        c->note = strerror(errno);
    if (n > 0)
        c->in += (size_t)n;
    return n;
}

/* A streaming service (chargen): sends while the socket takes it, dropping what the client
 * sends (RFC 864), until the client closes, an error, or a stop. */
static void stream_session(struct server *srv, struct client *c, struct session *s, char *buf,
                           size_t len)
{
    struct service_reply r;
    ssize_t n;

    while (!sig_stop_requested()) {
        while ((n = read_some(c, buf, len, 1)) > 0)
            ;
        if (n == 0 || c->note) /* the client closed, or an error */
            return;
        service_on_ready(s, &r);
        if (send_reply(srv, c, &r) < 0)
            return;
    }
    c->note = "server shutting down";
}

/* The session loop: wait, read, reply, until end of input, session end or stop. */
static void run_session(struct server *srv, struct client *c, struct session *s, char *buf,
                        size_t len)
{
    struct service_reply r;
    enum wait_result w;
    ssize_t n;

    service_on_open(s, &r);
    if (send_reply(srv, c, &r) < 0 || r.close)
        return;
    if (service_streams(s)) {
        stream_session(srv, c, s, buf, len);
        return;
    }
    for (;;) {
        w = wait_fd(srv, c->fd, POLLIN, 1);
        if (w == WAIT_IDLE) {
            c->note = "idle timeout";
            return;
        }
        /* On stop, what the client already sent is still echoed: read it without waiting. */
        n = read_some(c, buf, len, w != WAIT_READY);
        if (n < 0) {
            if (w == WAIT_STOP)
                c->note = "server shutting down";
            return;
        }
        if (n == 0) {
            service_on_eof(s, &r);
            if (send_reply(srv, c, &r) == 0)
                c->note = r.note;
            return;
        }
        if (feed(srv, c, s, buf, (size_t)n) < 0 || w != WAIT_READY)
            return;
    }
}

void blocking_serve(struct server *srv, int fd, char *buf, size_t buflen)
{
    struct client c = {.fd = fd};
    struct session s;

    net_set_nodelay(fd);
    c.id = server_client_open(srv, fd);
    service_session_init(&s, &srv->cfg->service);
    run_session(srv, &c, &s, buf, buflen);
    service_session_fini(&s);
    server_close_gracefully(fd, buf, buflen);
    server_client_close(srv, c.id, c.in, c.out, c.note);
}
