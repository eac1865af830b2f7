/* Unit tests for src/client/dgram.c: stdin cut into datagrams, echoes matched by content, the
 * datagrams given back in the order they were cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../src/client/dgram.h"

/* Marks every datagram in flight as sent once at time now. */
static void send_all(struct dgram_window *w, long long now)
{
    struct dgram_slot *s;

    for (unsigned i = 0; (s = dgram_window_at(w, i)) != NULL; i++) {
        s->tries++;
        s->sent_ms = now;
    }
}

/* Echoes a datagram in flight back to the window: it must match. */
static void echo(struct dgram_window *w, unsigned i)
{
    struct dgram_slot *s = dgram_window_at(w, i), *got = NULL;

    assert_non_null(s);
    assert_int_equal(dgram_window_match(w, s->data, s->len, &got), DGRAM_MATCHED);
    assert_ptr_equal(got, s);
}

/* 10 bytes into datagrams of 4, fed in pieces of 3: 4 + 4 + 2 at the end, the bytes in order. */
static void test_cut_fixed_size(void **state)
{
    struct dgram_window w;
    const char *in = "abcdefghij";

    (void)state;
    assert_int_equal(dgram_window_init(&w, 4, 8), 0);
    for (size_t i = 0; i < 10; i += 3)
        assert_int_equal(dgram_window_cut(&w, in + i, i + 3 <= 10 ? 3 : 10 - i),
                         i + 3 <= 10 ? 3 : 10 - i);
    assert_int_equal(w.count, 2); /* "ij" waits for more input or its end */
    assert_false(dgram_window_empty(&w));
    dgram_window_flush(&w);
    assert_int_equal(w.count, 3);
    assert_int_equal(dgram_window_at(&w, 0)->len, 4);
    assert_memory_equal(dgram_window_at(&w, 0)->data, "abcd", 4);
    assert_memory_equal(dgram_window_at(&w, 1)->data, "efgh", 4);
    assert_int_equal(dgram_window_at(&w, 2)->len, 2);
    assert_memory_equal(dgram_window_at(&w, 2)->data, "ij", 2);
    assert_int_equal(dgram_window_at(&w, 2)->seq, 3);
    assert_null(dgram_window_at(&w, 3));
    dgram_window_fini(&w);
}

/* Input that ends on a datagram's boundary leaves no empty datagram; nothing in, nothing cut. */
static void test_cut_no_empty_datagram(void **state)
{
    struct dgram_window w;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 3, 4), 0);
    dgram_window_flush(&w);
    assert_true(dgram_window_empty(&w));
    assert_int_equal(dgram_window_cut(&w, "xyz", 3), 3);
    dgram_window_flush(&w);
    assert_int_equal(w.count, 1);
    dgram_window_fini(&w);
}

/* A full window takes no more input: the caller stops reading until a datagram is given back. */
static void test_cut_stops_when_full(void **state)
{
    struct dgram_window w;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 2, 2), 0);
    assert_int_equal(dgram_window_cut(&w, "aabbcc", 6), 4);
    assert_true(dgram_window_full(&w));
    assert_int_equal(dgram_window_cut(&w, "cc", 2), 0);
    dgram_window_flush(&w); /* no slot for it: a no-op, not an overflow */
    assert_int_equal(w.count, 2);
    send_all(&w, 0);
    echo(&w, 0);
    assert_non_null(dgram_window_release(&w));
    assert_int_equal(dgram_window_cut(&w, "cc", 2), 2);
    assert_memory_equal(dgram_window_at(&w, 1)->data, "cc", 2);
    dgram_window_fini(&w);
}

/* Echoes back in reverse order: nothing is given back until the oldest is echoed, then all of
 * them in the order they were cut. */
static void test_release_in_order(void **state)
{
    struct dgram_window w;
    const struct dgram_slot *s;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 1, 8), 0);
    assert_int_equal(dgram_window_cut(&w, "abcd", 4), 4);
    send_all(&w, 0);
    for (unsigned i = 3; i > 0; i--) {
        echo(&w, i);
        assert_null(dgram_window_release(&w));
    }
    echo(&w, 0);
    for (const char *c = "abcd"; *c; c++) {
        s = dgram_window_release(&w);
        assert_non_null(s);
        assert_int_equal(s->data[0], *c);
    }
    assert_null(dgram_window_release(&w));
    assert_true(dgram_window_empty(&w));
    dgram_window_fini(&w);
}

/* Two datagrams with the same bytes: each echo takes one, a third is a duplicate. */
static void test_match_equal_datagrams(void **state)
{
    struct dgram_window w;
    struct dgram_slot *got;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 2, 4), 0);
    assert_int_equal(dgram_window_cut(&w, "zzzz", 4), 4);
    send_all(&w, 0);
    assert_int_equal(dgram_window_match(&w, "zz", 2, &got), DGRAM_MATCHED);
    assert_int_equal(got->seq, 1);
    assert_int_equal(dgram_window_match(&w, "zz", 2, &got), DGRAM_MATCHED);
    assert_int_equal(got->seq, 2);
    assert_int_equal(dgram_window_match(&w, "zz", 2, &got), DGRAM_DUPLICATE);
    dgram_window_fini(&w);
}

/* A resent datagram's second echo, after the first was given back, is a duplicate, not an
 * error; bytes never sent, or cut short, are stray. */
static void test_match_late_twin_and_stray(void **state)
{
    struct dgram_window w;
    struct dgram_slot *got;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 3, 4), 0);
    assert_int_equal(dgram_window_cut(&w, "abcdef", 6), 6);
    send_all(&w, 0);
    echo(&w, 0);
    assert_non_null(dgram_window_release(&w));
    assert_int_equal(dgram_window_match(&w, "abc", 3, &got), DGRAM_DUPLICATE);
    assert_int_equal(dgram_window_match(&w, "abx", 3, &got), DGRAM_STRAY);
    assert_int_equal(dgram_window_match(&w, "de", 2, &got), DGRAM_STRAY);
    assert_int_equal(dgram_window_match(&w, "", 0, &got), DGRAM_STRAY);
    dgram_window_fini(&w);
}

/* A stray echo is told against the datagram it has the longest start in common with. */
static void test_nearest(void **state)
{
    struct dgram_window w;
    struct dgram_slot *s;
    size_t same = 0;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 4, 4), 0);
    assert_int_equal(dgram_window_cut(&w, "aaaabbbbbbcc", 12), 12);
    assert_null(dgram_window_nearest(&w, "bbb", 3, &same)); /* none sent yet */
    send_all(&w, 0);
    s = dgram_window_nearest(&w, "bbbX", 4, &same);
    assert_non_null(s);
    assert_int_equal(s->seq, 2);
    assert_int_equal(same, 3);
    dgram_window_fini(&w);
}

/* The echo due first is of the datagram sent longest ago; echoed ones are not waited on. */
static void test_next_due(void **state)
{
    struct dgram_window w;

    (void)state;
    assert_int_equal(dgram_window_init(&w, 1, 4), 0);
    assert_int_equal(dgram_window_cut(&w, "abc", 3), 3);
    assert_null(dgram_window_next_due(&w)); /* nothing sent: nothing awaited */
    send_all(&w, 100);
    dgram_window_at(&w, 0)->sent_ms = 300; /* resent later */
    assert_int_equal(dgram_window_next_due(&w)->seq, 2);
    echo(&w, 1);
    assert_int_equal(dgram_window_next_due(&w)->seq, 3);
    dgram_window_fini(&w);
}

/* The window holds at most 64 KiB, at least one datagram, at most 64 of them. */
static void test_window_slots(void **state)
{
    (void)state;
    assert_int_equal(dgram_window_slots(1), DGRAM_WINDOW_MAX);
    assert_int_equal(dgram_window_slots(1024), 64);
    assert_int_equal(dgram_window_slots(8192), 8);
    assert_int_equal(dgram_window_slots(DGRAM_MAX), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_fixed_size),
        cmocka_unit_test(test_cut_no_empty_datagram),
        cmocka_unit_test(test_cut_stops_when_full),
        cmocka_unit_test(test_release_in_order),
        cmocka_unit_test(test_match_equal_datagrams),
        cmocka_unit_test(test_match_late_twin_and_stray),
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_window_slots),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
