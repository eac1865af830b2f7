/* options: echo-server's command line, parsed into a server_config with no side effects. */
#include "options.h"

#include <getopt.h>
#include <string.h>
#include <sys/socket.h>

#include "../cli.h"
#include "../net.h"
#include "model.h"

#define GREETING_MAX 4096

enum {
    OPT_BACKLOG = 256,
    OPT_MAX_LINE,
    OPT_GREETING,
    OPT_DRAIN_TIMEOUT,
    OPT_MAX_CONNS,
    OPT_IDLE_TIMEOUT,
    OPT_MAX_PENDING,
    OPT_STATS,
    OPT_NO_REUSEADDR,
    OPT_INETD,
    OPT_PROXY_PROTOCOL,
    OPT_LIST_MODELS,
    OPT_PROTO,
    OPT_RATE_LIMIT,
    OPT_RATE_LIMIT_TOTAL,
    OPT_NO_LOOP_GUARD,
    OPT_NO_BROADCAST_GUARD,
    OPT_MAX_DATAGRAM,
};

static const struct option long_options[] = {
    {"service", required_argument, NULL, 's'},
    {"model", required_argument, NULL, 'm'},
    {"bind", required_argument, NULL, 'b'},
    {"port", required_argument, NULL, 'p'},
    {"backlog", required_argument, NULL, OPT_BACKLOG},
    {"no-reuseaddr", no_argument, NULL, OPT_NO_REUSEADDR},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},
    {"greeting", required_argument, NULL, OPT_GREETING},
    {"drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT},
    {"threads", required_argument, NULL, 't'},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"max-pending", required_argument, NULL, OPT_MAX_PENDING},
    {"stats", required_argument, NULL, OPT_STATS},
    {"inetd", no_argument, NULL, OPT_INETD},
    {"proxy-protocol", no_argument, NULL, OPT_PROXY_PROTOCOL},
    {"list-models", no_argument, NULL, OPT_LIST_MODELS},
    {"proto", required_argument, NULL, OPT_PROTO},
    {"udp", no_argument, NULL, 'u'},
    {"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
    {"rate-limit-total", required_argument, NULL, OPT_RATE_LIMIT_TOTAL},
    {"no-loop-guard", no_argument, NULL, OPT_NO_LOOP_GUARD},
    {"no-broadcast-guard", no_argument, NULL, OPT_NO_BROADCAST_GUARD},
    {"max-datagram", required_argument, NULL, OPT_MAX_DATAGRAM},
    {"user", required_argument, NULL, 'U'},
    {"group", required_argument, NULL, 'g'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void server_usage(FILE *f)
{
    const struct model *const *m;

    fprintf(f,
            "Usage: echo-server [OPTIONS] [PORT]\n"
            "Serve echo (RFC 862) or another simple service over TCP, UDP or both.\n"
            "\n"
            "  -s, --service NAME     echo (RFC 862, every byte back), line (one line at a\n"
            "                         time, 'exit' or 'quit' ends; TCP only), hello (greet\n"
            "                         and close), discard (RFC 863), chargen (864), daytime\n"
            "                         (867), time (868) [echo]\n"
            "      --proto P          tcp, udp, or both on the same port [tcp]\n"
            "  -u, --udp              --proto udp\n"
            "  -m, --model NAME       concurrency model (below) [%s]\n"
            "      --list-models      print the models that can run here, one a line, then\n"
            "                         exit; say on stderr why each other one cannot\n"
            "  -t, --threads N        event loops of epoll and uring; 0: one per CPU [0]\n"
            "  -b, --bind ADDR        address to listen on: HOST, HOST:PORT, [IPv6]:PORT\n"
            "                         [0.0.0.0]\n"
            "  -p, --port PORT        port to listen on; 0 lets the kernel choose [%d]\n"
            "      --backlog N        listen queue length, 0-65535 [%d, SOMAXCONN]\n"
            "      --no-reuseaddr     bind without SO_REUSEADDR: a restart then fails while\n"
            "                         connections it closed wait in TIME_WAIT\n"
            "      --max-line BYTES   line: longest line; a longer one is answered with an\n"
            "                         error and the session closes [%d]\n"
            "      --greeting TEXT    hello: the greeting [%s]\n"
            "      --drain-timeout S  on SIGINT/SIGTERM, seconds to finish echoes [%d]\n"
            "      --max-conns N      connections served at once; more are closed at once\n"
            "                         [0: the descriptor limit, raised to its hard limit,\n"
            "                         less %d]\n"
            "      --idle-timeout S   close a client silent for S seconds; 0: never [0]\n"
            "      --max-pending B    unsent echo per client before reading from it pauses\n"
            "                         (backpressure) [%d]\n"
            "      --stats S          log counters every S seconds; 0: only on SIGUSR1 [0]\n"
            "      --inetd            serve one connection on standard input (the socket that\n"
            "                         inetd, xinetd or systemd with Accept=yes hands over),\n"
            "                         then exit; logs go to syslog when standard error is a\n"
            "                         socket too\n"
            "      --proxy-protocol   expect a PROXY protocol header (v1 or v2, as HAProxy's\n"
            "                         send-proxy and send-proxy-v2 send) before the client's\n"
            "                         bytes; log the client address it carries; close a\n"
            "                         connection whose header is missing or malformed\n"
            "\n"
            "UDP (each datagram answered whole, to its sender, or not at all):\n"
            "      --rate-limit N     answers per second to one source address (an IPv6 /64);\n"
            "                         more are dropped and counted; 0: no limit [%d]\n"
            "      --rate-limit-total N  answers per second to all sources, per event loop;\n"
            "                         0: no limit [%d]\n"
            "      --no-loop-guard    also answer source ports below 1024, 2049 and known\n"
            "                         reflectors (1900, 5353, 11211...); refused by default:\n"
            "                         a service there would answer back, forever\n"
            "      --no-broadcast-guard  also answer broadcast and multicast addresses\n"
            "      --max-datagram B   longest datagram answered; longer ones are dropped\n"
            "                         whole, never answered cut short [%d]\n"
            "\n"
            "  -U, --user NAME        after binding, switch to this user (and its groups);\n"
            "                         needs root\n"
            "  -g, --group NAME       after binding, switch to this group [the user's]\n"
            "  -q, --quiet            log only errors and the listening line\n"
            "  -v, --verbose          log more\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Models:\n",
            SERVER_MODEL_DEFAULT, SERVER_PORT_DEFAULT, SOMAXCONN, SERVICE_MAX_LINE_DEFAULT,
            SERVICE_GREETING_DEFAULT, SERVER_DRAIN_TIMEOUT_DEFAULT, SERVER_FD_RESERVE,
            SERVER_MAX_PENDING_DEFAULT, GUARD_RATE_DEFAULT, GUARD_RATE_TOTAL_DEFAULT,
            SERVER_MAX_DATAGRAM_DEFAULT);
    for (m = model_all(); *m; m++)
        fprintf(f, "  %-12s %s\n", (*m)->name, (*m)->summary);
    fprintf(f, "\nOnce bound, it prints 'listening on ADDRESS:PORT' on stderr.\n"
               "SIGINT or SIGTERM stops it: it stops accepting, finishes echoes, exits 0.\n"
               "SIGUSR1 logs the counters.\n"
               "Under systemd socket activation (LISTEN_PID, LISTEN_FDS) it serves the sockets\n"
               "passed (a ListenStream=, a ListenDatagram= or both) instead of binding.\n"
               "Over UDP, iterative, fork and thread answer one datagram at a time from one\n"
               "thread; poll, epoll and uring a batch per system call in each event loop.\n");
}

static void defaults(struct server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->model = SERVER_MODEL_DEFAULT;
    cfg->host = "0.0.0.0";
    cfg->port = SERVER_PORT_DEFAULT;
    cfg->backlog = SOMAXCONN;
    cfg->reuseaddr = 1;
    cfg->drain_timeout = SERVER_DRAIN_TIMEOUT_DEFAULT;
    cfg->verbosity = LOG_NORMAL;
    cfg->max_pending = SERVER_MAX_PENDING_DEFAULT;
    cfg->service.kind = SERVICE_ECHO;
    cfg->service.max_line = SERVICE_MAX_LINE_DEFAULT;
    cfg->service.greeting = SERVICE_GREETING_DEFAULT;
    cfg->proto = SERVER_TCP;
    cfg->guard = (struct guard_config){.ports = 1,
                                       .broadcast = 1,
                                       .rate = GUARD_RATE_DEFAULT,
                                       .rate_total = GUARD_RATE_TOTAL_DEFAULT};
    cfg->max_datagram = SERVER_MAX_DATAGRAM_DEFAULT;
}

/* Applies --proto. Returns 0, or -1 with the reason in err. */
static int proto(const char *s, struct server_config *cfg, char *err)
{
    if (strcmp(s, "tcp") == 0)
        cfg->proto = SERVER_TCP;
    else if (strcmp(s, "udp") == 0)
        cfg->proto = SERVER_UDP;
    else if (strcmp(s, "both") == 0)
        cfg->proto = SERVER_TCP | SERVER_UDP;
    else {
        snprintf(err, OPTIONS_ERR_LEN, "--proto: '%.40s' is not tcp, udp or both", s);
        return -1;
    }
    return 0;
}

/* Parses a port for an option or argument. Returns 0, or -1 with the reason in err. */
static int port(const char *s, uint16_t *p, char *err)
{
    return net_parse_port(s, p, err) == 0 ? 0 : -1;
}

/* Applies -b ADDR: a host, and maybe a port (which -p or PORT may still override). */
static int bind_addr(const char *s, struct server_config *cfg, char *host, char *err)
{
    const char *p = NULL;

    if (net_split_hostport(s, host, &p, err) < 0)
        return -1;
    cfg->host = host;
    return p ? port(p, &cfg->port, err) : 0;
}

/* Applies one of the UDP options. Returns 0, or -1 with the reason in err. */
static int apply_udp(int opt, const char *arg, struct server_config *cfg, char *err)
{
    long long v;

    switch (opt) {
    case OPT_PROTO:
        return proto(arg, cfg, err);
    case 'u':
        cfg->proto = SERVER_UDP;
        return 0;
    case OPT_RATE_LIMIT:
    case OPT_RATE_LIMIT_TOTAL:
        if (cli_number(opt == OPT_RATE_LIMIT ? "--rate-limit" : "--rate-limit-total", arg, 0,
                       100000000, &v, err) < 0)
            return -1;
        *(opt == OPT_RATE_LIMIT ? &cfg->guard.rate : &cfg->guard.rate_total) = (unsigned)v;
        return 0;
    case OPT_NO_LOOP_GUARD:
        cfg->guard.ports = 0;
        return 0;
    case OPT_NO_BROADCAST_GUARD:
        cfg->guard.broadcast = 0;
        return 0;
    case OPT_MAX_DATAGRAM:
        if (cli_number("--max-datagram", arg, 1, SERVER_MAX_DATAGRAM_DEFAULT, &v, err) < 0)
            return -1;
        cfg->max_datagram = (size_t)v;
        return 0;
    }
    snprintf(err, OPTIONS_ERR_LEN, "unknown option");
    return -1;
}

/* Applies one option. Returns 0, or -1 with the reason in err. */
static int apply(int opt, const char *arg, struct server_config *cfg, char *host, char *err)
{
    long long v;

    switch (opt) {
    case 's':
        if (service_parse(arg, &cfg->service.kind) == 0)
            return 0;
        snprintf(err, OPTIONS_ERR_LEN, "unknown service '%.40s' (" SERVICE_NAMES ")", arg);
        return -1;
    case 'm':
        cfg->model = arg;
        if (model_find(arg))
            return 0;
        snprintf(err, OPTIONS_ERR_LEN, "unknown model '%.40s' (see --help for the list)", arg);
        return -1;
    case 'b':
        return bind_addr(arg, cfg, host, err);
    case 'p':
        return port(arg, &cfg->port, err);
    case OPT_BACKLOG:
        if (cli_number("--backlog", arg, 0, 65535, &v, err) < 0)
            return -1;
        cfg->backlog = (int)v;
        return 0;
    case OPT_NO_REUSEADDR:
        cfg->reuseaddr = 0;
        return 0;
    case OPT_MAX_LINE:
        if (cli_number("--max-line", arg, 1, SERVICE_MAX_LINE_LIMIT, &v, err) < 0)
            return -1;
        cfg->service.max_line = (size_t)v;
        return 0;
    case OPT_DRAIN_TIMEOUT:
        if (cli_number("--drain-timeout", arg, 0, 3600, &v, err) < 0)
            return -1;
        cfg->drain_timeout = (int)v;
        return 0;
    case 't':
        if (cli_number("--threads", arg, 0, 1024, &v, err) < 0)
            return -1;
        cfg->threads = (int)v;
        return 0;
    case OPT_MAX_CONNS:
        if (cli_number("--max-conns", arg, 0, 10000000, &v, err) < 0)
            return -1;
        cfg->max_conns = (long)v;
        return 0;
    case OPT_IDLE_TIMEOUT:
        if (cli_number("--idle-timeout", arg, 0, 86400, &v, err) < 0)
            return -1;
        cfg->idle_timeout = (int)v;
        return 0;
    case OPT_MAX_PENDING:
        if (cli_number("--max-pending", arg, 1024, 1LL << 30, &v, err) < 0)
            return -1;
        cfg->max_pending = (size_t)v;
        return 0;
    case OPT_STATS:
        if (cli_number("--stats", arg, 0, 86400, &v, err) < 0)
            return -1;
        cfg->stats_interval = (int)v;
        return 0;
    case OPT_GREETING:
        cfg->service.greeting = arg;
        if (strlen(arg) <= GREETING_MAX)
            return 0;
        snprintf(err, OPTIONS_ERR_LEN, "--greeting: longer than %d bytes", GREETING_MAX);
        return -1;
    case OPT_INETD:
        cfg->inetd = 1;
        return 0;
    case OPT_PROXY_PROTOCOL:
        cfg->service.proxy = 1;
        return 0;
    case OPT_LIST_MODELS:
        cfg->list_models = 1;
        return 0;
    case OPT_PROTO:
    case 'u':
    case OPT_RATE_LIMIT:
    case OPT_RATE_LIMIT_TOTAL:
    case OPT_NO_LOOP_GUARD:
    case OPT_NO_BROADCAST_GUARD:
    case OPT_MAX_DATAGRAM:
        return apply_udp(opt, arg, cfg, err);
    case 'U':
        cfg->user = arg;
        return 0;
    case 'g':
        cfg->group = arg;
        return 0;
    case 'q':
        cfg->verbosity = LOG_QUIET;
        return 0;
    case 'v':
        cfg->verbosity = LOG_VERBOSE;
        return 0;
    }
    snprintf(err, OPTIONS_ERR_LEN, "unknown option");
    return -1;
}

/* What UDP cannot serve. Returns 0, or -1 with the reason in err. */
static int check_udp(const struct server_config *cfg, char *err)
{
    if (!(cfg->proto & SERVER_UDP))
        return 0;
    if (!service_has_dgram(cfg->service.kind))
        snprintf(err, OPTIONS_ERR_LEN,
                 "the %s service is TCP only: a datagram is whole, it has no lines to gather "
                 "(use echo)",
                 service_name(cfg->service.kind));
    else if (cfg->service.proxy)
        snprintf(err, OPTIONS_ERR_LEN,
                 "--proxy-protocol is for TCP only (HAProxy speaks it over "
                 "a connection)");
    else if (cfg->service.kind == SERVICE_HELLO &&
             strlen(cfg->service.greeting) >= SERVICE_DGRAM_REPLY_MAX)
        snprintf(err, OPTIONS_ERR_LEN,
                 "--greeting: over UDP at most %d bytes (an answer larger than the request is "
                 "what a reflection attack wants)",
                 SERVICE_DGRAM_REPLY_MAX - 1);
    else
        return 0;
    return -1;
}

enum cli_result server_options_parse(int argc, char **argv, struct server_config *cfg, char *err)
{
    static char host[NET_HOST_LEN];
    int opt;

    defaults(cfg);
    optind = 0; /* GNU: start afresh, so that a second parse (tests, fuzzing) works */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:s:m:b:p:t:uU:g:qvhV", long_options, NULL)) != -1) {
        if (opt == 'h')
            return CLI_HELP;
        if (opt == 'V')
            return CLI_VERSION;
        if (opt == '?' || opt == ':') {
            cli_option_error(opt, argv, err, OPTIONS_ERR_LEN);
            return CLI_USAGE;
        }
        if (apply(opt, optarg, cfg, host, err) < 0)
            return CLI_USAGE;
    }
    if (argc - optind > 1) {
        snprintf(err, OPTIONS_ERR_LEN, "too many arguments (expected at most a PORT)");
        return CLI_USAGE;
    }
    if (argc - optind == 1 && port(argv[optind], &cfg->port, err) < 0)
        return CLI_USAGE;
    return check_udp(cfg, err) < 0 ? CLI_USAGE : CLI_RUN;
}
