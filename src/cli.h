/* cli: what the programs' command-line parsers and their main()s share. */
#ifndef TCPECHO_CLI_H
#define TCPECHO_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Room for a command-line error message. */
#define CLI_ERR_LEN 512

/* What a program's command line asks for: every parser returns one. */
enum cli_result {
    CLI_RUN,     /* the configuration is filled: go on */
    CLI_HELP,    /* --help: print the help and exit 0 */
    CLI_VERSION, /* --version: print the version and exit 0 */
    CLI_USAGE    /* a usage error, explained in err: exit 2 */
};

/* A program as its command line presents it. */
struct cli_program {
    const char *name;       /* "echo-server": starts the version line and the usage line */
    const char *synopsis;   /* "[OPTIONS] [PORT]": what follows the name in "Usage: " */
    void (*usage)(FILE *f); /* prints the --help text */
};

/*
 * Does what r asks other than running: prints the --help text or "NAME (tcpecho) VERSION" on
 * stdout and returns 0, or logs err and a "Usage: NAME SYNOPSIS" line on stderr and returns 2.
 * Returns -1 for CLI_RUN: the program goes on.
 */
int cli_finish(enum cli_result r, const struct cli_program *prog, const char *err);

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
