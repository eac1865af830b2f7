/* Unit tests for src/bench/udp_track.c: each echo of a UDP flow is told for what it is — in
 * order, reordered, late, duplicate, unknown — and each datagram not back in time is lost
 * once, across many turns of the ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/bench/udp_track.h"

/* Sends n datagrams on f, datagram i sent (and stamped) at base + i. */
static void send_n(struct udp_flow *f, int n, uint64_t base)
{
    for (int i = 0; i < n; i++) {
        uint64_t seq = f->next;

        assert_true(udp_flow_room(f));
        assert_int_equal(udp_flow_sent(f, base + seq, base + seq, 1), seq);
    }
}

/* Takes the echo of seq; returns its verdict (and checks the stamp of in-time ones). */
static enum udp_verdict echo(struct udp_flow *f, uint64_t seq, uint64_t base)
{
    uint64_t stamp = 0;
    int measured = -1;
    enum udp_verdict v = udp_flow_echo(f, seq, &stamp, &measured);

    if (v == UDP_ECHO_IN_ORDER || v == UDP_ECHO_REORDERED) {
        assert_int_equal(stamp, base + seq);
        assert_int_equal(measured, 1);
    }
    return v;
}

static void test_in_order(void **state)
{
    struct udp_flow f;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 8), 0);
    send_n(&f, 5, 1000);
    assert_int_equal(f.out, 5);
    for (uint64_t s = 0; s < 5; s++)
        assert_int_equal(echo(&f, s, 1000), UDP_ECHO_IN_ORDER);
    assert_int_equal(f.out, 0);
    assert_int_equal(f.tail, 5);
    udp_flow_fini(&f);
}

/* Lost: what is not back by the time counts once; what is back, or sent later, does not. */
static void test_lost_then_late(void **state)
{
    struct udp_flow f;
    uint64_t measured;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 8), 0);
    send_n(&f, 4, 100); /* sent at 100..103 */
    assert_int_equal(echo(&f, 1, 100), UDP_ECHO_IN_ORDER);
    assert_int_equal(udp_flow_expire(&f, 99, &measured), 0);  /* none sent that early */
    assert_int_equal(udp_flow_expire(&f, 102, &measured), 2); /* 0 and 2; 1 came back */
    assert_int_equal(measured, 2);
    assert_int_equal(f.out, 1);
    assert_int_equal(udp_flow_expire(&f, 102, &measured), 0); /* once only */
    assert_int_equal(echo(&f, 0, 100), UDP_ECHO_LATE);
    assert_int_equal(echo(&f, 2, 100), UDP_ECHO_LATE);
    assert_int_equal(echo(&f, 3, 100), UDP_ECHO_IN_ORDER);
    assert_int_equal(f.out, 0);
    assert_int_equal(f.tail, 4);
    udp_flow_fini(&f);
}

static void test_duplicate(void **state)
{
    struct udp_flow f;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 8), 0);
    send_n(&f, 2, 0);
    assert_int_equal(echo(&f, 0, 0), UDP_ECHO_IN_ORDER);
    assert_int_equal(echo(&f, 0, 0), UDP_ECHO_DUPLICATE);
    assert_int_equal(echo(&f, 1, 0), UDP_ECHO_IN_ORDER);
    assert_int_equal(echo(&f, 1, 0), UDP_ECHO_DUPLICATE);
    assert_int_equal(f.out, 0);
    udp_flow_fini(&f);
}

/* Reordered: back in time, but after a higher number; the higher ones stay in order. */
static void test_reorder(void **state)
{
    struct udp_flow f;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 8), 0);
    send_n(&f, 4, 0);
    assert_int_equal(echo(&f, 2, 0), UDP_ECHO_IN_ORDER);
    assert_int_equal(echo(&f, 0, 0), UDP_ECHO_REORDERED);
    assert_int_equal(echo(&f, 1, 0), UDP_ECHO_REORDERED);
    assert_int_equal(echo(&f, 3, 0), UDP_ECHO_IN_ORDER);
    assert_int_equal(echo(&f, 0, 0), UDP_ECHO_DUPLICATE);
    assert_int_equal(f.tail, 4);
    udp_flow_fini(&f);
}

/* A number never sent, or far beyond, is unknown and changes nothing. */
static void test_unknown(void **state)
{
    struct udp_flow f;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 8), 0);
    assert_int_equal(echo(&f, 0, 0), UDP_ECHO_UNKNOWN);
    send_n(&f, 2, 0);
    assert_int_equal(echo(&f, 2, 0), UDP_ECHO_UNKNOWN);
    assert_int_equal(echo(&f, UINT64_MAX, 0), UDP_ECHO_UNKNOWN);
    assert_int_equal(f.out, 2);
    udp_flow_fini(&f);
}

/* A datagram in flight holds its slot: the ring is full until it is echoed or lost. */
static void test_ring_full_until_resolved(void **state)
{
    struct udp_flow f;
    uint64_t measured;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 3), 0); /* rounded up to 4 */
    assert_int_equal(f.mask, 3);
    send_n(&f, 4, 0);
    assert_false(udp_flow_room(&f));
    for (uint64_t s = 1; s < 4; s++)
        assert_int_equal(echo(&f, s, 0), UDP_ECHO_IN_ORDER);
    assert_false(udp_flow_room(&f)); /* 0 is still out */
    assert_int_equal(udp_flow_expire(&f, 0, &measured), 1);
    assert_true(udp_flow_room(&f));
    udp_flow_fini(&f);
}

/* Many turns of a small ring: every number is told right, and one whose slot went to a later
 * number counts as late (lost or echoed too long ago to tell). */
static void test_wrap_around(void **state)
{
    struct udp_flow f;
    uint64_t measured, lost = 0;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 4), 0);
    for (uint64_t s = 0; s < 1000; s++) {
        send_n(&f, 1, 0);
        if (s % 10 == 9) /* every tenth is dropped */
            lost += udp_flow_expire(&f, s, &measured);
        else
            assert_int_equal(echo(&f, s, 0), UDP_ECHO_IN_ORDER);
        if (s >= 1)
            assert_int_equal(echo(&f, s - 1, 0), s % 10 == 0 ? UDP_ECHO_LATE : UDP_ECHO_DUPLICATE);
    }
    assert_int_equal(lost, 100);
    assert_int_equal(f.out, 0);
    assert_int_equal(f.tail, 1000);
    assert_int_equal(echo(&f, 990, 0), UDP_ECHO_LATE); /* its slot holds 994 or later */
    assert_int_equal(echo(&f, 1000, 0), UDP_ECHO_UNKNOWN);
    udp_flow_fini(&f);
}

/* Sequence numbers past 2^32 are kept whole. */
static void test_high_sequence_numbers(void **state)
{
    struct udp_flow f;

    (void)state;
    assert_int_equal(udp_flow_init(&f, 4), 0);
    f.next = f.tail = (UINT64_C(1) << 32) - 2;
    send_n(&f, 4, 0);
    assert_int_equal(echo(&f, (UINT64_C(1) << 32) + 1, 0), UDP_ECHO_IN_ORDER);
    assert_int_equal(echo(&f, 1, 0), UDP_ECHO_LATE); /* its slot is taken by 2^32 + 1 */
    assert_int_equal(echo(&f, (UINT64_C(1) << 32) - 2, 0), UDP_ECHO_REORDERED);
    udp_flow_fini(&f);
}

static void test_slots(void **state)
{
    (void)state;
    assert_int_equal(udp_track_slots(1, 0, 10, 1000), 64);
    assert_int_equal(udp_track_slots(100, 0, 10, 1000), 512);
    /* 10 flows sharing 100,000/s for 1 s: 10,000 in flight each, 4 times that, rounded up. */
    assert_int_equal(udp_track_slots(1, 100000, 10, 1000), 65536);
    assert_int_equal(udp_track_slots(1, 1e9, 1, 3600000), UDP_TRACK_MAX_SLOTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),    cmocka_unit_test(test_lost_then_late),
        cmocka_unit_test(test_duplicate),   cmocka_unit_test(test_reorder),
        cmocka_unit_test(test_unknown),     cmocka_unit_test(test_ring_full_until_resolved),
        cmocka_unit_test(test_wrap_around), cmocka_unit_test(test_high_sequence_numbers),
        cmocka_unit_test(test_slots),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
