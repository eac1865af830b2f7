/*
 * test_proxy_protocol: echo-server --proxy-protocol on every model — the header a load
 * balancer sends (v1 text, v2 binary), however it is split, is read, logged and never
 * echoed; the client's bytes after it come back exactly; a missing or malformed header gets
 * the connection closed with nothing sent back, and the server goes on serving others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static const char v1_tcp4[] = "PROXY TCP4 203.0.113.7 192.0.2.1 5555 7\r\n";

/* The v2 signature, then PROXY over TCP/IPv6 and its 36 address bytes: 2001:db8::1 port
 * 40000 to 2001:db8::2 port 7. */
static const unsigned char v2_tcp6[16 + 36] = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21,
    0x21, 0x00, 36,   0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    1,    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    2,    0x9c, 0x40, 0x00, 0x07,
};

/* v2 LOCAL: the proxy's own health check, no address. */
static const unsigned char v2_local[16] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
                                           0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};

static void start(struct server *s, const char *service)
{
    const char *const args[] = {"--proxy-protocol", "-s", service, NULL};

    assert_int_equal(server_start(s, args), 0);
}

static int connect_to(const struct server *s)
{
    int fd = tcp_connect(s->port);

    assert_true(fd >= 0);
    return fd;
}

/* Sends n bytes one at a time: a header split at every byte must still be read whole. */
static void send_bytewise(int fd, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(send_all(fd, (const char *)p + i, 1), 0);
        usleep(1000);
    }
}

/* The header and the client's data in one write: only the data comes back. */
static void test_v1_header_and_data_together(void **state)
{
    struct server *s = *state;
    char msg[256], back[sizeof(msg)];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    snprintf(msg, sizeof(msg), "%shello, world\n", v1_tcp4);
    assert_int_equal(send_all(fd, msg, strlen(msg)), 0);
    shutdown(fd, SHUT_WR);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 13);
    assert_memory_equal(back, "hello, world\n", 13);
    close(fd);
    assert_true(server_log_wait(s, "client 1 is 203.0.113.7:5555 (PROXY v1, to 192.0.2.1:7)",
                                HARNESS_WAIT_MS));
    assert_true(
        server_log_wait(s, "client 1 disconnected (54 bytes in, 13 bytes out)", HARNESS_WAIT_MS));
}

static void test_v1_header_byte_at_a_time(void **state)
{
    struct server *s = *state;
    char back[8];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    send_bytewise(fd, v1_tcp4, strlen(v1_tcp4));
    assert_int_equal(send_all(fd, "ping", 4), 0);
    assert_int_equal(recv_exact(fd, back, 4), 4);
    assert_memory_equal(back, "ping", 4);
    close(fd);
    assert_true(server_log_wait(s, "client 1 is 203.0.113.7:5555", HARNESS_WAIT_MS));
}

/* v2 split at every byte, then a MiB echoed exactly through half-close. */
static void test_v2_header_then_one_mib(void **state)
{
    struct server *s = *state;
    size_t len = 1 << 20;
    char *data = malloc(len), *back = malloc(len + 1);
    int fd;

    fill_random(data, len, 6);
    start(s, "echo");
    fd = connect_to(s);
    send_bytewise(fd, v2_tcp6, sizeof(v2_tcp6));
    assert_int_equal(echo_stream(fd, data, len, back, len + 1), len);
    assert_memory_equal(back, data, len);
    close(fd);
    assert_true(server_log_wait(s, "client 1 is [2001:db8::1]:40000 (PROXY v2, to [2001:db8::2]:7)",
                                HARNESS_WAIT_MS));
    free(data);
    free(back);
}

/* A client that skips the load balancer: closed with nothing echoed, the reason logged, and
 * the next client (with a header) served. */
static void test_missing_header_closes(void **state)
{
    struct server *s = *state;
    char back[64];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    assert_int_equal(send_all(fd, "hello\n", 6), 0);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 0);
    close(fd);
    assert_true(server_log_wait(s,
                                "client 1 sent a bad PROXY header: not a PROXY header (first "
                                "bytes \"hello\\x0a\")",
                                HARNESS_WAIT_MS));
    assert_true(server_log_wait(s, "client 1 disconnected: bad PROXY header", HARNESS_WAIT_MS));
    fd = connect_to(s);
    assert_int_equal(send_all(fd, v1_tcp4, strlen(v1_tcp4)), 0);
    assert_int_equal(send_all(fd, "next", 4), 0);
    assert_int_equal(recv_exact(fd, back, 4), 4);
    assert_memory_equal(back, "next", 4);
    close(fd);
}

/* A header that starts right and goes wrong (a port out of range) is refused too. */
static void test_malformed_header_closes(void **state)
{
    static const char bad[] = "PROXY TCP4 203.0.113.7 192.0.2.1 65536 7\r\nhello\n";
    struct server *s = *state;
    char back[64];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    assert_int_equal(send_all(fd, bad, strlen(bad)), 0);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 0);
    close(fd);
    assert_true(server_log_wait(s, "client 1 sent a bad PROXY header: ", HARNESS_WAIT_MS));
    assert_true(server_log_wait(s, "client 1 disconnected: bad PROXY header (", HARNESS_WAIT_MS));
}

/* End of input in the middle of a header: closed, and said so. */
static void test_header_cut_short(void **state)
{
    struct server *s = *state;
    char back[64];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    assert_int_equal(send_all(fd, v1_tcp4, 10), 0);
    shutdown(fd, SHUT_WR);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 0);
    close(fd);
    assert_true(
        server_log_wait(s, "client 1 disconnected: PROXY header cut short", HARNESS_WAIT_MS));
}

/* The proxy's health check: a LOCAL header, logged as such, then the proxy closes. */
static void test_v2_local_health_check(void **state)
{
    struct server *s = *state;
    char back[64];
    int fd;

    start(s, "echo");
    fd = connect_to(s);
    assert_int_equal(send_all(fd, v2_local, sizeof(v2_local)), 0);
    shutdown(fd, SHUT_WR);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 0);
    close(fd);
    assert_true(server_log_wait(s, "client 1 gave no address (PROXY v2 LOCAL", HARNESS_WAIT_MS));
    assert_true(
        server_log_wait(s, "client 1 disconnected (16 bytes in, 0 bytes out)", HARNESS_WAIT_MS));
}

/* hello greets only once the header has come: a bad header gets no greeting. */
static void test_hello_waits_for_header(void **state)
{
    struct server *s = *state;
    char back[64];
    int fd;

    start(s, "hello");
    fd = connect_to(s);
    assert_false(readable_within(fd, 200));
    assert_int_equal(send_all(fd, v1_tcp4, strlen(v1_tcp4)), 0);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 13);
    assert_memory_equal(back, "Hello World!\n", 13);
    close(fd);
    fd = connect_to(s);
    assert_int_equal(send_all(fd, "GET / HTTP/1.0\r\n\r\n", 18), 0);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 0);
    close(fd);
}

/* line: the header is not a line, the lines after it are answered. */
static void test_line_after_header(void **state)
{
    struct server *s = *state;
    char msg[128], back[64];
    int fd;

    start(s, "line");
    fd = connect_to(s);
    snprintf(msg, sizeof(msg), "%sone\r\ntwo\nquit\n", v1_tcp4);
    assert_int_equal(send_all(fd, msg, strlen(msg)), 0);
    assert_int_equal(recv_to_eof(fd, back, sizeof(back)), 8);
    assert_memory_equal(back, "one\ntwo\n", 8);
    close(fd);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_v1_header_and_data_together), T(test_v1_header_byte_at_a_time),
        T(test_v2_header_then_one_mib),      T(test_missing_header_closes),
        T(test_malformed_header_closes),     T(test_header_cut_short),
        T(test_v2_local_health_check),       T(test_hello_waits_for_header),
        T(test_line_after_header),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
