/* cli: what the programs' command-line parsers share. */
#ifndef TCPECHO_CLI_H
#define TCPECHO_CLI_H

#include <stddef.h>

/* Room for a command-line error message. */
#define CLI_ERR_LEN 512

/* Parses the integer value s of option name in [min, max] into *v. Returns 0, or -1 with
 * "--name: reason" in err (CLI_ERR_LEN bytes). */
int cli_number(const char *name, const char *s, long long min, long long max, long long *v,
               char *err);

/*
 * Explains a getopt_long() failure in err (len bytes): opt is what it returned, ':' for a
 * missing value (the option string must start with "+:"), '?' for an unknown option. Names
 * the option as the user wrote it: "option '--backlog' needs a value", "unknown option '-x'".
 */
void cli_option_error(int opt, char **argv, char *err, size_t len);

#endif
