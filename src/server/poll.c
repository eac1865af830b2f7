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
#include "evloop.h"
#include "model.h"
#include "udp.h"

/* pfds[0] is the listener, pfds[1] the stop pipe, pfds[2] the UDP socket, pfds[FIXED + i]
 * belongs to conns[i]. */
#define FIXED 3
struct loop {
    struct server *srv;
    struct udp_port udp;
    struct pollfd *pfds;
    struct conn **conns;
    size_t n, cap;             /* connections */
    struct server_pause pause; /* accepting paused after EMFILE */
    long long now, next_idle_scan;
    int stopping;
    char buf[SERVER_LOOP_BUF_SIZE];
};

/* Turns what a connection wants into poll events, or closes it. Returns 0 when it was closed
 * (the last connection has moved into slot i). */
static int follow(struct loop *l, size_t i, int want)
{
    if (want != CONN_CLOSE) {
        l->pfds[FIXED + i].events =
            (short)((want & CONN_WANT_READ ? POLLIN : 0) | (want & CONN_WANT_WRITE ? POLLOUT : 0));
        return 1;
    }
    conn_close(l->conns[i], l->srv, l->buf, sizeof(l->buf));
    server_pause_release(&l->pause, l->now); /* a descriptor is free */
    free(l->conns[i]);
    l->n--;
    l->conns[i] = l->conns[l->n];
    l->pfds[FIXED + i] = l->pfds[FIXED + l->n];
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
    p = realloc(l->pfds, (cap + FIXED) * sizeof(*p));
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

/* Starts serving an accepted, admitted fd (evloop_accept()'s add). */
static void add(void *arg, int fd)
{
    struct loop *l = arg;
    struct conn *c = NULL;
    int want;

    if (grow(l) < 0 || !(c = malloc(sizeof(*c)))) {
        server_unadmit(l->srv, fd, "poll", "out of memory");
        return;
    }
    l->conns[l->n] = c;
    l->pfds[FIXED + l->n] = (struct pollfd){.fd = fd};
    l->n++;
    want = conn_open(c, l->srv, fd, l->now);
    follow(l, l->n - 1, want);
}

/* Closes connections silent past --idle-timeout; once a second is enough. */
static void scan_idle(struct loop *l)
{
    if (!evloop_idle_scan_due(l->srv, &l->next_idle_scan, l->now))
        return;
    for (size_t i = 0; i < l->n;)
        if (!conn_idle_expired(l->conns[i], l->srv, l->now) || follow(l, i, CONN_CLOSE))
            i++;
}

/* Stop asked: no more accepting; each connection answers what it has, then drains. */
static void begin_stop(struct loop *l)
{
    l->stopping = 1;
    l->pfds[0].fd = -1;
    l->pfds[1].fd = -1;
    l->pfds[2].fd = -1; /* a datagram has no echo in flight to finish */
    for (size_t i = 0; i < l->n;)
        if (follow(l, i, conn_drain(l->conns[i], l->srv, l->buf, sizeof(l->buf), l->now)))
            i++;
}

/* Serves events until stopped and drained. */
static void serve(struct loop *l)
{
    while (!l->stopping || (l->n > 0 && server_drain_left_ms(l->srv) > 0)) {
        if (!l->stopping)
            l->pfds[0].fd = server_pause_active(&l->pause, l->now) ? -1 : l->srv->listen_fd;
        if (poll(l->pfds, l->n + FIXED, evloop_wait_ms(l->srv, &l->pause, l->stopping, l->now)) <
                0 &&
            errno != EINTR)
            break;
        l->now = clock_now_ms();
        if (!l->stopping && sig_stop_requested()) {
            begin_stop(l);
            continue;
        }
        for (size_t i = 0; i < l->n;) {
            short re = l->pfds[FIXED + i].revents;
            l->pfds[FIXED + i].revents = 0;
            if (re == 0 ||
                follow(l, i, conn_process(l->conns[i], l->srv, l->buf, sizeof(l->buf), l->now)))
                i++;
        }
        if (l->pfds[2].revents & POLLIN)
            udp_serve_some(&l->udp);
        server_pause_over(&l->pause, l->now);
        if (!l->stopping && (l->pfds[0].revents & POLLIN))
            evloop_accept(l->srv, &l->pause, l->now, add, l);
        scan_idle(l);
    }
}

static int run(struct server *srv)
{
    struct loop *l = calloc(1, sizeof(*l));

    if (!l || grow(l) < 0 ||
        (srv->udp_fd >= 0 && udp_port_init(&l->udp, srv, srv->udp_fd, UDP_BATCH) < 0)) {
        log_error("poll: out of memory");
        if (l)
            free(l->pfds);
        free(l);
        return -1;
    }
    l->srv = srv;
    l->now = clock_now_ms();
    l->pfds[0] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
    l->pfds[1] = (struct pollfd){.fd = sig_stop_fd(), .events = POLLIN};
    l->pfds[2] = (struct pollfd){.fd = srv->udp_fd, .events = POLLIN};
    serve(l);
    while (l->n > 0) /* what the drain time did not finish */
        follow(l, 0, CONN_CLOSE);
    if (srv->udp_fd >= 0)
        udp_port_fini(&l->udp);
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
