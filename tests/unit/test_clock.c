/* Unit tests for src/clock.c: milliseconds and nanoseconds of CLOCK_MONOTONIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "../../src/clock.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull
#define SLEEP_MS  20
/* Far beyond any scheduling delay: only a wrong unit or clock goes past it. */
#define SLACK_MS 10000

static uint64_t monotonic_ns(void)
{
    struct timespec ts;

    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Both read CLOCK_MONOTONIC itself, in their units: bracketed by two direct readings. */
static void test_clock_is_monotonic_clock(void **state)
{
    uint64_t before, after, ns;
    long long ms;

    (void)state;
    before = monotonic_ns();
    ns = clock_now_ns();
    ms = clock_now_ms();
    after = monotonic_ns();
    assert_true(ns >= before && ns <= after);
    assert_true(ms >= 0);
    assert_true((uint64_t)ms >= before / NS_PER_MS && (uint64_t)ms <= after / NS_PER_MS);
    assert_true((uint64_t)ms >= ns / NS_PER_MS);
}

static void test_clock_never_goes_back(void **state)
{
    uint64_t ns, prev_ns = clock_now_ns();
    long long ms, prev_ms = clock_now_ms();

    (void)state;
    for (int i = 0; i < 100000; i++) {
        ns = clock_now_ns();
        ms = clock_now_ms();
        assert_true(ns >= prev_ns);
        assert_true(ms >= prev_ms);
        prev_ns = ns;
        prev_ms = ms;
    }
}

/* A sleep of SLEEP_MS moves both by at least that much (floor(b) - floor(a) >= floor(b - a)
 * for the milliseconds too), and by less than SLACK_MS. */
static void test_clock_advances_across_sleep(void **state)
{
    struct timespec nap = {.tv_sec = 0, .tv_nsec = SLEEP_MS * (long)NS_PER_MS};
    uint64_t ns0, ns1;
    long long ms0, ms1;

    (void)state;
    ns0 = clock_now_ns();
    ms0 = clock_now_ms();
    while (nanosleep(&nap, &nap) != 0) {
        /* EINTR: sleep the rest. */
    }
    ms1 = clock_now_ms();
    ns1 = clock_now_ns();
    assert_true(ns1 - ns0 >= SLEEP_MS * NS_PER_MS);
    assert_true(ns1 - ns0 < SLACK_MS * NS_PER_MS);
    assert_true(ms1 - ms0 >= SLEEP_MS);
    assert_true(ms1 - ms0 < SLACK_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_is_monotonic_clock),
        cmocka_unit_test(test_clock_never_goes_back),
        cmocka_unit_test(test_clock_advances_across_sleep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
