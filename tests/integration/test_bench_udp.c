/*
 * test_bench_udp: echo-bench -u against stand-in UDP echoes started here — exact, dropping,
 * corrupting, duplicating, reordering, late — to show that each datagram's fate is counted
 * right and the exit status follows; against nothing at all; and against echo-server -u on
 * every model.
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

/* How the stand-in misbehaves, on every tenth datagram it gets (the 10th, 20th ...). */
enum standin_mode {
    STANDIN_EXACT,     /* never */
    STANDIN_DROP,      /* not answered */
    STANDIN_FLIP,      /* a byte after the header flipped (the 10th only: once) */
    STANDIN_DUPLICATE, /* answered twice */
    STANDIN_REORDER,   /* answered after the next one (or 50 ms later, when none comes) */
    STANDIN_DELAY      /* answered 300 ms later */
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The stand-in's loop: recvfrom, then sendto as mode says. A held datagram (REORDER, DELAY)
 * waits in held until its time. Never returns. */
static void standin_serve(int fd, enum standin_mode mode)
{
    unsigned char buf[65536], held[65536];
    struct sockaddr_storage from, held_from;
    socklen_t fl, held_fl = 0;
    ssize_t n, held_n = -1;
    long long held_until = 0, count = 0;

    alarm(30); /* never outlive the test */
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};

        poll(&p, 1, 10);
        if (held_n >= 0 && now_ms() >= held_until) {
            sendto(fd, held, (size_t)held_n, 0, (struct sockaddr *)&held_from, held_fl);
            held_n = -1;
        }
        fl = sizeof(from);
        n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            continue;
        if (++count % 10 != 0 || mode == STANDIN_EXACT) {
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
            if (held_n >= 0 && mode == STANDIN_REORDER)
                held_until = 0; /* after this one: out of order */
            continue;
        }
        if (mode == STANDIN_FLIP && count == 10 && n > 20)
            buf[20] ^= 0x01;
        if (mode == STANDIN_FLIP || mode == STANDIN_DUPLICATE)
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        if (mode == STANDIN_DUPLICATE)
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        if ((mode == STANDIN_REORDER || mode == STANDIN_DELAY) && held_n < 0) {
            memcpy(held, buf, (size_t)n);
            held_from = from;
            held_fl = fl;
            held_n = n;
            /* REORDER: sent after the next one, or alone after 50 ms when none comes. */
            held_until = now_ms() + (mode == STANDIN_DELAY ? 300 : 50);
        }
    }
}

/* Binds a UDP socket to 127.0.0.1, port 0. Returns it; *port gets the port. */
static int udp_bound(int *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* Starts a stand-in UDP echo in a child on 127.0.0.1, port 0. Returns its port; *child gets
 * its pid. */
static int standin_start(enum standin_mode mode, pid_t *child)
{
    int port, fd = udp_bound(&port);

    *child = fork();
    assert_true(*child >= 0);
    if (*child == 0)
        standin_serve(fd, mode);
    close(fd);
    return port;
}

static void standin_stop(pid_t child)
{
    kill(child, SIGKILL);
    wait_exit(child, HARNESS_WAIT_MS);
}

/* Runs echo-bench -u --json with args against a stand-in in mode; r gets the result. */
static void bench_standin(enum standin_mode mode, const char *const *args, struct run_result *r)
{
    const char *argv[32] = {"-u", "--json", "-q"};
    pid_t child;
    int n = 3, port = standin_start(mode, &child);

    for (; *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    bench(argv, port, r);
    standin_stop(child);
}

/* Every datagram sent in the window came back in time and in order. */
static void assert_all_echoed(const char *json)
{
    assert_true(json_num(json, "sent") > 100);
    assert_true(json_num(json, "echoed") == json_num(json, "sent"));
    assert_true(json_num(json, "msgs") == json_num(json, "echoed"));
    assert_true(json_num(json, "lost") == 0);
    assert_true(json_num(json, "corrupted") == 0);
    assert_true(json_num(json, "p50") > 0);
}

static void test_udp_exact_echo(void **state)
{
    const char *const args[] = {"-c", "4", "-d", "4", "-s", "100", "-t", "1", "-w", "0.2", NULL};
    struct run_result r;

    (void)state;
    bench_standin(STANDIN_EXACT, args, &r);
    assert_int_equal(r.status, 0);
    assert_all_echoed(r.out);
    assert_non_null(strstr(r.out, "\"mode\":\"udp\""));
    assert_true(json_num(r.out, "connections") == 4);
    assert_true(json_num(r.out, "reordered") == 0);
    assert_true(json_num(r.out, "duplicated") == 0);
    run_result_free(&r);
}

/* Open loop: the rate is kept, every datagram counted. */
static void test_udp_open_loop(void **state)
{
    const char *const args[] = {"-c", "3", "-r", "3000", "-t", "1", "-w", "0", NULL};
    struct run_result r;
    double sent;

    (void)state;
    bench_standin(STANDIN_EXACT, args, &r);
    assert_int_equal(r.status, 0);
    assert_all_echoed(r.out);
    assert_non_null(strstr(r.out, "\"mode\":\"udp-open\""));
    sent = json_num(r.out, "sent");
    assert_true(sent >= 2900 && sent <= 3100);
    run_result_free(&r);
}

/* Every tenth datagram dropped: about 10 % lost, none late, and loss alone is no error. */
static void test_udp_loss_counted(void **state)
{
    const char *const args[] = {"-c", "4", "-d",           "8",   "-t", "1",
                                "-w", "0", "--lost-after", "100", NULL};
    struct run_result r;
    double pct;

    (void)state;
    bench_standin(STANDIN_DROP, args, &r);
    assert_int_equal(r.status, 0);
    pct = json_num(r.out, "loss_pct");
    assert_true(pct > 8 && pct < 12);
    assert_true(json_num(r.out, "lost") + json_num(r.out, "echoed") == json_num(r.out, "sent"));
    assert_true(json_num(r.out, "late") == 0);
    assert_true(json_num(r.out, "corrupted") == 0);
    run_result_free(&r);
}

/* One byte flipped: corrupted, said on stderr, exit 1. */
static void test_udp_corruption_fails(void **state)
{
    const char *const args[] = {"-c", "2", "-t", "0.5", "-w", "0", "--lost-after", "100", NULL};
    struct run_result r;

    (void)state;
    bench_standin(STANDIN_FLIP, args, &r);
    assert_int_equal(r.status, 1);
    assert_true(json_num(r.out, "corrupted") == 1);
    assert_true(json_num(r.out, "lost") == 1); /* a corrupted echo is no echo of its datagram */
    assert_true(json_num(r.out, "duplicated") == 0);
    assert_non_null(strstr(r.err, "echo-bench: 1 datagrams came back corrupted"));
    run_result_free(&r);
}

/* Against a stand-in in mode, every datagram is echoed in time and about one in ten (what the
 * stand-in touches, give or take the window's edges) is counted under key. */
static void assert_tenth_counted(enum standin_mode mode, const char *const *args, const char *key)
{
    struct run_result r;
    double n, sent;

    bench_standin(mode, args, &r);
    assert_int_equal(r.status, 0);
    assert_all_echoed(r.out);
    n = json_num(r.out, key);
    sent = json_num(r.out, "sent");
    assert_true(n > sent / 20 && n < sent / 5);
    run_result_free(&r);
}

static void test_udp_duplicates_counted(void **state)
{
    const char *const args[] = {"-c", "2", "-d", "2", "-t", "0.5", "-w", "0", NULL};

    (void)state;
    assert_tenth_counted(STANDIN_DUPLICATE, args, "duplicated");
}

static void test_udp_reorder_counted(void **state)
{
    const char *const args[] = {"-c", "1", "-d", "4", "-t", "0.5", "-w", "0", NULL};

    (void)state;
    assert_tenth_counted(STANDIN_REORDER, args, "reordered");
}

/* Held 300 ms with --lost-after 100: lost first, then late, never timed. */
static void test_udp_late_counted(void **state)
{
    const char *const args[] = {"-c", "2", "-d",           "4",   "-t", "1",
                                "-w", "0", "--lost-after", "100", NULL};
    struct run_result r;

    (void)state;
    bench_standin(STANDIN_DELAY, args, &r);
    assert_int_equal(r.status, 0);
    assert_true(json_num(r.out, "late") > 0);
    assert_true(json_num(r.out, "late") <= json_num(r.out, "lost"));
    assert_true(json_num(r.out, "max") < 100000); /* latency_us: the late ones are not in it */
    run_result_free(&r);
}

/* Nothing listening: the ICMP port unreachable counts as refused, exit 1 with the reason. */
static void test_udp_nothing_listening(void **state)
{
    const char *const args[] = {"-u", "-c",           "2",  "-t", "0.3", "-w",
                                "0",  "--lost-after", "50", "-q", NULL};
    struct run_result r;
    char want[128];
    int port, fd = udp_bound(&port);

    (void)state;
    close(fd); /* a port nobody listens on */
    bench(args, port, &r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, " 0 echoed"));
    snprintf(want, sizeof(want), "echo-bench: no datagram echoed by 127.0.0.1:%d (", port);
    assert_non_null(strstr(r.err, want));
    assert_non_null(strstr(r.err, "refused: nothing listening?)\n"));
    assert_null(strstr(r.err, " 0 refused"));
    run_result_free(&r);
}

/* The --json output is one valid JSON object (python3's parser says so) with the udp keys. */
static void test_udp_json_parses(void **state)
{
    const char *const args[] = {"-c", "2", "-t", "0.3", "-w", "0", NULL};
    static const char *const keys[] = {"sent",       "echoed",    "lost",    "late",    "reordered",
                                       "duplicated", "corrupted", "refused", "loss_pct"};
    char cmd[] = "python3 -c 'import json,sys; u=json.load(sys.stdin)[\"udp\"]; "
                 "print(sorted(u))' > /dev/null";
    struct run_result r;
    FILE *p;

    (void)state;
    bench_standin(STANDIN_EXACT, args, &r);
    assert_int_equal(r.status, 0);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_num(strstr(r.out, "\"udp\":{"), keys[i]);
    p = popen(cmd, "w");
    assert_non_null(p);
    fputs(r.out, p);
    assert_int_equal(pclose(p), 0);
    run_result_free(&r);
}

/* The sizes -u takes, and the TCP-only options it refuses. */
static void test_udp_usage_errors(void **state)
{
    static const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        {{"-u", "-s", "15", NULL}, "--size: a datagram is 16 to 65507 bytes with -u"},
        {{"-u", "-s", "65508", NULL}, "--size: a datagram is 16 to 65507 bytes with -u"},
        {{"-u", "--bulk", NULL}, "--bulk is for TCP, not with -u"},
        {{"-u", "--lost-after", "0", NULL}, "--lost-after"},
        {{"-u", "-c", "100000", "-d", "4096", NULL}, "MiB to track the datagrams in flight"},
    };
    struct run_result r;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bench(cases[i].args, 9, &r);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, cases[i].message));
        assert_non_null(strstr(r.err, "echo-bench: "));
        run_result_free(&r);
    }
}

/* One model of echo-server -u, its guards off: every datagram back, in time, exact. */
static void bench_model(struct server *s, const char *model)
{
    const char *const args[] = {"-u", "-c", "20", "-d",  "4",      "-s", "100",
                                "-t", "1",  "-w", "0.2", "--json", "-q", NULL};
    const char *const server_args[] = {"-m", model, "-u", "--rate-limit", "0", "--rate-limit-total",
                                       "0",  NULL};
    struct run_result r;

    print_message("model %s\n", model);
    assert_int_equal(server_start(s, server_args), 0);
    bench(args, s->port, &r);
    assert_int_equal(r.status, 0);
    assert_all_echoed(r.out);
    assert_true(json_num(r.out, "connected") == 20);
    assert_true(json_num(r.out, "starved") == 0);
    run_result_free(&r);
    assert_int_equal(server_stop(s), 0);
    server_release(s);
}

/* Every model in $MODELS. */
static void test_udp_against_every_model(void **state)
{
    for_each_model(*state, bench_model);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
    const struct CMUnitTest tests[] = {
        T(test_udp_exact_echo),       T(test_udp_open_loop),           T(test_udp_loss_counted),
        T(test_udp_corruption_fails), T(test_udp_duplicates_counted),  T(test_udp_reorder_counted),
        T(test_udp_late_counted),     T(test_udp_nothing_listening),   T(test_udp_json_parses),
        T(test_udp_usage_errors),     T(test_udp_against_every_model),
    };

    harness_filter_tests();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
