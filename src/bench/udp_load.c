/*
 * udp_load: echo-bench's load threads over UDP. Each owns a share of the flows (one UDP
 * socket connect()ed to the server each) and one epoll loop. It sends datagrams in batches
 * (sendmmsg), each carrying its flow and sequence number (udp_wire.h), reads the echoes in
 * batches (recvmmsg), checks every byte, and keeps each datagram's fate (udp_track.h): timed
 * from when it was sent (closed loop) or due (open loop), lost when not back within
 * --lost-after. After the measured window it sends no more and waits, at most --lost-after,
 * for what is still in flight.
 */
#include "udp_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "crew.h"
#include "dueq.h"
#include "evwait.h"
#include "sched.h"
#include "udp_track.h"
#include "udp_wire.h"

#define EVENTS   256
#define BATCH    64                /* datagrams per sendmmsg or recvmmsg */
#define RECV_MEM ((size_t)1 << 20) /* a thread's receive buffers, at most (BATCH min 4) */
#define SOCK_BUF (1 << 20)         /* asked for each socket's buffers; the kernel caps it */
#define MS       1000000u

struct uflow {
    int fd;
    uint32_t id;        /* global flow number, in every header */
    struct udp_flow tr; /* its datagrams' fates */
    struct sched sched; /* open loop: when its next datagram is due */
    int queued;         /* open loop: in the thread's dueq */
    int blocked;        /* its send buffer was full: waiting for EPOLLOUT */
    int was_open;
    uint64_t measured; /* bytes echoed of measured datagrams */
};

struct udp_thread {
    struct crew_member m; /* first: the crew sees only this */
    int loading;          /* go seen: datagrams flow */
    struct uflow *flows;
    long n;
    uint64_t out; /* datagrams in flight on all its flows */
    uint64_t interval_ns, next_scan, lost_ns;
    struct dueq due;
    uint64_t now;
    int cpu_started; /* 0: window not open yet, 1: cpu_ns is the start, 2: cpu_ns is the use */
    uint32_t salt, batch;
    unsigned char hdr[BATCH][UDP_WIRE_HEADER];
    struct iovec siov[BATCH][2], riov[BATCH];
    struct mmsghdr smsg[BATCH], rmsg[BATCH];
    unsigned char *rbuf; /* batch receive buffers of size + 1 bytes: a longer echo shows */
};

static void count(atomic_ullong *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Returns non-zero while datagrams sent now are counted. */
static int measuring(const struct udp_thread *t)
{
    return t->loading && t->now >= t->m.clk->measure_ns && t->now < t->m.clk->end_ns;
}

/* Returns non-zero while datagrams may be sent. */
static int sending(const struct udp_thread *t)
{
    return t->loading && t->now < t->m.clk->end_ns;
}

/* Ends a flow on an error that is not the server's answer (no route, no memory ...). */
static void flow_fail(struct udp_thread *t, struct uflow *f)
{
    count(&t->m.counts.resets, 1);
    close(f->fd);
    f->fd = -1;
}

/* Open loop: puts f in the queue of flows with datagrams to come, unless it is there. */
static void queue(struct udp_thread *t, struct uflow *f)
{
    /* A full ring or send buffer: an echo, a loss or EPOLLOUT brings it back (send_flow). */
    if (f->queued || f->fd < 0 || f->blocked || !sending(t) || !udp_flow_room(&f->tr))
        return;
    f->queued = dueq_push(&t->due, f->sched.next_ns, (uint32_t)(f - t->flows)) == 0;
}

/* Returns how many datagrams f may send now, at most BATCH: what its depth (closed loop) or
 * its schedule (open loop) allows and its ring has room for. */
static uint32_t sendable(const struct udp_thread *t, const struct uflow *f)
{
    uint64_t room = (uint64_t)f->tr.mask + 1 - (f->tr.next - f->tr.tail);
    uint64_t want;

    if (t->m.cfg->rate > 0)
        want = f->sched.next_ns > t->now ? 0 : (t->now - f->sched.next_ns) / t->interval_ns + 1;
    else
        want = (uint64_t)t->m.cfg->depth - f->tr.out;
    want = want < room ? want : room;
    return want < t->batch ? (uint32_t)want : t->batch;
}

/* Fills message i of the send batch with datagram seq of f. */
static void prepare(struct udp_thread *t, const struct uflow *f, uint32_t i, uint64_t seq)
{
    struct msghdr *m = &t->smsg[i].msg_hdr;

    udp_wire_header(t->hdr[i], f->id, seq, t->salt);
    t->siov[i][0] = (struct iovec){t->hdr[i], UDP_WIRE_HEADER};
    t->siov[i][1] = (struct iovec){(void *)udp_wire_payload(f->id, seq, t->salt),
                                   t->m.cfg->size - UDP_WIRE_HEADER};
    memset(m, 0, sizeof(*m));
    m->msg_iov = t->siov[i];
    m->msg_iovlen = 2;
}

/* Waits for room in f's send buffer. */
static void block(struct udp_thread *t, struct uflow *f, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = f};

    f->blocked = (events & EPOLLOUT) != 0;
    if (epoll_ctl(t->m.epfd, EPOLL_CTL_MOD, f->fd, &ev) < 0)
        flow_fail(t, f);
}

/* Records the n datagrams of the batch that went. */
static void sent(struct udp_thread *t, struct uflow *f, uint32_t n)
{
    int m = measuring(t);

    for (uint32_t i = 0; i < n; i++) {
        uint64_t stamp = t->now;

        if (t->m.cfg->rate > 0) { /* timed from when it was due */
            stamp = f->sched.next_ns;
            f->sched.next_ns += t->interval_ns;
        }
        udp_flow_sent(&f->tr, stamp, t->now, m);
    }
    t->out += n;
    if (m) {
        count(&t->m.counts.udp_sent, n);
        count(&t->m.counts.bytes_out, (uint64_t)n * t->m.cfg->size);
    }
}

/* Sends what f may send now, in batches, as far as its socket takes them. */
static void send_flow(struct udp_thread *t, struct uflow *f)
{
    uint32_t k;

    while (f->fd >= 0 && !f->blocked && sending(t) && (k = sendable(t, f)) > 0) {
        int n;

        for (uint32_t i = 0; i < k; i++)
            prepare(t, f, i, f->tr.next + i);
        n = sendmmsg(f->fd, t->smsg, k, MSG_DONTWAIT);
        if (n < 0 && errno == ECONNREFUSED) /* an earlier datagram's ICMP port unreachable */
            count(&t->m.counts.udp_refused, 1);
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            block(t, f, EPOLLIN | EPOLLOUT);
        else if (n < 0 && errno != EINTR)
            flow_fail(t, f);
        else if (n > 0)
            sent(t, f, (uint32_t)n);
    }
    if (t->m.cfg->rate > 0)
        queue(t, f);
}

/* Counts an echo of a measured datagram that came back in time. */
static void echoed(struct udp_thread *t, struct uflow *f, uint64_t stamp, size_t len)
{
    hist_record(&t->m.hist, t->now - stamp);
    count(&t->m.counts.udp_echoed, 1);
    count(&t->m.counts.msgs, 1);
    count(&t->m.counts.bytes_in, len);
    f->measured += len;
}

/* Takes one echoed datagram of len bytes (len > size: it was longer). */
static void on_datagram(struct udp_thread *t, struct uflow *f, const unsigned char *buf, size_t len)
{
    uint32_t flow;
    uint64_t seq, stamp = 0;
    int measured = measuring(t);
    enum udp_wire_check w =
        udp_wire_check(buf, len, t->m.cfg->size, t->salt, t->m.cfg->verify, &flow, &seq);
    enum udp_verdict v;

    /* A datagram of another flow, or one never sent, is as unknown as a broken header. */
    if (w != UDP_WIRE_OK || flow != f->id ||
        (v = udp_flow_echo(&f->tr, seq, &stamp, &measured)) == UDP_ECHO_UNKNOWN) {
        count(&t->m.counts.udp_corrupted, 1);
        return;
    }
    count(&t->m.counts.udp_answered, 1);
    if (v == UDP_ECHO_IN_ORDER || v == UDP_ECHO_REORDERED)
        t->out--;
    if (!measured)
        return;
    if (v == UDP_ECHO_LATE)
        count(&t->m.counts.udp_late, 1);
    else if (v == UDP_ECHO_DUPLICATE)
        count(&t->m.counts.udp_duplicated, 1);
    else {
        if (v == UDP_ECHO_REORDERED)
            count(&t->m.counts.udp_reordered, 1);
        echoed(t, f, stamp, len);
    }
}

/* Reads the echoes waiting on f, a batch at a time, until its socket is empty. */
static void receive(struct udp_thread *t, struct uflow *f)
{
    while (f->fd >= 0) {
        int n = recvmmsg(f->fd, t->rmsg, t->batch, MSG_DONTWAIT, NULL);

        if (n < 0 && errno == ECONNREFUSED) {
            count(&t->m.counts.udp_refused, 1);
            continue;
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            flow_fail(t, f);
        if (n <= 0)
            return;
        t->now = clock_now_ns();
        for (int i = 0; i < n; i++)
            on_datagram(t, f, t->riov[i].iov_base, t->rmsg[i].msg_len);
        if ((uint32_t)n < t->batch)
            return;
    }
}

static void on_event(struct udp_thread *t, struct uflow *f, uint32_t events)
{
    if (events & (EPOLLIN | EPOLLERR))
        receive(t, f);
    if (f->fd >= 0 && f->blocked && (events & EPOLLOUT))
        block(t, f, EPOLLIN);
    send_flow(t, f);
}

/* Counts the datagrams in flight sent at or before sent_before as lost, and lets the flows
 * whose window that opened send again. */
static void expire(struct udp_thread *t, uint64_t sent_before)
{
    for (long i = 0; i < t->n; i++) {
        struct uflow *f = &t->flows[i];
        uint64_t measured, lost = udp_flow_expire(&f->tr, sent_before, &measured);

        t->out -= lost;
        count(&t->m.counts.udp_lost, measured);
        if (lost)
            send_flow(t, f);
    }
}

/* Opens flow f: a UDP socket connect()ed to the server, in the thread's epoll. */
static void open_flow(struct udp_thread *t, struct uflow *f)
{
    const struct bench_config *cfg = t->m.cfg;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = f};
    int buf = SOCK_BUF;

    f->fd = socket(cfg->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f->fd < 0) {
        count(&t->m.counts.connect_failures, 1);
        return;
    }
    /* Best effort: a deep window of large datagrams should not overflow the default. */
    setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    setsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    if (connect(f->fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) < 0 ||
        epoll_ctl(t->m.epfd, EPOLL_CTL_ADD, f->fd, &ev) < 0) {
        count(&t->m.counts.connect_failures, 1);
        close(f->fd);
        f->fd = -1;
        return;
    }
    f->was_open = 1;
    count(&t->m.counts.connected, 1);
}

/* crew_go() was seen: the clock is complete; every flow starts. */
static void start_load(struct udp_thread *t)
{
    t->loading = 1;
    t->next_scan = t->now;
    for (long i = 0; i < t->n; i++) {
        struct uflow *f = &t->flows[i];

        if (t->m.cfg->rate > 0)
            sched_init(&f->sched, t->now, t->interval_ns, i, t->n);
        send_flow(t, f);
    }
}

/* Open loop: lets the flows whose datagrams are due send. Returns when the next is due. */
static uint64_t send_due(struct udp_thread *t)
{
    struct dueq_item it;

    while (dueq_peek(&t->due, &it) && it.due_ns <= t->now) {
        dueq_pop(&t->due);
        t->flows[it.id].queued = 0;
        send_flow(t, &t->flows[it.id]);
    }
    return dueq_peek(&t->due, &it) ? it.due_ns : UINT64_MAX;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Starts the thread's CPU clock when the window opens, stops it when the window closes: the
 * wait for the last echoes is not load. */
static void cpu_clock(struct udp_thread *t)
{
    if (t->cpu_started == 0 && t->now >= t->m.clk->measure_ns) {
        t->m.cpu_ns = evwait_thread_cpu_ns();
        t->cpu_started = 1;
    }
    if (t->cpu_started == 1 && t->now >= t->m.clk->end_ns) {
        t->m.cpu_ns = evwait_thread_cpu_ns() - t->m.cpu_ns;
        t->cpu_started = 2;
    }
}

/* Does what is due now: the CPU clock, the loss scan, the open loop's datagrams. Returns
 * when to look again. */
static uint64_t tick(struct udp_thread *t)
{
    uint64_t deadline = t->now + 1000 * MS; /* before crew_go() the eventfd wakes us */

    if (!t->loading)
        return deadline;
    cpu_clock(t);
    if (t->now >= t->next_scan) {
        if (t->now > t->lost_ns)
            expire(t, t->now - t->lost_ns);
        /* A tenth of --lost-after late at most, but no busier than every millisecond. */
        t->next_scan = t->now + (t->lost_ns / 10 > MS ? t->lost_ns / 10 : MS);
    }
    deadline =
        earliest(t->next_scan, sending(t) ? t->m.clk->end_ns : t->m.clk->end_ns + t->lost_ns);
    if (!t->cpu_started)
        deadline = earliest(deadline, t->m.clk->measure_ns);
    if (t->m.cfg->rate > 0 && sending(t))
        deadline = earliest(deadline, send_due(t));
    return deadline;
}

/* Returns non-zero once the window is over and nothing is in flight or --lost-after passed. */
static int done(const struct udp_thread *t)
{
    return t->loading && t->now >= t->m.clk->end_ns &&
           (t->out == 0 || t->now >= t->m.clk->end_ns + t->lost_ns);
}

static void *run(void *arg)
{
    struct udp_thread *t = arg;
    struct epoll_event ev[EVENTS];

    t->now = clock_now_ns();
    for (long i = 0; i < t->n; i++)
        open_flow(t, &t->flows[i]);
    for (; !done(t); t->now = clock_now_ns()) {
        int n;

        if (!t->loading && crew_told_to_go(&t->m))
            start_load(t);
        n = crew_wait(&t->m, ev, EVENTS, t->now, tick(t));
        t->now = clock_now_ns();
        for (int i = 0; i < n; i++)
            on_event(t, ev[i].data.ptr, ev[i].events);
    }
    cpu_clock(t);
    if (t->cpu_started != 2)
        t->m.cpu_ns = 0;
    expire(t, UINT64_MAX); /* what is still out now was not back within --lost-after */
    for (long i = 0; i < t->n; i++)
        if (t->flows[i].fd >= 0)
            close(t->flows[i].fd);
    return NULL;
}

/* Points the receive batch at its buffers. */
static void receive_buffers(struct udp_thread *t)
{
    size_t cap = t->m.cfg->size + 1;

    for (uint32_t i = 0; i < t->batch; i++) {
        t->riov[i] = (struct iovec){t->rbuf + i * cap, cap};
        t->rmsg[i].msg_hdr = (struct msghdr){.msg_iov = &t->riov[i], .msg_iovlen = 1};
    }
}

/* Sets up load thread m: its flows and their rings, its buffers. */
static int thread_init(struct crew_member *m)
{
    struct udp_thread *t = (struct udp_thread *)m;
    const struct bench_config *cfg = m->cfg;
    uint32_t slots = udp_track_slots(cfg->depth, cfg->rate, cfg->conns, cfg->lost_after_ms);
    size_t fit = RECV_MEM / (cfg->size + 1);

    t->n = cfg->conns / m->nthreads + (m->index < cfg->conns % m->nthreads);
    t->lost_ns = (uint64_t)cfg->lost_after_ms * MS;
    t->salt = (uint32_t)(clock_now_ns() * 2654435761u) ^ (uint32_t)getpid();
    t->batch = fit >= BATCH ? BATCH : fit < 4 ? 4 : (uint32_t)fit;
    if (cfg->rate > 0)
        t->interval_ns = sched_interval_ns(cfg->rate, cfg->conns);
    t->flows = calloc((size_t)(t->n ? t->n : 1), sizeof(*t->flows));
    t->rbuf = malloc(t->batch * (cfg->size + 1));
    if (!t->flows || !t->rbuf || (cfg->rate > 0 && dueq_init(&t->due, t->n) < 0))
        return -1;
    receive_buffers(t);
    for (long i = 0; i < t->n; i++) {
        t->flows[i].fd = -1;
        t->flows[i].id = (uint32_t)(i * m->nthreads + m->index);
        if (udp_flow_init(&t->flows[i].tr, slots) < 0)
            return -1;
    }
    return 0;
}

static void thread_fini(struct crew_member *m)
{
    struct udp_thread *t = (struct udp_thread *)m;

    for (long i = 0; t->flows && i < t->n; i++)
        udp_flow_fini(&t->flows[i].tr);
    free(t->flows);
    free(t->rbuf);
    dueq_fini(&t->due);
}

/* Adds the bytes each opened flow of thread m got back while measuring to *s. */
static void add_spread(const struct crew_member *m, struct bench_spread *s)
{
    const struct udp_thread *t = (const struct udp_thread *)m;

    for (long i = 0; t->flows && i < t->n; i++)
        if (t->flows[i].was_open)
            crew_spread_add(s, t->flows[i].measured);
}

const struct crew_kind load_udp = {
    .size = sizeof(struct udp_thread),
    .what = "flows",
    .init = thread_init,
    .run = run,
    .spread = add_spread,
    .fini = thread_fini,
};
