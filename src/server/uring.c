/*
 * uring: io_uring through liburing — one ring per thread, multishot accept on the shared
 * listener, multishot recv into a ring of provided buffers, echoes sent from the buffer they
 * arrived in.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../net.h"
#include "../sig.h"
#include "evloop.h"
#include "model.h"

#define SQ_ENTRIES 256
#define CQ_ENTRIES 4096 /* multishot requests post many completions per submission */
#define BUF_COUNT  256  /* provided buffers per ring; a power of two, as buffer rings need */
#define BUF_SIZE   (32 * 1024)
#define BUF_GROUP  0
#define BUFS_BYTES ((size_t)BUF_COUNT * BUF_SIZE)
#define BR_BYTES   (BUF_COUNT * sizeof(struct io_uring_buf))
#define HOLD_MAX   8  /* buffers a connection echoes from uncopied: max-pending's worth */
#define BATCH      64 /* completions handled per peek */
#define SPILL_MIN  (16 * 1024)
#define SPILL_KEEP 32 /* spare spill buffers a ring keeps, so replies do not malloc each */

/* What a request is, kept in the low bits of its user_data beside its connection. */
enum op { OP_ACCEPT = 1, OP_STOP, OP_PROVIDE, OP_RECV, OP_SEND, OP_CANCEL, OP_MASK = 7 };

/* What the kernel offers: found by the first ring at start, then read-only for all. */
struct features {
    unsigned setup; /* IORING_SETUP_* flags the kernel took */
    int multishot_accept, multishot_recv;
    int recv_limit; /* multishot recv takes a byte limit (sqe->optlen; newer kernels) */
    int buf_ring;   /* 0: buffers handed back with IORING_OP_PROVIDE_BUFFERS (before 5.19) */
};

/* Reply bytes copied because a send was in flight; not touched while a send reads them. */
struct spill {
    char *data;
    size_t off, len, cap;
};

/* One client connection, owned by the ring that accepted it. */
struct uconn {
    struct uconn *prev, *next; /* the ring's connections, for idle scans and shutdown */
    int fd;
    unsigned long long id, in, out;
    long long last_ms; /* when bytes last moved, for --idle-timeout */
    struct session session;
    /* Unsent bytes, in order: provided buffers echoed without a copy, then spill[0], which a
     * send may be reading, then spill[1], which collects. Nothing is held while anything is
     * spilled, so that order is the order of the replies. */
    struct iovec hold[HOLD_MAX];
    unsigned short hold_bid[HOLD_MAX];
    unsigned nhold;
    size_t held;       /* bytes in hold */
    struct msghdr msg; /* a send of several held buffers */
    struct spill spill[2];
    unsigned ops; /* requests in flight that name this connection: free it only at 0 */
    unsigned recv_on : 1, recv_cancel : 1, send_on : 1, send_cancel : 1;
    unsigned starved : 1;  /* recv ended on ENOBUFS: re-armed once buffers come back */
    unsigned closing : 1;  /* the session is over: input ignored, close once sent */
    unsigned draining : 1; /* shutting down: read no more, close once sent */
    unsigned dead : 1;     /* close as soon as nothing is in flight, dropping unsent bytes */
    const char *note;
};

/* A completion, copied out of the queue so that the queue has room for the completions that
 * handling it causes (a cancel can complete inside the submit that carries it). */
struct completion {
    uint64_t user_data;
    int res;
    unsigned flags;
};

/* One ring and what it serves, run by one thread. */
struct loop {
    struct io_uring ring;
    int ring_ok;
    struct server *srv;
    struct features *feat;
    struct io_uring_buf_ring *br; /* NULL with IORING_OP_PROVIDE_BUFFERS */
    char *bufs, *scratch;
    char *spare[SPILL_KEEP];
    unsigned free_bufs, starved, inflight, nspare;
    struct uconn *conns;
    long long now, next_idle_scan;
    struct server_pause pause; /* accepting paused after EMFILE */
    int accept_on, stopping;
    pthread_t thread;
};

static void conn_step(struct loop *l, struct uconn *c);

/* Returns a free submission entry, submitting the full queue first when it has none. */
static struct io_uring_sqe *get_sqe(struct loop *l)
{
    struct io_uring_sqe *sqe;

    while (!(sqe = io_uring_get_sqe(&l->ring)))
        io_uring_submit(&l->ring);
    return sqe;
}

/* Names the request in sqe after c (NULL: the ring itself) and op, and counts it in flight. */
static void tag(struct loop *l, struct io_uring_sqe *sqe, struct uconn *c, enum op op)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | op);
    l->inflight++;
    if (c)
        c->ops++;
}

/* Returns where provided buffer bid starts. */
static char *buf_addr(const struct loop *l, int bid)
{
    return l->bufs + (size_t)bid * BUF_SIZE;
}

/* Hands buffer bid back to the kernel for further receives. */
static void buf_recycle(struct loop *l, int bid)
{
    struct io_uring_sqe *sqe;

    l->free_bufs++;
    if (l->br) {
        io_uring_buf_ring_add(l->br, buf_addr(l, bid), BUF_SIZE, (unsigned short)bid,
                              io_uring_buf_ring_mask(BUF_COUNT), 0);
        io_uring_buf_ring_advance(l->br, 1);
        return;
    }
    sqe = get_sqe(l);
    io_uring_prep_provide_buffers(sqe, buf_addr(l, bid), BUF_SIZE, 1, BUF_GROUP, bid);
    tag(l, sqe, NULL, OP_PROVIDE);
}

/* Returns the reply bytes c has not sent yet, wherever they wait. */
static size_t unsent(const struct uconn *c)
{
    return c->held + c->spill[0].len - c->spill[0].off + c->spill[1].len;
}

/* Accepts on the shared listener: every ring takes its share of new connections. */
static void arm_accept(struct loop *l)
{
    struct io_uring_sqe *sqe = get_sqe(l);

    if (l->feat->multishot_accept)
        io_uring_prep_multishot_accept(sqe, l->srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, l->srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    tag(l, sqe, NULL, OP_ACCEPT);
    l->accept_on = 1;
}

/*
 * Receives on c. One multishot run drains the socket into many buffers before a cancel can
 * land, so it is limited to the bytes --max-pending still allows where the kernel takes a
 * limit, and used only while nothing is unsent where it does not: a client that stopped
 * reading then gets one buffer per recv.
 */
static void arm_recv(struct loop *l, struct uconn *c)
{
    struct io_uring_sqe *sqe = get_sqe(l);
    size_t left = unsent(c);

    if (l->feat->multishot_recv && (l->feat->recv_limit || left == 0))
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
    else
        io_uring_prep_recv(sqe, c->fd, NULL, BUF_SIZE, 0);
    if (l->feat->multishot_recv && l->feat->recv_limit) /* optlen: file_index's place */
        sqe->file_index = (unsigned)(l->srv->cfg->max_pending - left);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BUF_GROUP;
    tag(l, sqe, c, OP_RECV);
    c->recv_on = 1;
}

/* Asks the kernel to end c's request op (c NULL: the ring's). */
static void cancel_op(struct loop *l, struct uconn *c, enum op op)
{
    struct io_uring_sqe *sqe = get_sqe(l);

    io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)c | op, 0);
    tag(l, sqe, c, OP_CANCEL);
}

/* Appends n bytes to s, reusing a spare buffer of the ring when one fits. Returns 0 or -1. */
static int spill_add(struct loop *l, struct spill *s, const void *p, size_t n)
{
    size_t cap = s->cap ? s->cap : SPILL_MIN;
    char *np;

    while (cap < s->len + n)
        cap *= 2;
    if (!s->data && cap == SPILL_MIN && l->nspare > 0) {
        s->data = l->spare[--l->nspare];
        s->cap = SPILL_MIN;
    }
    if (cap > s->cap) {
        np = realloc(s->data, cap);
        if (!np)
            return -1;
        s->data = np;
        s->cap = cap;
    }
    /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): data is NULL only if cap is 0 */
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

/* Gives what s holds back to the ring's spares (or to free() when it grew), leaving s empty. */
static void spill_release(struct loop *l, struct spill *s)
{
    if (s->data && s->cap == SPILL_MIN && l->nspare < SPILL_KEEP)
        l->spare[l->nspare++] = s->data;
    else
        free(s->data);
    memset(s, 0, sizeof(*s));
}

/* Copies the reply after what is unsent; the segments point into memory about to be reused. */
static int queue_reply(struct loop *l, struct uconn *c, const struct service_reply *r)
{
    for (int i = 0; i < r->iovcnt; i++) {
        if (spill_add(l, &c->spill[1], r->iov[i].iov_base, r->iov[i].iov_len) < 0) {
            c->note = "out of memory";
            c->dead = 1;
            return -1;
        }
    }
    return 0;
}

/* Sends the spilled bytes, collected ones too once the front is sent. Returns 0 when none. */
static int send_spill(struct loop *l, struct uconn *c)
{
    struct spill *front = &c->spill[0], tmp;
    struct io_uring_sqe *sqe;

    if (front->off == front->len) { /* the collecting spill goes next */
        tmp = *front;
        *front = c->spill[1];
        c->spill[1] = tmp;
        c->spill[1].off = c->spill[1].len = 0;
    }
    if (front->off == front->len) { /* all sent: an idle connection holds no buffer */
        spill_release(l, &c->spill[0]);
        spill_release(l, &c->spill[1]);
        return 0;
    }
    sqe = get_sqe(l);
    io_uring_prep_send(sqe, c->fd, front->data + front->off, front->len - front->off, MSG_NOSIGNAL);
    tag(l, sqe, c, OP_SEND);
    return 1;
}

/* Sends the first unsent bytes unless a send is in flight: one at a time keeps them in order.
 * Held buffers go in one sendmsg; nothing in flight is modified, only appended to. */
static void start_send(struct loop *l, struct uconn *c)
{
    struct io_uring_sqe *sqe;

    if (c->send_on || c->dead)
        return;
    if (c->nhold == 0) {
        c->send_on = send_spill(l, c);
        return;
    }
    sqe = get_sqe(l);
    if (c->nhold == 1) {
        io_uring_prep_send(sqe, c->fd, c->hold[0].iov_base, c->hold[0].iov_len, MSG_NOSIGNAL);
    } else {
        c->msg.msg_iov = c->hold;
        c->msg.msg_iovlen = c->nhold;
        io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
    }
    tag(l, sqe, c, OP_SEND);
    c->send_on = 1;
}

/* Drops n sent bytes from the front of the held buffers, recycling those fully sent. */
static void held_sent(struct loop *l, struct uconn *c, size_t n)
{
    unsigned done = 0;

    c->held -= n;
    for (; done < c->nhold && n >= c->hold[done].iov_len; done++) {
        n -= c->hold[done].iov_len;
        buf_recycle(l, c->hold_bid[done]);
    }
    if (done < c->nhold) {
        c->hold[done].iov_base = (char *)c->hold[done].iov_base + n;
        c->hold[done].iov_len -= n;
    }
    c->nhold -= done;
    memmove(c->hold, c->hold + done, c->nhold * sizeof(c->hold[0]));
    memmove(c->hold_bid, c->hold_bid + done, c->nhold * sizeof(c->hold_bid[0]));
}

/* May reply r, which used all of buffer bid, be sent from bid itself? Only when nothing is
 * spilled before it, and while the ring has buffers to spare: clients that never read must
 * not starve the others. */
static int can_hold(const struct loop *l, const struct uconn *c, const struct service_reply *r,
                    int bid)
{
    uintptr_t b = (uintptr_t)buf_addr(l, bid), p = (uintptr_t)r->iov[0].iov_base;

    return r->iovcnt == 1 && c->nhold < HOLD_MAX && unsent(c) == c->held &&
           l->free_bufs >= BUF_COUNT / 4 && p >= b && p + r->iov[0].iov_len <= b + BUF_SIZE;
}

/* Feeds the n bytes received in buffer bid to the service and queues its replies. */
static void feed(struct loop *l, struct uconn *c, int bid, size_t n)
{
    struct service_reply r;
    const char *p = buf_addr(l, bid);
    size_t used;
    int held = 0;

    while (n > 0 && !c->closing && !c->dead) {
        used = service_on_data(&c->session, p, n, &r);
        server_client_log(c->id, &r);
        if (used == n && can_hold(l, c, &r, bid)) {
            c->hold[c->nhold] = r.iov[0];
            c->hold_bid[c->nhold++] = (unsigned short)bid;
            c->held += r.iov[0].iov_len;
            held = 1;
        } else if (queue_reply(l, c, &r) < 0) {
            break;
        }
        if (r.close) {
            c->closing = 1;
            c->note = r.note;
        }
        p += used;
        n -= used;
    }
    if (!held)
        buf_recycle(l, bid);
    start_send(l, c);
}

/* The client half-closed: sends the session's last reply, then the connection closes. */
static void on_eof(struct loop *l, struct uconn *c)
{
    struct service_reply r;

    service_on_eof(&c->session, &r);
    if (queue_reply(l, c, &r) < 0)
        return;
    c->closing = 1;
    if (r.close)
        c->note = r.note;
    start_send(l, c);
}

/* Data, end of input or an error on c; a completion without F_MORE ends the recv. */
static void on_recv(struct loop *l, struct uconn *c, const struct completion *cqe)
{
    int res = cqe->res, bid = -1;

    if (!(cqe->flags & IORING_CQE_F_MORE))
        c->recv_on = c->recv_cancel = 0;
    if (cqe->flags & IORING_CQE_F_BUFFER) {
        bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        l->free_bufs--;
    }
    if (res > 0) {
        c->in += (unsigned)res;
        c->last_ms = l->now;
    }
    if (res > 0 && bid >= 0 && !c->closing && !c->dead)
        feed(l, c, bid, (size_t)res); /* keeps or recycles bid */
    else if (bid >= 0)
        buf_recycle(l, bid);
    if (res == 0 && !c->closing && !c->dead) {
        on_eof(l, c);
    } else if (res == -ENOBUFS && !c->starved) {
        c->starved = 1; /* every buffer is in use: wait until sends give some back */
        l->starved++;
    } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED && !c->dead) {
        c->note = strerror(-res);
        c->dead = 1;
    }
    conn_step(l, c);
}

/* A send finished: moves past what it took and sends the rest. */
static void on_send(struct loop *l, struct uconn *c, int res)
{
    c->send_on = c->send_cancel = 0;
    if (res < 0) {
        if (!c->dead && res != -ECANCELED)
            c->note = strerror(-res);
        c->dead = 1;
    } else if (c->nhold > 0) { /* a spill is sent only once nothing is held */
        held_sent(l, c, (size_t)res);
    } else {
        c->spill[0].off += (size_t)res;
    }
    if (res > 0) {
        c->out += (unsigned)res;
        c->last_ms = l->now;
    }
    start_send(l, c); /* a short send goes on from where it stopped */
    conn_step(l, c);
}

/* Closes c as conn_close() does — FIN first, unread input dropped so that close() sends no
 * reset — then logs and frees it. Nothing of c may be in flight. */
static void conn_finish(struct loop *l, struct uconn *c)
{
    if (c->draining && unsent(c) > 0)
        c->note = "echo unfinished at shutdown";
    else if (c->draining && !c->closing && !c->note)
        c->note = "server shutting down";
    for (unsigned i = 0; i < c->nhold; i++)
        buf_recycle(l, c->hold_bid[i]);
    if (c->starved)
        l->starved--;
    server_close_gracefully(c->fd, l->scratch, BUF_SIZE);
    /* A descriptor is free again: accepting, paused by EMFILE, resumes now, not at the end
     * of the pause (with few descriptors, a pause per freed one made recovery crawl). */
    server_pause_release(&l->pause, l->now);
    service_session_fini(&c->session);
    spill_release(l, &c->spill[0]);
    spill_release(l, &c->spill[1]);
    server_client_close(l->srv, c->id, c->in, c->out, c->note);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

/*
 * Moves c on after an event: reads while unsent bytes stay under --max-pending (pausing at it,
 * resuming at half of it, so a slow reader does not cost a cancel per buffer), cancels what a
 * close makes moot, and closes c once nothing of it is in flight. May free c.
 */
static void conn_step(struct loop *l, struct uconn *c)
{
    size_t left = unsent(c), max = l->srv->cfg->max_pending;
    int reading = !c->closing && !c->draining && !c->dead;

    if (reading && !c->recv_on && !c->starved && left <= max / 2) {
        arm_recv(l, c);
    } else if (c->recv_on && !c->recv_cancel && (!reading || left >= max)) {
        cancel_op(l, c, OP_RECV);
        c->recv_cancel = 1;
    }
    if (c->dead && c->send_on && !c->send_cancel) {
        cancel_op(l, c, OP_SEND);
        c->send_cancel = 1;
    }
    if (c->ops == 0 && !reading && (c->dead || left == 0))
        conn_finish(l, c);
}

/* Starts serving fd, just accepted; closes it at once past --max-conns. */
static void conn_open(struct loop *l, int fd)
{
    struct service_reply r;
    unsigned long long id;
    struct uconn *c;

    if (!server_admit(l->srv)) {
        close(fd);
        return;
    }
    net_set_nodelay(fd);
    id = server_client_open(l->srv, fd);
    c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        server_client_close(l->srv, id, 0, 0, "out of memory");
        return;
    }
    c->fd = fd;
    c->id = id;
    c->last_ms = l->now;
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    service_session_init(&c->session, &l->srv->cfg->service);
    service_on_open(&c->session, &r);
    if (queue_reply(l, c, &r) == 0 && r.close) {
        c->closing = 1;
        c->note = r.note;
    }
    start_send(l, c);
    conn_step(l, c);
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
            conn_open(l, res);
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
        cancel_op(l, NULL, OP_ACCEPT);
    for (c = l->conns; c; c = next) {
        next = c->next;
        c->draining = 1;
        conn_step(l, c);
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
        on_recv(l, c, cqe);
        break;
    case OP_SEND:
        on_send(l, c, cqe->res);
        break;
    case OP_CANCEL:
        if (c)
            conn_step(l, c); /* the last request of a closing connection may be this one */
        break;
    }
}

/* Closes the connections silent past --idle-timeout, or (all) every one: drain time is over. */
static void expire(struct loop *l, int all)
{
    long long idle_ms = (long long)l->srv->cfg->idle_timeout * 1000;
    struct uconn *c, *next;

    for (c = l->conns; c; c = next) {
        next = c->next;
        if (c->dead || (!all && l->now - c->last_ms < idle_ms))
            continue;
        if (!all)
            c->note = "idle timeout";
        c->dead = 1;
        conn_step(l, c);
    }
}

/* What is due after a batch of completions: stop, re-arms, idle and drain deadlines. */
static void after_batch(struct loop *l)
{
    struct uconn *c, *next;

    if (!l->stopping && sig_stop_requested())
        begin_stop(l);
    for (c = l->conns; c && l->starved > 0 && l->free_bufs > 0; c = next) {
        next = c->next;
        if (c->starved) {
            c->starved = 0;
            l->starved--;
            conn_step(l, c);
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
    struct io_uring_sqe *sqe = get_sqe(l);
    struct __kernel_timespec ts;
    struct io_uring_cqe *cqe;

    io_uring_prep_poll_add(sqe, sig_stop_fd(), POLLIN); /* stays readable once stopped */
    tag(l, sqe, NULL, OP_STOP);
    arm_accept(l);
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

/* Sets up l's ring with the best task-work mode the kernel takes: one issuer with deferred
 * task work (6.1), cooperative task work (5.19), or the default. Returns 0 or -errno. */
static int ring_init(struct loop *l, int probe)
{
    static const unsigned modes[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
                                     IORING_SETUP_COOP_TASKRUN, 0};
    struct io_uring_params p;
    int ret = -EINVAL;

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]) && ret == -EINVAL; i++) {
        if (!probe && modes[i] != l->feat->setup)
            continue;
        memset(&p, 0, sizeof(p));
        p.flags = modes[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = CQ_ENTRIES;
        ret = io_uring_queue_init_params(SQ_ENTRIES, &l->ring, &p);
        if (ret == 0 && probe)
            l->feat->setup = modes[i];
    }
    l->ring_ok = ret == 0;
    return ret;
}

/* Returns the name of an operation this model needs that the kernel lacks, or NULL. */
static const char *missing_op(struct io_uring *ring)
{
    static const struct {
        int op;
        const char *name;
    } need[] = {
        {IORING_OP_ACCEPT, "accept"},       {IORING_OP_RECV, "recv"},
        {IORING_OP_SEND, "send"},           {IORING_OP_POLL_ADD, "poll"},
        {IORING_OP_ASYNC_CANCEL, "cancel"}, {IORING_OP_PROVIDE_BUFFERS, "provided buffers"}};
    struct io_uring_probe *p = io_uring_get_probe_ring(ring);
    const char *miss = p ? NULL : "the opcode probe";

    for (size_t i = 0; p && !miss && i < sizeof(need) / sizeof(need[0]); i++)
        if (!io_uring_opcode_supported(p, need[i].op))
            miss = need[i].name;
    if (p)
        io_uring_free_probe(p);
    return miss;
}

/* Does the kernel take the multishot flag of accept (5.19) or recv (6.0), and (limit) a byte
 * limit on recv? Asked on fd -1: flags are checked before the descriptor, so EBADF means yes
 * and EINVAL no. */
static int has_multishot(struct io_uring *ring, int recv, int limit)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    struct io_uring_cqe *cqe;
    int res;

    if (recv) {
        io_uring_prep_recv_multishot(sqe, -1, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BUF_GROUP;
        sqe->file_index = limit ? BUF_SIZE : 0;
    } else {
        io_uring_prep_multishot_accept(sqe, -1, NULL, NULL, 0);
    }
    io_uring_sqe_set_data64(sqe, 0);
    io_uring_submit_and_wait(ring, 1);
    if (io_uring_wait_cqe(ring, &cqe) < 0)
        return 0;
    res = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    return res != -EINVAL;
}

/* Registers a buffer ring (Linux 5.19) holding all of l's buffers. Returns 0, or -errno
 * (EINVAL: the kernel has no buffer rings). */
static int buf_ring_init(struct loop *l)
{
    struct io_uring_buf_reg reg = {.ring_entries = BUF_COUNT, .bgid = BUF_GROUP};
    void *p = mmap(NULL, BR_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ret;

    if (p == MAP_FAILED)
        return -ENOMEM;
    reg.ring_addr = (uintptr_t)p;
    ret = io_uring_register_buf_ring(&l->ring, &reg, 0);
    if (ret < 0) {
        munmap(p, BR_BYTES);
        return ret;
    }
    l->br = p;
    for (int i = 0; i < BUF_COUNT; i++)
        io_uring_buf_ring_add(l->br, buf_addr(l, i), BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(BUF_COUNT), i);
    io_uring_buf_ring_advance(l->br, BUF_COUNT);
    return 0;
}

/* Maps the ring's buffers and hands them all to the kernel: in a buffer ring when it has them
 * (probe: find out, and fall back), or else with PROVIDE_BUFFERS. Returns 0 or -errno. */
static int bufs_init(struct loop *l, int probe)
{
    void *p = mmap(NULL, BUFS_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct io_uring_sqe *sqe;
    int ret;

    l->bufs = p == MAP_FAILED ? NULL : p;
    l->scratch = malloc(BUF_SIZE);
    if (!l->bufs || !l->scratch)
        return -ENOMEM;
    if (l->feat->buf_ring) {
        ret = buf_ring_init(l);
        if (ret == -EINVAL && probe)
            l->feat->buf_ring = 0;
        else if (ret < 0)
            return ret;
    }
    if (!l->br) {
        sqe = get_sqe(l);
        io_uring_prep_provide_buffers(sqe, l->bufs, BUF_SIZE, BUF_COUNT, BUF_GROUP, 0);
        tag(l, sqe, NULL, OP_PROVIDE);
    }
    l->free_bufs = BUF_COUNT;
    return 0;
}

/* Sets up l: its ring, and (probe) what the kernel offers, then its buffers. Logs why not and
 * returns -1 when it cannot; loop_fini() undoes it either way. */
static int loop_init(struct loop *l, int probe)
{
    const char *miss;
    int ret = ring_init(l, probe);

    if (ret < 0) {
        log_error("io_uring: %s", strerror(-ret));
        return -1;
    }
    if (probe) {
        miss = missing_op(&l->ring);
        if (miss) {
            log_error("io_uring: the kernel lacks %s (Linux 5.7 or later needed)", miss);
            return -1;
        }
        l->feat->multishot_accept = has_multishot(&l->ring, 0, 0);
        l->feat->multishot_recv = has_multishot(&l->ring, 1, 0);
        l->feat->recv_limit = l->feat->multishot_recv && has_multishot(&l->ring, 1, 1);
    }
    ret = bufs_init(l, probe);
    if (ret < 0) {
        log_error("io_uring: buffers: %s", strerror(-ret));
        return -1;
    }
    return 0;
}

/* Frees what loop_init() set up. Nothing may be in flight. */
static void loop_fini(struct loop *l)
{
    if (l->ring_ok)
        io_uring_queue_exit(&l->ring);
    if (l->br)
        munmap(l->br, BR_BYTES);
    if (l->bufs)
        munmap(l->bufs, BUFS_BYTES);
    free(l->scratch);
    while (l->nspare > 0)
        free(l->spare[--l->nspare]);
}

/* Says with -v which paths the kernel let this model take. */
static void log_paths(const struct features *f, long rings)
{
    const char *mode = f->setup & IORING_SETUP_DEFER_TASKRUN  ? "single issuer, deferred task work"
                       : f->setup & IORING_SETUP_COOP_TASKRUN ? "cooperative task work"
                                                              : "default task work";
    const char *recv = !f->multishot_recv ? "single-shot"
                       : f->recv_limit    ? "multishot, byte-limited"
                                          : "multishot, single-shot while echoes are unsent";

    log_debug("uring: %ld ring%s, %s; accept: %s; recv: %s; buffers: %s of %d x %d KiB", rings,
              rings == 1 ? "" : "s", mode, f->multishot_accept ? "multishot" : "single-shot", recv,
              f->buf_ring ? "ring" : "provided without a ring", BUF_COUNT, BUF_SIZE / 1024);
}

/* A ring of its own per thread: DEFER_TASKRUN wants the creating thread to be the only one. */
static void *thread_main(void *arg)
{
    struct loop *l = arg;

    if (loop_init(l, 0) == 0)
        loop_run(l);
    loop_fini(l);
    return NULL;
}

/* Runs one ring per thread (-t; 0: one per CPU), this thread's included, until stopped and
 * drained. Returns 0, or -1 when io_uring cannot run here. */
static int run(struct server *srv)
{
    struct features feat = {.buf_ring = 1};
    long n = srv->cfg->threads > 0 ? srv->cfg->threads : sysconf(_SC_NPROCESSORS_ONLN), started;
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
    }
    if (loop_init(&loops[0], 1) < 0) { /* the first ring finds out what the kernel offers */
        loop_fini(&loops[0]);
        free(loops);
        return -1;
    }
    log_paths(&feat, n);
    for (started = 1; started < n; started++) {
        err = pthread_create(&loops[started].thread, NULL, thread_main, &loops[started]);
        if (err) {
            log_error("io_uring: thread: %s (serving with %ld rings)", strerror(err), started);
            break;
        }
    }
    loop_run(&loops[0]);
    loop_fini(&loops[0]);
    for (long i = 1; i < started; i++)
        pthread_join(loops[i].thread, NULL);
    free(loops);
    return 0;
}

/* Before the listener is bound: can io_uring run here at all? Then a script never sees a
 * "listening on" line from a server that is about to fail. */
static int check(char *why, size_t len)
{
    struct io_uring ring;
    const char *miss;
    int ret = io_uring_queue_init(8, &ring, 0);

    if (ret < 0) {
        snprintf(why, len, "io_uring: %s", strerror(-ret));
        return -1;
    }
    miss = missing_op(&ring);
    io_uring_queue_exit(&ring);
    if (miss)
        snprintf(why, len, "io_uring: the kernel lacks %s (Linux 5.7 or later needed)", miss);
    return miss ? -1 : 0;
}

const struct model model_uring = {
    .name = "uring",
    .summary = "io_uring: multishot accept and recv, provided buffer rings; -t N rings",
    .check = check,
    .run = run,
};
