/* Unit tests for src/bench/dueq.c: the open loop's queue gives back items earliest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "../../src/bench/dueq.h"

static void test_empty_and_full(void **state)
{
    struct dueq q;
    struct dueq_item it;

    (void)state;
    assert_int_equal(dueq_init(&q, 2), 0);
    assert_int_equal(dueq_peek(&q, &it), 0);
    assert_int_equal(dueq_push(&q, 5, 0), 0);
    assert_int_equal(dueq_push(&q, 3, 1), 0);
    assert_int_equal(dueq_push(&q, 1, 2), -1); /* no room: refused, not written past the end */
    assert_int_equal(dueq_peek(&q, &it), 1);
    assert_int_equal(it.due_ns, 3);
    assert_int_equal(it.id, 1);
    dueq_pop(&q);
    dueq_pop(&q);
    assert_int_equal(dueq_peek(&q, &it), 0);
    dueq_fini(&q);
}

/* Pseudo-random due times, pushed and popped in any mix, come out in order. */
static void test_order(void **state)
{
    enum { N = 5000 };
    struct dueq q;
    struct dueq_item it;
    uint64_t last = 0, x = 12345;
    long popped = 0;

    (void)state;
    assert_int_equal(dueq_init(&q, N), 0);
    for (uint32_t i = 0; i < N; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        assert_int_equal(dueq_push(&q, (x >> 33) % 100000 + 100000, i), 0);
        if (i % 3 == 2) { /* pop one of three: the queue keeps its order as it changes */
            assert_int_equal(dueq_peek(&q, &it), 1);
            dueq_pop(&q);
            popped++;
        }
    }
    while (dueq_peek(&q, &it)) {
        assert_true(it.due_ns >= last);
        last = it.due_ns;
        dueq_pop(&q);
        popped++;
    }
    assert_int_equal(popped, N);
    dueq_fini(&q);
}

/* Re-queued items with later times (as a connection is after each message) keep the order. */
static void test_requeue(void **state)
{
    struct dueq q;
    struct dueq_item it;
    uint64_t now = 0;

    (void)state;
    assert_int_equal(dueq_init(&q, 100), 0);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(dueq_push(&q, 1000 + i * 10, i), 0); /* each due every 1000 */
    for (int k = 0; k < 1000; k++) {
        assert_int_equal(dueq_peek(&q, &it), 1);
        assert_true(it.due_ns >= now);
        assert_int_equal(it.id, (uint32_t)(k % 100)); /* round robin, as scheduled */
        now = it.due_ns;
        dueq_pop(&q);
        assert_int_equal(dueq_push(&q, now + 1000, it.id), 0);
    }
    dueq_fini(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_full),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_requeue),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
