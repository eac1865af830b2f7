/* report: echo-bench's results as text, as one JSON object, and as a progress line. */
#include "report.h"

static const double percentiles[] = {50, 90, 99, 99.9, 99.99};
static const char *const pnames[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
static const char *const jnames[] = {"p50", "p90", "p99", "p999", "p9999"};
#define NP (sizeof(percentiles) / sizeof(percentiles[0]))

void report_counts(struct bench_result *r, struct bench_counts *c)
{
    r->msgs = atomic_load(&c->msgs);
    r->bytes_out = atomic_load(&c->bytes_out);
    r->bytes_in = atomic_load(&c->bytes_in);
    r->connected = atomic_load(&c->connected);
    r->mismatches = atomic_load(&c->mismatches);
    r->short_echoes = atomic_load(&c->short_echoes);
    r->resets = atomic_load(&c->resets);
    r->connect_failures = atomic_load(&c->connect_failures);
    r->connect_timeouts = atomic_load(&c->connect_timeouts);
    r->udp.sent = atomic_load(&c->udp_sent);
    r->udp.echoed = atomic_load(&c->udp_echoed);
    r->udp.lost = atomic_load(&c->udp_lost);
    r->udp.late = atomic_load(&c->udp_late);
    r->udp.reordered = atomic_load(&c->udp_reordered);
    r->udp.duplicated = atomic_load(&c->udp_duplicated);
    r->udp.corrupted = atomic_load(&c->udp_corrupted);
    r->udp.refused = atomic_load(&c->udp_refused);
    r->udp.answered = atomic_load(&c->udp_answered);
}

unsigned long long report_errors(const struct bench_result *r)
{
    return r->mismatches + r->short_echoes + r->resets + r->connect_failures + r->udp.corrupted;
}

double report_loss_pct(const struct bench_result *r)
{
    return r->udp.sent ? (double)r->udp.lost / (double)r->udp.sent * 100 : 0;
}

double report_load_pct(const struct bench_result *r)
{
    double can = (double)r->cfg->threads * r->seconds * 1e9;

    return can > 0 ? r->thread_cpu_ns / can * 100 : 0;
}

int report_load_bound(const struct bench_result *r)
{
    return report_load_pct(r) >= REPORT_LOAD_BOUND_PCT;
}

static const char *mode(const struct bench_config *cfg)
{
    if (cfg->udp)
        return cfg->rate > 0 ? "udp-open" : "udp";
    return cfg->bulk ? "bulk" : cfg->rate > 0 ? "open" : "closed";
}

/* What one message is called in the text. */
static const char *msg_name(const struct bench_config *cfg)
{
    return cfg->udp ? "datagrams" : "msgs";
}

/* CPU microseconds per echoed message (bulk: per echoed 64 KiB). */
static double per_unit_us(const struct bench_result *r, double ns)
{
    double units = r->cfg->bulk ? (double)r->bytes_in / 65536.0 : (double)r->msgs;

    return units > 0 ? ns / 1000.0 / units : 0;
}

static void text_cpu(FILE *f, const struct bench_result *r)
{
    const char *unit = r->cfg->bulk ? "64 KiB" : r->cfg->udp ? "datagram" : "msg";

    fprintf(f, "  cpu         ");
    if (r->have_server_cpu)
        fprintf(f, "server %.2f us/%s (%.0f%% of a core), ", per_unit_us(r, r->server_cpu_ns), unit,
                r->server_cpu_ns / r->seconds / 1e7);
    fprintf(f, "bench %.2f us/%s (%.0f%% of a core)\n", per_unit_us(r, r->bench_cpu_ns), unit,
            r->bench_cpu_ns / r->seconds / 1e7);
}

/* Per connection: messages (bulk: MB) echoed in the window, fewest and most. */
static void text_spread(FILE *f, const struct bench_result *r)
{
    const struct bench_spread *s = &r->spread;
    double unit = r->cfg->bulk ? 1e6 : (double)r->cfg->size;

    if (s->conns == 0)
        return;
    fprintf(f, "  per %s    min %.0f, max %.0f %s", r->cfg->udp ? "flow" : "conn",
            (double)s->min / unit, (double)s->max / unit, r->cfg->bulk ? "MB" : msg_name(r->cfg));
    if (s->starved)
        fprintf(f, "; %llu of %llu %s got no echo", s->starved, s->conns,
                r->cfg->udp ? "flows" : "connections");
    fputc('\n', f);
}

/* When the load threads used nearly all their CPU: the line that says so. */
static void text_load(FILE *f, const struct bench_result *r)
{
    int n = r->cfg->threads;

    if (!report_load_bound(r))
        return;
    fprintf(f,
            "  load        echo-bench used %.0f%% of its %d load thread%s CPU: it, not the "
            "server, may be the limit (add -T threads where cores allow)\n",
            report_load_pct(r), n, n == 1 ? "'s" : "s'");
}

/* The server's resident memory before, with every connection up and idle, and at the end. */
static void text_rss(FILE *f, const struct bench_result *r)
{
    if (!r->have_server_rss)
        return;
    const char *what = r->cfg->udp ? "flow" : "connection";

    fprintf(f, "  server RSS  %.1f MiB before, %.1f MiB with %llu %ss %s",
            (double)r->rss_before_kib / 1024, (double)r->rss_connected_kib / 1024, r->rss_conns,
            what, r->cfg->udp ? "open" : "up");
    if (r->rss_conns > 0)
        fprintf(f, " (%.2f KiB per %s)",
                (double)(r->rss_connected_kib - r->rss_before_kib) / (double)r->rss_conns, what);
    fprintf(f, ", %.1f MiB at the end\n", (double)r->rss_end_kib / 1024);
}

/* The first line: the target and the load. */
static void text_header(FILE *f, const struct bench_result *r)
{
    const struct bench_config *c = r->cfg;

    fprintf(f, "echo-bench: %s:%u, %ld %s, ", c->host, c->port, c->conns,
            c->udp ? "UDP flows" : "connections");
    if (c->bulk)
        fprintf(f, "bulk: both ways at full speed");
    else if (c->udp)
        fprintf(f, "%zu B datagrams, %s", c->size, c->rate > 0 ? "open loop" : "closed loop");
    else
        fprintf(f, "%zu B messages, depth %d, %s loop", c->size, c->depth, mode(c));
    if (c->udp && c->rate <= 0)
        fprintf(f, " depth %d", c->depth);
    if (c->rate > 0)
        fprintf(f, " at %.0f %s/s", c->rate, msg_name(c));
    fprintf(f, ", %.1f s after %.1f s warm-up\n", r->seconds, c->warmup);
}

/* -u: the fate of the datagrams sent in the window, then what came that was not sent. */
static void text_udp(FILE *f, const struct bench_result *r)
{
    fprintf(f,
            "  udp         %llu sent, %llu echoed, %llu lost (%.2f%%), %llu late, %llu "
            "reordered, %llu duplicated, %llu corrupted, %llu refused\n",
            r->udp.sent, r->udp.echoed, r->udp.lost, report_loss_pct(r), r->udp.late,
            r->udp.reordered, r->udp.duplicated, r->udp.corrupted, r->udp.refused);
    if (r->connect_failures || r->resets)
        fprintf(f, "  errors      %llu flows could not be opened, %llu failed sending\n",
                r->connect_failures, r->resets);
}

void report_text(FILE *f, const struct bench_result *r)
{
    const struct bench_config *c = r->cfg;
    double mb_out = (double)r->bytes_out / r->seconds / 1e6;
    double mb_in = (double)r->bytes_in / r->seconds / 1e6;

    text_header(f, r);
    if (!c->bulk)
        fprintf(f, "  throughput  %.0f %s/s, %.2f MB/s out, %.2f MB/s in\n",
                (double)r->msgs / r->seconds, msg_name(c), mb_out, mb_in);
    else
        fprintf(f, "  throughput  %.1f MB/s out, %.1f MB/s in\n", mb_out, mb_in);
    if (!c->bulk && hist_count(r->hist) > 0) {
        fprintf(f, "  latency    ");
        for (size_t i = 0; i < NP; i++)
            fprintf(f, " %s %.3f", pnames[i],
                    (double)hist_percentile(r->hist, percentiles[i]) / 1e6);
        fprintf(f, " max %.3f ms\n", (double)hist_max(r->hist) / 1e6);
    }
    if (c->udp)
        text_udp(f, r);
    else
        fprintf(f,
                "  errors      %llu mismatched, %llu short, %llu reset, %llu failed to connect "
                "(%llu of %ld connected)\n",
                r->mismatches, r->short_echoes, r->resets, r->connect_failures, r->connected,
                c->conns);
    if (r->connect_timeouts)
        fprintf(f, "  connecting  %llu of %ld not up within --timeout %d s\n", r->connect_timeouts,
                c->conns, c->timeout);
    text_spread(f, r);
    text_cpu(f, r);
    text_load(f, r);
    text_rss(f, r);
}

/* -u: the "udp" object. */
static void json_udp(FILE *f, const struct bench_result *r)
{
    fprintf(f,
            "\"udp\":{\"sent\":%llu,\"echoed\":%llu,\"lost\":%llu,\"late\":%llu,"
            "\"reordered\":%llu,\"duplicated\":%llu,\"corrupted\":%llu,\"refused\":%llu,"
            "\"loss_pct\":%.3f,\"lost_after_ms\":%d},",
            r->udp.sent, r->udp.echoed, r->udp.lost, r->udp.late, r->udp.reordered,
            r->udp.duplicated, r->udp.corrupted, r->udp.refused, report_loss_pct(r),
            r->cfg->lost_after_ms);
}

void report_json(FILE *f, const struct bench_result *r)
{
    const struct bench_config *c = r->cfg;

    fprintf(f,
            "{\"host\":\"%s\",\"port\":%u,\"connections\":%ld,\"size\":%zu,\"depth\":%d,"
            "\"mode\":\"%s\",\"rate\":%.0f,\"seconds\":%.3f,\"warmup\":%.3f,\"threads\":%d,"
            "\"sources\":%d,",
            c->host, c->port, c->conns, c->size, c->depth, mode(c), c->rate, r->seconds, c->warmup,
            c->threads, c->sources);
    fprintf(f, "\"msgs\":%llu,\"msgs_per_s\":%.1f,\"mb_per_s_out\":%.3f,\"mb_per_s_in\":%.3f,",
            r->msgs, (double)r->msgs / r->seconds, (double)r->bytes_out / r->seconds / 1e6,
            (double)r->bytes_in / r->seconds / 1e6);
    fprintf(f, "\"latency_us\":{");
    for (size_t i = 0; i < NP; i++)
        fprintf(f, "\"%s\":%.1f,", jnames[i],
                (double)hist_percentile(r->hist, percentiles[i]) / 1e3);
    fprintf(f, "\"max\":%.1f,\"mean\":%.1f},", (double)hist_max(r->hist) / 1e3,
            hist_mean(r->hist) / 1e3);
    fprintf(f,
            "\"errors\":{\"mismatched\":%llu,\"short\":%llu,\"reset\":%llu,"
            "\"connect_failed\":%llu},\"connected\":%llu,",
            r->mismatches, r->short_echoes, r->resets, r->connect_failures, r->connected);
    if (c->udp)
        json_udp(f, r);
    fprintf(f, "\"connect_s\":%.3f,\"connect_timeouts\":%llu,", r->connect_seconds,
            r->connect_timeouts);
    fprintf(f, "\"per_conn_bytes\":{\"min\":%llu,\"max\":%llu},\"starved\":%llu,", r->spread.min,
            r->spread.max, r->spread.starved);
    if (r->have_server_cpu)
        fprintf(f, "\"server_cpu_us_per_msg\":%.3f,\"server_cpu_pct\":%.1f,",
                per_unit_us(r, r->server_cpu_ns), r->server_cpu_ns / r->seconds / 1e7);
    if (r->have_server_rss)
        fprintf(f,
                "\"server_rss_kib\":{\"before\":%ld,\"connected\":%ld,\"end\":%ld},"
                "\"server_rss_per_conn_bytes\":%.0f,",
                r->rss_before_kib, r->rss_connected_kib, r->rss_end_kib,
                r->rss_conns ? (double)(r->rss_connected_kib - r->rss_before_kib) * 1024 /
                                   (double)r->rss_conns
                             : 0.0);
    fprintf(f, "\"bench_cpu_us_per_msg\":%.3f,\"bench_cpu_pct\":%.1f,",
            per_unit_us(r, r->bench_cpu_ns), r->bench_cpu_ns / r->seconds / 1e7);
    fprintf(f, "\"load_thread_cpu_pct\":%.1f,\"load_bound\":%s}\n", report_load_pct(r),
            report_load_bound(r) ? "true" : "false");
}

void report_progress(FILE *f, const struct bench_counts *c, double elapsed, const char *phase)
{
    fprintf(f, "\r%-10s %5.1f s: %llu connected, %llu msgs, %.1f MB in, %llu errors   ", phase,
            elapsed, atomic_load(&c->connected), atomic_load(&c->msgs),
            (double)atomic_load(&c->bytes_in) / 1e6,
            atomic_load(&c->mismatches) + atomic_load(&c->short_echoes) + atomic_load(&c->resets) +
                atomic_load(&c->connect_failures));
    fflush(f);
}
