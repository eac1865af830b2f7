/* options: echo-client's command line, parsed into a client_config with no side effects. */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "../cli.h"
#include "dgram.h"

/* Options with no short form. */
enum { OPT_SIZE = 256, OPT_REPLY_TIMEOUT, OPT_RETRIES, OPT_COUNT };

/* One option a line, as in echo-server's and echo-bench's tables. */
/* clang-format off */
static const struct option long_options[] = {
    {"service", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 't'},
    {"show-reads", no_argument, NULL, 'r'},
    {"udp", no_argument, NULL, 'u'},
    {"size", required_argument, NULL, OPT_SIZE},
    {"reply-timeout", required_argument, NULL, OPT_REPLY_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"count", required_argument, NULL, OPT_COUNT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
/* clang-format on */

void client_usage(FILE *f)
{
    fprintf(f,
            "Usage: echo-client [OPTIONS] [HOST] [PORT]\n"
            "Talk to an echo server [127.0.0.1 %d], over TCP or UDP. HOST may carry the\n"
            "port: HOST:PORT, [IPv6]:PORT.\n"
            "\n"
            "On a terminal it prompts for lines and prints each echo once all of it is back;\n"
            "q, Q, quit, exit or end of input quit. Otherwise it is a byte-exact pipe: stdin\n"
            "to the server, the echo to stdout, and a non-zero exit if the echo differs in\n"
            "length.\n"
            "\n"
            "  -s, --service NAME  echo, line (both as above); hello: print the greeting;\n"
            "                      discard: send stdin, expect nothing back; chargen: copy\n"
            "                      the server's characters to stdout; daytime, time: print\n"
            "                      the server's date [echo]\n"
            "  -t, --timeout SECS  TCP: give up when the server does not connect or answer\n"
            "                      in time; 0 waits forever [%d]\n"
            "  -r, --show-reads    on stderr, the byte count of every read() of the server's\n"
            "                      answer: one write is not one read\n"
            "  -h, --help          show this help\n"
            "  -V, --version       show the version\n"
            "\n"
            "UDP (the line service is TCP only):\n"
            "  -u, --udp           datagrams instead of a connection. On a terminal each line\n"
            "                      is one datagram, its echo printed; otherwise stdin is cut\n"
            "                      into datagrams, each sent, resent when its echo is late,\n"
            "                      and the echoes written out in order, byte-exact. The other\n"
            "                      services get an empty datagram and print the reply\n"
            "      --size BYTES    bytes of stdin a datagram carries, 1-%d [%d]\n"
            "      --reply-timeout MS\n"
            "                      wait for each answer before sending again [%d]\n"
            "      --retries N     sends after the first before giving up [%d]\n"
            "      --count N       chargen: requests to send, one reply each [%d]\n"
            "\n"
            "Exit status: 0 done, 1 connection or echo failed (a datagram never echoed,\n"
            "an echo that differs, nothing listening), 2 usage error.\n",
            7000, CLIENT_TIMEOUT_DEFAULT, DGRAM_MAX, CLIENT_SIZE_DEFAULT,
            CLIENT_REPLY_TIMEOUT_DEFAULT, CLIENT_RETRIES_DEFAULT, CLIENT_COUNT_DEFAULT);
}

/* Parses the value of a UDP option opt into cfg. Returns 0, or -1 with the reason in err. */
static int udp_option(int opt, const char *arg, struct client_config *cfg, char *err)
{
    long long v;

    switch (opt) {
    case OPT_SIZE:
        if (cli_number("--size", arg, 1, DGRAM_MAX, &v, err) < 0)
            return -1;
        cfg->size = (size_t)v;
        return 0;
    case OPT_REPLY_TIMEOUT:
        if (cli_number("--reply-timeout", arg, 1, 3600000, &v, err) < 0)
            return -1;
        cfg->reply_ms = (int)v;
        return 0;
    case OPT_RETRIES:
        if (cli_number("--retries", arg, 0, 1000, &v, err) < 0)
            return -1;
        cfg->retries = (int)v;
        return 0;
    default:
        return cli_number("--count", arg, 1, 1000000000, &cfg->count, err);
    }
}

/* Fills cfg with the defaults. */
static void defaults(struct client_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 7000;
    cfg->service = SERVICE_ECHO;
    cfg->timeout = CLIENT_TIMEOUT_DEFAULT;
    cfg->size = CLIENT_SIZE_DEFAULT;
    cfg->reply_ms = CLIENT_REPLY_TIMEOUT_DEFAULT;
    cfg->retries = CLIENT_RETRIES_DEFAULT;
    cfg->count = CLIENT_COUNT_DEFAULT;
}

/* Checks what the options say together, after the last. Returns what to do next. */
static enum cli_result finish(int argc, char **argv, struct client_config *cfg, char *err)
{
    if (cfg->udp && cfg->service == SERVICE_LINE) {
        snprintf(err, CLIENT_ERR_LEN, "the line service is TCP only");
        return CLI_USAGE;
    }
    /* Both optional: the defaults stand for what is missing. */
    return net_parse_host_port(argc - optind, argv + optind, 0, cfg->host, &cfg->port, err) < 0
               ? CLI_USAGE
               : CLI_RUN;
}

enum cli_result client_options_parse(int argc, char **argv, struct client_config *cfg, char *err)
{
    long long v;
    int opt;

    defaults(cfg);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:s:t:ruhV", long_options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return CLI_HELP;
        case 'V':
            return CLI_VERSION;
        case 's':
            if (service_parse(optarg, &cfg->service) == 0)
                break;
            snprintf(err, CLIENT_ERR_LEN,
                     "unknown service '%.40s' (echo, line, hello, discard, chargen, daytime, "
                     "time)",
                     optarg);
            return CLI_USAGE;
        case 'r':
            cfg->show_reads = 1;
            break;
        case 'u':
            cfg->udp = 1;
            break;
        case OPT_SIZE:
        case OPT_REPLY_TIMEOUT:
        case OPT_RETRIES:
        case OPT_COUNT:
            if (udp_option(opt, optarg, cfg, err) < 0)
                return CLI_USAGE;
            break;
        case 't':
            if (cli_number("--timeout", optarg, 0, 86400, &v, err) < 0)
                return CLI_USAGE;
            cfg->timeout = (int)v;
            break;
        default:
            cli_option_error(opt, argv, err, CLIENT_ERR_LEN);
            return CLI_USAGE;
        }
    }
    return finish(argc, argv, cfg, err);
}
