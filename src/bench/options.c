/* options: echo-bench's command line, parsed into a bench_config with no side effects. */
#include "options.h"

#include <getopt.h>
#include <sched.h>
#include <string.h>

#include "../cli.h"
#include "../num.h"
#include "udp_track.h"
#include "udp_wire.h"

/* The most memory -u may take for its sequence rings (udp_track.h), all flows together. */
#define BENCH_UDP_MAX_RING_MIB 1024

enum {
    OPT_CONNECT_RATE = 256,
    OPT_BULK,
    OPT_NO_VERIFY,
    OPT_JSON,
    OPT_HIST,
    OPT_SERVER_PID,
    OPT_TIMEOUT,
    OPT_SOURCES,
    OPT_LOST_AFTER
};

static const struct option long_options[] = {
    {"connections", required_argument, NULL, 'c'},
    {"size", required_argument, NULL, 's'},
    {"depth", required_argument, NULL, 'd'},
    {"duration", required_argument, NULL, 't'},
    {"warmup", required_argument, NULL, 'w'},
    {"rate", required_argument, NULL, 'r'},
    {"threads", required_argument, NULL, 'T'},
    {"connect-rate", required_argument, NULL, OPT_CONNECT_RATE},
    {"bulk", no_argument, NULL, OPT_BULK},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"json", no_argument, NULL, OPT_JSON},
    {"hist", required_argument, NULL, OPT_HIST},
    {"server-pid", required_argument, NULL, OPT_SERVER_PID},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"sources", required_argument, NULL, OPT_SOURCES},
    {"udp", no_argument, NULL, 'u'},
    {"lost-after", required_argument, NULL, OPT_LOST_AFTER},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void bench_usage(FILE *f)
{
    fprintf(f,
            "Usage: echo-bench [OPTIONS] HOST PORT\n"
            "Load an echo server with many connections, check every echoed byte, and report\n"
            "throughput and latency percentiles. HOST may carry the port (HOST:PORT). With -u,\n"
            "the same over UDP: each connection is a flow, each message a datagram, and loss,\n"
            "reordering, duplicates and late echoes are counted.\n"
            "\n"
            "  -c, --connections N    connections, 1-%d [10]\n"
            "  -s, --size BYTES       message size, 1 to 1M (K and M suffixes) [64]\n"
            "  -d, --depth N          messages in flight per connection (closed loop) [1]\n"
            "  -t, --duration SECS    how long to measure [5]\n"
            "  -w, --warmup SECS      how long to run before measuring [1]\n"
            "  -r, --rate N           open loop: N messages per second in all, each timed\n"
            "                         from when it was due, so stalls are not hidden\n"
            "                         [0: closed loop, send the next when the echo is back]\n"
            "      --bulk             stream both ways as fast as possible; report MB/s\n"
            "  -T, --threads N        load threads, 1-256; 0: one per CPU it may run on [1]\n"
            "      --connect-rate N   open at most N connections per second [0: all at once]\n"
            "      --sources N        connect from 127.0.0.1 to 127.0.0.N in turn, 1-254;\n"
            "                         only to a server on 127.x [one per 10000 connections\n"
            "                         to 127.x, else the kernel picks]\n"
            "  -u, --udp              UDP: each connection is a flow, one socket connect()ed\n"
            "                         to the server; each message a datagram of 16 to 65507\n"
            "                         bytes carrying its flow and sequence number\n"
            "      --lost-after MS    UDP: a datagram not echoed within MS is lost, not timed;\n"
            "                         at the end, what is in flight is waited for that long\n"
            "                         [1000]\n"
            "      --no-verify        do not compare the echoed bytes\n"
            "      --json             print one JSON object instead of the text report\n"
            "      --hist FILE        write the latency distribution to FILE\n"
            "      --server-pid PID   also report the server's CPU time per message and its\n"
            "                         memory per connection\n"
            "      --timeout SECS     count a connection not up within SECS as failed [10]\n"
            "  -q, --quiet            no progress line\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Every connection is opened first; the load starts once each is up or has failed.\n"
            "Exit status: 0 when every echo was exact; 1 on a mismatch, a short echo, a reset\n"
            "or a failed connection; 2 on a usage error. With -u: 0 when datagrams came back\n"
            "and none was corrupted (loss alone is reported, not an error); 1 when one was\n"
            "corrupted or none came back.\n",
            BENCH_MAX_CONNS);
}

static void defaults(struct bench_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 7000;
    cfg->conns = 10;
    cfg->size = 64;
    cfg->depth = 1;
    cfg->duration = 5;
    cfg->warmup = 1;
    cfg->threads = 1;
    cfg->verify = 1;
    cfg->timeout = 10;
    cfg->lost_after_ms = 1000;
}

static int real(const char *name, const char *s, double min, double max, double *v, char *err)
{
    char why[128];

    if (num_parse_double(s, min, max, v, why) == 0)
        return 0;
    snprintf(err, BENCH_ERR_LEN, "%s: %s", name, why);
    return -1;
}

/* Applies one option. Returns 0, or -1 with the reason in err. */
static int apply(int opt, const char *arg, struct bench_config *cfg, char *err)
{
    long long v = 0;
    char why[128];
    int r = 0;

    switch (opt) {
    case 'c':
        r = cli_number("--connections", arg, 1, BENCH_MAX_CONNS, &v, err);
        cfg->conns = (long)v;
        break;
    case 's':
        r = num_parse_size(arg, 1, (long long)BENCH_MAX_SIZE, &v, why);
        if (r < 0)
            snprintf(err, BENCH_ERR_LEN, "--size: %s", why);
        cfg->size = (size_t)v;
        break;
    case 'd':
        r = cli_number("--depth", arg, 1, 4096, &v, err);
        cfg->depth = (int)v;
        break;
    case 'T':
        r = cli_number("--threads", arg, 0, 256, &v, err);
        cfg->threads = (int)v;
        break;
    case OPT_SOURCES:
        r = cli_number("--sources", arg, 1, 254, &v, err);
        cfg->sources = (int)v;
        break;
    case OPT_LOST_AFTER:
        r = cli_number("--lost-after", arg, 1, 3600000, &v, err);
        cfg->lost_after_ms = (int)v;
        break;
    case OPT_TIMEOUT:
        r = cli_number("--timeout", arg, 1, 3600, &v, err);
        cfg->timeout = (int)v;
        break;
    case OPT_SERVER_PID:
        r = cli_number("--server-pid", arg, 1, 1 << 30, &v, err);
        cfg->server_pid = (pid_t)v;
        break;
    case 't':
        return real("--duration", arg, 0.1, 86400, &cfg->duration, err);
    case 'w':
        return real("--warmup", arg, 0, 3600, &cfg->warmup, err);
    case 'r':
        return real("--rate", arg, 0, 1e9, &cfg->rate, err);
    case OPT_CONNECT_RATE:
        return real("--connect-rate", arg, 0, 1e7, &cfg->connect_rate, err);
    }
    return r;
}

/* Applies a flag. Returns 1 when opt was one. */
static int flag(int opt, const char *arg, struct bench_config *cfg)
{
    switch (opt) {
    case OPT_BULK:
        cfg->bulk = 1;
        return 1;
    case OPT_NO_VERIFY:
        cfg->verify = 0;
        return 1;
    case OPT_JSON:
        cfg->json = 1;
        return 1;
    case OPT_HIST:
        cfg->hist_file = arg;
        return 1;
    case 'q':
        cfg->quiet = 1;
        return 1;
    case 'u':
        cfg->udp = 1;
        return 1;
    }
    return 0;
}

/* Returns the CPUs this process may run on (its affinity mask, as taskset sets it), at most
 * 256, the most load threads there may be; 1 when it cannot be read. */
static int cpus_allowed(void)
{
    cpu_set_t set;
    int n;

    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 1;
    n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > 256 ? 256 : n;
}

/* Checks what -u allows: datagrams of 16 to 65507 bytes, sequence rings that fit in memory,
 * none of the TCP-only options. Returns 0, or -1 with the reason in err. */
static int check_udp(const struct bench_config *cfg, char *err)
{
    double mib = (double)cfg->conns *
                 udp_track_slots(cfg->depth, cfg->rate, cfg->conns, cfg->lost_after_ms) *
                 sizeof(struct udp_slot) / (1 << 20);

    if (cfg->size < UDP_WIRE_HEADER || cfg->size > UDP_WIRE_MAX)
        snprintf(err, BENCH_ERR_LEN, "--size: a datagram is %d to %d bytes with -u",
                 UDP_WIRE_HEADER, UDP_WIRE_MAX);
    else if (cfg->bulk || cfg->sources)
        snprintf(err, BENCH_ERR_LEN, "%s is for TCP, not with -u",
                 cfg->bulk ? "--bulk" : "--sources");
    else if (mib > BENCH_UDP_MAX_RING_MIB)
        snprintf(err, BENCH_ERR_LEN,
                 "-c %ld with that depth or rate needs %.0f MiB to track the datagrams in "
                 "flight, more than %d",
                 cfg->conns, mib, BENCH_UDP_MAX_RING_MIB);
    else
        return 0;
    return -1;
}

enum cli_result bench_options_parse(int argc, char **argv, struct bench_config *cfg, char *err)
{
    int opt;

    defaults(cfg);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:c:s:d:t:w:r:T:quhV", long_options, NULL)) != -1) {
        if (opt == 'h')
            return CLI_HELP;
        if (opt == 'V')
            return CLI_VERSION;
        if (opt == '?' || opt == ':') {
            cli_option_error(opt, argv, err, BENCH_ERR_LEN);
            return CLI_USAGE;
        }
        if (!flag(opt, optarg, cfg) && apply(opt, optarg, cfg, err) < 0)
            return CLI_USAGE;
    }
    if (net_parse_host_port(argc - optind, argv + optind, 1, cfg->host, &cfg->port, err) < 0)
        return CLI_USAGE;
    if (cfg->threads == 0)
        cfg->threads = cpus_allowed();
    if (cfg->threads > cfg->conns)
        cfg->threads = (int)cfg->conns;
    if (cfg->bulk && cfg->rate > 0) {
        snprintf(err, BENCH_ERR_LEN, "--bulk and --rate do not go together");
        return CLI_USAGE;
    }
    return cfg->udp && check_udp(cfg, err) < 0 ? CLI_USAGE : CLI_RUN;
}
