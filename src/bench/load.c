/*
 * load: echo-bench's load threads. Each owns a share of the connections and one epoll loop;
 * it opens them and holds them idle until crew_go(), then sends the pattern, checks every
 * echoed byte against it, and times each message from when it was sent (closed loop) or when
 * it was due (open loop, so a stalled server shows up in the percentiles instead of slowing
 * the load down: no coordinated omission).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "bench.h"
#include "crew.h"
#include "dueq.h"
#include "evwait.h"
#include "pattern.h"
#include "sched.h"

#define EVENTS    256
#define OPEN_RING 4096 /* open loop: messages that may be due but unanswered per connection */
#define NS        1000000000u

enum { CONN_IDLE, CONN_CONNECTING, CONN_OPEN, CONN_DONE };

struct bconn {
    int fd, state;
    uint64_t base;      /* where this connection's stream starts in the pattern */
    uint64_t sent;      /* bytes sent */
    uint64_t recvd;     /* bytes echoed back and checked */
    uint64_t due;       /* bytes that may be sent so far */
    uint64_t scheduled; /* messages scheduled so far */
    uint64_t opened_ns; /* when connect() was called: it must be up within --timeout */
    struct sched sched; /* open loop: when the next messages are due */
    uint64_t *stamps;   /* per message in flight: sent (closed) or due (open) time */
    uint32_t mask;      /* stamps has mask + 1 entries */
    int was_open;       /* it got connected at some point */
    int queued;         /* open loop: in its thread's dueq */
    uint64_t measured;  /* bytes echoed back in the measured window */
};

struct bench_thread {
    struct crew_member m; /* first: the crew sees only this */
    int loading;          /* go seen: traffic flows */
    struct bconn *conns;
    long n, opened;
    long oldest;          /* connections before it are not connecting any more */
    uint64_t interval_ns; /* open loop: between two messages of one connection */
    struct dueq due;      /* open loop: the open connections by when their next message is due */
    uint64_t now;
    int cpu_started; /* cpu_ns holds the thread's CPU time when measuring began */
    unsigned char buf[64 * 1024];
};

static int measuring(const struct bench_thread *t)
{
    return t->loading && t->now >= t->m.clk->measure_ns && t->now < t->m.clk->end_ns;
}

static void count(atomic_ullong *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static void finish(struct bconn *c, atomic_ullong *why)
{
    if (why)
        count(why, 1);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = CONN_DONE;
}

/* Lets one more message go: it is stamped now (closed loop) or with its due time (open). */
static void schedule(struct bench_thread *t, struct bconn *c, uint64_t stamp)
{
    c->stamps[c->scheduled & c->mask] = stamp;
    c->scheduled++;
    c->due += t->m.cfg->size;
}

/* Sends what is due, as far as the socket takes it. */
static void send_due(struct bench_thread *t, struct bconn *c)
{
    while (c->state == CONN_OPEN && c->sent < c->due) {
        uint64_t left = c->due - c->sent;
        size_t len = left < PATTERN_SPAN ? (size_t)left : PATTERN_SPAN;
        ssize_t n = send(c->fd, pattern_at(c->base + c->sent), len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                finish(c, &t->m.counts.resets);
            return; /* EAGAIN: the edge-triggered EPOLLOUT brings us back */
        }
        c->sent += (uint64_t)n;
        if (measuring(t))
            count(&t->m.counts.bytes_out, (uint64_t)n);
    }
}

/* Open loop: puts c in the queue of connections with messages to come, unless it is there. */
static void queue(struct bench_thread *t, struct bconn *c)
{
    if (c->queued || c->state != CONN_OPEN)
        return;
    c->queued = dueq_push(&t->due, c->sched.next_ns, (uint32_t)(c - t->conns)) == 0;
}

/* Accounts for the messages that n more echoed bytes complete. */
static void complete(struct bench_thread *t, struct bconn *c, size_t n)
{
    uint64_t size = t->m.cfg->size, done = c->recvd / size, now_done;

    c->recvd += n;
    if (measuring(t)) {
        count(&t->m.counts.bytes_in, n);
        c->measured += n;
    }
    if (t->m.cfg->bulk)
        return;
    for (now_done = c->recvd / size; done < now_done; done++) {
        if (measuring(t)) {
            hist_record(&t->m.hist, t->now - c->stamps[done & c->mask]);
            count(&t->m.counts.msgs, 1);
        }
        if (t->m.cfg->rate <= 0) /* closed loop: an answer lets the next message go */
            schedule(t, c, t->now);
    }
    if (t->m.cfg->rate > 0) /* open loop: the ring may have room again */
        queue(t, c);
}

/* Reads and checks echoes until the socket is empty. */
static void receive(struct bench_thread *t, struct bconn *c)
{
    while (c->state == CONN_OPEN) {
        ssize_t n = recv(c->fd, t->buf, sizeof(t->buf), MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                finish(c, &t->m.counts.resets);
            return;
        }
        if (n == 0) { /* the server closed: fine only once everything came back */
            finish(c, c->recvd < c->sent ? &t->m.counts.short_echoes : NULL);
            return;
        }
        if (c->recvd + (uint64_t)n > c->sent ||
            (t->m.cfg->verify && memcmp(t->buf, pattern_at(c->base + c->recvd), (size_t)n) != 0)) {
            finish(c, &t->m.counts.mismatches);
            return;
        }
        complete(t, c, (size_t)n);
    }
}

/* Lets the traffic of an open connection begin. */
static void start_traffic(struct bench_thread *t, struct bconn *c)
{
    if (t->m.cfg->bulk)
        c->due = UINT64_MAX;
    else if (t->m.cfg->rate > 0) {
        sched_init(&c->sched, t->now, t->interval_ns, c - t->conns, t->n);
        queue(t, c);
    } else
        for (int i = 0; i < t->m.cfg->depth; i++)
            schedule(t, c, t->now);
    send_due(t, c); /* its EPOLLOUT edge came long ago */
}

/* The connection is up: it waits for crew_go(), or starts at once if that came. */
static void established(struct bench_thread *t, struct bconn *c)
{
    c->state = CONN_OPEN;
    c->was_open = 1;
    count(&t->m.counts.connected, 1);
    if (t->loading)
        start_traffic(t, c);
}

/* crew_go() was seen: the clock is complete; start every open connection. */
static void start_load(struct bench_thread *t)
{
    t->loading = 1;
    for (long i = 0; i < t->opened; i++)
        if (t->conns[i].state == CONN_OPEN)
            start_traffic(t, &t->conns[i]);
}

static void on_event(struct bench_thread *t, struct bconn *c, uint32_t events)
{
    if (c->state == CONN_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);

        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (events & (EPOLLERR | EPOLLHUP))) {
            finish(c, &t->m.counts.connect_failures);
            return;
        }
        if (!(events & EPOLLOUT))
            return;
        established(t, c);
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
        receive(t, c);
    send_due(t, c);
}

/*
 * Binds fd to the source address 127.0.0.(1 + k), port left to connect(): with
 * IP_BIND_ADDRESS_NO_PORT the port is picked for the whole address pair, so each source has
 * its own ~28,000 ports towards the server (a plain bind() to port 0 would pick one for every
 * destination). Returns 0 or -1.
 */
static int bind_source(int fd, long k)
{
    struct sockaddr_in src = {.sin_family = AF_INET};
    int on = 1;

    src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)k);
    if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on)) < 0)
        return -1;
    return bind(fd, (struct sockaddr *)&src, sizeof(src));
}

/* Starts connecting connection i of this thread (global number g). */
static void open_one(struct bench_thread *t, struct bconn *c, long g)
{
    const struct bench_config *cfg = t->m.cfg;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    int fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    c->state = CONN_CONNECTING;
    c->fd = fd;
    c->opened_ns = t->now;
    if (fd < 0) {
        finish(c, &t->m.counts.connect_failures);
        return;
    }
    net_set_nodelay(fd);
    if ((cfg->sources > 1 && bind_source(fd, g % cfg->sources) < 0) ||
        (connect(fd, (const struct sockaddr *)&cfg->addr, cfg->addr_len) < 0 &&
         errno != EINPROGRESS) ||
        epoll_ctl(t->m.epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        finish(c, &t->m.counts.connect_failures);
}

/* Fails the connection attempts that are not up after --timeout. Returns when the next one
 * expires (UINT64_MAX: none is pending). Attempts start in the order of the connections, so
 * the oldest pending one is never before t->oldest. */
static uint64_t expire_connects(struct bench_thread *t)
{
    uint64_t limit = (uint64_t)t->m.cfg->timeout * NS;

    for (; t->oldest < t->opened; t->oldest++) {
        struct bconn *c = &t->conns[t->oldest];

        if (c->state != CONN_CONNECTING)
            continue;
        if (t->now < c->opened_ns + limit)
            return c->opened_ns + limit;
        count(&t->m.counts.connect_timeouts, 1);
        finish(c, &t->m.counts.connect_failures);
    }
    return UINT64_MAX;
}

/* Opens the connections whose turn has come under --connect-rate. */
static void open_some(struct bench_thread *t)
{
    long target = t->n;

    if (t->m.cfg->connect_rate > 0) {
        double per_thread = t->m.cfg->connect_rate / t->m.nthreads;
        target = (long)((double)(t->now - t->m.clk->start_ns) / 1e9 * per_thread) + 1;
        if (target > t->n)
            target = t->n;
    }
    for (; t->opened < target; t->opened++)
        open_one(t, &t->conns[t->opened], t->opened * t->m.nthreads + t->m.index);
}

/* Returns non-zero when c's ring has room for one more message in flight. */
static int ring_room(const struct bench_thread *t, const struct bconn *c)
{
    return c->scheduled - c->recvd / t->m.cfg->size <= c->mask;
}

/*
 * Open loop: lets the messages whose time has come go, and returns when the next one is due.
 * Only the connections at the head of the queue are touched: with 100,000 connections, a
 * scan of all of them for every message would make echo-bench the limit it measures.
 */
static uint64_t schedule_due(struct bench_thread *t)
{
    struct dueq_item it;

    while (dueq_peek(&t->due, &it) && it.due_ns <= t->now) {
        struct bconn *c = &t->conns[it.id];
        uint64_t due;

        dueq_pop(&t->due);
        c->queued = 0;
        if (c->state != CONN_OPEN)
            continue;
        /* A full ring means the server is far behind: those messages wait, keeping their
         * due time, and are timed from it once they go; complete() queues c again. */
        while (ring_room(t, c) && sched_take(&c->sched, t->now, &due))
            schedule(t, c, due);
        send_due(t, c);
        if (ring_room(t, c))
            queue(t, c);
    }
    return dueq_peek(&t->due, &it) ? it.due_ns : UINT64_MAX;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Does what is due now: opens, expires, starts the CPU clock, sends what the open loop has
 * scheduled. Returns when to look again. */
static uint64_t tick(struct bench_thread *t)
{
    /* Before crew_go() the eventfd wakes the thread; the second is a bound, not a need. */
    uint64_t deadline = t->loading ? t->m.clk->end_ns : t->now + NS;

    open_some(t);
    if (t->opened < t->n)
        deadline = earliest(deadline, t->now + 1000000); /* pacing connects: again in 1 ms */
    deadline = earliest(deadline, expire_connects(t));
    if (!t->loading)
        return deadline;
    if (!t->cpu_started && t->now >= t->m.clk->measure_ns) {
        t->m.cpu_ns = evwait_thread_cpu_ns();
        t->cpu_started = 1;
    } else if (!t->cpu_started) {
        deadline = earliest(deadline, t->m.clk->measure_ns);
    }
    if (t->m.cfg->rate > 0 && !t->m.cfg->bulk)
        deadline = earliest(deadline, schedule_due(t));
    return deadline;
}

static void *run(void *arg)
{
    struct bench_thread *t = arg;
    struct epoll_event ev[EVENTS];

    for (t->now = clock_now_ns(); !t->loading || t->now < t->m.clk->end_ns;
         t->now = clock_now_ns()) {
        int n;

        if (!t->loading && crew_told_to_go(&t->m))
            start_load(t);
        n = crew_wait(&t->m, ev, EVENTS, t->now, tick(t));
        t->now = clock_now_ns();
        for (int i = 0; i < n; i++)
            on_event(t, ev[i].data.ptr, ev[i].events);
    }
    t->m.cpu_ns = t->cpu_started ? evwait_thread_cpu_ns() - t->m.cpu_ns : 0;
    for (long i = 0; i < t->opened; i++)
        if (t->conns[i].fd >= 0)
            close(t->conns[i].fd);
    return NULL;
}

/* Sets up load thread m: its share of the connections and their stamp rings. */
static int thread_init(struct crew_member *m)
{
    struct bench_thread *t = (struct bench_thread *)m;
    const struct bench_config *cfg = m->cfg;
    int n = m->nthreads, index = m->index;
    uint32_t ring = 1;

    t->n = cfg->conns / n + (index < cfg->conns % n);
    if (cfg->rate > 0)
        t->interval_ns = sched_interval_ns(cfg->rate, cfg->conns);
    while (ring < (uint32_t)(cfg->rate > 0 ? OPEN_RING : cfg->depth))
        ring *= 2;
    t->conns = calloc((size_t)(t->n ? t->n : 1), sizeof(*t->conns));
    if (!t->conns || (cfg->rate > 0 && dueq_init(&t->due, t->n) < 0))
        return -1;
    for (long i = 0; i < t->n; i++) {
        struct bconn *c = &t->conns[i];
        long g = i * n + index;
        c->fd = -1;
        c->mask = ring - 1;
        /* Streams far apart in the pattern: a byte from another connection never matches. */
        c->base = (uint64_t)g * 7919u * 131u;
        c->stamps = cfg->bulk ? NULL : malloc(ring * sizeof(*c->stamps));
        if (!cfg->bulk && !c->stamps)
            return -1;
    }
    return 0;
}

static void thread_fini(struct crew_member *m)
{
    struct bench_thread *t = (struct bench_thread *)m;

    for (long i = 0; t->conns && i < t->n; i++)
        free(t->conns[i].stamps);
    free(t->conns);
    dueq_fini(&t->due);
}

/* Adds the bytes each connected connection of thread m got back while measuring to *s. */
static void add_spread(const struct crew_member *m, struct bench_spread *s)
{
    const struct bench_thread *t = (const struct bench_thread *)m;

    for (long i = 0; t->conns && i < t->n; i++) {
        const struct bconn *c = &t->conns[i];

        if (c->was_open)
            crew_spread_add(s, c->measured);
    }
}

const struct crew_kind load_tcp = {
    .size = sizeof(struct bench_thread),
    .what = "connections",
    .init = thread_init,
    .run = run,
    .spread = add_spread,
    .fini = thread_fini,
};
