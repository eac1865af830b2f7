/* clock: the monotonic clock every program reads (never the wall clock: it jumps). */
#ifndef TCPECHO_CLOCK_H
#define TCPECHO_CLOCK_H

#include <stdint.h>

/* Returns CLOCK_MONOTONIC now, in milliseconds. Async-signal-safe (signal-safety(7)). */
long long clock_now_ms(void);

/* Returns CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t clock_now_ns(void);

#endif
