/*
 * test_nagle: no 40 ms stall on a round trip. A server that answers one message with two or
 * more writes and leaves Nagle's algorithm on holds the second write until the client ACKs
 * the first, and the client, waiting for the rest of its echo with nothing to send, delays
 * that ACK by 40 ms: every message then costs 40 ms. The detector counts round trips of 30 ms
 * or more; it is first shown to catch the stall on a server built to have it (reads of 1 KiB,
 * Nagle on), then run against echo-server with 4 KiB messages and with messages larger than
 * its read buffer (which it must write in several pieces).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define STALL_MS 30 /* a delayed ACK is at least 40 ms; an unstalled loopback trip is < 1 ms */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends rounds messages of size bytes to port, one at a time, each in a single send() with
 * TCP_NODELAY (the client is never the one stalling), checks every echo byte for byte, and
 * returns how many round trips took STALL_MS or more. */
static int count_stalls(int port, size_t size, int rounds)
{
    unsigned char *msg = malloc(size), *back = malloc(size);
    int fd = tcp_connect(port), one = 1, stalls = 0;

    assert_non_null(msg);
    assert_non_null(back);
    assert_true(fd >= 0);
    assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    for (int r = 0; r < rounds; r++) {
        long long start = now_ms();

        for (size_t i = 0; i < size; i++)
            msg[i] = (unsigned char)(i * 7 + (size_t)r);
        assert_int_equal(send_all(fd, msg, size), 0);
        assert_int_equal(recv_exact(fd, back, size), size);
        assert_memory_equal(back, msg, size);
        if (now_ms() - start >= STALL_MS)
            stalls++;
    }
    close(fd);
    free(msg);
    free(back);
    return stalls;
}

/* The control: a one-connection echo server in a child process that reads 1 KiB at a time
 * and writes each piece back with Nagle on, as xinetd's built-in echo does. Returns its pid;
 * *port gets its port. */
static pid_t start_stalling_server(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    pid_t pid;

    assert_true(ls >= 0);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ls, 1), 0);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char buf[1024];
        ssize_t n;
        int c;

        alarm(30); /* never outlive the test */
        c = accept(ls, NULL, NULL);
        while (c >= 0 && (n = recv(c, buf, sizeof(buf), 0)) > 0)
            if (send(c, buf, (size_t)n, MSG_NOSIGNAL) != n)
                break;
        _exit(0);
    }
    close(ls);
    return pid;
}

/* The detector sees the stall where there is one: nearly every 4 KiB round trip. */
static void test_detector_catches_a_stalling_server(void **state)
{
    int port, status, stalls;
    pid_t pid;

    (void)state;
    pid = start_stalling_server(&port);
    stalls = count_stalls(port, 4096, 20);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    print_message("stalling control server: %d of 20 round trips took %d ms or more\n", stalls,
                  STALL_MS);
    assert_true(stalls >= 10);
}

/* 4 KiB messages, the size the benchmark's stall scenario uses: no round trip stalls. A busy
 * machine may delay one now and then, never most of them; 2 of 100 are tolerated. */
static void test_no_stall_with_4_kib_messages(void **state)
{
    struct server *s = *state;
    int stalls;

    assert_int_equal(server_start(s, NULL), 0);
    stalls = count_stalls(s->port, 4096, 100);
    print_message("4 KiB: %d of 100 round trips took %d ms or more\n", stalls, STALL_MS);
    assert_true(stalls <= 2);
    assert_int_equal(server_stop(s), 0);
}

/* 200 KiB messages: more than one read of the server's buffer, so more than one write per
 * message, the pattern Nagle holds back. */
static void test_no_stall_with_messages_larger_than_a_read(void **state)
{
    struct server *s = *state;
    int stalls;

    assert_int_equal(server_start(s, NULL), 0);
    stalls = count_stalls(s->port, 200 * 1024, 50);
    print_message("200 KiB: %d of 50 round trips took %d ms or more\n", stalls, STALL_MS);
    assert_true(stalls <= 2);
    assert_int_equal(server_stop(s), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_catches_a_stalling_server),
        T(test_no_stall_with_4_kib_messages),
        T(test_no_stall_with_messages_larger_than_a_read),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
