/* options: echo-client's command line, parsed into a client_config with no side effects. */
#ifndef TCPECHO_CLIENT_OPTIONS_H
#define TCPECHO_CLIENT_OPTIONS_H

#include <stdio.h>

#include "../cli.h"
#include "client.h"

#define CLIENT_ERR_LEN CLI_ERR_LEN

enum client_options_result { CLIENT_RUN, CLIENT_HELP, CLIENT_VERSION, CLIENT_USAGE };

/* Fills cfg with the defaults, then with what argv says. Returns what to do next. */
enum client_options_result client_options_parse(int argc, char **argv, struct client_config *cfg,
                                                char *err);

/* Prints the --help text. */
void client_usage(FILE *f);

#endif
