/*
 * test_echo_server: the real echo-server on port 0, driven over loopback — echo, line and
 * hello services, the iterative model's one-at-a-time behaviour, half-close, signals, and
 * peers (nc, socat) as clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* Starts a server with args (NULL-terminated list) and fails the test if it does not come up. */
static void start(struct server *s, const char *const *args)
{
    assert_int_equal(server_start(s, args), 0);
}

/* Stops the server and asserts it exited 0. */
static void stop_clean(struct server *s)
{
    assert_int_equal(server_stop(s), 0);
}

/* Sends text and asserts that exactly expect comes back. */
static void expect_echo(int fd, const char *text, const char *expect)
{
    char buf[256] = {0};
    size_t n = strlen(expect);

    assert_int_equal(send_all(fd, text, strlen(text)), 0);
    assert_int_equal(recv_exact(fd, buf, n), n);
    assert_memory_equal(buf, expect, n);
}

static void test_echo_every_byte_value(void **state)
{
    struct server *s = *state;
    unsigned char data[256 * 64], back[sizeof(data)];
    int fd;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)i;
    start(s, NULL);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(echo_stream(fd, data, sizeof(data), back, sizeof(back)), sizeof(data));
    assert_memory_equal(back, data, sizeof(data));
    close(fd);
    stop_clean(s);
}

/* Half-close (seed 000): after shutdown(SHUT_WR) every byte still comes back, then EOF. */
static void test_echo_half_close_one_mib(void **state)
{
    struct server *s = *state;
    size_t len = 1 << 20;
    char *data = malloc(len), *back = malloc(len + 1);
    int fd;

    fill_random(data, len, 1);
    start(s, NULL);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(echo_stream(fd, data, len, back, len + 1), len);
    assert_memory_equal(back, data, len);
    close(fd);
    assert_true(server_log_wait(s, "client 1 disconnected (1048576 bytes in, 1048576 bytes out)",
                                HARNESS_WAIT_MS));
    stop_clean(s);
    free(data);
    free(back);
}

/* Many small writes of one message come back as the same bytes, whatever the segmenting. */
static void test_echo_byte_at_a_time(void **state)
{
    struct server *s = *state;
    const char msg[] = "one read() is not one message";
    char back[sizeof(msg)] = {0};
    int fd;

    start(s, NULL);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    for (size_t i = 0; i < sizeof(msg) - 1; i++)
        assert_int_equal(send_all(fd, msg + i, 1), 0);
    assert_int_equal(recv_exact(fd, back, sizeof(msg) - 1), sizeof(msg) - 1);
    assert_string_equal(back, msg);
    close(fd);
    stop_clean(s);
}

/* Seeds 003/004: the iterative server serves one client at a time; the second waits in the
 * backlog until the first leaves, and is then served fully. */
static void test_iterative_second_client_waits(void **state)
{
    const char *const args[] = {"-m", "iterative", NULL};
    struct server *s = *state;
    char buf[16];
    int a, b;

    start(s, args);
    a = tcp_connect(s->port);
    assert_true(a >= 0);
    expect_echo(a, "first", "first");
    b = tcp_connect(s->port); /* the kernel completes the handshake: it sits in the backlog */
    assert_true(b >= 0);
    assert_int_equal(send_all(b, "second", 6), 0);
    assert_false(readable_within(b, 300));
    expect_echo(a, "again", "again");
    close(a);
    assert_int_equal(recv_exact(b, buf, 6), 6);
    assert_memory_equal(buf, "second", 6);
    expect_echo(b, "more", "more");
    close(b);
    assert_true(server_log_wait(s, "client 2 disconnected", HARNESS_WAIT_MS));
    {
        char *log = server_log(s);
        char *gone1 = strstr(log, "client 1 disconnected");
        char *came2 = strstr(log, "connected client 2");
        assert_non_null(gone1);
        assert_non_null(came2);
        assert_true(gone1 < came2);
        free(log);
    }
    stop_clean(s);
}

/* The accept loop goes on after each client, including one that resets mid-stream. */
static void test_accept_loop_survives_resets(void **state)
{
    struct server *s = *state;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    char junk[65536];
    int fd;

    memset(junk, 'x', sizeof(junk));
    start(s, NULL);
    for (int i = 0; i < 20; i++) {
        fd = tcp_connect(s->port);
        assert_true(fd >= 0);
        send_all(fd, junk, sizeof(junk));
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd); /* RST, with echoes unread */
    }
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "still here", "still here");
    close(fd);
    assert_true(server_alive(s));
    stop_clean(s);
}

static void test_line_strips_cr_and_echoes_lines(void **state)
{
    const char *const args[] = {"-s", "line", NULL};
    struct server *s = *state;
    int fd;

    start(s, args);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "hello\r\nworld\n", "hello\nworld\n");
    expect_echo(fd, "split ", "");
    expect_echo(fd, "line\r", "");
    expect_echo(fd, "\n", "split line\n");
    close(fd);
    stop_clean(s);
}

/* Seed 001: a line "exit" or "quit" ends the session, with a log line. */
static void line_quit_word(struct server *s, const char *word)
{
    const char *const args[] = {"-s", "line", NULL};
    char buf[64], line[16];
    int fd;

    start(s, args);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "before\n", "before\n");
    snprintf(line, sizeof(line), "%s\r\n", word);
    assert_int_equal(send_all(fd, line, strlen(line)), 0);
    assert_int_equal(recv_to_eof(fd, buf, sizeof(buf)), 0); /* closed, nothing echoed */
    close(fd);
    assert_true(server_log_wait(s, "client 1 disconnected: client said quit", HARNESS_WAIT_MS));
    fd = tcp_connect(s->port); /* and the server goes on */
    assert_true(fd >= 0);
    expect_echo(fd, "after\n", "after\n");
    close(fd);
    stop_clean(s);
}

static void test_line_exit_ends_session(void **state)
{
    line_quit_word(*state, "exit");
}

static void test_line_quit_ends_session(void **state)
{
    line_quit_word(*state, "quit");
}

/* A line longer than --max-line gets an error line and the session closes; memory stays
 * bounded because the server never buffers more than max-line bytes of it. */
static void test_line_too_long(void **state)
{
    const char *const args[] = {"-s", "line", "--max-line", "16", NULL};
    struct server *s = *state;
    char buf[256];
    char big[4096];
    ssize_t n;
    int fd;

    memset(big, 'a', sizeof(big));
    start(s, args);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "0123456789abcdef\n", "0123456789abcdef\n"); /* exactly 16: fine */
    send_all(fd, big, sizeof(big));
    n = recv_to_eof(fd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "error: line too long\n");
    close(fd);
    assert_true(server_log_wait(s, "client 1 disconnected: line too long", HARNESS_WAIT_MS));
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "ok\n", "ok\n");
    close(fd);
    stop_clean(s);
}

/* Seed 004: hello writes its greeting and closes. */
static void hello_says(struct server *s, const char *const *args, const char *expect)
{
    char buf[128];
    ssize_t n;
    int fd;

    start(s, args);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    n = recv_to_eof(fd, buf, sizeof(buf) - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, expect);
    close(fd);
    stop_clean(s);
}

static void test_hello_default_greeting(void **state)
{
    const char *const args[] = {"-s", "hello", NULL};

    hello_says(*state, args, "Hello World!\n");
}

static void test_hello_custom_greeting(void **state)
{
    const char *const args[] = {"-s", "hello", "--greeting", "Welcome, learner", NULL};

    hello_says(*state, args, "Welcome, learner\n");
}

/* SIGTERM with a client connected and idle: the server closes it and exits 0 promptly. */
static void test_sigterm_with_idle_client(void **state)
{
    struct server *s = *state;
    char buf[16];
    int fd;

    start(s, NULL);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "x", "x");
    assert_int_equal(server_stop(s), 0);
    assert_int_equal(recv_to_eof(fd, buf, sizeof(buf)), 0);
    {
        char *log = server_log(s);
        assert_non_null(strstr(log, "stopped by SIGTERM: 1 clients, 1 bytes in, 1 bytes out"));
        free(log);
    }
    close(fd);
    server_release(s);
}

static void test_sigint_stops_too(void **state)
{
    struct server *s = *state;

    start(s, NULL);
    kill(s->pid, SIGINT);
    assert_int_equal(wait_exit(s->pid, HARNESS_WAIT_MS), 0);
    s->exited = 1;
    assert_true(server_log_wait(s, "stopped by SIGINT", 0));
    server_release(s);
}

/* SIGTERM while a client sends and never reads: the echo cannot finish, so the server gives
 * up after --drain-timeout and still exits 0. */
static void test_sigterm_drain_timeout_with_stuck_client(void **state)
{
    const char *const args[] = {"--drain-timeout", "1", NULL};
    struct server *s = *state;
    static char junk[1 << 16];
    size_t sent = 0;
    int fd;

    start(s, args);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    /* Fill both directions until the server blocks writing an echo nobody reads: then our
     * sends fail with EAGAIN for good. */
    for (int i = 0, stalls = 0; i < 100000 && stalls < 50; i++) {
        ssize_t n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            stalls = 0;
        } else {
            stalls++;
            poll(NULL, 0, 10);
        }
    }
    assert_true(sent > (1u << 20));
    assert_true(server_alive(s));
    assert_int_equal(server_stop(s), 0);
    assert_true(server_log_wait(s, "client 1 disconnected: echo unfinished at shutdown", 0));
    close(fd);
}

/* Runs "echo-server OPT -b 127.0.0.1 -p PORT" (opt NULL: none) and asserts it says the port is in
 * use, in one line, and exits 1. */
static void expect_port_in_use(int port, const char *opt)
{
    struct run_result r;
    char portstr[16], expect[128];

    const char *argv[8];
    int n = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    argv[n++] = bin_path("echo-server");
    if (opt)
        argv[n++] = opt;
    argv[n++] = "-b";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = portstr;
    argv[n] = NULL;
    assert_int_equal(run_program(argv, NULL, 0, HARNESS_WAIT_MS, &r), 0);
    snprintf(expect, sizeof(expect), "echo-server: bind 127.0.0.1:%d: Address already in use\n",
             port);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, expect);
    run_result_free(&r);
}

/* A second server on a port in use: a one-line error naming the address, exit 1. */
static void test_port_in_use(void **state)
{
    struct server *s = *state;

    start(s, NULL);
    expect_port_in_use(s->port, NULL);
    stop_clean(s);
}

/*
 * The notes' restart problem: the server closed first (line service, "quit"), so its end of
 * the connection waits in TIME_WAIT on the port. Without SO_REUSEADDR a restart cannot bind;
 * with it (the default) it can.
 */
static void test_restart_in_time_wait(void **state)
{
    struct server *s = *state;
    char port[16], buf[64];
    int fd;

    start(s, (const char *const[]){"-s", "line", NULL});
    snprintf(port, sizeof(port), "%d", s->port);
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, "quit\n", 5), 0);
    assert_int_equal(recv_to_eof(fd, buf, sizeof(buf)), 0);
    close(fd);
    stop_clean(s);
    server_release(s);
    expect_port_in_use(atoi(port), "--no-reuseaddr");
    start(s, (const char *const[]){"-p", port, NULL});
    assert_int_equal(s->port, atoi(port));
    fd = tcp_connect(s->port);
    assert_true(fd >= 0);
    expect_echo(fd, "back\n", "back\n");
    close(fd);
    stop_clean(s);
}

/* Other clients a user would point at it: OpenBSD nc and socat. argv[0] is the tool's path. */
static void peer_client(const char *const *argv)
{
    struct run_result r;

    if (access(argv[0], X_OK) != 0)
        skip();
    assert_int_equal(run_program(argv, "hi\nthere\n", 9, HARNESS_WAIT_MS, &r), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "hi\nthere\n");
    run_result_free(&r);
}

static void test_nc_client(void **state)
{
    struct server *s = *state;
    char port[16];

    start(s, NULL);
    snprintf(port, sizeof(port), "%d", s->port);
    {
        const char *const argv[] = {"/usr/bin/nc", "-N", "127.0.0.1", port, NULL};
        peer_client(argv);
    }
    stop_clean(s);
}

static void test_socat_client(void **state)
{
    struct server *s = *state;
    char addr[64];

    start(s, NULL);
    snprintf(addr, sizeof(addr), "TCP:127.0.0.1:%d", s->port);
    {
        const char *const argv[] = {"/usr/bin/socat", "-", addr, NULL};
        peer_client(argv);
    }
    stop_clean(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_echo_every_byte_value),
        T(test_echo_half_close_one_mib),
        T(test_echo_byte_at_a_time),
        T(test_iterative_second_client_waits),
        T(test_accept_loop_survives_resets),
        T(test_line_strips_cr_and_echoes_lines),
        T(test_line_exit_ends_session),
        T(test_line_quit_ends_session),
        T(test_line_too_long),
        T(test_hello_default_greeting),
        T(test_hello_custom_greeting),
        T(test_sigterm_with_idle_client),
        T(test_sigint_stops_too),
        T(test_sigterm_drain_timeout_with_stuck_client),
        T(test_port_in_use),
        T(test_restart_in_time_wait),
        T(test_nc_client),
        T(test_socat_client),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
