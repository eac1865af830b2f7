/* options: echo-bench's command line, parsed into a bench_config with no side effects. */
#ifndef TCPECHO_BENCH_OPTIONS_H
#define TCPECHO_BENCH_OPTIONS_H

#include <stdio.h>

#include "../cli.h"
#include "bench.h"

#define BENCH_ERR_LEN CLI_ERR_LEN

/* Fills cfg with the defaults, then with what argv says. Returns what to do next; for
 * CLI_USAGE, the reason is in err. */
enum cli_result bench_options_parse(int argc, char **argv, struct bench_config *cfg, char *err);

/* Prints the --help text. */
void bench_usage(FILE *f);

#endif
