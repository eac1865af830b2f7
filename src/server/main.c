/* echo-server: parse the command line, bind, hand the listener to the chosen model. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../log.h"
#include "../net.h"
#include "../sig.h"
#include "model.h"
#include "options.h"

int main(int argc, char **argv)
{
    struct server_config cfg;
    struct server srv = {.cfg = &cfg, .listen_fd = -1};
    const struct model *model;
    char err[OPTIONS_ERR_LEN], addr[NET_ADDR_LEN];
    int r;

    log_init("echo-server", LOG_NORMAL);
    switch (server_options_parse(argc, argv, &cfg, err)) {
    case OPTIONS_HELP:
        server_usage(stdout);
        return 0;
    case OPTIONS_VERSION:
        printf("echo-server (tcpecho) %s\n", TCPECHO_VERSION);
        return 0;
    case OPTIONS_USAGE:
        log_error("%s", err);
        fprintf(stderr, "Usage: echo-server [OPTIONS] [PORT]  (--help for details)\n");
        return 2;
    case OPTIONS_RUN:
        break;
    }
    log_init("echo-server", cfg.verbosity);
    model = model_find(cfg.model);
    if (sig_init() < 0) {
        log_error("signals: %m");
        return 1;
    }
    srv.listen_fd = net_listen(cfg.host, cfg.port, cfg.backlog, err);
    if (srv.listen_fd < 0) {
        log_error("%s", err);
        return 1;
    }
    net_set_nonblock(srv.listen_fd, 1);
    log_notice("listening on %s (service %s, model %s)", net_fd_addr(srv.listen_fd, 0, addr),
               service_name(cfg.service.kind), model->name);
    r = model->run(&srv);
    close(srv.listen_fd);
    if (sig_stop_requested())
        log_info("stopped by %s: %llu clients, %llu bytes in, %llu bytes out",
                 sig_stop_signal() == SIGINT ? "SIGINT" : "SIGTERM", srv.stats.clients,
                 srv.stats.bytes_in, srv.stats.bytes_out);
    return r == 0 ? 0 : 1;
}
