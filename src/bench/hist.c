/* hist: a log-linear latency histogram cheap enough to update once per echoed message. */
#include "hist.h"

#include <inttypes.h>
#include <string.h>

/*
 * Maps a value to its bucket. A value in [2^e, 2^(e+1)) keeps its top HIST_SUB_BITS + 1 bits:
 * the leading 1 picks the power of two, the next 7 bits the sub-bucket. Two compares (cmov),
 * a count-leading-zeros and a shift: this runs on every message. __builtin_clzll is in GCC
 * and clang; v is never 0 here, where it would be undefined.
 */
static unsigned bucket_of(uint64_t v)
{
    unsigned e, shift;

    v = v < HIST_LOWEST ? HIST_LOWEST : v;
    v = v > HIST_HIGHEST ? HIST_HIGHEST : v;
    e = 63u - (unsigned)__builtin_clzll(v);
    shift = e - HIST_SUB_BITS;
    return ((e - HIST_LOW_EXP) << HIST_SUB_BITS) + (unsigned)(v >> shift) - HIST_SUB_COUNT;
}

/* Returns the value reported for bucket i: the middle of its range, rounded up. Off by at most
 * half a bucket, which is 1/256 of the smallest value in it. */
static uint64_t bucket_value(unsigned i)
{
    unsigned shift = i / HIST_SUB_COUNT + HIST_LOW_EXP - HIST_SUB_BITS;
    uint64_t lo = (uint64_t)(HIST_SUB_COUNT + i % HIST_SUB_COUNT) << shift;

    return lo + (((uint64_t)1 << shift) >> 1);
}

/* Returns v within the recorded [min, max]: a bucket's middle may lie outside the values in it,
 * and values beyond the range all sit in an end bucket. */
static uint64_t clamp_recorded(const struct hist *h, uint64_t v)
{
    if (v < h->min)
        return h->min;
    return v > h->max ? h->max : v;
}

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

void hist_reset(struct hist *h)
{
    hist_init(h);
}

void hist_record(struct hist *h, uint64_t ns)
{
    h->buckets[bucket_of(ns)]++;
    h->count++;
    h->sum += ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

/* Returns the 1-based rank of the p-th percentile among n values: nearest rank, so that a
 * p/100 * n of 99900.00000000001 (99.9 is not exact in binary) still means 99900. */
static uint64_t rank_of(double p, uint64_t n)
{
    /* p < 100 here, so r < n + 0.5 and the rank is at most n. */
    double r = p / 100.0 * (double)n + 0.5;

    return r < 1.0 ? 1 : (uint64_t)r;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t rank, seen = 0;

    if (h->count == 0)
        return 0;
    if (!(p > 0.0)) /* NaN too */
        return h->min;
    if (p >= 100.0)
        return h->max;
    rank = rank_of(p, h->count);
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank)
            return clamp_recorded(h, bucket_value(i));
    }
    return h->max; /* not reached: the buckets add up to count */
}

uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

uint64_t hist_min(const struct hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

int hist_write(const struct hist *h, FILE *f)
{
    uint64_t seen = 0;

    if (fprintf(f, "# value_ns count cumulative_fraction\n") < 0)
        return -1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (h->buckets[i] == 0)
            continue;
        seen += h->buckets[i];
        if (fprintf(f, "%" PRIu64 " %" PRIu64 " %.9f\n", clamp_recorded(h, bucket_value(i)),
                    h->buckets[i], (double)seen / (double)h->count) < 0)
            return -1;
    }
    /* Buffered output fails at the flush (ENOSPC, EIO), not at fprintf. */
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
