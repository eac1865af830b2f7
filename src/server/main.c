/* echo-server: parse the command line, bind, hand the listener to the chosen model. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "../net.h"
#include "../sig.h"
#include "activate.h"
#include "inetd.h"
#include "model.h"
#include "options.h"
#include "privdrop.h"
#include "stats.h"

/* Raises the descriptor limit as far as it goes and returns how many connections it leaves
 * room for. */
static long descriptor_budget(void)
{
    long long limit = net_raise_fd_limit();

    if (limit < 0)
        return 1024 - SERVER_FD_RESERVE;
    if (limit > 10000000)
        limit = 10000000;
    return limit > 2 * SERVER_FD_RESERVE ? (long)limit - SERVER_FD_RESERVE : (long)limit / 2;
}

/* Takes the listener systemd passed, or binds one. Returns it, or -1 after logging why not. */
static int listener(const struct server_config *cfg, int *activated)
{
    char err[NET_ERR_LEN];
    int fd = activate_listener(err, sizeof(err));

    *activated = fd >= 0;
    if (fd == -1)
        fd =
            net_listen(cfg->host, cfg->port, cfg->backlog, cfg->reuseaddr ? NET_REUSEADDR : 0, err);
    if (fd < 0)
        log_error("%s", err);
    return fd < 0 ? -1 : fd;
}

/* Handles what the command line asked for other than serving. Returns an exit status, or -1
 * to go on serving. */
static int parse(int argc, char **argv, struct server_config *cfg)
{
    static const struct cli_program prog = {"echo-server", "[OPTIONS] [PORT]", server_usage};
    char err[OPTIONS_ERR_LEN];

    return cli_finish(server_options_parse(argc, argv, cfg, err), &prog, err);
}

/* Can m run here? Returns 0, or -1 after logging "NAME: why not". */
static int check_model(const struct model *m)
{
    char why[MODEL_WHY_LEN];

    if (model_check(m, why, sizeof(why)) == 0)
        return 0;
    log_error("%s: %s", m->name, why);
    return -1;
}

/* --list-models: on stdout each model that can run here, in --help's order, for scripts to
 * read; on stderr why each other one cannot. Returns the exit status, 0. */
static int list_models(void)
{
    for (const struct model *const *m = model_all(); *m; m++)
        if (check_model(*m) == 0)
            printf("%s\n", (*m)->name);
    return 0;
}

int main(int argc, char **argv)
{
    struct server_config cfg;
    struct server srv = {.cfg = &cfg, .listen_fd = -1};
    const struct model *model;
    char err[NET_ERR_LEN], addr[NET_ADDR_LEN];
    long budget;
    int r, activated;

    log_init("echo-server", LOG_NORMAL);
    r = parse(argc, argv, &cfg);
    if (r >= 0)
        return r;
    log_init("echo-server", cfg.verbosity);
    if (cfg.list_models)
        return list_models();
    if (cfg.inetd)
        return inetd_run(&srv);
    model = model_find(cfg.model); /* the parser let only a known name through */
    if (!model || check_model(model) < 0)
        return 1;
    budget = descriptor_budget();
    srv.max_conns = cfg.max_conns > 0 && cfg.max_conns < budget ? cfg.max_conns : budget;
    if (cfg.max_conns > budget)
        log_info("--max-conns %ld lowered to %ld: the descriptor limit allows no more",
                 cfg.max_conns, budget);
    if (sig_init() < 0 || server_stats_init(&srv) < 0) {
        log_error("start: %s", strerror(errno));
        return 1;
    }
    srv.listen_fd = listener(&cfg, &activated);
    if (srv.listen_fd < 0)
        return 1;
    if ((cfg.user || cfg.group) && privdrop(cfg.user, cfg.group, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return 1;
    }
    net_set_nonblock(srv.listen_fd, 1);
    log_notice("listening on %s (service %s, model %s%s%s)", net_fd_addr(srv.listen_fd, 0, addr),
               service_name(cfg.service.kind), model->name,
               cfg.service.proxy ? ", PROXY protocol" : "", activated ? ", from systemd" : "");
    log_debug("max connections %ld, max pending %zu bytes, idle timeout %d s", srv.max_conns,
              cfg.max_pending, cfg.idle_timeout);
    if (stats_start(&srv) < 0)
        log_error("stats: %s", strerror(errno));
    r = model->run(&srv);
    stats_stop();
    close(srv.listen_fd);
    if (sig_stop_requested())
        log_info("stopped by %s: %llu clients, %llu bytes in, %llu bytes out",
                 sig_stop_signal() == SIGINT ? "SIGINT" : "SIGTERM",
                 atomic_load(&srv.stats->clients), atomic_load(&srv.stats->bytes_in),
                 atomic_load(&srv.stats->bytes_out));
    return r == 0 ? 0 : 1;
}
