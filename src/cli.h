/* cli: what the programs' command-line parsers share. */
#ifndef TCPECHO_CLI_H
#define TCPECHO_CLI_H

#include <stddef.h>

/*
 * Explains a getopt_long() failure in err (len bytes): opt is what it returned, ':' for a
 * missing value (the option string must start with "+:"), '?' for an unknown option. Names
 * the option as the user wrote it: "option '--backlog' needs a value", "unknown option '-x'".
 */
void cli_option_error(int opt, char **argv, char *err, size_t len);

#endif
