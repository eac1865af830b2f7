/* Unit tests for src/bench/report.c: what the text report and the JSON object say about the
 * load (bulk, load-bound) and the server's memory, from made-up results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bench/report.h"

struct fixture {
    struct bench_config cfg;
    struct bench_result r;
    struct hist hist;
    char *out;
    size_t len;
};

/* A closed-loop run of 10 connections on one thread, 5 s, nothing special. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (!f)
        return -1;
    strcpy(f->cfg.host, "127.0.0.1");
    f->cfg.port = 7000;
    f->cfg.conns = 10;
    f->cfg.size = 64;
    f->cfg.depth = 1;
    f->cfg.duration = 5;
    f->cfg.warmup = 1;
    f->cfg.threads = 1;
    f->cfg.sources = 1;
    f->cfg.timeout = 10;
    hist_init(&f->hist);
    hist_record(&f->hist, 100000);
    f->r.cfg = &f->cfg;
    f->r.hist = &f->hist;
    f->r.seconds = 5;
    f->r.msgs = 1000;
    f->r.connected = 10;
    f->r.bench_cpu_ns = 1e9;
    f->r.thread_cpu_ns = 1e9; /* 20% of one thread over 5 s */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    free(f->out);
    free(f);
    return 0;
}

/* Returns the text report (json: the JSON object) of the fixture's result. */
static const char *render(struct fixture *f, int json)
{
    FILE *m;

    free(f->out);
    f->out = NULL;
    m = open_memstream(&f->out, &f->len);
    assert_non_null(m);
    if (json)
        report_json(m, &f->r);
    else
        report_text(m, &f->r);
    assert_int_equal(fclose(m), 0);
    return f->out;
}

/* The closed loop keeps its header; nothing about load or memory when there is nothing to say. */
static void test_plain_report(void **state)
{
    struct fixture *f = *state;
    const char *t = render(f, 0);

    assert_non_null(strstr(t, "echo-bench: 127.0.0.1:7000, 10 connections, 64 B messages, "
                              "depth 1, closed loop, 5.0 s after 1.0 s warm-up\n"));
    assert_null(strstr(t, "  load "));
    assert_null(strstr(t, "server RSS"));
    assert_null(strstr(t, "  connecting "));
    t = render(f, 1);
    assert_non_null(strstr(t, "\"threads\":1,\"sources\":1,"));
    assert_non_null(strstr(t, "\"load_thread_cpu_pct\":20.0,\"load_bound\":false}\n"));
    assert_null(strstr(t, "server_rss"));
}

/* Bulk says what ran: no message size or depth, no loop. */
static void test_bulk_header(void **state)
{
    struct fixture *f = *state;
    const char *t;

    f->cfg.bulk = 1;
    t = render(f, 0);
    assert_non_null(strstr(t, "echo-bench: 127.0.0.1:7000, 10 connections, bulk: both ways at "
                              "full speed, 5.0 s after 1.0 s warm-up\n"));
    assert_null(strstr(t, "64 B messages"));
    assert_non_null(strstr(t, "us/64 KiB"));
}

/* At 95% of the load threads' CPU and above, the report says echo-bench may be the limit. */
static void test_load_bound(void **state)
{
    struct fixture *f = *state;
    const char *t;

    f->r.thread_cpu_ns = 4.85e9; /* 97% of one thread */
    t = render(f, 0);
    assert_non_null(strstr(t, "  load        echo-bench used 97% of its 1 load thread's CPU: it, "
                              "not the server, may be the limit (add -T threads where cores "
                              "allow)\n"));
    assert_non_null(strstr(render(f, 1), "\"load_bound\":true}"));

    f->cfg.threads = 2; /* the same CPU over two threads: 48.5% each */
    assert_null(strstr(render(f, 0), "  load "));
    assert_non_null(strstr(render(f, 1), "\"load_thread_cpu_pct\":48.5,\"load_bound\":false}"));
    f->r.thread_cpu_ns = 9.6e9;
    assert_non_null(strstr(render(f, 0), "used 96% of its 2 load threads' CPU"));

    f->r.thread_cpu_ns = 4.7e9; /* 94%: not yet */
    f->cfg.threads = 1;
    assert_int_equal(report_load_bound(&f->r), 0);
}

/* The server's memory: before, with every connection up, at the end, and per connection. */
static void test_server_rss(void **state)
{
    struct fixture *f = *state;
    const char *t;

    f->r.have_server_rss = 1;
    f->r.rss_before_kib = 2150;
    f->r.rss_connected_kib = 2150 + 7790;
    f->r.rss_end_kib = 10445;
    f->r.rss_conns = 19000;
    t = render(f, 0);
    assert_non_null(strstr(t, "  server RSS  2.1 MiB before, 9.7 MiB with 19000 connections up "
                              "(0.41 KiB per connection), 10.2 MiB at the end\n"));
    t = render(f, 1);
    assert_non_null(strstr(t, "\"server_rss_kib\":{\"before\":2150,\"connected\":9940,"
                              "\"end\":10445},\"server_rss_per_conn_bytes\":420,"));
    /* The top-level "connected" comes first, for readers that look for the first one. */
    assert_true(strstr(t, "\"connected\":10,") < strstr(t, "\"connected\":9940"));

    f->r.rss_conns = 0; /* nothing came up: no per-connection figure to give */
    assert_null(strstr(render(f, 0), "per connection"));
    assert_non_null(strstr(render(f, 1), "\"server_rss_per_conn_bytes\":0,"));
}

/* Attempts that ran out of --timeout are said so, and counted among the failures. */
static void test_connect_timeouts(void **state)
{
    struct fixture *f = *state;
    const char *t;

    f->r.connected = 7;
    f->r.connect_failures = 3;
    f->r.connect_timeouts = 3;
    f->cfg.timeout = 2;
    t = render(f, 0);
    assert_non_null(strstr(t, "3 failed to connect (7 of 10 connected)\n"));
    assert_non_null(strstr(t, "  connecting  3 of 10 not up within --timeout 2 s\n"));
    assert_non_null(strstr(render(f, 1), "\"connect_failed\":3},\"connected\":7,"));
    assert_non_null(strstr(render(f, 1), "\"connect_timeouts\":3,"));
    assert_int_equal(report_errors(&f->r), 3);
}

/* -u: the header names flows and datagrams, the udp line and object give every fate, and
 * loss is not an error while corruption is. */
static void test_udp_report(void **state)
{
    struct fixture *f = *state;
    const char *t;

    f->cfg.udp = 1;
    f->cfg.lost_after_ms = 200;
    f->r.udp.sent = 1000;
    f->r.udp.echoed = 880;
    f->r.udp.lost = 120;
    f->r.udp.late = 3;
    f->r.udp.reordered = 4;
    f->r.udp.duplicated = 5;
    f->r.udp.refused = 7;
    f->r.spread = (struct bench_spread){.conns = 10, .min = 64 * 80, .max = 64 * 96};
    t = render(f, 0);
    assert_non_null(strstr(t, "echo-bench: 127.0.0.1:7000, 10 UDP flows, 64 B datagrams, closed "
                              "loop depth 1, 5.0 s after 1.0 s warm-up\n"));
    assert_non_null(strstr(t, "  throughput  200 datagrams/s, "));
    assert_non_null(strstr(t, "  udp         1000 sent, 880 echoed, 120 lost (12.00%), 3 late, "
                              "4 reordered, 5 duplicated, 0 corrupted, 7 refused\n"));
    assert_non_null(strstr(t, "  per flow    min 80, max 96 datagrams\n"));
    assert_null(strstr(t, "mismatched"));
    assert_null(strstr(t, "  errors "));
    t = render(f, 1);
    assert_non_null(strstr(t, "\"mode\":\"udp\","));
    assert_non_null(strstr(t, "\"udp\":{\"sent\":1000,\"echoed\":880,\"lost\":120,\"late\":3,"
                              "\"reordered\":4,\"duplicated\":5,\"corrupted\":0,\"refused\":7,"
                              "\"loss_pct\":12.000,\"lost_after_ms\":200},"));
    assert_int_equal(report_errors(&f->r), 0);

    f->r.udp.corrupted = 2;
    f->r.connect_failures = 1;
    assert_int_equal(report_errors(&f->r), 3);
    assert_non_null(strstr(render(f, 0), "  errors      1 flows could not be opened, 0 failed "
                                         "sending\n"));

    f->cfg.rate = 5000;
    t = render(f, 0);
    assert_non_null(strstr(t, "64 B datagrams, open loop at 5000 datagrams/s, 5.0 s"));
    assert_non_null(strstr(render(f, 1), "\"mode\":\"udp-open\","));
    f->r.udp.sent = 0;
    assert_true(report_loss_pct(&f->r) == 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_plain_report), T(test_bulk_header),      T(test_load_bound),
        T(test_server_rss),   T(test_connect_timeouts), T(test_udp_report),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
