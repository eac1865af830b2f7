/* crew: the life of echo-bench's load threads, whatever they load — start them, wake them all
 * at once, read their counters, wait for them and merge what they measured. */
#include "crew.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "evwait.h"

static struct crew_member *member(const struct crew *c, int i)
{
    return (struct crew_member *)(c->threads + (size_t)i * c->kind->size);
}

/* Gives m its epoll, with the go eventfd in it (edge-triggered: one wake-up each). Returns 0,
 * or -1 (errno). */
static int epoll_open(struct crew_member *m)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = NULL};

    m->epfd = epoll_create1(EPOLL_CLOEXEC);
    return m->epfd < 0 ? -1 : epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->go_fd, &ev);
}

int crew_start(struct crew *c, const struct crew_kind *kind, const struct bench_config *cfg,
               const struct bench_clock *clk)
{
    int go_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    c->kind = kind;
    c->n = c->inited = 0;
    c->threads = calloc((size_t)cfg->threads, kind->size);
    if (!c->threads) {
        log_error("out of memory");
        if (go_fd >= 0)
            close(go_fd);
        return -1;
    }
    c->n = cfg->threads;
    for (int i = 0; i < c->n; i++) {
        struct crew_member *m = member(c, i);
        *m = (struct crew_member){
            .cfg = cfg, .clk = clk, .index = i, .nthreads = c->n, .go_fd = go_fd};
        hist_init(&m->hist);
    }
    for (int i = 0; i < c->n; i++) {
        c->inited = i + 1; /* crew_finish() frees it, even if its init() fails halfway */
        if (go_fd < 0 || epoll_open(member(c, i)) < 0 || kind->init(member(c, i)) < 0) {
            log_error("setting up %ld %s: %s", cfg->conns, kind->what, strerror(errno));
            return -1;
        }
    }
    for (int i = 0; i < c->n; i++) {
        struct crew_member *m = member(c, i);
        int err = pthread_create(&m->tid, NULL, kind->run, m);
        if (err) {
            log_error("pthread_create: %s", strerror(err));
            return -1;
        }
        m->started = 1;
    }
    return 0;
}

void crew_go(struct crew *c)
{
    uint64_t one = 1;

    if (c->n == 0)
        return;
    for (int i = 0; i < c->n; i++)
        atomic_store_explicit(&member(c, i)->go, 1, memory_order_release);
    /* Wakes every thread's epoll at once (edge-triggered: once each). Should the write fail,
     * they still see go within the second they wait at most. */
    if (member(c, 0)->go_fd >= 0 && write(member(c, 0)->go_fd, &one, sizeof(one)) < 0)
        log_error("waking the load threads: %s", strerror(errno));
}

int crew_told_to_go(const struct crew_member *m)
{
    return atomic_load_explicit(&m->go, memory_order_acquire);
}

int crew_wait(struct crew_member *m, struct epoll_event *ev, int max, uint64_t now,
              uint64_t deadline)
{
    int n = evwait(m->epfd, ev, max, now, deadline), kept = 0;

    for (int i = 0; i < n; i++)
        if (ev[i].data.ptr) /* NULL: the go eventfd, whose news is m->go */
            ev[kept++] = ev[i];
    return kept;
}

/* Adds the counters of src to dst. */
static void counts_add(struct bench_counts *dst, const struct bench_counts *src)
{
    atomic_ullong *d = &dst->msgs;
    const atomic_ullong *s = &src->msgs;
    size_t k = sizeof(*dst) / sizeof(atomic_ullong);

    for (size_t i = 0; i < k; i++)
        atomic_fetch_add_explicit(&d[i], atomic_load_explicit(&s[i], memory_order_relaxed),
                                  memory_order_relaxed);
}

void crew_peek(const struct crew *c, struct bench_counts *counts)
{
    memset(counts, 0, sizeof(*counts));
    for (int i = 0; i < c->n; i++)
        counts_add(counts, &member(c, i)->counts);
}

void crew_finish(struct crew *c, struct hist *h, struct bench_counts *counts,
                 struct bench_spread *spread, uint64_t *cpu_ns)
{
    hist_init(h);
    memset(counts, 0, sizeof(*counts));
    memset(spread, 0, sizeof(*spread));
    for (int i = 0; i < c->n; i++) {
        struct crew_member *m = member(c, i);

        if (m->started)
            pthread_join(m->tid, NULL);
        hist_merge(h, &m->hist);
        counts_add(counts, &m->counts);
        c->kind->spread(m, spread);
        *cpu_ns += m->cpu_ns;
        if (i < c->inited)
            c->kind->fini(m);
        if (m->epfd >= 0)
            close(m->epfd);
    }
    if (c->n > 0 && member(c, 0)->go_fd >= 0)
        close(member(c, 0)->go_fd);
    free(c->threads);
    c->threads = NULL;
    c->n = c->inited = 0;
}

void crew_spread_add(struct bench_spread *s, unsigned long long measured)
{
    if (s->conns == 0 || measured < s->min)
        s->min = measured;
    if (measured > s->max)
        s->max = measured;
    s->starved += measured == 0;
    s->conns++;
}
