/*
 * Integration tests of inetd's simple services and hello over TCP and UDP, run once per model
 * (TCPECHO_MODEL), with the clients a user would point at them: OpenBSD nc and socat.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define TIME_OFFSET 2208988800u /* RFC 868: seconds from 1900 to 1970 */

/* Starts the server with -s service over proto (tcp, udp or both). */
static void start(struct server *s, const char *service, const char *proto)
{
    const char *args[] = {"--proto", proto, "-s", service, NULL};

    assert_int_equal(server_start(s, args), 0);
}

/* Runs socat between in and the server: "UDP" or "TCP". Returns its stdout (malloc'd). */
static struct run_result socat(const struct server *s, const char *proto, const char *in,
                               size_t in_len)
{
    char addr[64];
    struct run_result r;

    snprintf(addr, sizeof(addr), "%s:127.0.0.1:%d", proto, s->port);
    {
        const char *const argv[] = {"/usr/bin/socat", "-t", "1", "-", addr, NULL};
        assert_int_equal(run_program(argv, in, in_len, HARNESS_WAIT_MS, &r), 0);
    }
    assert_int_equal(r.status, 0);
    return r;
}

/* Checks that text holds whole RFC 864 lines, each starting one printable character after the
 * one before. Returns the number of lines. */
static size_t expect_chargen(const char *text, size_t len)
{
    size_t lines = len / 74;

    assert_true(lines > 0);
    for (size_t l = 0; l < lines; l++) {
        const char *p = text + l * 74;
        int first = p[0] - ' ';

        assert_true(first >= 0 && first < 95);
        if (l > 0)
            assert_int_equal(first, (text[(l - 1) * 74] - ' ' + 1) % 95);
        for (int c = 0; c < 72; c++)
            assert_int_equal(p[c], ' ' + (first + c) % 95);
        assert_memory_equal(p + 72, "\r\n", 2);
    }
    return lines;
}

/* Checks a time answer: four bytes within two seconds of now. */
static void expect_time(const char *b, size_t len)
{
    uint32_t v, now = (uint32_t)((unsigned long long)time(NULL) + TIME_OFFSET);
    const unsigned char *u = (const unsigned char *)b;

    assert_int_equal(len, 4);
    v = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
    assert_true(now - v <= 2 || v - now <= 2);
}

/* Checks a daytime answer: the line ctime() writes for now, give or take two seconds. */
static void expect_daytime(const char *line, size_t len)
{
    char want[64];
    time_t now = time(NULL);
    struct tm tm;

    assert_true(len > 2 && line[len - 2] == '\r' && line[len - 1] == '\n');
    for (time_t t = now - 2; t <= now + 1; t++) {
        localtime_r(&t, &tm);
        strftime(want, sizeof(want), "%a %b %e %H:%M:%S %Y\r\n", &tm);
        if (strlen(want) == len && memcmp(want, line, len) == 0)
            return;
    }
    fail_msg("daytime said '%.*s', not about now", (int)len, line);
}

static void test_tcp_discard(void **state)
{
    struct server *s = *state;
    struct run_result r;
    char port[16];

    start(s, "discard", "tcp");
    snprintf(port, sizeof(port), "%d", s->port);
    {
        const char *const argv[] = {"/usr/bin/nc", "-N", "127.0.0.1", port, NULL};
        assert_int_equal(run_program(argv, "thrown away\n", 12, HARNESS_WAIT_MS, &r), 0);
    }
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
    assert_true(
        server_log_wait(s, "client 1 disconnected (12 bytes in, 0 bytes out)", HARNESS_WAIT_MS));
}

/* chargen streams until the client goes: 100,000 bytes read by a client that then closes. */
static void test_tcp_chargen(void **state)
{
    static char buf[100000];
    struct server *s = *state;
    int fd;

    start(s, "chargen", "tcp");
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(recv_exact(fd, buf, sizeof(buf)), sizeof(buf));
    close(fd);
    assert_int_equal(expect_chargen(buf, sizeof(buf)), sizeof(buf) / 74);
    assert_true(server_log_wait(s, "client 1 disconnected", HARNESS_WAIT_MS));
}

static void test_tcp_daytime_and_time(void **state)
{
    struct server *s = *state;
    struct run_result r;

    start(s, "daytime", "tcp");
    r = socat(s, "TCP", "", 0);
    expect_daytime(r.out, r.out_len);
    run_result_free(&r);
    assert_int_equal(server_stop(s), 0);
    server_release(s);
    start(s, "time", "tcp");
    r = socat(s, "TCP", "", 0);
    expect_time(r.out, r.out_len);
    run_result_free(&r);
}

/* Over UDP with socat: a datagram in, the service's one datagram out. */
static void test_udp_services(void **state)
{
    static const char *const services[] = {"daytime", "time", "chargen", "hello", "echo"};
    struct server *s = *state;
    struct run_result r;

    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        const char *args[] = {"-u", "-s", services[i], "--rate-limit", "0", NULL};

        assert_int_equal(server_start(s, args), 0);
        r = socat(s, "UDP", "?\n", 2);
        if (i == 0)
            expect_daytime(r.out, r.out_len);
        else if (i == 1)
            expect_time(r.out, r.out_len);
        else if (i == 2)
            assert_int_equal(expect_chargen(r.out, r.out_len), 512 / 74);
        else if (i == 3)
            assert_string_equal(r.out, "Hello World!\n");
        else
            assert_string_equal(r.out, "?\n");
        run_result_free(&r);
        assert_int_equal(server_stop(s), 0);
        server_release(s);
    }
}

/* discard over UDP with nc -u: nothing comes back, and the server counted the datagram. */
static void test_udp_discard(void **state)
{
    struct server *s = *state;
    struct run_result r;
    char port[16];

    start(s, "discard", "udp");
    snprintf(port, sizeof(port), "%d", s->port);
    {
        const char *const argv[] = {"/usr/bin/nc", "-u", "-w", "1", "127.0.0.1", port, NULL};
        assert_int_equal(run_program(argv, "gone\n", 5, HARNESS_WAIT_MS, &r), 0);
    }
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
    assert_int_equal(server_stop(s), 0);
    assert_true(server_log_wait(s, "1 datagrams in, 0 out, 0 not answered", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tcp_discard, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_chargen, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_tcp_daytime_and_time, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_udp_services, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_udp_discard, server_setup, server_teardown),
    };

    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
