/* crew: the life of echo-bench's load threads, whatever they load — start them, wake them all
 * at once, read their counters, wait for them and merge what they measured. load.c (TCP) and
 * udp_load.c (UDP) each give a crew_kind: how one of their threads is set up, runs, is freed. */
#ifndef TCPECHO_BENCH_CREW_H
#define TCPECHO_BENCH_CREW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "bench.h"

/* What every load thread has, the first member of each kind's thread struct. */
struct crew_member {
    const struct bench_config *cfg;
    const struct bench_clock *clk; /* all of it readable only once go is seen */
    int index, nthreads;
    int epfd;      /* the thread's epoll; the go eventfd is in it, with data.ptr NULL */
    int go_fd;     /* an eventfd all threads share: crew_go() writes it to wake them */
    atomic_int go; /* set by crew_go() */
    int started;   /* tid is a running thread */
    pthread_t tid;
    uint64_t cpu_ns; /* the thread's CPU time in the measured window, once it is done */
    struct hist hist;
    struct bench_counts counts;
};

/* One kind of load thread: its struct begins with a struct crew_member. */
struct crew_kind {
    size_t size;      /* of its thread struct */
    const char *what; /* what a thread loads: "connections", "flows" */
    /* Sets up thread m (cfg, clk, index, nthreads, epfd and go_fd are set). Returns 0, or -1
     * (errno). */
    int (*init)(struct crew_member *m);
    void *(*run)(void *m); /* the thread: until the run is over */
    /* Adds the measured bytes of each of m's connections that came up to *s. */
    void (*spread)(const struct crew_member *m, struct bench_spread *s);
    void (*fini)(struct crew_member *m); /* frees what init set up, even after it failed */
};

struct crew {
    const struct crew_kind *kind;
    int n, inited;          /* threads, and how many of them init() was called for */
    unsigned char *threads; /* n structs of kind->size bytes */
};

/* Starts cfg->threads load threads of kind; they get ready and wait for crew_go(). Returns 0,
 * or -1 after logging; either way crew_go() and crew_finish() must follow. */
int crew_start(struct crew *c, const struct crew_kind *kind, const struct bench_config *cfg,
               const struct bench_clock *clk);

/* Starts the load: clk's load_ns, measure_ns and end_ns must be set. */
void crew_go(struct crew *c);

/* Returns non-zero once crew_go() was called: clk is complete. */
int crew_told_to_go(const struct crew_member *m);

/* Waits on m's epoll until deadline (ns; now is the time now) and stores the events of the
 * kind's own descriptors in ev (at most max), the go eventfd's left out. Returns how many. */
int crew_wait(struct crew_member *m, struct epoll_event *ev, int max, uint64_t now,
              uint64_t deadline);

/* Sums the live counters of the running threads into *counts (for the progress line). */
void crew_peek(const struct crew *c, struct bench_counts *counts);

/* Waits for the threads, merges their histograms into *h, counts into *counts and shares into
 * *spread, adds the CPU time they used in the measured window to *cpu_ns, frees them. */
void crew_finish(struct crew *c, struct hist *h, struct bench_counts *counts,
                 struct bench_spread *spread, uint64_t *cpu_ns);

/* Adds one connection (or flow) that got measured bytes echoed in the window to s. */
void crew_spread_add(struct bench_spread *s, unsigned long long measured);

#endif
