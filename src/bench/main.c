/* echo-bench: parse the command line, resolve, run the load threads, report. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "cpu.h"
#include "options.h"
#include "pattern.h"
#include "report.h"

/* Resolves the server's address once, for every connection. Returns 0, or -1 after logging. */
static int resolve(struct bench_config *cfg)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    char port[8];
    int r;

    snprintf(port, sizeof(port), "%u", cfg->port);
    r = getaddrinfo(cfg->host, port, &hints, &res);
    if (r != 0) {
        log_error("resolve %s: %s", cfg->host, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return -1;
    }
    memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
    cfg->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Makes room for one descriptor per connection. Returns 0, or -1 after logging. */
static int raise_fd_limit(long conns)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)conns + 64;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max < need) {
        log_error("-c %ld needs %llu descriptors, but the hard limit is %llu (ulimit -Hn)", conns,
                  (unsigned long long)need, (unsigned long long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = need;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

static void sleep_until(uint64_t ns)
{
    uint64_t now = bench_now_ns();
    struct timespec ts;

    if (ns <= now)
        return;
    ts.tv_sec = (time_t)((ns - now) / 1000000000u);
    ts.tv_nsec = (long)((ns - now) % 1000000000u);
    nanosleep(&ts, NULL);
}

/* Waits for the run to reach t, with a progress line each second on a terminal. */
static void wait_until(uint64_t t, const struct bench_config *cfg, const struct bench_clock *clk,
                       struct bench_thread *threads)
{
    int progress = !cfg->quiet && isatty(STDERR_FILENO);
    struct bench_counts c;

    for (uint64_t now = bench_now_ns(); now < t; now = bench_now_ns()) {
        sleep_until(progress && now + 1000000000u < t ? now + 1000000000u : t);
        if (progress) {
            load_peek(threads, cfg->threads, &c);
            report_progress(stderr, &c, (double)(bench_now_ns() - clk->start_ns) / 1e9,
                            bench_now_ns() >= clk->measure_ns);
        }
    }
    if (progress && t == clk->end_ns)
        fputc('\n', stderr);
}

/* Runs the load and measures. Fills r (hist is the caller's). Returns 0, or -1 after logging. */
static int measure(const struct bench_config *cfg, struct bench_result *r, struct hist *h)
{
    struct bench_clock clk;
    struct bench_thread *threads;
    struct bench_counts c;
    uint64_t s0 = 0, s1 = 0, b0, b1;

    clk.start_ns = bench_now_ns();
    clk.measure_ns = clk.start_ns + (uint64_t)(cfg->warmup * 1e9);
    clk.end_ns = clk.measure_ns + (uint64_t)(cfg->duration * 1e9);
    if (load_start(cfg, &clk, &threads) < 0) {
        load_finish(threads, cfg->threads, h, &c, &r->spread);
        return -1;
    }
    wait_until(clk.measure_ns, cfg, &clk, threads);
    b0 = cpu_self_ns();
    r->have_server_cpu = cfg->server_pid > 0 && cpu_process_ns(cfg->server_pid, &s0) == 0;
    wait_until(clk.end_ns, cfg, &clk, threads);
    b1 = cpu_self_ns();
    if (r->have_server_cpu && cpu_process_ns(cfg->server_pid, &s1) < 0)
        r->have_server_cpu = 0;
    load_finish(threads, cfg->threads, h, &c, &r->spread);
    r->cfg = cfg;
    r->hist = h;
    r->seconds = cfg->duration;
    r->server_cpu_ns = (double)(s1 - s0);
    r->bench_cpu_ns = (double)(b1 - b0);
    report_counts(r, &c);
    return 0;
}

/* Writes the latency distribution to cfg->hist_file. Returns 0, or -1 after logging. */
static int write_hist(const struct bench_config *cfg, const struct hist *h)
{
    FILE *f = fopen(cfg->hist_file, "w");

    if (!f || hist_write(h, f) < 0 || fclose(f) != 0) {
        log_error("%s: %s", cfg->hist_file, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct hist h;
    struct bench_config cfg;
    struct bench_result r = {0};
    char err[BENCH_ERR_LEN];

    log_init("echo-bench", LOG_NORMAL);
    switch (bench_options_parse(argc, argv, &cfg, err)) {
    case BENCH_HELP:
        bench_usage(stdout);
        return 0;
    case BENCH_VERSION:
        printf("echo-bench (tcpecho) %s\n", TCPECHO_VERSION);
        return 0;
    case BENCH_USAGE:
        log_error("%s", err);
        fprintf(stderr, "Usage: echo-bench [OPTIONS] HOST PORT  (--help for details)\n");
        return 2;
    case BENCH_RUN:
        break;
    }
    if (resolve(&cfg) < 0 || raise_fd_limit(cfg.conns) < 0)
        return 1;
    if (pattern_init() < 0 || measure(&cfg, &r, &h) < 0)
        return 1;
    pattern_fini();
    if (cfg.json)
        report_json(stdout, &r);
    else
        report_text(stdout, &r);
    if (cfg.hist_file && write_hist(&cfg, &h) < 0)
        return 1;
    if (r.connected == 0)
        log_error("no connection to %s:%u succeeded", cfg.host, cfg.port);
    return report_errors(&r) > 0 || r.connected == 0 ? 1 : 0;
}
