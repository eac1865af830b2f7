/* echo-client: parse the command line, connect, then talk as a prompt, a pipe or a hello reader. */
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
    fd = net_connect(cfg.host, cfg.port, cfg.timeout * 1000, err);
    if (fd < 0) {
        log_error("%s", err);
        return 1;
    }
    set_timeouts(fd, cfg.timeout);
    if (cfg.service == SERVICE_HELLO)
        status = client_hello(fd, &cfg);
    else if (isatty(STDIN_FILENO))
        status = client_interactive(fd, &cfg);
    else
        status = client_pipe(fd, &cfg);
    close(fd);
    return status;
}
