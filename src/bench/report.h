/* report: echo-bench's results as text, as one JSON object, and as a progress line. */
#ifndef TCPECHO_REPORT_H
#define TCPECHO_REPORT_H

#include <stdio.h>

#include "bench.h"

struct bench_result {
    const struct bench_config *cfg;
    const struct hist *hist;
    unsigned long long msgs, bytes_out, bytes_in, connected;
    unsigned long long mismatches, short_echoes, resets, connect_failures, connect_timeouts;
    struct bench_spread spread;
    double seconds;         /* the measured window */
    double connect_seconds; /* from the first connect() until every connection was up or failed */
    int have_server_cpu;    /* --server-pid was given and readable */
    double server_cpu_ns;   /* CPU the server used in the window */
    double bench_cpu_ns;    /* CPU echo-bench used in the window, all its threads */
    double thread_cpu_ns;   /* CPU its load threads used in the window, summed */
    int have_server_rss;    /* --server-pid was given and its VmRSS readable throughout */
    long rss_before_kib;    /* the server's VmRSS before the first connection */
    long rss_connected_kib; /* ... once every connection was up, before any traffic */
    long rss_end_kib;       /* ... when measuring ended, the connections still up */
    unsigned long long rss_conns; /* the connections up at rss_connected_kib */
    struct {                      /* -u: what bench_counts' udp_ fields say */
        unsigned long long sent, echoed, lost, late, reordered, duplicated, corrupted, refused;
        unsigned long long answered; /* valid echoes at any time, warm-up and drain included */
    } udp;
};

/* The share of its load threads' CPU at or above which echo-bench, not the server, may be
 * what limits the figures. */
#define REPORT_LOAD_BOUND_PCT 95.0

/* Fills r's counters from c. */
void report_counts(struct bench_result *r, struct bench_counts *c);

/* Returns the number of errors of any kind: non-zero makes the exit status 1. With -u, loss
 * is not an error; corrupted echoes, flows that could not be opened or failed sending are. */
unsigned long long report_errors(const struct bench_result *r);

/* Returns the CPU time the load threads used in the measured window, in percent of what they
 * could use (one CPU each). */
double report_load_pct(const struct bench_result *r);

/* Returns non-zero when report_load_pct() is at least REPORT_LOAD_BOUND_PCT. */
int report_load_bound(const struct bench_result *r);

/* Returns the share of the measured datagrams that were lost, in percent (0 when none was
 * sent). */
double report_loss_pct(const struct bench_result *r);

/* Prints the human-readable report. */
void report_text(FILE *f, const struct bench_result *r);

/* Prints the whole result as one JSON object on one line. */
void report_json(FILE *f, const struct bench_result *r);

/* Prints one progress line (to a terminal): the phase ("connecting", "warming up",
 * "measuring") and the counts so far, over elapsed seconds. */
void report_progress(FILE *f, const struct bench_counts *c, double elapsed, const char *phase);

#endif
