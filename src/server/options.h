/* options: echo-server's command line, parsed into a server_config with no side effects. */
#ifndef TCPECHO_SERVER_OPTIONS_H
#define TCPECHO_SERVER_OPTIONS_H

#include <stdio.h>

#include "../cli.h"
#include "server.h"

#define OPTIONS_ERR_LEN CLI_ERR_LEN

enum options_result {
    OPTIONS_RUN,     /* cfg is filled: serve */
    OPTIONS_HELP,    /* --help: print server_usage() and exit 0 */
    OPTIONS_VERSION, /* --version */
    OPTIONS_USAGE    /* a usage error, explained in err: exit 2 */
};

/* Fills cfg with the defaults, then with what argv says. Returns what to do next. */
enum options_result server_options_parse(int argc, char **argv, struct server_config *cfg,
                                         char *err);

/* Prints the --help text. */
void server_usage(FILE *f);

#endif
