/*
 * test_bench: echo-bench against the real server (every model), and against fake servers
 * started here that corrupt a byte or stall, to show that its checks and its latency figures
 * are honest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Runs echo-bench with args then "127.0.0.1 PORT"; returns its result. */
static void bench(const char *const *args, int port, struct run_result *r)
{
    const char *argv[32];
    char portstr[16];
    int n = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    argv[n++] = bin_path("echo-bench");
    for (; *args; args++)
        argv[n++] = *args;
    argv[n++] = "127.0.0.1";
    argv[n++] = portstr;
    argv[n] = NULL;
    assert_int_equal(run_program(argv, NULL, 0, 60000, r), 0);
    print_message("%s%s", r->out, r->err);
}

/* Returns the number after "key": in the JSON object json (the first one). */
static double json_num(const char *json, const char *key)
{
    char k[64];
    const char *p;

    snprintf(k, sizeof(k), "\"%s\":", key);
    p = strstr(json, k);
    assert_non_null(p);
    return atof(p + strlen(k));
}

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

/* Every model in $MODELS (the Makefile's list of built models). */
static void test_bench_against_every_model(void **state)
{
    char models[256], *save = NULL;
    const char *env = getenv("MODELS");

    snprintf(models, sizeof(models), "%s", env && *env ? env : "iterative epoll");
    for (char *m = strtok_r(models, " ", &save); m; m = strtok_r(NULL, " ", &save))
        bench_model(*state, m);
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

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_bench_against_every_model), T(test_bench_bulk),
        T(test_bench_detects_corruption),  T(test_open_loop_shows_stall),
        T(test_connect_refused_counts),
    };

    signal(SIGPIPE, SIG_IGN);
    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
