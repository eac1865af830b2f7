/*
 * fuzz_cli: libFuzzer target for the three programs' command-line parsers,
 * server_options_parse(), client_options_parse() and bench_options_parse(). The input, cut at
 * its NUL bytes, is the argument list after the program name; each parser gets it twice.
 * Beyond ASan, it aborts when a parser returns something undocumented, refuses without a
 * message, accepts a value outside what --help states, points into memory that is not its
 * argv or its own, or answers the second time differently (getopt's state left behind).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/bench/options.h"
#include "../../src/client/options.h"
#include "../../src/server/model.h"
#include "../../src/server/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Arguments, the program name included: more add nothing but time. */
#define MAX_ARGS 32

#define check(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_cli: %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The argument list; each string a heap copy of its exact length, so ASan sees a read past
 * its NUL. */
struct args {
    int argc;
    char *argv[MAX_ARGS + 1];
};

/* Is p a NULL string or one within an argument (what getopt gives as optarg)? */
static int in_args(const struct args *a, const char *p)
{
    for (int i = 0; i < a->argc; i++)
        if (p >= a->argv[i] && p <= a->argv[i] + strlen(a->argv[i]))
            return 1;
    return 0;
}

/* A refusal explains itself in a NUL-terminated, non-empty message, which blames what the
 * user wrote: never the program name, unless an argument holds it too. */
static void check_err(const struct args *a, const char *err)
{
    int named = 0;

    check(memchr(err, '\0', CLI_ERR_LEN) != NULL);
    check(err[0] != '\0');
    for (int i = 1; i < a->argc; i++)
        named |= strstr(a->argv[i], a->argv[0]) != NULL;
    check(named || !strstr(err, a->argv[0]));
}

static int is_flag(int v)
{
    return v == 0 || v == 1;
}

static int is_service(enum service_kind k)
{
    return k >= SERVICE_ECHO && k <= SERVICE_TIME;
}

/* A host as net_split_hostport() leaves it: not empty, and its NUL within the buffer. */
static int is_host(const char *host)
{
    size_t n = strnlen(host, NET_HOST_LEN);

    return n > 0 && n < NET_HOST_LEN;
}

/* The server's ranges, as its --help and options.c state them. */
static void check_server(const struct args *a, const struct server_config *c)
{
    check(c->model && model_find(c->model));
    check(strcmp(c->model, SERVER_MODEL_DEFAULT) == 0 || in_args(a, c->model));
    check(c->host && is_host(c->host));
    check(c->backlog >= 0 && c->backlog <= 65535);
    check(is_flag(c->reuseaddr) && is_flag(c->inetd) && is_flag(c->service.proxy));
    check(is_flag(c->list_models));
    check(c->drain_timeout >= 0 && c->drain_timeout <= 3600);
    check(c->idle_timeout >= 0 && c->idle_timeout <= 86400);
    check(c->stats_interval >= 0 && c->stats_interval <= 86400);
    check(c->threads >= 0 && c->threads <= 1024);
    check(c->max_conns >= 0 && c->max_conns <= 10000000);
    check(c->max_pending >= 1024 && c->max_pending <= (size_t)1 << 30);
    check(c->verbosity == LOG_QUIET || c->verbosity == LOG_NORMAL || c->verbosity == LOG_VERBOSE);
    check(!c->user || in_args(a, c->user));
    check(!c->group || in_args(a, c->group));
    check(is_service(c->service.kind));
    check(c->service.max_line >= 1 && c->service.max_line <= SERVICE_MAX_LINE_LIMIT);
    check(c->service.greeting && strlen(c->service.greeting) <= 4096);
    check(strcmp(c->service.greeting, SERVICE_GREETING_DEFAULT) == 0 ||
          in_args(a, c->service.greeting));
    /* What the parser lets through for UDP, it can serve. */
    check(c->proto >= SERVER_TCP && c->proto <= (SERVER_TCP | SERVER_UDP));
    check(!(c->proto & SERVER_UDP) || (service_has_dgram(c->service.kind) && !c->service.proxy &&
                                       (c->service.kind != SERVICE_HELLO ||
                                        strlen(c->service.greeting) < SERVICE_DGRAM_REPLY_MAX)));
    check(c->max_datagram >= 1 && c->max_datagram <= SERVER_MAX_DATAGRAM_DEFAULT);
    check(is_flag(c->guard.ports) && is_flag(c->guard.broadcast));
}

static void check_client(const struct client_config *c)
{
    check(is_host(c->host));
    check(is_service(c->service));
    check(c->timeout >= 0 && c->timeout <= 86400);
    check(is_flag(c->show_reads));
}

static void check_bench(const struct args *a, const struct bench_config *c)
{
    check(is_host(c->host));
    check(c->conns >= 1 && c->conns <= BENCH_MAX_CONNS);
    check(c->size >= 1 && c->size <= BENCH_MAX_SIZE);
    check(c->depth >= 1 && c->depth <= 4096);
    check(c->duration >= 0.1 && c->duration <= 86400);
    check(c->warmup >= 0 && c->warmup <= 3600);
    check(c->rate >= 0 && c->rate <= 1e9);
    check(c->connect_rate >= 0 && c->connect_rate <= 1e7);
    /* Never more load threads than connections. */
    check(c->threads >= 1 && c->threads <= 256 && c->threads <= c->conns);
    check(is_flag(c->bulk) && is_flag(c->verify) && is_flag(c->json) && is_flag(c->quiet));
    check(!(c->bulk && c->rate > 0));
    check(c->timeout >= 1 && c->timeout <= 3600);
    check(c->server_pid == 0 || (c->server_pid >= 1 && c->server_pid <= 1 << 30));
    check(!c->hist_file || in_args(a, c->hist_file));
    check(c->addr_len == 0);
}

/* A fresh error buffer of exactly CLI_ERR_LEN bytes, poisoned: a refusal must write it. */
static char *err_buffer(void)
{
    char *err = malloc(CLI_ERR_LEN);

    check(err != NULL);
    memset(err, 0xa5, CLI_ERR_LEN);
    return err;
}

/* Configurations start poisoned too: the parsers must set every field themselves. */
#define PARSE(fn, a, cfg, err)                                                                     \
    (memset(&(cfg), 0xa5, sizeof(cfg)), (err) = err_buffer(),                                      \
     fn((a)->argc, (a)->argv, &(cfg), (err)))

/* Both parses of one program agree: same answer, same configuration, same message. */
#define CHECK_AGAIN(a, r1, r2, c1, c2, e1, e2, usage, run)                                         \
    do {                                                                                           \
        check((r1) == (r2));                                                                       \
        if ((r1) == (run))                                                                         \
            check(memcmp(&(c1), &(c2), sizeof(c1)) == 0);                                          \
        if ((r1) == (usage)) {                                                                     \
            check_err((a), (e1));                                                                  \
            check(strcmp((e1), (e2)) == 0);                                                        \
        }                                                                                          \
        free(e1);                                                                                  \
        free(e2);                                                                                  \
    } while (0)

static void fuzz_server(struct args *a)
{
    static char name[] = "echo-server";
    static struct server_config c1, c2;
    enum cli_result r1, r2;
    char *e1, *e2;

    a->argv[0] = name;
    r1 = PARSE(server_options_parse, a, c1, e1);
    check(r1 == CLI_RUN || r1 == CLI_HELP || r1 == CLI_VERSION || r1 == CLI_USAGE);
    if (r1 == CLI_RUN)
        check_server(a, &c1);
    r2 = PARSE(server_options_parse, a, c2, e2);
    CHECK_AGAIN(a, r1, r2, c1, c2, e1, e2, CLI_USAGE, CLI_RUN);
}

static void fuzz_client(struct args *a)
{
    static char name[] = "echo-client";
    static struct client_config c1, c2;
    enum cli_result r1, r2;
    char *e1, *e2;

    a->argv[0] = name;
    r1 = PARSE(client_options_parse, a, c1, e1);
    check(r1 == CLI_RUN || r1 == CLI_HELP || r1 == CLI_VERSION || r1 == CLI_USAGE);
    if (r1 == CLI_RUN)
        check_client(&c1);
    r2 = PARSE(client_options_parse, a, c2, e2);
    CHECK_AGAIN(a, r1, r2, c1, c2, e1, e2, CLI_USAGE, CLI_RUN);
}

static void fuzz_bench(struct args *a)
{
    static char name[] = "echo-bench";
    static struct bench_config c1, c2;
    enum cli_result r1, r2;
    char *e1, *e2;

    a->argv[0] = name;
    r1 = PARSE(bench_options_parse, a, c1, e1);
    check(r1 == CLI_RUN || r1 == CLI_HELP || r1 == CLI_VERSION || r1 == CLI_USAGE);
    if (r1 == CLI_RUN)
        check_bench(a, &c1);
    r2 = PARSE(bench_options_parse, a, c2, e2);
    CHECK_AGAIN(a, r1, r2, c1, c2, e1, e2, CLI_USAGE, CLI_RUN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct args a;
    size_t off = 0;

    /* argv[0] is each program's name, set in turn; then the pieces between NUL bytes (a
     * final NUL ends the last one rather than starting an empty one). */
    a.argc = 1;
    while (off < size && a.argc < MAX_ARGS) {
        const uint8_t *nul = memchr(data + off, '\0', size - off);
        size_t n = nul ? (size_t)(nul - (data + off)) : size - off;

        a.argv[a.argc] = malloc(n + 1);
        check(a.argv[a.argc] != NULL);
        memcpy(a.argv[a.argc], data + off, n);
        a.argv[a.argc][n] = '\0';
        a.argc++;
        off += n + 1;
    }
    a.argv[a.argc] = NULL;

    fuzz_server(&a);
    fuzz_client(&a);
    fuzz_bench(&a);
    for (int i = 1; i < a.argc; i++)
        free(a.argv[i]);
    return 0;
}
