/* options: echo-client's command line, parsed into a client_config with no side effects. */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "../cli.h"

/* One option a line, as in echo-server's and echo-bench's tables. */
/* clang-format off */
static const struct option long_options[] = {
    {"service", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 't'},
    {"show-reads", no_argument, NULL, 'r'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
/* clang-format on */

void client_usage(FILE *f)
{
    fprintf(f,
            "Usage: echo-client [OPTIONS] [HOST] [PORT]\n"
            "Talk to an echo server [127.0.0.1 %d]. HOST may carry the port: HOST:PORT,\n"
            "[IPv6]:PORT.\n"
            "\n"
            "On a terminal it prompts for lines and prints each echo once all of it is back;\n"
            "q, Q, quit, exit or end of input quit. Otherwise it is a byte-exact pipe: stdin\n"
            "to the server, the echo to stdout, and a non-zero exit if the echo differs in\n"
            "length.\n"
            "\n"
            "  -s, --service NAME  echo, line (both as above), or hello: print the greeting\n"
            "                      [echo]\n"
            "  -t, --timeout SECS  give up when the server does not connect or answer in\n"
            "                      time; 0 waits forever [%d]\n"
            "  -r, --show-reads    on stderr, the byte count of every read() of the server's\n"
            "                      answer: one write is not one read\n"
            "  -h, --help          show this help\n"
            "  -V, --version       show the version\n"
            "\n"
            "Exit status: 0 done, 1 connection or echo failed, 2 usage error.\n",
            7000, CLIENT_TIMEOUT_DEFAULT);
}

enum cli_result client_options_parse(int argc, char **argv, struct client_config *cfg, char *err)
{
    long long v;
    int opt;

    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 7000;
    cfg->service = SERVICE_ECHO;
    cfg->timeout = CLIENT_TIMEOUT_DEFAULT;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:s:t:rhV", long_options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return CLI_HELP;
        case 'V':
            return CLI_VERSION;
        case 's':
            if (service_parse(optarg, &cfg->service) == 0)
                break;
            snprintf(err, CLIENT_ERR_LEN, "unknown service '%.40s' (echo, line, hello)", optarg);
            return CLI_USAGE;
        case 'r':
            cfg->show_reads = 1;
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
    /* Both optional: the defaults above stand for what is missing. */
    return net_parse_host_port(argc - optind, argv + optind, 0, cfg->host, &cfg->port, err) < 0
               ? CLI_USAGE
               : CLI_RUN;
}
