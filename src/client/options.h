/* options: echo-client's command line, parsed into a client_config with no side effects. */
#ifndef TCPECHO_CLIENT_OPTIONS_H
#define TCPECHO_CLIENT_OPTIONS_H

#include <stdio.h>

#include "../cli.h"
#include "client.h"

#define CLIENT_ERR_LEN CLI_ERR_LEN

/* Fills cfg with the defaults, then with what argv says. Returns what to do next; for
 * CLI_USAGE, the reason is in err. */
enum cli_result client_options_parse(int argc, char **argv, struct client_config *cfg, char *err);

/* Prints the --help text. */
void client_usage(FILE *f);

#endif
