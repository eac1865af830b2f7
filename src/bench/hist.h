/* hist: echo-bench's latency histogram — log-linear buckets, ~0.4% precision, mergeable. */
#ifndef TCPECHO_HIST_H
#define TCPECHO_HIST_H

#include <stdint.h>
#include <stdio.h>

/*
 * Each power of two from 2^HIST_LOW_EXP to 2^HIST_HIGH_EXP ns is cut into HIST_SUB_COUNT
 * buckets of equal width, so a bucket is at most 1/128 of its values wide. The range starts
 * at 512 ns, not 1024, so that 1 µs itself gets the full precision; it ends at ~68.7 s.
 */
#define HIST_SUB_BITS  7
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_LOW_EXP   9
#define HIST_HIGH_EXP  36
#define HIST_BUCKETS   ((HIST_HIGH_EXP - HIST_LOW_EXP) * HIST_SUB_COUNT)
/* Smaller values count in the lowest bucket, larger ones in the highest. */
#define HIST_LOWEST  ((uint64_t)1 << HIST_LOW_EXP)
#define HIST_HIGHEST (((uint64_t)1 << HIST_HIGH_EXP) - 1)

/*
 * A histogram of nanosecond values. Fixed size (no allocation): keep one per thread, record
 * into it without locks, and merge them at the end. Fields are private to hist.c.
 */
struct hist {
    uint64_t count;
    uint64_t sum; /* for the mean; wraps only after 584 years of recorded time */
    uint64_t min; /* exact; UINT64_MAX while empty */
    uint64_t max; /* exact */
    uint64_t buckets[HIST_BUCKETS];
};

/* Makes h empty. */
void hist_init(struct hist *h);

/* Empties h for reuse (the same as hist_init). */
void hist_reset(struct hist *h);

/* Counts one value of ns nanoseconds. Constant time, no allocation, not thread-safe. */
void hist_record(struct hist *h, uint64_t ns);

/* Adds everything recorded in src to dst, as if each value had been recorded into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * Returns the p-th percentile (p in [0, 100]) of the recorded values: the value at rank
 * round(p/100 * count), within 1/256 of it inside [HIST_LOWEST, HIST_HIGHEST]. p <= 0 gives
 * the exact min, p >= 100 the exact max, an empty histogram 0.
 */
uint64_t hist_percentile(const struct hist *h, double p);

/* Returns the number of values recorded. */
uint64_t hist_count(const struct hist *h);

/* Returns the smallest value recorded, exact, or 0 when empty. */
uint64_t hist_min(const struct hist *h);

/* Returns the largest value recorded, exact, or 0 when empty. */
uint64_t hist_max(const struct hist *h);

/* Returns the exact mean of the recorded values, or 0 when empty. */
double hist_mean(const struct hist *h);

/*
 * Writes the distribution to f: a '#' line naming the columns, then one line per non-empty
 * bucket, "value_ns count cumulative_fraction", in increasing order. Returns 0, or -1 (errno).
 */
int hist_write(const struct hist *h, FILE *f);

#endif
