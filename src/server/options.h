/* options: echo-server's command line, parsed into a server_config with no side effects. */
#ifndef TCPECHO_SERVER_OPTIONS_H
#define TCPECHO_SERVER_OPTIONS_H

#include <stdio.h>

#include "../cli.h"
#include "server.h"

#define OPTIONS_ERR_LEN CLI_ERR_LEN

/* Fills cfg with the defaults, then with what argv says. Returns what to do next; for
 * CLI_USAGE, the reason is in err. CLI_RUN with cfg->list_models set: list them, not serve. */
enum cli_result server_options_parse(int argc, char **argv, struct server_config *cfg, char *err);

/* Prints the --help text. */
void server_usage(FILE *f);

#endif
