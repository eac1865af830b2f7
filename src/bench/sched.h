/* sched: the open-loop schedule of one connection — when each of its messages is due. */
#ifndef TCPECHO_SCHED_H
#define TCPECHO_SCHED_H

#include <stdint.h>

struct sched {
    uint64_t next_ns;     /* when the next message is due */
    uint64_t interval_ns; /* between two messages */
};

/* Returns the interval between two messages of one connection when conns connections share
 * rate messages per second. */
uint64_t sched_interval_ns(double rate, long conns);

/*
 * Starts a schedule at start_ns, shifted by the share i of n of one interval, so that n
 * connections started together do not all send at the same instant.
 */
void sched_init(struct sched *s, uint64_t start_ns, uint64_t interval_ns, long i, long n);

/*
 * Takes the next message if it is due at or before now: stores its due time in *due and
 * returns 1, else returns 0. A caller that falls behind (the server stalled, its window is
 * full) gets every late message later, each with its original due time: none is skipped,
 * so none is left out of the latency figures (no coordinated omission).
 */
int sched_take(struct sched *s, uint64_t now, uint64_t *due);

#endif
