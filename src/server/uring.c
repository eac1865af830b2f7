/*
 * uring: io_uring through liburing — one ring per thread, multishot accept on the shared
 * listener, multishot recv into a ring of provided buffers, echoes sent from the buffer they
 * arrived in. This file is the loop; uring_ring.c the rings, uring_conn.c a connection,
 * uring_udp.c a ring's datagrams.
 *
 * UDP: each ring has a socket of its own on the port (SO_REUSEPORT, steered by source address,
 * as epoll's loops) and one multishot recvmsg on it into a buffer ring of its own; each
 * datagram goes through udp.c's udp_answer() like every model's, and its answer is sent with
 * sendmsg from the buffer it arrived in. Kernels before 6.0 (no multishot recvmsg) serve UDP
 * from one blocking thread, a datagram at a time (TCPECHO_URING_UDP=thread picks it here).
 * Measured (echo-server -t 1 pinned to CPU 0, echo-bench -u -t 3 pinned to CPU 1, 3 interleaved
 * rounds, medians; the machine was shared with other builds, so rates swing by 2x and the
 * server's CPU per datagram is the steady figure): 50 flows x 16 in flight, 64 B — multishot
 * 2.6 us of server CPU per datagram (2.3-3.1), the blocking thread 5.5 (5.2-5.7), epoll's
 * batches of 32 2.9 (2.3-3.1), datagrams/s 139-297k, 106-188k and 169-298k; 1472 B (2 rounds)
 * 3.0 us against 5.9-6.8. One flow, one datagram in flight: the three alike (p50 26-34 us,
 * 15-20 us of CPU each when the machine was quiet). So a ring serves a datagram for what
 * epoll's batches cost, half of what the blocking thread does. 32 buffers a ring (2 MiB, an
 * epoll loop's batch): with 2 the receive ran out of buffers all the time and still kept up,
 * so they are not the limit.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "evloop.h"
#include "model.h"
#include "udp.h"
#include "uring_internal.h"

/* Accepts on the shared listener: every ring takes its share of new connections. */
static void arm_accept(struct loop *l)
{
    struct io_uring_sqe *sqe;

    if (l->srv->listen_fd < 0) /* UDP alone */
        return;
    sqe = uring_get_sqe(l);
    if (l->feat->multishot_accept)
        io_uring_prep_multishot_accept(sqe, l->srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, l->srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    uring_tag(l, sqe, NULL, OP_ACCEPT);
    l->accept_on = 1;
}

/* A new connection, or why accepting stopped: paused after EMFILE, re-armed otherwise. */
static void on_accept(struct loop *l, const struct completion *cqe)
{
    int res = cqe->res;

    if (!(cqe->flags & IORING_CQE_F_MORE))
        l->accept_on = 0;
    if (res >= 0) {
        server_pause_clear(&l->pause);
        if (l->stopping)
            close(res);
        else
            uring_conn_open(l, res);
    } else if (res != -ECANCELED) {
        server_pause_on_error(&l->pause, -res, l->now);
    }
    if (!l->accept_on && !l->stopping && !l->pause.until_ms)
        arm_accept(l);
}

/* Stop asked: accept no more, read no more, let what is unsent go out. */
static void begin_stop(struct loop *l)
{
    struct uconn *c, *next;

    l->stopping = 1;
    server_pause_clear(&l->pause);
    if (l->accept_on)
        uring_cancel(l, NULL, OP_ACCEPT);
    uring_udp_stop(l);
    for (c = l->conns; c; c = next) {
        next = c->next;
        c->draining = 1;
        uring_conn_settle(l, c);
    }
}

/* Sends a completion to its handler; counts down what is in flight when it is a last one. */
static void on_cqe(struct loop *l, const struct completion *cqe)
{
    uint64_t ud = cqe->user_data;
    /* NOLINTNEXTLINE(performance-no-int-to-ptr): user_data carries the connection's pointer */
    struct uconn *c = (struct uconn *)(uintptr_t)(ud & ~(uint64_t)OP_MASK);

    if (ud == LIBURING_UDATA_TIMEOUT) /* liburing's own wait timeout, on old kernels */
        return;
    if ((ud & OP_MASK) == OP_UDP) { /* names no connection */
        if (!(cqe->flags & IORING_CQE_F_MORE))
            l->inflight--;
        uring_udp_on_cqe(l, cqe);
        return;
    }
    if (!(cqe->flags & IORING_CQE_F_MORE)) {
        l->inflight--;
        if (c)
            c->ops--;
    }
    switch (ud & OP_MASK) {
    case OP_ACCEPT:
        on_accept(l, cqe);
        break;
    case OP_STOP:
        if (sig_stop_requested() && !l->stopping)
            begin_stop(l);
        break;
    case OP_RECV:
        uring_on_recv(l, c, cqe);
        break;
    case OP_SEND:
        uring_on_send(l, c, cqe->res);
        break;
    case OP_CANCEL:
        if (c)
            uring_conn_settle(l, c); /* the last request of a closing connection may be this one */
        break;
    }
}

/* Closes the connections silent past --idle-timeout, or (all) every one: drain time is over. */
static void expire(struct loop *l, int all)
{
    struct uconn *c, *next;

    for (c = l->conns; c; c = next) {
        next = c->next;
        if (c->dead || (!all && !server_client_idle(l->srv, c->last_ms, l->now)))
            continue;
        if (!all)
            c->note = "idle timeout";
        c->dead = 1;
        uring_conn_settle(l, c);
    }
}

/* What is due after a batch of completions: stop, re-arms, idle and drain deadlines. */
static void after_batch(struct loop *l)
{
    struct uconn *c, *next;

    if (!l->stopping && sig_stop_requested())
        begin_stop(l);
    uring_udp_flush(l);
    for (c = l->conns; c && l->starved > 0 && l->free_bufs > 0; c = next) {
        next = c->next;
        if (c->starved) {
            c->starved = 0;
            l->starved--;
            uring_conn_settle(l, c);
        }
    }
    if (server_pause_over(&l->pause, l->now) && !l->stopping && !l->accept_on)
        arm_accept(l);
    if (l->stopping && server_drain_left_ms(l->srv) == 0)
        expire(l, 1);
    if (evloop_idle_scan_due(l->srv, &l->next_idle_scan, l->now))
        expire(l, 0);
}

/* Handles every completion that is ready, a batch at a time. */
static void reap(struct loop *l)
{
    struct io_uring_cqe *cqes[BATCH];
    struct completion batch[BATCH];
    unsigned n;

    while ((n = io_uring_peek_batch_cqe(&l->ring, cqes, BATCH)) > 0) {
        for (unsigned i = 0; i < n; i++) {
            batch[i].user_data = cqes[i]->user_data;
            batch[i].res = cqes[i]->res;
            batch[i].flags = cqes[i]->flags;
        }
        io_uring_cq_advance(&l->ring, n);
        for (unsigned i = 0; i < n; i++)
            on_cqe(l, &batch[i]);
    }
}

/* The ring's loop: submit and wait in one call, handle the batch, until stopped and empty.
 * Waits are bounded so that deadlines (idle, drain, accept pause) are seen in time. */
static void loop_run(struct loop *l)
{
    struct io_uring_sqe *sqe = uring_get_sqe(l);
    struct __kernel_timespec ts;
    struct io_uring_cqe *cqe;

    io_uring_prep_poll_add(sqe, sig_stop_fd(), POLLIN); /* stays readable once stopped */
    uring_tag(l, sqe, NULL, OP_STOP);
    arm_accept(l);
    if (l->udp)
        uring_udp_start(l);
    l->now = clock_now_ms();
    l->next_idle_scan = l->now + EVLOOP_SCAN_MS;
    while (!l->stopping || l->inflight > 0 || l->conns) {
        /* Past the drain deadline the loop only waits for the cancels it sent, whose
         * completions wake it: no need to spin. */
        int ms = evloop_wait_ms(l->srv, &l->pause, l->stopping, l->now);

        if (ms == 0 && l->stopping)
            ms = EVLOOP_DRAIN_MS;
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (long long)(ms % 1000) * 1000000;
        io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &ts, NULL);
        l->now = clock_now_ms();
        reap(l);
        after_batch(l);
    }
}

/* A ring of its own per thread: DEFER_TASKRUN wants the creating thread to be the only one.
 * run() frees it once every thread is done. */
static void *thread_main(void *arg)
{
    struct loop *l = arg;

    if (uring_loop_init(l, 0) == 0)
        loop_run(l);
    return NULL;
}

/* Steers datagrams over the first socks sockets of the server's UDP port by source. */
static void steer(struct server *srv, long socks)
{
    if (udp_steer_by_source(srv, (int)socks) < 0)
        log_info("udp: datagrams spread over the rings by address and port: %s (a sender "
                 "using many ports gets up to %ld times --rate-limit)",
                 strerror(errno), socks);
}

/*
 * Gives rings 1 to n-1 a UDP socket each on the server's port (ring 0 has the server's own),
 * as the epoll model does: SO_REUSEPORT, steered by source address, so that each sender meets
 * one ring's rate limiter and no two rings contend for one socket's lock. Past the first that
 * cannot be opened, rings share the server's. Returns how many sockets there are.
 */
static long udp_siblings(struct server *srv, struct loop *loops, long n)
{
    long socks = 1;

    for (long i = 1; i < n; i++) {
        int fd = socks == i ? udp_sibling(srv) : -1;

        loops[i].udp_fd = fd < 0 ? srv->udp_fd : fd;
        if (fd >= 0 && fd != srv->udp_fd)
            socks++;
    }
    steer(srv, socks);
    return socks;
}

/* Closes the sockets of the rings from first on, which did not start (datagrams steered to
 * them would wait unread), last bound first so that the kernel keeps the others in their
 * places, and steers over those left. */
static void udp_unsteer(struct server *srv, struct loop *loops, long first, long n, long socks)
{
    for (long i = n - 1; i >= first; i--) {
        if (loops[i].udp_fd >= 0 && loops[i].udp_fd != srv->udp_fd) {
            close(loops[i].udp_fd);
            socks--;
        }
        loops[i].udp_fd = -1;
    }
    steer(srv, socks);
}

/* Runs one ring per thread (-t; 0: one per CPU), this thread's included, until stopped and
 * drained; UDP in each ring where the kernel has multishot recvmsg, else in a thread of its
 * own. Returns 0, or -1 when io_uring cannot run here. */
static int run(struct server *srv)
{
    struct features feat = {.buf_ring = 1};
    long n = srv->cfg->threads > 0 ? srv->cfg->threads : sysconf(_SC_NPROCESSORS_ONLN), started;
    long socks = 0;
    struct udp_thread udp = {.running = 0};
    struct loop *loops;
    int err;

    if (n < 1)
        n = 1;
    loops = calloc((size_t)n, sizeof(*loops));
    if (!loops) {
        log_error("io_uring: %s", strerror(errno));
        return -1;
    }
    for (long i = 0; i < n; i++) {
        loops[i].srv = srv;
        loops[i].feat = &feat;
        loops[i].udp_fd = i == 0 ? srv->udp_fd : -1;
    }
    /* The first ring finds out what the kernel offers; with multishot recvmsg it serves the
     * server's UDP socket itself. */
    if (uring_loop_init(&loops[0], 1) < 0 ||
        (!feat.multishot_recvmsg && udp_thread_start(&udp, srv) < 0)) {
        uring_loop_fini(&loops[0]);
        free(loops);
        return -1;
    }
    uring_log_paths(&feat, n, srv->udp_fd >= 0);
    if (srv->udp_fd >= 0 && feat.multishot_recvmsg)
        socks = udp_siblings(srv, loops, n);
    else /* one thread reads the server's socket: the others bound for the rings would not be */
        udp_close_spare(srv);
    for (started = 1; started < n; started++) {
        err = pthread_create(&loops[started].thread, NULL, thread_main, &loops[started]);
        if (err) {
            log_error("io_uring: thread: %s (serving with %ld rings)", strerror(err), started);
            break;
        }
    }
    if (socks > 0 && started < n)
        udp_unsteer(srv, loops, started, n, socks);
    loop_run(&loops[0]);
    /*
     * Every ring stays mapped until all threads are done: liburing maps rings with raw system
     * calls that ThreadSanitizer does not see, so a ring mapped where a finished one was looked
     * to it like one ring shared by two threads (a stop right after the start, under load).
     */
    for (long i = 1; i < started; i++)
        pthread_join(loops[i].thread, NULL);
    udp_thread_join(&udp);
    for (long i = 0; i < started; i++)
        uring_loop_fini(&loops[i]);
    for (long i = 1; i < started; i++)
        if (loops[i].udp_fd >= 0 && loops[i].udp_fd != srv->udp_fd)
            close(loops[i].udp_fd);
    free(loops);
    return 0;
}

const struct model model_uring = {
    .name = "uring",
    .summary = "io_uring: multishot accept and recv, provided buffer rings; -t N rings",
    .check = uring_check,
    .run = run,
    .udp_per_loop = uring_udp_per_loop,
};
