/* Unit tests for src/bench/sched.c: the open-loop schedule, and that it never skips a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/bench/sched.h"

static void test_interval(void **state)
{
    (void)state;
    /* 50 connections sharing 20,000 msgs/s: each sends every 2.5 ms. */
    assert_int_equal(sched_interval_ns(20000, 50), 2500000);
    assert_int_equal(sched_interval_ns(1, 1), 1000000000);
    assert_int_equal(sched_interval_ns(1e12, 1), 1); /* never zero: that would spin */
}

/* Nothing is due early; each message is due exactly one interval after the one before. */
static void test_due_times(void **state)
{
    struct sched s;
    uint64_t due;

    (void)state;
    sched_init(&s, 1000, 100, 0, 1);
    assert_int_equal(sched_take(&s, 999, &due), 0);
    assert_int_equal(sched_take(&s, 1000, &due), 1);
    assert_int_equal(due, 1000);
    assert_int_equal(sched_take(&s, 1099, &due), 0);
    assert_int_equal(sched_take(&s, 1100, &due), 1);
    assert_int_equal(due, 1100);
    assert_int_equal(s.next_ns, 1200);
}

/* A stall: when the caller comes back late, every missed message is still there, in order,
 * with the time it was due — so its latency counts from then. */
static void test_catch_up_keeps_due_times(void **state)
{
    struct sched s;
    uint64_t due;
    int n = 0;

    (void)state;
    sched_init(&s, 0, 1000, 0, 1);
    while (sched_take(&s, 500000, &due)) {
        assert_int_equal(due, (uint64_t)n * 1000);
        n++;
    }
    assert_int_equal(n, 501); /* 0, 1000, ..., 500000 */
}

/* A caller whose window is full stops taking; what it did not take is not lost. */
static void test_nothing_dropped_when_caller_pauses(void **state)
{
    struct sched s;
    uint64_t due;

    (void)state;
    sched_init(&s, 0, 10, 0, 1);
    assert_int_equal(sched_take(&s, 100, &due), 1);
    assert_int_equal(due, 0);
    /* The caller pauses until 1000; then the next message is still the one due at 10. */
    assert_int_equal(sched_take(&s, 1000, &due), 1);
    assert_int_equal(due, 10);
}

/* n connections started together are spread over one interval. */
static void test_phase_spread(void **state)
{
    struct sched s[4];
    uint64_t due;

    (void)state;
    for (long i = 0; i < 4; i++) {
        sched_init(&s[i], 5000, 400, i, 4);
        assert_int_equal(s[i].next_ns, 5000 + 100 * (uint64_t)i);
    }
    assert_int_equal(sched_take(&s[3], 5299, &due), 0);
    assert_int_equal(sched_take(&s[3], 5300, &due), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_due_times),
        cmocka_unit_test(test_catch_up_keeps_due_times),
        cmocka_unit_test(test_nothing_dropped_when_caller_pauses),
        cmocka_unit_test(test_phase_spread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
