/*
 * test_bench: echo-bench against the real server (every model), and against fake servers
 * started here that corrupt a byte, stall or never accept, to show that its checks and its
 * latency figures are honest; and what it reports about itself and the server: its load
 * threads, its source addresses, its descriptors, the server's memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* One model: 2 s of 20 connections with depth 4, every byte checked, no error. Every
 * connection gets echoes, except from the iterative server, which serves only the first. */
static void bench_model(struct server *s, const char *model)
{
    const char *const args[] = {"-c", "20", "-d",  "4",      "-s", "100", "-t",
                                "2",  "-w", "0.2", "--json", "-q", NULL};
    const char *const server_args[] = {"-m", model, NULL};
    struct run_result r;

    print_message("model %s\n", model);
    assert_int_equal(server_start(s, server_args), 0);
    bench(args, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_true(json_num(r.out, "msgs") > 1000);
    assert_true(json_num(r.out, "connected") == 20);
    assert_true(json_num(r.out, "mismatched") == 0);
    assert_true(json_num(r.out, "p50") > 0);
    if (strcmp(model, "iterative") == 0) {
        assert_true(json_num(r.out, "starved") == 19);
        assert_true(json_num(r.out, "min") == 0);
    } else {
        assert_true(json_num(r.out, "starved") == 0);
        assert_true(json_num(r.out, "min") > 0);
    }
    assert_true(json_num(r.out, "max") > 0);
    run_result_free(&r);
    assert_int_equal(server_stop(s), 0);
    server_release(s);
}

/* Every model in $MODELS. */
static void test_bench_against_every_model(void **state)
{
    for_each_model(*state, bench_model);
}

/* Bulk: both directions at full speed, still every byte checked. */
static void test_bench_bulk(void **state)
{
    const char *const args[] = {"--bulk", "-c", "4", "-t", "1", "-w", "0.2", "--json", "-q", NULL};
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, NULL), 0);
    bench(args, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_true(json_num(r.out, "mb_per_s_in") > 1);
    run_result_free(&r);
}

enum fake_mode { FAKE_CORRUPT, FAKE_STALL };

/* Serves echo to any number of clients in a child with one poll() loop, misbehaving as told:
 * FAKE_CORRUPT flips the 1000th byte of the first connection; FAKE_STALL stops answering for
 * 500 ms once, 1 s after the first byte. Returns the port; *child gets its pid. */
static int fake_server(enum fake_mode mode, pid_t *child)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 64), 0);
    getsockname(lfd, (struct sockaddr *)&sin, &sl);
    *child = fork();
    if (*child == 0) {
        struct pollfd p[65] = {{.fd = lfd, .events = POLLIN}};
        long long total = 0;
        time_t first = 0;
        int n = 1, stalled = 0;
        char buf[65536];

        alarm(30); /* never outlive the test */
        for (;;) {
            poll(p, (nfds_t)n, 100);
            if ((p[0].revents & POLLIN) && n < 65)
                p[n++] = (struct pollfd){.fd = accept(lfd, NULL, NULL), .events = POLLIN};
            if (mode == FAKE_STALL && first && !stalled && time(NULL) - first >= 1) {
                usleep(500000);
                stalled = 1;
            }
            for (int i = 1; i < n; i++) {
                ssize_t got;
                if (!(p[i].revents & (POLLIN | POLLHUP)))
                    continue;
                got = read(p[i].fd, buf, sizeof(buf));
                if (got <= 0) {
                    close(p[i].fd);
                    p[i--] = p[--n];
                    continue;
                }
                if (!first)
                    first = time(NULL);
                if (mode == FAKE_CORRUPT && i == 1 && total < 1000 && total + got >= 1000)
                    buf[999 - total] ^= 0x20;
                if (i == 1)
                    total += got;
                if (write(p[i].fd, buf, (size_t)got) < 0)
                    _exit(1);
            }
        }
    }
    close(lfd);
    return ntohs(sin.sin_port);
}

/* A server that flips one byte: echo-bench must say so and exit 1. */
static void test_bench_detects_corruption(void **state)
{
    const char *const args[] = {"-c", "2", "-s", "64", "-t", "1", "-w", "0", "-q", NULL};
    struct run_result r;
    pid_t child;
    int port = fake_server(FAKE_CORRUPT, &child);

    (void)state;
    bench(args, port, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "1 mismatched"));
    run_result_free(&r);
    kill(child, SIGKILL);
    wait_exit(child, HARNESS_WAIT_MS);
}

/* Runs one loop against a server that stalls 500 ms once; returns its p99 in microseconds. */
static double p99_with_stall(const char *const *args)
{
    struct run_result r;
    pid_t child;
    int port = fake_server(FAKE_STALL, &child);
    double p99;

    bench(args, port, &r);
    assert_int_equal(r.status, 0);
    p99 = json_num(r.out, "p99");
    run_result_free(&r);
    kill(child, SIGKILL);
    wait_exit(child, HARNESS_WAIT_MS);
    return p99;
}

/* The test that the measurement is honest: the open loop times messages from when they were
 * due, so the stall shows in its p99; the closed loop sends nothing during the stall, so it
 * hides it (the coordinated omission the open loop exists to avoid). */
static void test_open_loop_shows_stall(void **state)
{
    const char *const open[] = {"-c", "4", "-r",     "2000", "-t", "2.5",
                                "-w", "0", "--json", "-q",   NULL};
    const char *const closed[] = {"-c", "4", "-t", "2.5", "-w", "0", "--json", "-q", NULL};
    double p99_open, p99_closed;

    (void)state;
    p99_open = p99_with_stall(open);
    p99_closed = p99_with_stall(closed);
    print_message("p99 open loop %.0f us, closed loop %.0f us\n", p99_open, p99_closed);
    assert_true(p99_open >= 400000);
    assert_true(p99_closed < 100000);
}

static void test_connect_refused_counts(void **state)
{
    const char *const args[] = {"-c", "3", "-t", "0.3", "-w", "0", "-q", NULL};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    struct run_result r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    getsockname(fd, (struct sockaddr *)&sin, &sl);
    close(fd); /* a port nobody listens on */
    bench(args, ntohs(sin.sin_port), &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "3 failed to connect (0 of 3 connected)"));
    run_result_free(&r);
}

/* Returns the milliseconds of CLOCK_MONOTONIC. */
static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 1 when the JSON object json has "key":true, 0 when "key":false; fails otherwise. */
static int json_bool(const char *json, const char *key)
{
    char t[64], f[64];

    snprintf(t, sizeof(t), "\"%s\":true", key);
    snprintf(f, sizeof(f), "\"%s\":false", key);
    if (strstr(json, t))
        return 1;
    assert_non_null(strstr(json, f));
    return 0;
}

/* -T 0 runs one load thread per CPU echo-bench may use, which "threads" shows; load_bound is
 * always there, true or false (which depends on the machine, so it is not checked), and
 * agrees with the load threads' CPU share. */
static void test_threads_per_cpu_and_load_bound(void **state)
{
    const char *const args[] = {"-T", "0", "-c",     "50", "-t", "0.5",
                                "-w", "0", "--json", "-q", NULL};
    const char *const one[] = {"-c", "4", "-t", "0.3", "-w", "0", "--json", "-q", NULL};
    struct server *s = *state;
    struct run_result r;
    cpu_set_t set;
    int cpus;

    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    cpus = CPU_COUNT(&set) < 50 ? CPU_COUNT(&set) : 50;
    assert_int_equal(server_start(s, NULL), 0);
    bench(args, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal((int)json_num(r.out, "threads"), cpus);
    assert_int_equal(json_bool(r.out, "load_bound"),
                     json_num(r.out, "load_thread_cpu_pct") >= 95.0);
    run_result_free(&r);
    bench(one, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal((int)json_num(r.out, "threads"), 1);
    json_bool(r.out, "load_bound");
    run_result_free(&r);
}

/* Marks in seen[] the last byte of each 127.0.0.x address the server logged a client from;
 * returns how many differ. */
static int client_sources(const struct server *s, int seen[256])
{
    char *log = server_log(s);
    int n = 0;

    memset(seen, 0, 256 * sizeof(*seen));
    for (const char *p = strstr(log, " from 127.0.0."); p; p = strstr(p + 1, " from 127.0.0.")) {
        int x = atoi(p + strlen(" from 127.0.0."));

        if (x > 0 && x < 256 && !seen[x]++)
            n++;
    }
    free(log);
    return n;
}

/* --sources 4: 200 connections come from 127.0.0.1 to 127.0.0.4, as the server logs them; by
 * default a few connections all come from the kernel's choice, 127.0.0.1. */
static void test_sources_spread_connections(void **state)
{
    const char *const four[] = {"-c", "200", "--sources", "4",  "-t", "0.3",
                                "-w", "0",   "--json",    "-q", NULL};
    const char *const plain[] = {"-c", "20", "-t", "0.3", "-w", "0", "--json", "-q", NULL};
    struct server *s = *state;
    struct run_result r;
    int seen[256];

    assert_int_equal(server_start(s, NULL), 0);
    bench(four, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal((int)json_num(r.out, "sources"), 4);
    assert_int_equal((int)json_num(r.out, "connected"), 200);
    run_result_free(&r);
    assert_true(server_log_wait(s, "connected client 200 ", HARNESS_WAIT_MS));
    assert_int_equal(client_sources(s, seen), 4);
    assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
    assert_int_equal(server_stop(s), 0);
    server_release(s);

    assert_int_equal(server_start(s, NULL), 0);
    bench(plain, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal((int)json_num(r.out, "sources"), 1);
    run_result_free(&r);
    assert_true(server_log_wait(s, "connected client 20 ", HARNESS_WAIT_MS));
    assert_int_equal(client_sources(s, seen), 1);
    assert_true(seen[1]);
}

/* More than one source address only towards IPv4 loopback: a usage error, before connecting. */
static void test_sources_need_ipv4_loopback(void **state)
{
    const char *const args[] = {"--sources", "4", "-t", "0.1", "-w", "0", "-q", NULL};
    struct run_result r;

    (void)state;
    bench_run(NULL, args, "::1", 7, &r);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "echo-bench: --sources 4: only for a server on IPv4 loopback "
                                  "(127.0.0.0/8), not ::1\n"));
    run_result_free(&r);
    bench_run(NULL, args, "192.0.2.1", 7, &r);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "echo-bench: --sources 4: only for a server on IPv4 loopback "
                                  "(127.0.0.0/8), not 192.0.2.1\n"));
    assert_string_equal(r.out, "");
    run_result_free(&r);
}

/* More connections than descriptors: one line and exit 1 before any connection is made. */
static void test_too_few_descriptors(void **state)
{
    const char *const prefix[] = {"/usr/bin/prlimit", "--nofile=64:64", NULL};
    const char *const args[] = {"-c", "100", "-t", "0.3", "-w", "0", "-q", NULL};
    const char *const line = "echo-bench: -c 100 needs about 116 descriptors, the limit is ";
    struct server *s = *state;
    struct run_result r;
    char *log;

    if (access(prefix[0], X_OK) != 0)
        skip();
    assert_int_equal(server_start(s, NULL), 0);
    bench_run(prefix, args, "127.0.0.1", s->port, &r);
    assert_int_equal(r.status, 1);
    /* The limit is 64, less what valgrind keeps for itself when the tests run under it. */
    assert_int_equal(strncmp(r.err, line, strlen(line)), 0);
    assert_non_null(strstr(r.err, " (ulimit -Hn)\n"));
    assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
    assert_string_equal(r.out, "");
    run_result_free(&r);
    log = server_log(s);
    assert_null(strstr(log, "connected client")); /* not even one */
    free(log);
}

/* --server-pid: the server's VmRSS before, with every connection up, and at the end. */
static void test_server_memory(void **state)
{
    const char *const args[] = {"-c",     "200", "-t",           "0.3", "-w", "0",
                                "--json", "-q",  "--server-pid", NULL,  NULL};
    const char *const text[] = {"-c", "200", "-t",           "0.3", "-w",
                                "0",  "-q",  "--server-pid", NULL,  NULL};
    const char *a[12], *b[12];
    struct server *s = *state;
    struct run_result r;
    char pid[16], *p;
    double before, connected, end, per_conn;

    assert_int_equal(server_start(s, NULL), 0);
    snprintf(pid, sizeof(pid), "%d", (int)s->pid);
    memcpy(a, args, sizeof(args));
    a[9] = pid;
    memcpy(b, text, sizeof(text));
    b[8] = pid;
    bench(a, s->port, &r);
    assert_int_equal(r.status, 0);
    p = strstr(r.out, "\"server_rss_kib\":{");
    assert_non_null(p);
    before = json_num(p, "before");
    connected = json_num(p, "connected");
    end = json_num(p, "end");
    per_conn = json_num(r.out, "server_rss_per_conn_bytes");
    print_message("server RSS %.0f, %.0f, %.0f KiB; %.0f B per connection\n", before, connected,
                  end, per_conn);
    assert_true(before > 100 && before < 1024 * 1024);
    assert_true(before <= connected && connected < before + 64 * 1024);
    assert_true(end > 100);
    assert_true(per_conn >= 0 && per_conn < 64 * 1024);
    run_result_free(&r);
    bench(b, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\n  server RSS  "));
    assert_non_null(strstr(r.out, " MiB with 200 connections up ("));
    assert_non_null(strstr(r.out, " KiB per connection), "));
    run_result_free(&r);
}

/* A listener with backlog 0 that never accepts, its queue filled by one connection: every
 * later SYN is dropped, so echo-bench's attempts never complete. They must fail after
 * --timeout, be counted and reported, and make the exit status 1, in about a second rather
 * than the kernel's two minutes of SYN retries. */
static void test_connect_timeout_counts(void **state)
{
    const char *const args[] = {"-c", "3", "--timeout", "1", "-t", "0.3", "-w", "0", "-q", NULL};
    const char *const json[] = {"-c", "3", "--timeout", "1",  "-t", "0.3",
                                "-w", "0", "--json",    "-q", NULL};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    struct run_result r;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), filler;
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    long long t0;

    (void)state;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 0), 0);
    getsockname(lfd, (struct sockaddr *)&sin, &sl);
    filler = tcp_connect(ntohs(sin.sin_port));
    assert_true(filler >= 0);
    assert_int_equal(poll(&p, 1, HARNESS_WAIT_MS), 1); /* it is in the queue: the queue is full */
    t0 = mono_ms();
    bench(args, ntohs(sin.sin_port), &r);
    assert_true(mono_ms() - t0 < 10000);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "3 failed to connect (0 of 3 connected)"));
    assert_non_null(strstr(r.out, "  connecting  3 of 3 not up within --timeout 1 s\n"));
    run_result_free(&r);
    bench(json, ntohs(sin.sin_port), &r);
    assert_int_equal(r.status, 1);
    assert_true(json_num(r.out, "connect_failed") == 3);
    assert_true(json_num(r.out, "connect_timeouts") == 3);
    assert_true(json_num(r.out, "connected") == 0);
    assert_true(json_num(r.out, "connect_s") >= 0.9);
    run_result_free(&r);
    close(filler);
    close(lfd);
}

/* --connect-rate paces the opening, which comes before warm-up and measuring: every
 * connection is up and loaded while measuring, however short the run. */
static void test_connect_rate_opens_all_first(void **state)
{
    const char *const args[] = {"-c", "20", "--connect-rate", "40", "-t", "0.3",
                                "-w", "0",  "--json",         "-q", NULL};
    struct server *s = *state;
    struct run_result r;

    assert_int_equal(server_start(s, NULL), 0);
    bench(args, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_true(json_num(r.out, "connected") == 20);
    assert_true(json_num(r.out, "connect_failed") == 0);
    assert_true(json_num(r.out, "connect_s") >= 0.4);
    assert_true(json_num(r.out, "starved") == 0);
    run_result_free(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_bench_against_every_model),  T(test_bench_bulk),
        T(test_bench_detects_corruption),   T(test_open_loop_shows_stall),
        T(test_connect_refused_counts),     T(test_threads_per_cpu_and_load_bound),
        T(test_sources_spread_connections), T(test_sources_need_ipv4_loopback),
        T(test_too_few_descriptors),        T(test_server_memory),
        T(test_connect_timeout_counts),     T(test_connect_rate_opens_all_first),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
