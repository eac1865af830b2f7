/*
 * Integration tests of echo-server over UDP, run once per model (TCPECHO_MODEL): every datagram
 * back whole and byte-exact, the empty one and the largest ones too, over IPv4 and IPv6, from
 * many senders at once; TCP and UDP on one port; answers from the address written to; the
 * guards — a datagram too long, from a port that answers, over the rate, from 10,000 addresses;
 * and the uring model's UDP path for kernels without multishot recvmsg.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define NO_ANSWER_MS 300 /* how long a datagram that gets no answer is waited for */

static char sent[65536], got[65536 + 1];

/* Starts the server over UDP with the rate limit off (unless args set it) and more args. */
static void start_udp(struct server *s, const char *const *more)
{
    const char *args[32] = {"-u", "--rate-limit", "0", "--rate-limit-total", "0"};
    int n = 5;

    while (more && *more && n < 31)
        args[n++] = *more++;
    args[n] = NULL;
    assert_int_equal(server_start(s, args), 0);
}

/* Sends len bytes of pattern seed on fd and expects them back whole. */
static void expect_echo(int fd, size_t len, unsigned seed)
{
    fill_random(sent, len, seed);
    assert_int_equal(send(fd, sent, len, 0), (ssize_t)len);
    assert_int_equal(udp_recv_within(fd, got, sizeof(got), HARNESS_WAIT_MS), (ssize_t)len);
    assert_memory_equal(got, sent, len);
}

/* Sends len bytes on fd and expects no answer. */
static void expect_silence(int fd, size_t len)
{
    memset(sent, 'q', len);
    assert_int_equal(send(fd, sent, len, 0), (ssize_t)len);
    assert_int_equal(udp_recv_within(fd, got, sizeof(got), NO_ANSWER_MS), -1);
}

/* The counters line that SIGUSR1 asks for, once it contains want. Asked again every 100 ms: a
 * loop adds its counts once the send has returned (uring: once its completion is reaped), and
 * the echo may reach the client, which then asks, before that. */
static void expect_stats(struct server *s, const char *want)
{
    char *log;

    for (int waited = 0; waited < HARNESS_WAIT_MS; waited += 100) {
        kill(s->pid, SIGUSR1);
        if (server_log_wait(s, want, 100))
            return;
    }
    log = server_log(s);
    fail_msg("no '%s' in the log:\n%s", want, log);
    free(log);
}

/* Every byte value, and the sizes that matter: empty, one byte, the most in one Ethernet frame
 * (1472) and one more, 8 KiB, and the largest datagram IPv4 carries. */
static void test_sizes_and_bytes(void **state)
{
    static const size_t sizes[] = {0, 1, 1472, 1473, 8192, 65507};
    struct server *s = *state;
    int fd;

    start_udp(s, NULL);
    fd = udp_connect(NULL, 0, "127.0.0.1", s->port);
    assert_true(fd >= 0);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        expect_echo(fd, sizes[i], (unsigned)i + 1);
    for (int b = 0; b < 256; b++)
        sent[b] = (char)b;
    assert_int_equal(send(fd, sent, 256, 0), 256);
    assert_int_equal(udp_recv_within(fd, got, sizeof(got), HARNESS_WAIT_MS), 256);
    assert_memory_equal(got, sent, 256);
    close(fd);
    expect_stats(s, "7 datagrams in, 7 out, 0 not answered");
}

/* IPv6, up to its largest datagram without jumbograms (65,527 bytes). */
static void test_ipv6(void **state)
{
    static const char *const args[] = {"-b", "::1", NULL};
    struct server *s = *state;
    int fd;

    start_udp(s, args);
    fd = udp_connect(NULL, 0, "::1", s->port);
    assert_true(fd >= 0);
    expect_echo(fd, 0, 1);
    expect_echo(fd, 1232, 2);
    expect_echo(fd, 65527, 3);
    close(fd);
}

/* Twenty senders with four datagrams each in flight, fifty rounds: each gets its own back, in
 * order (loopback keeps it). */
static void test_many_senders(void **state)
{
    enum { SENDERS = 20, DEPTH = 4, ROUNDS = 50, SIZE = 100 };
    struct server *s = *state;
    int fd[SENDERS];

    start_udp(s, NULL);
    for (int i = 0; i < SENDERS; i++) {
        fd[i] = udp_connect(NULL, 0, "127.0.0.1", s->port);
        assert_true(fd[i] >= 0);
    }
    for (int k = 0; k < ROUNDS; k++) {
        for (int i = 0; i < SENDERS; i++)
            for (int d = 0; d < DEPTH; d++) {
                fill_random(sent, SIZE, (unsigned)(i * 1000 + k * DEPTH + d));
                assert_int_equal(send(fd[i], sent, SIZE, 0), SIZE);
            }
        for (int i = 0; i < SENDERS; i++)
            for (int d = 0; d < DEPTH; d++) {
                assert_int_equal(udp_recv_within(fd[i], got, sizeof(got), HARNESS_WAIT_MS), SIZE);
                fill_random(sent, SIZE, (unsigned)(i * 1000 + k * DEPTH + d));
                assert_memory_equal(got, sent, SIZE);
            }
    }
    for (int i = 0; i < SENDERS; i++)
        close(fd[i]);
}

/* --proto both: TCP and UDP on the one port the kernel chose; the line names both. */
static void test_both_on_one_port(void **state)
{
    static const char *const args[] = {"--proto", "both", NULL};
    struct server *s = *state;
    char *log;
    int fd;

    start_udp(s, args);
    log = server_log(s);
    assert_non_null(strstr(log, "(tcp and udp, service echo"));
    free(log);
    fd = udp_connect(NULL, 0, "127.0.0.1", s->port);
    assert_true(fd >= 0);
    expect_echo(fd, 512, 9);
    close(fd);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, "tcp too\n", 8), 0);
    assert_int_equal(recv_exact(fd, got, 8), 8);
    assert_memory_equal(got, "tcp too\n", 8);
    close(fd);
}

/* On a wildcard address, the answer leaves from the address the client wrote to: a client
 * connected to 127.0.0.5 accepts nothing from 127.0.0.1. */
static void test_answer_from_address_written_to(void **state)
{
    static const char *const args[] = {"-b", "0.0.0.0", NULL};
    struct server *s = *state;
    int fd;

    start_udp(s, args);
    fd = udp_connect(NULL, 0, "127.0.0.5", s->port);
    assert_true(fd >= 0);
    expect_echo(fd, 100, 5);
    close(fd);
}

/* A datagram longer than --max-datagram is dropped whole, never echoed cut short, and said. */
static void test_too_long(void **state)
{
    static const char *const args[] = {"--max-datagram", "1000", "-v", NULL};
    struct server *s = *state;
    int fd;

    start_udp(s, args);
    fd = udp_connect(NULL, 0, "127.0.0.1", s->port);
    assert_true(fd >= 0);
    expect_silence(fd, 1001);
    expect_echo(fd, 1000, 3);
    close(fd);
    assert_true(
        server_log_wait(s, "longer than --max-datagram 1000: not answered", HARNESS_WAIT_MS));
    expect_stats(s, "1 not answered (1 too long)");
}

/* Source ports 7 (echo) and 19 (chargen) answer whatever they get: no answer goes there, or
 * the two services would talk forever. --no-loop-guard answers them. Binding them needs root. */
static void test_loop_guard(void **state)
{
    static const char *const open_args[] = {"--no-loop-guard", NULL};
    static const int ports[] = {7, 19};
    struct server *s = *state;
    int fd;

    start_udp(s, NULL);
    for (size_t i = 0; i < 2; i++) {
        fd = udp_connect("127.0.0.9", ports[i], "127.0.0.1", s->port);
        if (fd < 0 && errno == EACCES)
            skip();
        assert_true(fd >= 0);
        expect_silence(fd, 10);
        close(fd);
    }
    assert_true(
        server_log_wait(s, "no answer to 127.0.0.9:7 (10 bytes): source port", HARNESS_WAIT_MS));
    expect_stats(s, "2 not answered (2 source port)");
    assert_int_equal(server_stop(s), 0);
    server_release(s);
    start_udp(s, open_args);
    fd = udp_connect("127.0.0.9", 19, "127.0.0.1", s->port);
    assert_true(fd >= 0);
    expect_echo(fd, 10, 1);
    close(fd);
}

/* A sender over --rate-limit gets its rate and no more; another sender is not held back. */
static void test_rate_limit(void **state)
{
    static const char *const args[] = {"--rate-limit", "20", NULL};
    struct server *s = *state;
    int fd, other, answers = 0;

    start_udp(s, args);
    fd = udp_connect("127.0.0.2", 0, "127.0.0.1", s->port);
    other = udp_connect("127.0.0.3", 0, "127.0.0.1", s->port);
    assert_true(fd >= 0 && other >= 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(send(fd, "x", 1, 0), 1);
    while (udp_recv_within(fd, got, sizeof(got), NO_ANSWER_MS) == 1)
        answers++;
    /* The burst of one second's worth, and what refilled while the 200 were sent. */
    if (answers < 20 || answers > 30)
        fail_msg("%d answers to 200 datagrams at --rate-limit 20", answers);
    expect_echo(other, 10, 1);
    close(fd);
    close(other);
    expect_stats(s, "rate limit)");
}

/* 10,000 senders, each from its own address of 127.0.0.0/8, one datagram each: each answered,
 * and the server's memory grows by less than 2 MiB (16 under a sanitizer): the rate limiter's
 * table is fixed. */
static void test_ten_thousand_sources(void **state)
{
    static const char *const args[] = {"--rate-limit", "1000", NULL};
    struct server *s = *state;
    char ip[32];
    long before, after;
    int answered = 0;

    start_udp(s, args);
    before = proc_rss_kib(s->pid);
    for (int i = 0; i < 10000; i++) {
        int fd;

        snprintf(ip, sizeof(ip), "127.%d.%d.%d", 10 + i / 65536, (i / 256) % 256, 1 + i % 250);
        fd = udp_connect(ip, 0, "127.0.0.1", s->port);
        assert_true(fd >= 0);
        assert_int_equal(send(fd, "0123456789", 10, 0), 10);
        answered += udp_recv_within(fd, got, sizeof(got), HARNESS_WAIT_MS) == 10;
        close(fd);
    }
    after = proc_rss_kib(s->pid);
    assert_int_equal(answered, 10000);
    if (server_sanitized() == 2)
        return; /* valgrind's memory counts as the server's */
    if (after - before > (server_sanitized() ? 8 : 1) * 2048)
        fail_msg("RSS grew from %ld to %ld KiB over 10,000 sources", before, after);
}

/* The uring model on a kernel without multishot recvmsg (before 6.0) serves UDP from one
 * blocking thread, and says so at -v: TCPECHO_URING_UDP=thread takes that path on this one. */
static void test_uring_blocking_thread(void **state)
{
    static const char *const args[] = {"-v", "-t", "2", NULL};
    const char *model = getenv("TCPECHO_MODEL");
    struct server *s = *state;
    int fd;

    if (!model || strcmp(model, "uring") != 0)
        skip();
    setenv("TCPECHO_URING_UDP", "thread", 1);
    start_udp(s, args);
    unsetenv("TCPECHO_URING_UDP");
    assert_true(server_log_wait(s, "udp: one blocking thread", HARNESS_WAIT_MS));
    fd = udp_connect(NULL, 0, "127.0.0.1", s->port);
    assert_true(fd >= 0);
    expect_echo(fd, 0, 1);
    expect_echo(fd, 1472, 2);
    expect_echo(fd, 65507, 3);
    close(fd);
    expect_stats(s, "3 datagrams in, 3 out, 0 not answered");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sizes_and_bytes, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_ipv6, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_many_senders, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_both_on_one_port, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_answer_from_address_written_to, server_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(test_too_long, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_loop_guard, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_sources, server_setup, server_teardown),
        cmocka_unit_test_setup_teardown(test_uring_blocking_thread, server_setup, server_teardown),
    };

    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
