/* Unit tests for src/bench/hist.c: percentiles within the bucket error, merging, the dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bench/hist.h"

#define US 1000ull
#define S  1000000000ull

/* The percentiles echo-bench prints. */
static const double reported[] = {50, 90, 99, 99.9, 99.99};

/* A struct hist is 27 KiB: too big to want on the stack in every test. */
static int setup_hist(void **state)
{
    struct hist *h = malloc(sizeof(*h));

    if (!h)
        return -1;
    hist_init(h);
    *state = h;
    return 0;
}

static int teardown_hist(void **state)
{
    free(*state);
    return 0;
}

/* Returns |a - b| (no libm: the build links cmocka only). */
static double abs_diff(uint64_t a, uint64_t b)
{
    return (double)(a > b ? a - b : b - a);
}

/* Checks that got is within 1% of want. */
static void expect_near(uint64_t got, uint64_t want, double p)
{
    double err = abs_diff(got, want);

    if (err > (double)want / 100.0)
        fail_msg("p%g: got %" PRIu64 ", want %" PRIu64 " (off by %.3f%%)", p, got, want,
                 100.0 * err / (double)want);
}

static void test_empty(void **state)
{
    struct hist *h = *state;

    assert_int_equal(hist_count(h), 0);
    assert_int_equal(hist_min(h), 0);
    assert_int_equal(hist_max(h), 0);
    assert_true(hist_mean(h) == 0.0);
    assert_int_equal(hist_percentile(h, 0), 0);
    assert_int_equal(hist_percentile(h, 50), 0);
    assert_int_equal(hist_percentile(h, 100), 0);
}

static void test_single_value(void **state)
{
    struct hist *h = *state;

    hist_record(h, 12345);
    assert_int_equal(hist_count(h), 1);
    assert_int_equal(hist_min(h), 12345);
    assert_int_equal(hist_max(h), 12345);
    assert_true(hist_mean(h) == 12345.0);
    /* Clamped to [min, max], every percentile of one value is that value, exactly. */
    for (double p = 0; p <= 100; p += 0.5)
        assert_int_equal(hist_percentile(h, p), 12345);
}

/* 1..100000 µs, once each: the value at rank r is r µs. */
static void test_uniform(void **state)
{
    struct hist *h = *state;

    for (uint64_t i = 1; i <= 100000; i++)
        hist_record(h, i * US);
    assert_int_equal(hist_count(h), 100000);
    assert_int_equal(hist_min(h), US);
    assert_int_equal(hist_max(h), 100000 * US);
    assert_true(hist_mean(h) == 50000.5 * US);
    for (size_t i = 0; i < sizeof(reported) / sizeof(reported[0]); i++)
        expect_near(hist_percentile(h, reported[i]), (uint64_t)(reported[i] * 1000.0 + 0.5) * US,
                    reported[i]);
    assert_int_equal(hist_percentile(h, 100), 100000 * US);
    assert_int_equal(hist_percentile(h, 0), US);
    /* Rank 1 of 100000 is p0.001: the lowest bucket, [1000, 1004) ns, as its middle. */
    assert_int_equal(hist_percentile(h, 0.001), US + 2);
}

/* Out-of-range p: below 0 is the min, above 100 the max, NaN the min. */
static void test_p_out_of_range(void **state)
{
    struct hist *h = *state;

    hist_record(h, 5 * US);
    hist_record(h, 7 * US);
    assert_int_equal(hist_percentile(h, -1), 5 * US);
    assert_int_equal(hist_percentile(h, 250), 7 * US);
    assert_int_equal(hist_percentile(h, NAN), 5 * US);
}

/* A tiny p still means rank 1, the smallest value's bucket, not the histogram's first bucket. */
static void test_tiny_p(void **state)
{
    struct hist *h = *state;

    /* 1 ms sits in [999424, 1003520): its bucket is reported as 1001472. */
    hist_record(h, 1000 * US);
    hist_record(h, 2000 * US);
    assert_int_equal(hist_percentile(h, 50), 1001472);
    assert_int_equal(hist_percentile(h, 1), 1001472);
    assert_int_equal(hist_percentile(h, 1e-9), 1001472);
}

static void test_below_range(void **state)
{
    struct hist *h = *state;

    hist_record(h, 0);
    hist_record(h, 10);
    hist_record(h, HIST_LOWEST - 1);
    hist_record(h, 2 * US);
    assert_int_equal(hist_count(h), 4);
    assert_int_equal(hist_min(h), 0);
    assert_int_equal(hist_max(h), 2 * US);
    assert_true(hist_mean(h) == (10.0 + (double)(HIST_LOWEST - 1) + 2000.0) / 4.0);
    /* The three small values share the lowest bucket: reported as its middle, below 1 µs. */
    assert_in_range(hist_percentile(h, 50), HIST_LOWEST, HIST_LOWEST + 4);
    assert_in_range(hist_percentile(h, 75), HIST_LOWEST, HIST_LOWEST + 4);
    expect_near(hist_percentile(h, 99), 2 * US, 99);
    assert_int_equal(hist_percentile(h, 0), 0);
}

static void test_above_range(void **state)
{
    struct hist *h = *state;

    for (int i = 0; i < 3; i++)
        hist_record(h, 1 * S);
    hist_record(h, 100 * S);
    hist_record(h, UINT64_MAX);
    assert_int_equal(hist_count(h), 5);
    assert_int_equal(hist_max(h), UINT64_MAX);
    expect_near(hist_percentile(h, 50), 1 * S, 50);
    /* Both huge values share the top bucket: reported as its middle, above 60 s. */
    assert_in_range(hist_percentile(h, 80), 60 * S, HIST_HIGHEST);
    assert_in_range(hist_percentile(h, 99), 60 * S, HIST_HIGHEST);
    assert_int_equal(hist_percentile(h, 100), UINT64_MAX);
}

/* 60 s is inside the range: still within 1%. */
static void test_range_ends(void **state)
{
    struct hist *h = *state;

    hist_record(h, 0);
    hist_record(h, 60 * S);
    hist_record(h, 60 * S);
    hist_record(h, UINT64_MAX);
    expect_near(hist_percentile(h, 50), 60 * S, 50);
    hist_reset(h);
    hist_record(h, 0);
    hist_record(h, US);
    hist_record(h, US);
    hist_record(h, UINT64_MAX);
    expect_near(hist_percentile(h, 50), US, 50);
}

static void test_reset(void **state)
{
    struct hist *h = *state;

    hist_record(h, 3 * US);
    hist_record(h, 9 * S);
    hist_reset(h);
    test_empty(state);
    hist_record(h, 4 * US);
    assert_int_equal(hist_min(h), 4 * US);
    assert_int_equal(hist_max(h), 4 * US);
    assert_int_equal(hist_percentile(h, 50), 4 * US);
}

/* Records v between two out-of-range values, so that p50 is v's bucket as reported, not
 * clamped to an exact min or max. Returns the relative error of that p50. */
static double bucket_error(struct hist *h, uint64_t v)
{
    uint64_t got;

    hist_reset(h);
    hist_record(h, 0);
    hist_record(h, v);
    hist_record(h, v);
    hist_record(h, UINT64_MAX);
    got = hist_percentile(h, 50);
    return abs_diff(got, v) / (double)v;
}

/* Geometric sweep 1 µs .. 60 s by 1.37%: one value alone comes back exactly (clamped to min and
 * max); bracketed by outliers it comes back within its bucket's error. */
static void test_precision_sweep(void **state)
{
    struct hist *h = *state;
    double worst = 0, err;
    uint64_t got;
    int steps = 0;

    for (double x = 1000.0; x <= 60e9; x *= 1.0137, steps++) {
        uint64_t v = (uint64_t)x;

        hist_reset(h);
        hist_record(h, v);
        got = hist_percentile(h, 50);
        if (got != v)
            fail_msg("alone: %" PRIu64 " came back as %" PRIu64, v, got);
        err = bucket_error(h, v);
        if (err > 0.01)
            fail_msg("%" PRIu64 ": off by %.4f%%", v, 100.0 * err);
        worst = err > worst ? err : worst;
    }
    assert_true(steps > 1300);
    print_message("sweep of %d values: worst relative error %.4f%%\n", steps, 100.0 * worst);
}

/* Every bucket's lowest and highest value, where the error is largest: at most half a bucket,
 * 1/256 of the value. Catches an off-by-one in the bucket arithmetic the sweep could step over. */
static void test_precision_bucket_edges(void **state)
{
    struct hist *h = *state;
    double worst = 0, err;

    for (unsigned e = HIST_LOW_EXP; e < HIST_HIGH_EXP; e++) {
        uint64_t width = (uint64_t)1 << (e - HIST_SUB_BITS);

        for (uint64_t lo = (uint64_t)1 << e; lo < (uint64_t)2 << e; lo += width) {
            err = bucket_error(h, lo);
            worst = err > worst ? err : worst;
            err = bucket_error(h, lo + width - 1);
            worst = err > worst ? err : worst;
        }
    }
    print_message("bucket edges: worst relative error %.4f%%\n", 100.0 * worst);
    assert_true(worst <= 1.0 / 256.0);
}

/* A deterministic spread from 100 ns to ~17 s: ten powers of four, each equally likely. */
static uint64_t spread_value(uint64_t *seed)
{
    uint64_t r;

    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    r = *seed >> 33;
    return (100 + (r & 0xffff)) << ((r >> 16) % 30 / 3 * 2);
}

static void expect_same(const struct hist *a, const struct hist *b)
{
    assert_int_equal(hist_count(a), hist_count(b));
    assert_int_equal(hist_min(a), hist_min(b));
    assert_int_equal(hist_max(a), hist_max(b));
    assert_true(hist_mean(a) == hist_mean(b));
    for (double p = 0; p <= 100; p += 0.01)
        if (hist_percentile(a, p) != hist_percentile(b, p))
            fail_msg("p%g: %" PRIu64 " != %" PRIu64, p, hist_percentile(a, p),
                     hist_percentile(b, p));
    for (size_t i = 0; i < sizeof(reported) / sizeof(reported[0]); i++)
        assert_int_equal(hist_percentile(a, reported[i]), hist_percentile(b, reported[i]));
}

static void test_merge(void **state)
{
    struct hist *all = *state, *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    uint64_t seed = 42;

    assert_non_null(a);
    assert_non_null(b);
    hist_init(a);
    hist_init(b);
    /* Uneven shares, and only b sees the extremes: min and max must come from src. */
    for (int i = 0; i < 300000; i++) {
        uint64_t v = spread_value(&seed);
        hist_record(all, v);
        hist_record(i % 3 ? a : b, v);
    }
    hist_record(all, 7);
    hist_record(b, 7);
    hist_record(all, 200 * S);
    hist_record(b, 200 * S);
    hist_merge(a, b);
    expect_same(a, all);
    assert_memory_equal(a, all, sizeof(*a));
    free(a);
    free(b);
}

static void test_merge_empty(void **state)
{
    struct hist *h = *state, *empty = malloc(sizeof(*empty)), *copy = malloc(sizeof(*copy));

    assert_non_null(empty);
    assert_non_null(copy);
    hist_init(empty);
    hist_record(h, 5 * US);
    hist_record(h, 8 * US);
    memcpy(copy, h, sizeof(*h));
    hist_merge(h, empty); /* adds nothing, leaves min alone */
    assert_memory_equal(h, copy, sizeof(*h));
    hist_merge(empty, h); /* into an empty one: a copy */
    expect_same(empty, h);
    assert_int_equal(hist_min(empty), 5 * US);
    free(empty);
    free(copy);
}

/* Writes h to a temporary file and reads it back, checking the format line by line. Returns
 * the number of bucket lines. */
static size_t write_and_parse(const struct hist *h)
{
    FILE *f = tmpfile();
    char line[256];
    uint64_t value, count, total = 0, last_value = 0;
    double frac, last_frac = 0;
    size_t lines = 0;

    assert_non_null(f);
    assert_int_equal(hist_write(h, f), 0);
    rewind(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "# value_ns count cumulative_fraction\n");
    while (fgets(line, sizeof(line), f)) {
        assert_int_equal(sscanf(line, "%" SCNu64 " %" SCNu64 " %lf", &value, &count, &frac), 3);
        assert_true(count > 0);
        assert_true(lines == 0 || value > last_value);
        assert_true(frac >= last_frac);
        assert_in_range(value, hist_min(h), hist_max(h));
        total += count;
        last_value = value;
        last_frac = frac;
        lines++;
    }
    assert_int_equal(total, hist_count(h));
    if (lines)
        assert_true(last_frac == 1.0);
    fclose(f);
    return lines;
}

static void test_write(void **state)
{
    struct hist *h = *state;

    assert_int_equal(write_and_parse(h), 0); /* empty: the header alone */
    /* 10 µs x 3, 20 µs x 1, 1 s x 4: three buckets, cumulative 3/8, 4/8, 8/8. */
    for (int i = 0; i < 3; i++)
        hist_record(h, 10 * US);
    hist_record(h, 20 * US);
    for (int i = 0; i < 4; i++)
        hist_record(h, 1 * S);
    assert_int_equal(write_and_parse(h), 3);
}

static void test_write_spread(void **state)
{
    struct hist *h = *state;
    uint64_t seed = 7;
    size_t nonempty = 0;

    for (int i = 0; i < 100000; i++)
        hist_record(h, spread_value(&seed));
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        nonempty += h->buckets[i] != 0;
    assert_true(nonempty > 1000);
    assert_int_equal(write_and_parse(h), nonempty);
}

/* A stream opened for reading only cannot be written: hist_write says so. */
static void test_write_error(void **state)
{
    struct hist *h = *state;
    FILE *f = fopen("/dev/null", "r");

    assert_non_null(f);
    hist_record(h, US);
    assert_int_equal(hist_write(h, f), -1);
    fclose(f);
}

/* A full disk shows when the buffered lines are flushed: -1 with errno, not 0. */
static void test_write_full(void **state)
{
    struct hist *h = *state;
    FILE *f = fopen("/dev/full", "w");

    if (!f)
        skip();
    hist_record(h, US);
    errno = 0;
    assert_int_equal(hist_write(h, f), -1);
    assert_int_equal(errno, ENOSPC);
    fclose(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_hist, teardown_hist)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_empty),
        T(test_single_value),
        T(test_uniform),
        T(test_p_out_of_range),
        T(test_tiny_p),
        T(test_below_range),
        T(test_above_range),
        T(test_range_ends),
        T(test_reset),
        T(test_precision_sweep),
        T(test_precision_bucket_edges),
        T(test_merge),
        T(test_merge_empty),
        T(test_write),
        T(test_write_spread),
        T(test_write_error),
        T(test_write_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
