/* report: echo-bench's results as text, as one JSON object, and as a progress line. */
#ifndef TCPECHO_REPORT_H
#define TCPECHO_REPORT_H

#include <stdio.h>

#include "bench.h"

struct bench_result {
    const struct bench_config *cfg;
    const struct hist *hist;
    unsigned long long msgs, bytes_out, bytes_in, connected;
    unsigned long long mismatches, short_echoes, resets, connect_failures;
    struct bench_spread spread;
    double seconds;       /* the measured window */
    int have_server_cpu;  /* --server-pid was given and readable */
    double server_cpu_ns; /* CPU the server used in the window */
    double bench_cpu_ns;  /* CPU echo-bench used in the window */
};

/* Fills r's counters from c. */
void report_counts(struct bench_result *r, struct bench_counts *c);

/* Returns the number of errors of any kind: non-zero makes the exit status 1. */
unsigned long long report_errors(const struct bench_result *r);

/* Prints the human-readable report. */
void report_text(FILE *f, const struct bench_result *r);

/* Prints the whole result as one JSON object on one line. */
void report_json(FILE *f, const struct bench_result *r);

/* Prints one progress line (to a terminal): counts so far, over elapsed seconds. */
void report_progress(FILE *f, const struct bench_counts *c, double elapsed, int measuring);

#endif
