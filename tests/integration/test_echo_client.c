/*
 * test_echo_client: the real echo-client against the real server (pipe mode, the interactive
 * prompt on a pseudo-terminal, hello) and against misbehaving fake servers started here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Runs echo-client with "127.0.0.1 PORT" after the given options, input on stdin. */
static void run_client(const char *const *opts, int port, const void *in, size_t len,
                       struct run_result *r)
{
    const char *argv[16];
    char portstr[16];
    int n = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    argv[n++] = bin_path("echo-client");
    for (; opts && *opts; opts++)
        argv[n++] = *opts;
    argv[n++] = "127.0.0.1";
    argv[n++] = portstr;
    argv[n] = NULL;
    assert_int_equal(run_program(argv, in, len, 60000, r), 0);
}

/* 16 MiB of random bytes through pipe mode come back byte for byte. */
static void test_pipe_16mib_exact(void **state)
{
    struct server *s = *state;
    size_t len = 16u << 20;
    char *data = malloc(len);
    struct run_result r;

    fill_random(data, len, 42);
    assert_int_equal(server_start(s, NULL), 0);
    run_client(NULL, s->port, data, len, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, data, len);
    assert_string_equal(r.err, "");
    run_result_free(&r);
    free(data);
    assert_int_equal(server_stop(s), 0);
}

static void test_pipe_empty_input(void **state)
{
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, NULL), 0);
    run_client(NULL, s->port, NULL, 0, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
}

static void test_pipe_line_service(void **state)
{
    const char *const args[] = {"-s", "line", NULL};
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, args), 0);
    run_client(args, s->port, "one\r\ntwo\nthree", 14, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "one\ntwo\nthree\n");
    run_result_free(&r);
}

static void test_hello_client(void **state)
{
    const char *const args[] = {"-s", "hello", NULL};
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, args), 0);
    run_client(args, s->port, NULL, 0, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Message from server: Hello World!\n");
    run_result_free(&r);
}

/*
 * --show-reads: one stderr line per read of the answer, numbered, with running totals that end
 * at exactly the bytes sent, then the end of stream; stdout is still the exact echo.
 */
static void test_show_reads_pipe(void **state)
{
    const char *const opts[] = {"--show-reads", NULL};
    struct server *s = *state;
    size_t len = 1u << 20, sum = 0;
    unsigned long long k = 0, num, n, all;
    char *data = malloc(len), *line;
    struct run_result r;
    int used;

    fill_random(data, len, 7);
    assert_int_equal(server_start(s, NULL), 0);
    run_client(opts, s->port, data, len, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, data, len);
    for (line = r.err; *line; line = strchr(line, '\n') + 1) {
        assert_int_equal(sscanf(line, "echo-client: read #%llu: %llu bytes%n", &num, &n, &used), 2);
        assert_int_equal(num, ++k);
        sum += n;
        if (n == 0) {
            assert_string_equal(line + used, ", end of stream (1048576 in all)\n");
            break;
        }
        assert_int_equal(sscanf(line + used, " (%llu in all)", &all), 1);
        assert_int_equal(all, sum);
    }
    assert_int_equal(sum, len);
    assert_string_equal(strchr(line, '\n') + 1, ""); /* the end of stream line is the last */
    /* The client reads at most 64 KiB at a time: 1 MiB takes at least 16 reads and the end. */
    assert_true(k >= 17);
    run_result_free(&r);
    free(data);
}

static void test_show_reads_hello(void **state)
{
    const char *const args[] = {"-s", "hello", NULL};
    const char *const opts[] = {"-s", "hello", "-r", NULL};
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, args), 0);
    run_client(opts, s->port, NULL, 0, &r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Message from server: Hello World!\n");
    assert_string_equal(r.err, "echo-client: read #1: 13 bytes (13 in all)\n"
                               "echo-client: read #2: 0 bytes, end of stream (13 in all)\n");
    run_result_free(&r);
}

/* Starts echo-client OPT (NULL: none) on a terminal against port; waits for its first prompt. */
static pid_t start_interactive_with(const char *opt, int port, int *master, char *buf, size_t cap,
                                    size_t *len)
{
    char portstr[16];
    pid_t pid;

    snprintf(portstr, sizeof(portstr), "%d", port);
    {
        const char *const with[] = {bin_path("echo-client"), opt, "127.0.0.1", portstr, NULL};
        const char *const without[] = {bin_path("echo-client"), "127.0.0.1", portstr, NULL};
        pid = pty_spawn(opt ? with : without, master);
    }
    assert_true(pid > 0);
    assert_true(pty_expect(*master, "Input message(Q to quit): ", buf, cap, len, HARNESS_WAIT_MS));
    return pid;
}

static pid_t start_interactive(int port, int *master, char *buf, size_t cap, size_t *len)
{
    return start_interactive_with(NULL, port, master, buf, cap, len);
}

/* The notes' session: prompt, echo printed whole, then a quit word ends it with status 0. */
static void interactive_quits_on(struct server *s, const char *quit)
{
    char buf[4096];
    size_t len = 0;
    int master;
    pid_t pid;

    assert_int_equal(server_start(s, NULL), 0);
    pid = start_interactive(s->port, &master, buf, sizeof(buf), &len);
    assert_int_equal(write(master, "hello there\n", 12), 12);
    /* The whole echo, then the next prompt. */
    assert_true(pty_expect(master, "Message from server: hello there\r\nInput message(Q to quit): ",
                           buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, quit, strlen(quit)), (ssize_t)strlen(quit));
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 0);
    close(master);
    /* The quit word is the client's own: the server saw only the one line. */
    assert_true(
        server_log_wait(s, "client 1 disconnected (12 bytes in, 12 bytes out)", HARNESS_WAIT_MS));
}

static void test_interactive_q(void **state)
{
    interactive_quits_on(*state, "q\n");
}

static void test_interactive_upper_q(void **state)
{
    interactive_quits_on(*state, "Q\n");
}

static void test_interactive_quit(void **state)
{
    interactive_quits_on(*state, "quit\n");
}

static void test_interactive_exit(void **state)
{
    interactive_quits_on(*state, "exit\n");
}

static void test_interactive_end_of_input(void **state)
{
    interactive_quits_on(*state, "\x04"); /* ^D: end of input on a terminal */
}

/* The interactive client with --show-reads: the read's count comes before the echo. */
static void test_show_reads_interactive(void **state)
{
    struct server *s = *state;
    char buf[4096];
    size_t len = 0;
    int master;
    pid_t pid;

    assert_int_equal(server_start(s, NULL), 0);
    pid = start_interactive_with("--show-reads", s->port, &master, buf, sizeof(buf), &len);
    assert_int_equal(write(master, "hello there\n", 12), 12);
    assert_true(pty_expect(master,
                           "echo-client: read #1: 12 bytes (12 in all)\r\n"
                           "Message from server: hello there\r\nInput message(Q to quit): ",
                           buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, "q\n", 2), 2);
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 0);
    close(master);
}

/* The server dies mid-session: the client says so and exits non-zero. The whole process group
 * is killed: killing the fork model's parent alone leaves the child serving this client, which
 * then drains (echoes what already came) as a stop asks it to. */
static void test_interactive_server_killed(void **state)
{
    struct server *s = *state;
    char buf[4096];
    size_t len = 0;
    int master, status;
    pid_t pid;

    assert_int_equal(server_start(s, NULL), 0);
    pid = start_interactive(s->port, &master, buf, sizeof(buf), &len);
    assert_int_equal(write(master, "ping\n", 5), 5);
    assert_true(
        pty_expect(master, "Message from server: ping", buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    kill(-s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->exited = 1;
    s->status = -1;
    assert_int_equal(write(master, "pong\n", 5), 5);
    assert_true(pty_expect(master, "echo-client: ", buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 1);
    close(master);
}

/* A fake server: listens on 127.0.0.1 port 0, and in a child serves one connection by reading
 * everything the client sends, then answering with reply_len bytes of it (or nothing, staying
 * silent for a while, when silent). Returns the port; *child gets the child's pid. */
static int fake_server(size_t reply_drop, size_t reply_extra, int silent, pid_t *child)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
    *child = fork();
    if (*child == 0) {
        static char data[1 << 16];
        ssize_t got = 0, n;
        int fd = accept(lfd, NULL, NULL);

        alarm(20); /* never outlive the test */
        while ((n = read(fd, data + got, sizeof(data) - (size_t)got)) > 0)
            got += n;
        if (silent) {
            sleep(5);
            _exit(0);
        }
        if (write(fd, data, (size_t)got - reply_drop + reply_extra) < 0)
            _exit(1);
        close(fd);
        _exit(0);
    }
    close(lfd);
    return ntohs(sin.sin_port);
}

static void test_pipe_short_echo_fails(void **state)
{
    struct run_result r;
    pid_t child;
    int port = fake_server(1, 0, 0, &child);

    (void)state;
    run_client(NULL, port, "abcdef", 6, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "abcde");
    assert_string_equal(r.err, "echo-client: echo differs in length: sent 6 bytes, received 5\n");
    run_result_free(&r);
    assert_int_equal(wait_exit(child, HARNESS_WAIT_MS), 0);
}

static void test_pipe_long_echo_fails(void **state)
{
    struct run_result r;
    pid_t child;
    int port = fake_server(0, 1, 0, &child);

    (void)state;
    run_client(NULL, port, "abcdef", 6, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "echo-client: echo differs in length: sent 6 bytes, received 7\n");
    run_result_free(&r);
    assert_int_equal(wait_exit(child, HARNESS_WAIT_MS), 0);
}

static void test_pipe_timeout(void **state)
{
    const char *const opts[] = {"--timeout", "1", NULL};
    struct run_result r;
    pid_t child;
    int port = fake_server(0, 0, 1, &child);

    (void)state;
    run_client(opts, port, "abc", 3, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "echo-client: no answer from the server within 1 s "
                               "(sent 3 bytes, received 0)\n");
    run_result_free(&r);
    kill(child, SIGKILL);
    wait_exit(child, HARNESS_WAIT_MS);
}

/* IPv6: the server on [::1], the client given "[::1]:PORT" as one argument. */
static void test_ipv6_loopback(void **state)
{
    const char *const args[] = {"-b", "::1", NULL};
    struct server *s = *state;
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    char addr[64];
    struct run_result r;
    int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

    ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok)
        skip(); /* no IPv6 on this machine */
    assert_int_equal(server_start(s, args), 0);
    assert_true(server_log_wait(s, "listening on [::1]:", 0));
    snprintf(addr, sizeof(addr), "[::1]:%d", s->port);
    {
        const char *const argv[] = {bin_path("echo-client"), addr, NULL};
        assert_int_equal(run_program(argv, "over six\n", 9, 30000, &r), 0);
    }
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "over six\n");
    run_result_free(&r);
    assert_true(server_log_wait(s, "connected client 1 from [::1]:", HARNESS_WAIT_MS));
}

/* A host name: "localhost" resolves through getaddrinfo, and the client tries each address
 * until one answers (the server listens on 127.0.0.1 only, ::1 may come first). */
static void test_host_name(void **state)
{
    struct server *s = *state;
    char port[16];
    struct run_result r;

    assert_int_equal(server_start(s, NULL), 0);
    snprintf(port, sizeof(port), "%d", s->port);
    {
        const char *const argv[] = {bin_path("echo-client"), "localhost", port, NULL};
        assert_int_equal(run_program(argv, "by name", 7, 30000, &r), 0);
    }
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "by name");
    run_result_free(&r);
}

static void test_connection_refused(void **state)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    char expect[128];
    struct run_result r;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    (void)state;
    /* A port that was just free: bound, never listening, then closed. */
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    getsockname(fd, (struct sockaddr *)&sin, &sl);
    port = ntohs(sin.sin_port);
    close(fd);
    run_client(NULL, port, "x", 1, &r);
    snprintf(expect, sizeof(expect), "echo-client: connect 127.0.0.1:%d: Connection refused\n",
             port);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, expect);
    run_result_free(&r);
}

static void test_unknown_host(void **state)
{
    const char *const argv[] = {bin_path("echo-client"), "nosuchhost.invalid", "7000", NULL};
    struct run_result r;

    (void)state;
    assert_int_equal(run_program(argv, "x", 1, 30000, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "echo-client: resolve nosuchhost.invalid: "));
    assert_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
    run_result_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_pipe_16mib_exact),
        T(test_pipe_empty_input),
        T(test_pipe_line_service),
        T(test_hello_client),
        T(test_show_reads_pipe),
        T(test_show_reads_hello),
        T(test_show_reads_interactive),
        T(test_interactive_q),
        T(test_interactive_upper_q),
        T(test_interactive_quit),
        T(test_interactive_exit),
        T(test_interactive_end_of_input),
        T(test_interactive_server_killed),
        T(test_pipe_short_echo_fails),
        T(test_pipe_long_echo_fails),
        T(test_pipe_timeout),
        T(test_ipv6_loopback),
        T(test_host_name),
        T(test_connection_refused),
        T(test_unknown_host),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
