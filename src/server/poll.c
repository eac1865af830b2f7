/*
 * poll: one thread, non-blocking sockets, poll(2) over every connection. The classic event
 * loop: portable and easy to follow, but each wait hands the kernel the whole descriptor list,
 * so its cost grows with the number of connections (epoll's does not).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "conn.h"
#include "model.h"

#define ACCEPT_BATCH 64  /* connections taken per wake-up: the rest wait for the next */
#define PAUSE_MS     100 /* after EMFILE */

/* pfds[0] is the listener, pfds[1] the stop pipe, pfds[2 + i] belongs to conns[i]. */
struct loop {
    struct server *srv;
    struct pollfd *pfds;
    struct conn **conns;
    size_t n, cap; /* connections */
    long long now, resume_accept, next_idle_scan;
    int stopping;
    char buf[SERVER_LOOP_BUF_SIZE];
};

/* Turns what a connection wants into poll events, or closes it. Returns 0 when it was closed
 * (the last connection has moved into slot i). */
static int apply(struct loop *l, size_t i, int want)
{
    if (want != CONN_CLOSE) {
        l->pfds[2 + i].events =
            (short)((want & CONN_WANT_READ ? POLLIN : 0) | (want & CONN_WANT_WRITE ? POLLOUT : 0));
        return 1;
    }
    conn_close(l->conns[i], l->srv, l->buf, sizeof(l->buf));
    if (l->resume_accept) /* a descriptor is free: accepting, paused by EMFILE, resumes */
        l->resume_accept = l->now;
    free(l->conns[i]);
    l->n--;
    l->conns[i] = l->conns[l->n];
    l->pfds[2 + i] = l->pfds[2 + l->n];
    return 0;
}

/* Makes room for one more connection. Returns 0, or -1 when memory ran out. */
static int grow(struct loop *l)
{
    size_t cap = l->cap ? l->cap * 2 : 256;
    struct pollfd *p;
    struct conn **c;

    if (l->n < l->cap)
        return 0;
    p = realloc(l->pfds, (cap + 2) * sizeof(*p));
    if (!p)
        return -1;
    l->pfds = p;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, as meant */
    c = realloc(l->conns, cap * sizeof(*c));
    if (!c)
        return -1;
    l->conns = c;
    l->cap = cap;
    return 0;
}

/* Starts serving an accepted, admitted fd. */
static void add(struct loop *l, int fd)
{
    struct conn *c = NULL;
    int want;

    if (grow(l) < 0 || !(c = malloc(sizeof(*c)))) {
        log_error("poll: out of memory");
        close(fd);
        atomic_fetch_sub(&l->srv->stats->active, 1);
        return;
    }
    l->conns[l->n] = c;
    l->pfds[2 + l->n] = (struct pollfd){.fd = fd};
    l->n++;
    want = conn_open(c, l->srv, fd, l->now);
    apply(l, l->n - 1, want);
}

/* Accepts what is waiting, up to a batch. */
static void accept_some(struct loop *l)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(l->srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (server_accept_error_is_transient(errno))
                return;
            /* EMFILE and kin: stop polling the listener for a while instead of spinning. */
            if (l->resume_accept == 0)
                log_error("accept: %s (pausing until descriptors free up)", strerror(errno));
            l->resume_accept = l->now + PAUSE_MS;
            return;
        }
        l->resume_accept = 0;
        if (server_admit(l->srv))
            add(l, fd);
        else
            close(fd);
    }
}

/* Closes connections silent past --idle-timeout; once a second is enough. */
static void scan_idle(struct loop *l)
{
    if (l->srv->cfg->idle_timeout <= 0 || l->now < l->next_idle_scan)
        return;
    l->next_idle_scan = l->now + 1000;
    for (size_t i = 0; i < l->n;)
        if (!conn_idle_expired(l->conns[i], l->srv, l->now) || apply(l, i, CONN_CLOSE))
            i++;
}

/* Stop asked: no more accepting; each connection answers what it has, then drains. */
static void begin_stop(struct loop *l)
{
    l->stopping = 1;
    l->pfds[0].fd = -1;
    l->pfds[1].fd = -1;
    for (size_t i = 0; i < l->n;)
        if (apply(l, i, conn_drain(l->conns[i], l->srv, l->buf, sizeof(l->buf), l->now)))
            i++;
}

/* How long poll() may sleep: until the next timer, if any. */
static int timeout_ms(const struct loop *l)
{
    int t = -1;

    if (l->stopping)
        t = server_drain_left_ms(l->srv) < 100 ? server_drain_left_ms(l->srv) : 100;
    else if (l->resume_accept)
        t = PAUSE_MS;
    if (l->srv->cfg->idle_timeout > 0 && (t < 0 || t > 1000))
        t = 1000;
    return server_wait_ms(t);
}

/* Serves events until stopped and drained. */
static void serve(struct loop *l)
{
    while (!l->stopping || (l->n > 0 && server_drain_left_ms(l->srv) > 0)) {
        if (!l->stopping)
            l->pfds[0].fd = l->resume_accept && l->now < l->resume_accept ? -1 : l->srv->listen_fd;
        if (poll(l->pfds, l->n + 2, timeout_ms(l)) < 0 && errno != EINTR)
            break;
        l->now = clock_now_ms();
        if (!l->stopping && sig_stop_requested()) {
            begin_stop(l);
            continue;
        }
        for (size_t i = 0; i < l->n;) {
            short re = l->pfds[2 + i].revents;
            l->pfds[2 + i].revents = 0;
            if (re == 0 ||
                apply(l, i, conn_process(l->conns[i], l->srv, l->buf, sizeof(l->buf), l->now)))
                i++;
        }
        if (!l->stopping && (l->pfds[0].revents & POLLIN))
            accept_some(l);
        scan_idle(l);
    }
}

static int run(struct server *srv)
{
    struct loop *l = calloc(1, sizeof(*l));

    if (!l || grow(l) < 0) {
        log_error("poll: out of memory");
        free(l);
        return -1;
    }
    l->srv = srv;
    l->now = clock_now_ms();
    l->pfds[0] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
    l->pfds[1] = (struct pollfd){.fd = sig_stop_fd(), .events = POLLIN};
    serve(l);
    while (l->n > 0) /* what the drain time did not finish */
        apply(l, 0, CONN_CLOSE);
    free(l->pfds);
    free(l->conns);
    free(l);
    return 0;
}

const struct model model_poll = {
    .name = "poll",
    .summary = "one thread, non-blocking sockets, poll(2)",
    .run = run,
};
