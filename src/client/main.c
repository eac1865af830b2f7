/* echo-client: parse the command line, connect, then talk as the service and the input want. */
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../log.h"
#include "client.h"
#include "options.h"

/* Bounds every blocking read and write on fd by the timeout, so a silent server cannot hang
 * the client forever. */
static void set_timeouts(int fd, int seconds)
{
    struct timeval tv = {.tv_sec = seconds};

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Talks over the TCP connection fd: the way depends on the service and on stdin. Returns the
 * exit status. */
static int talk_tcp(int fd, const struct client_config *cfg)
{
    switch (cfg->service) {
    case SERVICE_HELLO:
        return client_hello(fd, cfg);
    case SERVICE_CHARGEN:
        return client_stream(fd, cfg);
    case SERVICE_DAYTIME:
    case SERVICE_TIME:
        return client_stamp(fd, cfg);
    case SERVICE_DISCARD: /* stdin to the server, nothing back: the pipe, a terminal or not */
        return client_pipe(fd, cfg);
    default:
        return isatty(STDIN_FILENO) ? client_interactive(fd, cfg) : client_pipe(fd, cfg);
    }
}

int main(int argc, char **argv)
{
    struct client_config cfg;
    static const struct cli_program prog = {"echo-client", "[OPTIONS] [HOST] [PORT]", client_usage};
    char err[CLIENT_ERR_LEN];
    int fd, status;

    log_init(prog.name, LOG_NORMAL);
    status = cli_finish(client_options_parse(argc, argv, &cfg, err), &prog, err);
    if (status >= 0)
        return status;
    /* A server that vanishes must give EPIPE, not kill us (seed 000's closing section). */
    (void)signal(SIGPIPE, SIG_IGN);
    if (cfg.udp)
        fd = client_udp_open(cfg.host, cfg.port, err);
    else
        fd = net_connect(cfg.host, cfg.port, cfg.timeout * 1000, err);
    if (fd < 0) {
        log_error("%s", err);
        return 1;
    }
    if (cfg.udp) {
        status = client_udp(fd, &cfg);
    } else {
        set_timeouts(fd, cfg.timeout);
        status = talk_tcp(fd, &cfg);
    }
    close(fd);
    return status;
}
