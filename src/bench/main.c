/* echo-bench: parse the command line, resolve, run the load threads, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "../net.h"
#include "cpu.h"
#include "options.h"
#include "pattern.h"
#include "report.h"
#include "rss.h"
#include "setup.h"
#include "udp_load.h"

/* Raises the descriptor limit as far as it goes, and checks that the connections fit. Returns
 * 0, or -1 after logging, before any connection was opened. */
static int check_fd_limit(const struct bench_config *cfg)
{
    long need = setup_fds_needed(cfg->conns, cfg->threads);
    long long limit = net_raise_fd_limit();

    if (limit < 0 || limit >= need)
        return 0;
    log_error("-c %ld needs about %ld descriptors, the limit is %lld (ulimit -Hn)", cfg->conns,
              need, limit);
    return -1;
}

static void sleep_until(uint64_t ns)
{
    uint64_t now = clock_now_ns();
    struct timespec ts;

    if (ns <= now)
        return;
    ts.tv_sec = (time_t)((ns - now) / 1000000000u);
    ts.tv_nsec = (long)((ns - now) % 1000000000u);
    nanosleep(&ts, NULL);
}

/* Returns the phase of the run at now, for the progress line. */
static const char *phase(const struct bench_clock *clk, uint64_t now)
{
    return !clk->load_ns ? "connecting" : now < clk->measure_ns ? "warming up" : "measuring";
}

/* Prints the progress line (on a terminal, without -q). */
static void progress(const struct bench_clock *clk, const struct crew *threads)
{
    uint64_t now = clock_now_ns();
    struct bench_counts c;

    crew_peek(threads, &c);
    report_progress(stderr, &c, (double)(now - clk->start_ns) / 1e9, phase(clk, now));
}

/* Waits for the run to reach t, with a progress line each second on a terminal. */
static void wait_until(uint64_t t, const struct bench_config *cfg, const struct bench_clock *clk,
                       struct crew *threads)
{
    int show = !cfg->quiet && isatty(STDERR_FILENO);

    for (uint64_t now = clock_now_ns(); now < t; now = clock_now_ns()) {
        sleep_until(show && now + 1000000000u < t ? now + 1000000000u : t);
        if (show)
            progress(clk, threads);
    }
    if (show && t == clk->end_ns)
        fputc('\n', stderr);
}

/*
 * Waits until every connection is up or has failed, polling every 2 ms, with a progress line
 * each second on a terminal. The threads fail an attempt after --timeout, so this ends by
 * itself; the bound (the opening at --connect-rate, --timeout and a second) is a safety net.
 */
static void wait_connected(const struct bench_config *cfg, const struct bench_clock *clk,
                           struct crew *threads)
{
    int show = !cfg->quiet && isatty(STDERR_FILENO);
    double opening = cfg->connect_rate > 0 ? (double)cfg->conns / cfg->connect_rate : 0;
    uint64_t bound = clk->start_ns + (uint64_t)((opening + cfg->timeout + 1) * 1e9);
    uint64_t shown = clk->start_ns;
    struct bench_counts c;

    for (uint64_t now = clock_now_ns(); now < bound; now = clock_now_ns()) {
        crew_peek(threads, &c);
        if (atomic_load(&c.connected) + atomic_load(&c.connect_failures) >=
            (unsigned long long)cfg->conns)
            return;
        if (show && now >= shown + 1000000000u) {
            progress(clk, threads);
            shown = now;
        }
        sleep_until(now + 2000000);
    }
}

/* Reads the server's resident memory into *kib when --server-pid was given; with settle,
 * once it stops changing. Clears r->have_server_rss when it cannot be read. */
static void server_rss(const struct bench_config *cfg, struct bench_result *r, long *kib,
                       int settle)
{
    if (r->have_server_rss &&
        (settle ? rss_settle(cfg->server_pid, kib) : rss_read(cfg->server_pid, kib)) < 0)
        r->have_server_rss = 0;
}

/* The first phase of a run, once crew_start() has begun it: waits until every connection is
 * up or has failed, notes how long that took, and reads the server's memory with them idle. */
static void connect_all(const struct bench_config *cfg, struct bench_result *r,
                        const struct bench_clock *clk, struct crew *threads)
{
    struct bench_counts c;

    wait_connected(cfg, clk, threads);
    r->connect_seconds = (double)(clock_now_ns() - clk->start_ns) / 1e9;
    crew_peek(threads, &c);
    r->rss_conns = atomic_load(&c.connected);
    server_rss(cfg, r, &r->rss_connected_kib, 1);
}

/* Runs the load and measures: first every connection is opened and left idle, then the load
 * runs through the warm-up and the measured window. Fills r (hist is the caller's). Returns
 * 0, or -1 after logging. */
static int measure(const struct bench_config *cfg, struct bench_result *r, struct hist *h)
{
    struct bench_clock clk = {0};
    struct crew threads = {0};
    struct bench_counts c;
    uint64_t s0 = 0, s1 = 0, b0, b1, tcpu = 0;

    r->have_server_rss = cfg->server_pid > 0;
    server_rss(cfg, r, &r->rss_before_kib, 0);
    clk.start_ns = clock_now_ns();
    if (crew_start(&threads, cfg->udp ? &load_udp : &load_tcp, cfg, &clk) < 0) {
        /* The threads that did start end at once. */
        clk.load_ns = clk.measure_ns = clk.end_ns = clock_now_ns();
        crew_go(&threads);
        crew_finish(&threads, h, &c, &r->spread, &tcpu);
        return -1;
    }
    connect_all(cfg, r, &clk, &threads);
    clk.load_ns = clock_now_ns();
    clk.measure_ns = clk.load_ns + (uint64_t)(cfg->warmup * 1e9);
    clk.end_ns = clk.measure_ns + (uint64_t)(cfg->duration * 1e9);
    crew_go(&threads);
    wait_until(clk.measure_ns, cfg, &clk, &threads);
    b0 = cpu_self_ns();
    r->have_server_cpu = cfg->server_pid > 0 && cpu_process_ns(cfg->server_pid, &s0) == 0;
    wait_until(clk.end_ns, cfg, &clk, &threads);
    b1 = cpu_self_ns();
    if (r->have_server_cpu && cpu_process_ns(cfg->server_pid, &s1) < 0)
        r->have_server_cpu = 0;
    server_rss(cfg, r, &r->rss_end_kib, 0);
    crew_finish(&threads, h, &c, &r->spread, &tcpu);
    r->cfg = cfg;
    r->hist = h;
    r->seconds = cfg->duration;
    r->server_cpu_ns = (double)(s1 - s0);
    r->bench_cpu_ns = (double)(b1 - b0);
    r->thread_cpu_ns = (double)tcpu;
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

/* -u: returns the exit status — 1 when no datagram came back (saying why it may be) or one
 * came back corrupted, else 0: loss alone is in the report, not an error. */
static int udp_verdict(const struct bench_config *cfg, const struct bench_result *r)
{
    if (r->udp.answered == 0)
        log_error("no datagram echoed by %s:%u (%llu refused%s)", cfg->host, cfg->port,
                  r->udp.refused, r->udp.refused ? ": nothing listening?" : "");
    else if (r->udp.corrupted)
        log_error("%llu datagrams came back corrupted", r->udp.corrupted);
    return report_errors(r) > 0 || r->udp.answered == 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct cli_program prog = {"echo-bench", "[OPTIONS] HOST PORT", bench_usage};
    static struct hist h;
    struct bench_config cfg;
    struct bench_result r = {0};
    char err[BENCH_ERR_LEN];
    int status;

    log_init(prog.name, LOG_NORMAL);
    status = cli_finish(bench_options_parse(argc, argv, &cfg, err), &prog, err);
    if (status >= 0)
        return status;
    /* Once, for every connection. */
    if (net_resolve(cfg.host, cfg.port, &cfg.addr, &cfg.addr_len, err) < 0) {
        log_error("%s", err);
        return 1;
    }
    cfg.sources = setup_sources(&cfg.addr, cfg.conns, cfg.sources, err, sizeof(err));
    if (cfg.sources < 0)
        return cli_finish(CLI_USAGE, &prog, err);
    if (check_fd_limit(&cfg) < 0)
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
    if (cfg.udp)
        return udp_verdict(&cfg, &r);
    if (r.connected == 0)
        log_error("no connection to %s:%u succeeded", cfg.host, cfg.port);
    return report_errors(&r) > 0 || r.connected == 0 ? 1 : 0;
}
