/* cli: what the programs' command-line parsers and their main()s share. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>

#include "log.h"
#include "num.h"

int cli_finish(enum cli_result r, const struct cli_program *prog, const char *err)
{
    switch (r) {
    case CLI_HELP:
        prog->usage(stdout);
        return 0;
    case CLI_VERSION:
        printf("%s (tcpecho) %s\n", prog->name, TCPECHO_VERSION);
        return 0;
    case CLI_USAGE:
        log_error("%s", err);
        fprintf(stderr, "Usage: %s %s  (--help for details)\n", prog->name, prog->synopsis);
        return 2;
    case CLI_RUN:
        break;
    }
    return -1;
}

void cli_option_error(int opt, char **argv, char *err, size_t len)
{
    /* getopt has moved optind past the option it failed on, or, for an unknown letter inside
     * a group ("-xq"), not yet: name a letter by optopt, a long option by argv. */
    if (opt == ':' && optopt > 0 && optopt < 128 && argv[optind - 1][1] != '-')
        snprintf(err, len, "option '-%c' needs a value", optopt);
    else if (opt == ':')
        snprintf(err, len, "option '%.60s' needs a value", argv[optind - 1]);
    else if (optopt > 0 && optopt < 128)
        snprintf(err, len, "unknown option '-%c'", optopt);
    else if (optopt < 0) /* a byte above 0x7f: getopt's char is signed (found by fuzz_cli) */
        snprintf(err, len, "unknown option '-\\x%02x'", (unsigned)(unsigned char)optopt);
    else
        snprintf(err, len, "unknown option '%.60s'", argv[optind - 1]);
}

int cli_number(const char *name, const char *s, long long min, long long max, long long *v,
               char *err)
{
    char why[128];

    if (num_parse(s, min, max, v, why) == 0)
        return 0;
    snprintf(err, CLI_ERR_LEN, "%s: %s", name, why);
    return -1;
}
