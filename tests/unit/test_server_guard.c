/* Unit tests for src/server/guard.c: the loop, broadcast and rate checks on datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../src/server/guard.h"

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;

    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static enum guard_verdict check(struct guard *g, struct sockaddr_storage src, int64_t now)
{
    return guard_check(g, SA(src), NULL, now);
}

/* Source ports that answer are refused: every port below 1024 (echo 7, chargen 19...), NFS,
 * the known reflectors; ports above are not. --no-loop-guard lets them all through. */
static void test_ports(void **state)
{
    static const uint16_t refused[] = {0, 7, 13, 19, 37, 53, 123, 1023, 1900, 2049, 5353, 11211};
    static const uint16_t passed[] = {1024, 4000, 7000, 32768, 37810, 49152, 60999, 65535};
    struct guard_config cfg = {.ports = 1, .broadcast = 1};
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 1), 0);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_true(guard_port_refused(refused[i]));
        assert_int_equal(check(&g, v4("127.0.0.1", refused[i]), 5000), GUARD_PORT);
        assert_int_equal(check(&g, v6("::1", refused[i]), 5000), GUARD_PORT);
    }
    for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
        assert_int_equal(check(&g, v4("127.0.0.1", passed[i]), 5000), GUARD_PASS);
    g.cfg.ports = 0;
    assert_int_equal(check(&g, v4("127.0.0.1", 19), 5000), GUARD_PASS);
    guard_fini(&g);
}

/* No answer to or from broadcast and multicast addresses, in either family. */
static void test_broadcast(void **state)
{
    struct guard_config cfg = {.ports = 1, .broadcast = 1};
    struct sockaddr_storage bcast = v4("255.255.255.255", 0), ok = v4("192.0.2.1", 5000);
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 1), 0);
    assert_int_equal(check(&g, v4("255.255.255.255", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v4("224.0.0.251", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v4("239.255.255.250", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v4("0.0.0.0", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v6("ff02::1", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v6("::ffff:224.0.0.1", 5000), 5000), GUARD_BROADCAST);
    assert_int_equal(check(&g, v6("2001:db8::1", 5000), 5000), GUARD_PASS);
    /* Sent to the broadcast address: no answer, whoever asked. */
    assert_int_equal(guard_check(&g, SA(ok), SA(bcast), 5000), GUARD_BROADCAST);
    assert_int_equal(guard_check(&g, SA(ok), NULL, 5000), GUARD_PASS);
    g.cfg.broadcast = 0;
    assert_int_equal(check(&g, v4("224.0.0.251", 5000), 5000), GUARD_PASS);
    guard_fini(&g);
}

/* A source gets its rate a second: a burst of one second's worth, then one per 1/rate s. */
static void test_rate_per_source(void **state)
{
    struct guard_config cfg = {.rate = 10};
    struct sockaddr_storage a = v4("127.0.0.2", 40000), b = v4("127.0.0.3", 40000);
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 7), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(check(&g, a, 100000), GUARD_PASS);
    assert_int_equal(check(&g, a, 100000), GUARD_RATE);
    assert_int_equal(check(&g, b, 100000), GUARD_PASS); /* another source: its own bucket */
    /* Another port of the same address shares its bucket. */
    a = v4("127.0.0.2", 40001);
    assert_int_equal(check(&g, a, 100050), GUARD_RATE);
    assert_int_equal(check(&g, a, 100100), GUARD_PASS); /* 100 ms: one more */
    assert_int_equal(check(&g, a, 100100), GUARD_RATE);
    for (int i = 0; i < 10; i++) /* a second idle: the whole burst again, no more */
        assert_int_equal(check(&g, a, 102000), GUARD_PASS);
    assert_int_equal(check(&g, a, 102000), GUARD_RATE);
    guard_fini(&g);
}

/* An IPv6 sender counts by its /64: one host may own all of it. */
static void test_rate_ipv6_prefix(void **state)
{
    struct guard_config cfg = {.rate = 2};
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 7), 0);
    assert_int_equal(check(&g, v6("2001:db8:0:1::1", 40000), 5000), GUARD_PASS);
    assert_int_equal(check(&g, v6("2001:db8:0:1::2", 40000), 5000), GUARD_PASS);
    assert_int_equal(check(&g, v6("2001:db8:0:1:ffff::9", 40000), 5000), GUARD_RATE);
    assert_int_equal(check(&g, v6("2001:db8:0:2::1", 40000), 5000), GUARD_PASS);
    guard_fini(&g);
}

/* All sources together are held to --rate-limit-total. */
static void test_rate_total(void **state)
{
    struct guard_config cfg = {.rate = 100, .rate_total = 5};
    char ip[32];
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 7), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
        assert_int_equal(check(&g, v4(ip, 40000), 5000), GUARD_PASS);
    }
    assert_int_equal(check(&g, v4("10.0.1.1", 40000), 5000), GUARD_RATE_TOTAL);
    assert_int_equal(check(&g, v4("10.0.1.1", 40000), 5200), GUARD_PASS);
    guard_fini(&g);
}

/* 10,000 other sources, one datagram each, interleaved with a steady sender: the table stays
 * its fixed size (nothing else is allocated), and the steady sender is still held to its rate,
 * give or take the burst of a slot it lost. */
static void test_many_sources(void **state)
{
    struct guard_config cfg = {.rate = 50};
    struct sockaddr_storage steady = v4("127.0.0.1", 40000);
    int64_t now = 10000;
    int passed = 0;
    char ip[32];
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 12345), 0);
    for (int i = 0; i < 10000; i++, now++) {
        snprintf(ip, sizeof(ip), "127.%d.%d.%d", 1 + i / 65536, (i / 256) % 256, i % 256);
        assert_int_equal(check(&g, v4(ip, 40000), now), GUARD_PASS); /* each its first */
        if (i % 10 == 0)
            passed += check(&g, steady, now) == GUARD_PASS;
    }
    /* 1,000 tries over 10 s at 50 a second: the burst of 50, then 50 a second. */
    assert_true(passed >= 500 && passed <= 600 + 50);
    guard_fini(&g);
}

/* Fifty senders at once, each twice over its rate, addresses apart only in their last byte:
 * each is held to its rate (a weak hash once put them all in one chain, where they pushed
 * each other out and came back with full buckets: every datagram passed). */
static void test_many_heavy_senders(void **state)
{
    struct guard_config cfg = {.rate = 100};
    int passed[50] = {0};
    char ip[32];
    struct guard g;

    (void)state;
    assert_int_equal(guard_init(&g, &cfg, 99), 0);
    for (int64_t t = 100000; t < 103000; t += 5) /* 3 s; each sender every 5 ms: 200/s */
        for (int i = 0; i < 50; i++) {
            snprintf(ip, sizeof(ip), "127.0.3.%d", i + 1);
            passed[i] += check(&g, v4(ip, 40000), t) == GUARD_PASS;
        }
    for (int i = 0; i < 50; i++) /* the burst of 100, then 100 a second */
        if (passed[i] < 380 || passed[i] > 410)
            fail_msg("sender %d: %d of 600 passed at --rate-limit 100 over 3 s", i, passed[i]);
    guard_fini(&g);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(guard_verdict_name(GUARD_PORT), "source port");
    assert_string_equal(guard_verdict_name(GUARD_RATE), "rate limit");
    assert_string_equal(guard_verdict_name(GUARD_VERDICTS), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_rate_per_source),
        cmocka_unit_test(test_rate_ipv6_prefix),
        cmocka_unit_test(test_rate_total),
        cmocka_unit_test(test_many_sources),
        cmocka_unit_test(test_many_heavy_senders),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
