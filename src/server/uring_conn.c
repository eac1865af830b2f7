/*
 * uring_conn: one connection of the io_uring model — multishot receives into provided
 * buffers, echoes sent from the buffer they arrived in, what cannot wait copied aside, and
 * the close once nothing of it is in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net.h"
#include "uring_internal.h"

/* Returns the reply bytes c has not sent yet, wherever they wait. */
static size_t unsent(const struct uconn *c)
{
    return c->held + c->spill[0].len - c->spill[0].off + c->spill[1].len;
}

/*
 * Receives on c. One multishot run drains the socket into many buffers before a cancel can
 * land, so it is limited to the bytes --max-pending still allows where the kernel takes a
 * limit, and used only while nothing is unsent where it does not: a client that stopped
 * reading then gets one buffer per recv.
 */
static void arm_recv(struct loop *l, struct uconn *c)
{
    struct io_uring_sqe *sqe = uring_get_sqe(l);
    size_t left = unsent(c);

    if (l->feat->multishot_recv && (l->feat->recv_limit || left == 0))
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
    else
        io_uring_prep_recv(sqe, c->fd, NULL, BUF_SIZE, 0);
    if (l->feat->multishot_recv && l->feat->recv_limit) /* optlen: file_index's place */
        sqe->file_index = (unsigned)(l->srv->cfg->max_pending - left);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BUF_GROUP;
    uring_tag(l, sqe, c, OP_RECV);
    c->recv_on = 1;
}

/* Asks the kernel to end c's request op (c NULL: the ring's). */
void uring_cancel(struct loop *l, struct uconn *c, enum op op)
{
    struct io_uring_sqe *sqe = uring_get_sqe(l);

    io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)c | op, 0);
    uring_tag(l, sqe, c, OP_CANCEL);
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
    sqe = uring_get_sqe(l);
    io_uring_prep_send(sqe, c->fd, front->data + front->off, front->len - front->off, MSG_NOSIGNAL);
    uring_tag(l, sqe, c, OP_SEND);
    return 1;
}

/* A streaming service (chargen), with nothing left to send: queues its next lines, about
 * STREAM_CHUNK bytes, for one send. Returns 0, or -1 when there is nothing to stream. */
#define STREAM_CHUNK (16 * 1024)
static int stream(struct loop *l, struct uconn *c)
{
    struct service_reply r;

    if (!service_streams(&c->session) || c->draining || c->closing || c->dead)
        return -1;
    while (c->spill[1].len < STREAM_CHUNK) {
        service_on_ready(&c->session, &r);
        if (queue_reply(l, c, &r) < 0)
            return -1;
    }
    return 0;
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
        if (!c->send_on && stream(l, c) == 0)
            c->send_on = send_spill(l, c);
        return;
    }
    sqe = uring_get_sqe(l);
    if (c->nhold == 1) {
        io_uring_prep_send(sqe, c->fd, c->hold[0].iov_base, c->hold[0].iov_len, MSG_NOSIGNAL);
    } else {
        c->msg.msg_iov = c->hold;
        c->msg.msg_iovlen = c->nhold;
        io_uring_prep_sendmsg(sqe, c->fd, &c->msg, MSG_NOSIGNAL);
    }
    uring_tag(l, sqe, c, OP_SEND);
    c->send_on = 1;
}

/* Drops n sent bytes from the front of the held buffers, recycling those fully sent. */
static void held_sent(struct loop *l, struct uconn *c, size_t n)
{
    unsigned done = 0;

    c->held -= n;
    for (; done < c->nhold && n >= c->hold[done].iov_len; done++) {
        n -= c->hold[done].iov_len;
        uring_buf_recycle(l, c->hold_bid[done]);
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
    uintptr_t b = (uintptr_t)uring_buf_addr(l, bid), p = (uintptr_t)r->iov[0].iov_base;

    return r->iovcnt == 1 && c->nhold < HOLD_MAX && unsent(c) == c->held &&
           l->free_bufs >= BUF_COUNT / 4 && p >= b && p + r->iov[0].iov_len <= b + BUF_SIZE;
}

/* Feeds the n bytes received in buffer bid to the service and queues its replies. */
static void feed(struct loop *l, struct uconn *c, int bid, size_t n)
{
    struct service_reply r;
    const char *p = uring_buf_addr(l, bid);
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
        uring_buf_recycle(l, bid);
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
void uring_on_recv(struct loop *l, struct uconn *c, const struct completion *cqe)
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
        uring_buf_recycle(l, bid);
    if (res == 0 && !c->closing && !c->dead) {
        on_eof(l, c);
    } else if (res == -ENOBUFS && !c->starved) {
        c->starved = 1; /* every buffer is in use: wait until sends give some back */
        l->starved++;
    } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED && !c->dead) {
        c->note = strerror(-res);
        c->dead = 1;
    }
    uring_conn_settle(l, c);
}

/* A send finished: moves past what it took and sends the rest. */
void uring_on_send(struct loop *l, struct uconn *c, int res)
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
    uring_conn_settle(l, c);
}

/* Closes c as conn_close() does — FIN first, unread input dropped so that close() sends no
 * reset — then logs and frees it. Nothing of c may be in flight. */
static void conn_finish(struct loop *l, struct uconn *c)
{
    /* A session that ended by itself (closing) and sent all it had was not cut short. */
    if (c->draining && (unsent(c) > 0 || !c->closing))
        c->note = server_drain_note(c->note, unsent(c));
    for (unsigned i = 0; i < c->nhold; i++)
        uring_buf_recycle(l, c->hold_bid[i]);
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
void uring_conn_settle(struct loop *l, struct uconn *c)
{
    size_t left = unsent(c), max = l->srv->cfg->max_pending;
    int reading = !c->closing && !c->draining && !c->dead;

    if (reading && !c->recv_on && !c->starved && left <= max / 2) {
        arm_recv(l, c);
    } else if (c->recv_on && !c->recv_cancel && (!reading || left >= max)) {
        uring_cancel(l, c, OP_RECV);
        c->recv_cancel = 1;
    }
    if (c->dead && c->send_on && !c->send_cancel) {
        uring_cancel(l, c, OP_SEND);
        c->send_cancel = 1;
    }
    if (c->ops == 0 && !reading && (c->dead || left == 0))
        conn_finish(l, c);
}

/* Starts serving fd, just accepted; closes it at once past --max-conns. */
void uring_conn_open(struct loop *l, int fd)
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
    uring_conn_settle(l, c);
}
