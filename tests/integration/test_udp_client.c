/*
 * test_udp_client: the real echo-client -u against the real echo-server -u (echo and the simple
 * services, over UDP and TCP), and against stand-in servers started here on 127.0.0.1 port 0
 * for what a real server does not do — drop the first copy of every datagram, never answer,
 * garble — and for exact output from fixed answers. Each stand-in is a forked child that tells
 * the test the length of every datagram it received.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum standin_mode {
    ST_ECHO,       /* every datagram back to its sender */
    ST_DROP_FIRST, /* a datagram's first copy is dropped, later copies echoed */
    ST_SILENT,     /* nothing back */
    ST_GARBLE,     /* echoed with its last byte changed */
    ST_REPLY,      /* the fixed reply, to any datagram */
    ST_TCP_ONCE    /* TCP: the fixed reply to one connection, then close */
};

struct standin {
    struct server srv; /* the real echo-server, when a test starts it */
    pid_t pid;
    int port;
    int log_fd; /* one line "LEN\n" per datagram received (non-blocking read end) */
    enum standin_mode mode;
    const char *reply;
    size_t reply_len;
    char log[4096]; /* what log_fd said so far */
    size_t log_len;
};

/* Has the stand-in seen this datagram before? Remembers the last few thousand by hash. */
static int seen_before(const char *p, size_t n)
{
    static uint64_t seen[4096];
    static unsigned next;
    uint64_t h = 14695981039346656037ull ^ n;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    for (unsigned i = 0; i < next && i < 4096; i++)
        if (seen[i] == h)
            return 1;
    seen[next++ % 4096] = h;
    return 0;
}

/* The UDP stand-in's loop, in the child: receive, record, answer as its mode says. */
static void serve_udp(int fd, int log_fd, const struct standin *st)
{
    static char buf[1 << 16];
    struct sockaddr_storage from;
    socklen_t fl;
    char line[32];
    ssize_t n;

    for (;;) {
        fl = sizeof(from);
        n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            continue;
        snprintf(line, sizeof(line), "%zd\n", n);
        if (write(log_fd, line, strlen(line)) < 0)
            _exit(1);
        if (st->mode == ST_SILENT || (st->mode == ST_DROP_FIRST && !seen_before(buf, (size_t)n)))
            continue;
        if (st->mode == ST_GARBLE && n > 0)
            buf[n - 1] ^= 1;
        if (st->mode == ST_REPLY)
            sendto(fd, st->reply, st->reply_len, 0, (struct sockaddr *)&from, fl);
        else
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
}

/* The TCP stand-in, in the child: one connection, the reply, then close. */
static void serve_tcp(int lfd, const struct standin *st)
{
    int fd = accept(lfd, NULL, NULL);

    if (send(fd, st->reply, st->reply_len, MSG_NOSIGNAL) < 0)
        _exit(1);
    close(fd);
}

/* Starts the stand-in st describes on 127.0.0.1 port 0 (st->port). Returns 0 or -1. */
static int standin_start(struct standin *st)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    int tcp = st->mode >= ST_TCP_ONCE, rcvbuf = 4 << 20, log[2];
    int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);

    if (fd < 0 || pipe(log) < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || (tcp && listen(fd, 4) < 0) ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) < 0)
        return -1;
    st->port = ntohs(sin.sin_port);
    st->pid = fork();
    if (st->pid == 0) {
        alarm(60); /* never outlive the test */
        close(log[0]);
        if (tcp)
            serve_tcp(fd, st);
        else
            serve_udp(fd, log[1], st);
        _exit(0);
    }
    close(fd);
    close(log[1]);
    st->log_fd = log[0];
    fcntl(st->log_fd, F_SETFL, O_NONBLOCK);
    return st->pid > 0 ? 0 : -1;
}

static int standin_setup(void **state)
{
    struct standin *st = calloc(1, sizeof(*st));

    st->pid = -1;
    st->log_fd = -1;
    *state = st;
    return 0;
}

static int standin_teardown(void **state)
{
    struct standin *st = *state;

    if (st->pid > 0) {
        kill(st->pid, SIGTERM);
        waitpid(st->pid, NULL, 0);
    }
    if (st->log_fd >= 0)
        close(st->log_fd);
    if (st->srv.pid > 0)
        server_stop(&st->srv);
    server_release(&st->srv);
    free(st);
    return 0;
}

/* Starts echo-server -u -s SERVICE (with the model under test) and returns its port. Its
 * rate limits are off: the tests send faster than a person would. */
static int server_udp(struct standin *st, const char *service)
{
    const char *const args[] = {"-u", "-s", service, "--rate-limit", "0", "--rate-limit-total",
                                "0",  NULL};

    assert_int_equal(server_start(&st->srv, args), 0);
    return st->srv.port;
}

/* Returns what the stand-in received so far, as "LEN\n" lines. */
static const char *standin_log(struct standin *st)
{
    ssize_t n;

    while ((n = read(st->log_fd, st->log + st->log_len, sizeof(st->log) - 1 - st->log_len)) > 0)
        st->log_len += (size_t)n;
    st->log[st->log_len] = '\0';
    return st->log;
}

/* Waits (bounded) until the stand-in has received what want says, and checks it. */
static void standin_expect(struct standin *st, const char *want)
{
    for (int i = 0; i < HARNESS_WAIT_MS / 10 && strcmp(standin_log(st), want) != 0; i++)
        usleep(10000);
    assert_string_equal(standin_log(st), want);
}

/* Runs echo-client -u OPTS... 127.0.0.1 PORT with in on stdin. */
static void run_udp(const char *const *opts, int port, const void *in, size_t len,
                    struct run_result *r)
{
    const char *argv[24];
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

/* Sends len bytes of data through the pipe with the options given and checks the echo is
 * exactly the input, with nothing on stderr. */
static void round_trip_exact(const char *const *opts, int port, const char *data, size_t len)
{
    struct run_result r;

    run_udp(opts, port, data, len, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, len);
    assert_memory_equal(r.out, data, len);
    run_result_free(&r);
}

/* Every byte value, 4 times over, one datagram each (equal datagrams in flight at once), and
 * in datagrams of the default size. */
static void test_every_byte_value(void **state)
{
    const char *const one[] = {"-u", "--size", "1", NULL};
    const char *const dflt[] = {"-u", NULL};
    struct standin *st = *state;
    char data[1024];
    int port;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)i;
    port = server_udp(st, "echo");
    round_trip_exact(one, port, data, sizeof(data));
    round_trip_exact(dflt, port, data, sizeof(data));
}

/* Datagrams of 1, 1472 (a full Ethernet frame), 8192 and 65,507 bytes (the largest): three
 * whole ones and a shorter last. */
static void test_sizes(void **state)
{
    static const char *const sizes[] = {"1", "1472", "8192", "65507"};
    struct standin *st = *state;
    size_t n, len;
    char *data;
    int port;

    port = server_udp(st, "echo");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const char *const opts[] = {"-u", "--size", sizes[i], NULL};

        n = strtoul(sizes[i], NULL, 10);
        len = 3 * n + n / 2 + 1;
        data = malloc(len);
        fill_random(data, len, (unsigned)n);
        round_trip_exact(opts, port, data, len);
        free(data);
    }
}

/* 1 MiB through the default window: many datagrams in flight, all back in order. */
static void test_one_mib(void **state)
{
    const char *const opts[] = {"-u", NULL};
    struct standin *st = *state;
    size_t len = 1u << 20;
    char *data = malloc(len);

    fill_random(data, len, 3);
    round_trip_exact(opts, server_udp(st, "echo"), data, len);
    free(data);
}

/* No input: no datagram is sent (not even an empty one), and the exit is 0. */
static void test_empty_input(void **state)
{
    const char *const opts[] = {"-u", NULL};
    struct standin *st = *state;

    st->mode = ST_ECHO;
    assert_int_equal(standin_start(st), 0);
    round_trip_exact(opts, st->port, "", 0);
    assert_string_equal(standin_log(st), "");
}

/* Each datagram's first copy is lost: each is sent again after the reply timeout, and the
 * output is still exact. The stand-in saw every datagram twice. */
static void test_retry_after_loss(void **state)
{
    const char *const opts[] = {"-u", "--size", "4", "--reply-timeout", "100", NULL};
    struct standin *st = *state;

    st->mode = ST_DROP_FIRST;
    assert_int_equal(standin_start(st), 0);
    round_trip_exact(opts, st->port, "abcdefghij", 10);
    standin_expect(st, "4\n4\n2\n4\n4\n2\n");
}

/* A server that never answers: 1 + retries sends, then exit 1 naming the datagram. */
static void test_never_answered(void **state)
{
    const char *const opts[] = {"-u", "--reply-timeout", "100", "--retries", "2", NULL};
    struct standin *st = *state;
    struct run_result r;

    st->mode = ST_SILENT;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, "hello", 5, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "echo-client: datagram 1 (5 bytes): no echo after 3 tries\n");
    assert_int_equal(r.out_len, 0);
    standin_expect(st, "5\n5\n5\n");
    run_result_free(&r);
}

/* An echo that differs from what was sent: exit 1, saying where. */
static void test_garbled_echo(void **state)
{
    const char *const opts[] = {"-u", NULL};
    struct standin *st = *state;
    struct run_result r;

    st->mode = ST_GARBLE;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, "hello", 5, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "echo-client: datagram 1 (5 bytes): the echo differs from byte 4 "
                               "on (5 bytes came back)\n");
    run_result_free(&r);
}

/* Returns a UDP port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int closed_udp_port(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    close(fd);
    return ntohs(sin.sin_port);
}

/* Nothing listening (ICMP port unreachable): exit 1 at once, for echo, discard and daytime. */
static void test_nothing_listening(void **state)
{
    static const char *const services[] = {"echo", "discard", "daytime"};
    int port = closed_udp_port();
    char want[128];
    struct run_result r;

    (void)state;
    snprintf(want, sizeof(want),
             "echo-client: 127.0.0.1:%d: nothing listening (connection refused)\n", port);
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
        const char *const opts[] = {"-u", "-s", services[i], NULL};

        run_udp(opts, port, "hello\n", 6, &r);
        assert_int_equal(r.status, 1);
        assert_string_equal(r.err, want);
        run_result_free(&r);
    }
}

/* Usage errors exit 2 before anything is sent. */
static void test_usage_errors(void **state)
{
    const char *const line[] = {"-u", "-s", "line", NULL};
    const char *const size[] = {"-u", "--size", "65508", NULL};
    struct standin *st = *state;
    struct run_result r;

    st->mode = ST_ECHO;
    assert_int_equal(standin_start(st), 0);
    run_udp(line, st->port, "x\n", 2, &r);
    assert_int_equal(r.status, 2);
    assert_true(strncmp(r.err, "echo-client: the line service is TCP only\nUsage: ", 49) == 0);
    run_result_free(&r);
    run_udp(size, st->port, "x\n", 2, &r);
    assert_int_equal(r.status, 2);
    run_result_free(&r);
    assert_string_equal(standin_log(st), "");
}

/* Runs a service against a stand-in answering reply (n bytes); checks stdout and that the
 * stand-in received what it should. */
static void service_case(struct standin *st, const char *const *opts, const char *reply, size_t n,
                         const char *out, const char *received)
{
    struct run_result r;

    st->mode = ST_REPLY;
    st->reply = reply;
    st->reply_len = n;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, NULL, 0, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, out);
    standin_expect(st, received);
    run_result_free(&r);
}

static void test_udp_daytime(void **state)
{
    const char *const opts[] = {"-u", "-s", "daytime", NULL};

    service_case(*state, opts, "Sat Dec  5 16:45:10 2026\r\n", 26, "Sat Dec  5 16:45:10 2026\n",
                 "0\n");
}

static void test_udp_time(void **state)
{
    const char *const opts[] = {"-u", "-s", "time", NULL};

    service_case(*state, opts, "\xec\xdc\x39\x16", 4,
                 "Thu Dec  4 16:45:10 2025 UTC (3973855510 seconds since 1900)\n", "0\n");
}

static void test_udp_hello(void **state)
{
    const char *const opts[] = {"-u", "-s", "hello", NULL};

    service_case(*state, opts, "Hello World!\n", 13, "Message from server: Hello World!\n", "0\n");
}

/* chargen: one empty request per --count, each reply written out as it came. */
static void test_udp_chargen(void **state)
{
    const char *const opts[] = {"-u", "-s", "chargen", "--count", "3", NULL};

    service_case(*state, opts, "ABC\r\n", 5, "ABC\r\nABC\r\nABC\r\n", "0\n0\n0\n");
}

/* discard: the input goes out as datagrams, nothing is awaited, exit 0. */
static void test_udp_discard(void **state)
{
    const char *const opts[] = {"-u", "-s", "discard", "--size", "4", NULL};
    struct standin *st = *state;
    struct run_result r;

    st->mode = ST_SILENT;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, "abcdefghij", 10, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    assert_string_equal(r.err, "");
    standin_expect(st, "4\n4\n2\n");
    run_result_free(&r);
}

/* Runs echo-client OPTS against port with no input and checks it succeeded quietly. Returns
 * stdout (malloc'd). */
static char *run_quietly(const char *const *opts, int port, size_t *len)
{
    struct run_result r;
    char *out;

    run_udp(opts, port, NULL, 0, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    out = r.out;
    *len = r.out_len;
    free(r.err);
    return out;
}

/* Checks that out is "DATE UTC (N seconds since 1900)\n" with N within a minute of now. */
static void assert_time_now(const char *out)
{
    unsigned long long n, now = (unsigned long long)time(NULL) + 2208988800ull;
    const char *p = strstr(out, " UTC (");

    assert_non_null(p);
    assert_int_equal(sscanf(p, " UTC (%llu seconds since 1900)", &n), 1);
    assert_true(n + 60 > now && n < now + 60);
    assert_string_equal(strchr(p, ')'), ")\n");
}

/* Checks that out is daytime's line as the server sends it, "Sat Dec  5 16:45:10 2026\n", its
 * CRLF made a newline. */
static void assert_daytime(const char *out)
{
    char day[4], month[4];
    int d, h, m, sec, y;

    assert_int_equal(sscanf(out, "%3s %3s %d %d:%d:%d %d", day, month, &d, &h, &m, &sec, &y), 7);
    assert_int_equal(strlen(out), 25);
    assert_int_equal(out[24], '\n');
}

/* Checks that out (len bytes) is whole RFC 864 lines: 72 printable characters and CRLF. */
static void assert_chargen_lines(const char *out, size_t len)
{
    assert_true(len > 0);
    assert_int_equal(len % 74, 0);
    for (size_t i = 0; i < len; i++) {
        if (i % 74 < 72)
            assert_true(out[i] >= ' ' && out[i] <= '~');
        else
            assert_int_equal(out[i], i % 74 == 72 ? '\r' : '\n');
    }
}

/* The simple services of the real echo-server, over UDP. */
static void test_server_services_udp(void **state)
{
    const char *const hello[] = {"-u", "-s", "hello", NULL};
    const char *const daytime[] = {"-u", "-s", "daytime", NULL};
    const char *const tm[] = {"-u", "-s", "time", NULL};
    const char *const chargen[] = {"-u", "-s", "chargen", "--count", "3", NULL};
    struct standin *st = *state;
    size_t len;
    char *out;

    out = run_quietly(hello, server_udp(st, "hello"), &len);
    assert_string_equal(out, "Message from server: Hello World!\n");
    free(out);
    server_stop(&st->srv);
    out = run_quietly(daytime, server_udp(st, "daytime"), &len);
    assert_daytime(out);
    free(out);
    server_stop(&st->srv);
    out = run_quietly(tm, server_udp(st, "time"), &len);
    assert_time_now(out);
    free(out);
    server_stop(&st->srv);
    out = run_quietly(chargen, server_udp(st, "chargen"), &len);
    assert_true(len >= 3 * 74 && len <= 3 * 512); /* three replies of whole lines */
    assert_chargen_lines(out, len);
    free(out);
}

/* discard over UDP against the real server: sent, nothing awaited, exit 0, nothing printed. */
static void test_server_discard_udp(void **state)
{
    const char *const opts[] = {"-u", "-s", "discard", "--size", "100", NULL};
    struct standin *st = *state;
    char data[1000];
    struct run_result r;

    fill_random(data, sizeof(data), 5);
    run_udp(opts, server_udp(st, "discard"), data, sizeof(data), &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
}

/* The simple services of the real echo-server over TCP: daytime, time, and discard as a pipe. */
static void test_server_services_tcp(void **state)
{
    const char *const daytime[] = {"-s", "daytime", NULL};
    const char *const tm[] = {"-s", "time", NULL};
    const char *const discard[] = {"-s", "discard", NULL};
    struct standin *st = *state;
    struct run_result r;
    char data[100000];
    size_t len;
    char *out;

    assert_int_equal(server_start(&st->srv, daytime), 0);
    out = run_quietly(daytime, st->srv.port, &len);
    assert_daytime(out);
    free(out);
    server_stop(&st->srv);
    assert_int_equal(server_start(&st->srv, tm), 0);
    out = run_quietly(tm, st->srv.port, &len);
    assert_time_now(out);
    free(out);
    server_stop(&st->srv);
    assert_int_equal(server_start(&st->srv, discard), 0);
    fill_random(data, sizeof(data), 9);
    run_udp(discard, st->srv.port, data, sizeof(data), &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    run_result_free(&r);
}

/* Starts echo-client -u OPTS on a terminal against port and waits for its first prompt. */
static pid_t start_prompt(const char *const *opts, int port, int *master, char *buf, size_t cap,
                          size_t *len)
{
    const char *argv[16];
    char portstr[16];
    int n = 0;
    pid_t pid;

    snprintf(portstr, sizeof(portstr), "%d", port);
    argv[n++] = bin_path("echo-client");
    for (; *opts; opts++)
        argv[n++] = *opts;
    argv[n++] = "127.0.0.1";
    argv[n++] = portstr;
    argv[n] = NULL;
    pid = pty_spawn(argv, master);
    assert_true(pid > 0);
    assert_true(pty_expect(*master, "Input message(Q to quit): ", buf, cap, len, HARNESS_WAIT_MS));
    return pid;
}

/* On a terminal: each line is one datagram, newline included, and its echo is printed; q quits. */
static void test_prompt_echo(void **state)
{
    const char *const opts[] = {"-u", NULL};
    struct standin *st = *state;
    char buf[4096];
    size_t len = 0;
    int master;
    pid_t pid;

    pid = start_prompt(opts, server_udp(st, "echo"), &master, buf, sizeof(buf), &len);
    assert_non_null(strstr(buf, "over UDP."));
    assert_int_equal(write(master, "hello there\n", 12), 12);
    assert_true(pty_expect(master, "Message from server: hello there\r\nInput message(Q to quit): ",
                           buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, "\n", 1), 1);
    assert_true(pty_expect(master, "Message from server: \r\nInput message(Q to quit): ", buf,
                           sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, "q\n", 2), 2);
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 0);
    close(master);
}

/* On a terminal, a datagram with no reply is said, and the next line goes on. */
static void test_prompt_no_reply(void **state)
{
    const char *const opts[] = {"-u", "--reply-timeout", "100", NULL};
    struct standin *st = *state;
    char buf[4096];
    size_t len = 0;
    int master;
    pid_t pid;

    st->mode = ST_SILENT;
    assert_int_equal(standin_start(st), 0);
    pid = start_prompt(opts, st->port, &master, buf, sizeof(buf), &len);
    assert_int_equal(write(master, "one\n", 4), 4);
    assert_true(pty_expect(master,
                           "echo-client: no reply within 100 ms\r\nInput message(Q to quit): ", buf,
                           sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, "two\n", 4), 4);
    assert_true(pty_expect(master,
                           "Input message(Q to quit): two\r\n"
                           "echo-client: no reply within 100 ms\r\n",
                           buf, sizeof(buf), &len, HARNESS_WAIT_MS));
    assert_int_equal(write(master, "\x04", 1), 1); /* end of input */
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 0);
    close(master);
    standin_expect(st, "4\n4\n");
}

/* Runs echo-client -s SERVICE over TCP against a stand-in that sends reply and closes. */
static void tcp_service_case(struct standin *st, const char *service, const char *reply, size_t n,
                             const char *out)
{
    const char *const opts[] = {"-s", service, NULL};
    struct run_result r;

    st->mode = ST_TCP_ONCE;
    st->reply = reply;
    st->reply_len = n;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, NULL, 0, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, out);
    run_result_free(&r);
}

static void test_tcp_daytime(void **state)
{
    tcp_service_case(*state, "daytime", "Sat Dec  5 16:45:10 2026\r\n", 26,
                     "Sat Dec  5 16:45:10 2026\n");
}

static void test_tcp_time(void **state)
{
    tcp_service_case(*state, "time", "\x83\xaa\x7e\x80", 4,
                     "Thu Jan  1 00:00:00 1970 UTC (2208988800 seconds since 1900)\n");
}

/* time over TCP: an answer that is not 4 bytes is an error. */
static void test_tcp_time_wrong_length(void **state)
{
    const char *const opts[] = {"-s", "time", NULL};
    struct standin *st = *state;
    struct run_result r;

    st->mode = ST_TCP_ONCE;
    st->reply = "abc";
    st->reply_len = 3;
    assert_int_equal(standin_start(st), 0);
    run_udp(opts, st->port, NULL, 0, &r);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "echo-client: time: the server sent 3 bytes, not RFC 868's 4\n");
    run_result_free(&r);
}

/* chargen over TCP as `echo-client -s chargen | head -c 1000` against the real server: the
 * reader closing ends the client quietly, exit 0, however long the server would go on. */
static void test_tcp_chargen_reader_closes(void **state)
{
    const char *const args[] = {"-s", "chargen", NULL};
    struct standin *st = *state;
    char portstr[16], buf[1000];
    int out[2], err[2];
    ssize_t n;
    pid_t pid;

    assert_int_equal(server_start(&st->srv, args), 0);
    snprintf(portstr, sizeof(portstr), "%d", st->srv.port);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(err), 0);
    pid = fork();
    if (pid == 0) {
        /* Only the test may hold the read end: its close is what the client must notice. */
        close(out[0]);
        close(err[0]);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        execl(bin_path("echo-client"), "echo-client", "-s", "chargen", "127.0.0.1", portstr,
              (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    for (size_t got = 0; got < sizeof(buf); got += (size_t)n) {
        assert_true(readable_within(out[0], HARNESS_WAIT_MS));
        n = read(out[0], buf + got, sizeof(buf) - got);
        assert_true(n > 0);
    }
    assert_chargen_lines(buf, sizeof(buf) / 74 * 74);
    close(out[0]);
    assert_int_equal(wait_exit(pid, HARNESS_WAIT_MS), 0);
    assert_false(readable_within(err[0], 0) && read(err[0], buf, sizeof(buf)) > 0);
    close(err[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, standin_setup, standin_teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_byte_value),
        T(test_sizes),
        T(test_one_mib),
        T(test_empty_input),
        T(test_retry_after_loss),
        T(test_never_answered),
        T(test_garbled_echo),
        T(test_nothing_listening),
        T(test_usage_errors),
        T(test_udp_daytime),
        T(test_udp_time),
        T(test_udp_hello),
        T(test_udp_chargen),
        T(test_udp_discard),
        T(test_server_services_udp),
        T(test_server_discard_udp),
        T(test_server_services_tcp),
        T(test_prompt_echo),
        T(test_prompt_no_reply),
        T(test_tcp_daytime),
        T(test_tcp_time),
        T(test_tcp_time_wrong_length),
        T(test_tcp_chargen_reader_closes),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
