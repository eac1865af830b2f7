/* Unit tests for src/bench/udp_wire.c: a datagram's header and bytes pass the check as sent,
 * and any changed bit, length or run does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../src/bench/pattern.h"
#include "../../src/bench/udp_wire.h"

#define SALT 0x12345678u

static int setup(void **state)
{
    (void)state;
    return pattern_init();
}

static int teardown(void **state)
{
    (void)state;
    pattern_fini();
    return 0;
}

/* Builds datagram seq of flow, size bytes, into buf (size + 1 bytes). */
static void build(unsigned char *buf, size_t size, uint32_t flow, uint64_t seq)
{
    udp_wire_header(buf, flow, seq, SALT);
    memcpy(buf + UDP_WIRE_HEADER, udp_wire_payload(flow, seq, SALT), size - UDP_WIRE_HEADER);
}

static enum udp_wire_check check(const unsigned char *buf, size_t len, size_t size, uint32_t salt,
                                 uint32_t *flow, uint64_t *seq)
{
    return udp_wire_check(buf, len, size, salt, 1, flow, seq);
}

static void test_round_trip(void **state)
{
    static const size_t sizes[] = {UDP_WIRE_HEADER, 17, 64, 1472, UDP_WIRE_MAX};
    static unsigned char buf[UDP_WIRE_MAX + 1];
    uint32_t flow;
    uint64_t seq;

    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        build(buf, sizes[i], 99999, UINT64_C(0x0102030405060708));
        assert_int_equal(check(buf, sizes[i], sizes[i], SALT, &flow, &seq), UDP_WIRE_OK);
        assert_int_equal(flow, 99999);
        assert_int_equal(seq, UINT64_C(0x0102030405060708));
    }
    assert_int_equal(buf[0], 0); /* big-endian on the wire: 99999 is 00 01 86 9f */
    assert_int_equal(buf[1], 1);
    assert_int_equal(buf[4], 1);
    assert_int_equal(buf[11], 8);
}

/* Every single bit flipped anywhere in a 64-byte datagram is caught, and said where. */
static void test_every_bit_flip(void **state)
{
    unsigned char buf[65];
    uint32_t flow;
    uint64_t seq;

    (void)state;
    for (size_t bit = 0; bit < 64 * 8; bit++) {
        build(buf, 64, 7, 1000);
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        assert_int_equal(check(buf, 64, 64, SALT, &flow, &seq),
                         bit < UDP_WIRE_HEADER * 8 ? UDP_WIRE_HEADER_BAD : UDP_WIRE_BYTES_BAD);
    }
}

/* Neighbouring datagrams carry different bytes: one echoed under another's header fails. */
static void test_payloads_differ(void **state)
{
    unsigned char a[64], b[64];
    uint32_t flow;
    uint64_t seq;

    (void)state;
    build(a, 64, 1, 5);
    build(b, 64, 1, 6);
    assert_memory_not_equal(a + UDP_WIRE_HEADER, b + UDP_WIRE_HEADER, 64 - UDP_WIRE_HEADER);
    memcpy(a + UDP_WIRE_HEADER, b + UDP_WIRE_HEADER, 64 - UDP_WIRE_HEADER);
    assert_int_equal(check(a, 64, 64, SALT, &flow, &seq), UDP_WIRE_BYTES_BAD);
    build(b, 64, 2, 5);
    assert_memory_not_equal(a, b, UDP_WIRE_HEADER);
}

static void test_length_and_salt(void **state)
{
    unsigned char buf[65];
    uint32_t flow;
    uint64_t seq;

    (void)state;
    build(buf, 64, 3, 4);
    assert_int_equal(check(buf, 63, 64, SALT, &flow, &seq), UDP_WIRE_BYTES_BAD);
    assert_int_equal(check(buf, 65, 64, SALT, &flow, &seq), UDP_WIRE_BYTES_BAD);
    assert_int_equal(check(buf, 15, 64, SALT, &flow, &seq), UDP_WIRE_HEADER_BAD);
    assert_int_equal(check(buf, 0, 64, SALT, &flow, &seq), UDP_WIRE_HEADER_BAD);
    assert_int_equal(check(buf, 64, 64, SALT + 1, &flow, &seq), UDP_WIRE_HEADER_BAD);
    /* Without verification the bytes after the header are not looked at, the length is. */
    buf[40] ^= 1;
    assert_int_equal(udp_wire_check(buf, 64, 64, SALT, 0, &flow, &seq), UDP_WIRE_OK);
    assert_int_equal(udp_wire_check(buf, 65, 64, SALT, 0, &flow, &seq), UDP_WIRE_BYTES_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_payloads_differ),
        cmocka_unit_test(test_length_and_salt),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
