/* echo-server: parse the command line, bind, hand the listener to the chosen model. */
#include <errno.h>
#include <netinet/in.h>
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
#include "udp.h"

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

/* Takes the sockets systemd passed, whatever --proto says. Returns 1 when it did, 0 when none
 * were passed, -1 after logging why they cannot be served. */
static int activated(struct server *srv)
{
    char err[NET_ERR_LEN];
    int on = 1, r = activate_sockets(&srv->listen_fd, &srv->udp_fd, err, sizeof(err));

    if (r < 0)
        log_error("%s", err);
    /* For the answers' source address, as a socket of our own would ask (net_bind_udp()). */
    if (r > 0 && srv->udp_fd >= 0) {
        setsockopt(srv->udp_fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
        setsockopt(srv->udp_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
        net_set_nonblock(srv->udp_fd, 1);
    }
    return r;
}

/* Binds what --proto asks for: TCP first, so that UDP can take the port it got. Returns 0,
 * or -1 after logging why not. */
static int bind_sockets(struct server *srv)
{
    const struct server_config *cfg = srv->cfg;
    char err[NET_ERR_LEN];

    if (cfg->proto & SERVER_TCP) {
        srv->listen_fd =
            net_listen(cfg->host, cfg->port, cfg->backlog, cfg->reuseaddr ? NET_REUSEADDR : 0, err);
        if (srv->listen_fd < 0) {
            log_error("%s", err);
            return -1;
        }
    }
    if ((cfg->proto & SERVER_UDP) && udp_bind(srv, err) < 0) {
        log_error("%s", err);
        return -1;
    }
    return 0;
}

/* The event loops a model with a UDP socket per loop runs: -t, or one per CPU. */
static int event_loops(const struct server_config *cfg)
{
    long n = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (int)n : 1;
}

/* "udp, " or "tcp and udp, ": what is served, for the listening line (TCP alone says
 * nothing, as before UDP was). */
static const char *protocols(const struct server *srv)
{
    if (srv->udp_fd < 0)
        return "";
    return srv->listen_fd >= 0 ? "tcp and udp, " : "udp, ";
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

/* The readiness line: once it is out, the sockets are bound and clients may come. */
static void log_listening(const struct server *srv, const struct model *model, int from_systemd)
{
    const struct server_config *cfg = srv->cfg;
    char addr[NET_ADDR_LEN];

    log_notice("listening on %s (%sservice %s, model %s%s%s)",
               net_fd_addr(srv->listen_fd >= 0 ? srv->listen_fd : srv->udp_fd, 0, addr),
               protocols(srv), service_name(cfg->service.kind), model->name,
               cfg->service.proxy ? ", PROXY protocol" : "", from_systemd ? ", from systemd" : "");
    log_debug("max connections %ld, max pending %zu bytes, idle timeout %d s", srv->max_conns,
              cfg->max_pending, cfg->idle_timeout);
}

/* Closes the sockets and, after a stop, says what was served. */
static void finish(struct server *srv)
{
    char udp[SERVER_UDP_SUMMARY_LEN];

    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->udp_fd >= 0)
        close(srv->udp_fd);
    udp_close_spare(srv);
    if (sig_stop_requested())
        log_info("stopped by %s: %llu clients, %llu bytes in, %llu bytes out%s",
                 sig_stop_signal() == SIGINT ? "SIGINT" : "SIGTERM",
                 atomic_load(&srv->stats->clients), atomic_load(&srv->stats->bytes_in),
                 atomic_load(&srv->stats->bytes_out), server_udp_summary(srv, udp, sizeof(udp)));
}

int main(int argc, char **argv)
{
    struct server_config cfg;
    struct server srv = {.cfg = &cfg, .listen_fd = -1, .udp_fd = -1};
    const struct model *model;
    char err[NET_ERR_LEN];
    long budget;
    int r, from_systemd;

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
    from_systemd = activated(&srv);
    if (from_systemd < 0 || (from_systemd == 0 && bind_sockets(&srv) < 0))
        return 1;
    if (model->udp_per_loop && model->udp_per_loop() &&
        udp_bind_loops(&srv, event_loops(&cfg), err) < 0) {
        log_error("%s", err);
        return 1;
    }
    if ((cfg.user || cfg.group) && privdrop(cfg.user, cfg.group, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return 1;
    }
    if (srv.listen_fd >= 0)
        net_set_nonblock(srv.listen_fd, 1);
    log_listening(&srv, model, from_systemd);
    if (stats_start(&srv) < 0)
        log_error("stats: %s", strerror(errno));
    r = model->run(&srv);
    stats_stop();
    finish(&srv);
    return r == 0 ? 0 : 1;
}
