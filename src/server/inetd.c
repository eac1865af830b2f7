/*
 * inetd: the super-server accepted the connection and started us with it as descriptors 0, 1
 * and 2. Serve it like any client of a blocking model, then exit. Standard error is the
 * client's socket too, so logs go to syslog then: a log line must never reach the client.
 */
#include "inetd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sig.h"
#include "privdrop.h"
#include "blocking.h"

static int is_socket(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Points fd at /dev/null, so that nothing written there by mistake reaches the client. */
static void to_null(int fd)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null >= 0 && null != fd) {
        dup2(null, fd);
        close(null);
    }
}

int inetd_run(struct server *srv)
{
    static char buf[SERVER_BUF_SIZE];
    const struct server_config *cfg = srv->cfg;
    char err[256];
    int type = 0;
    socklen_t n = sizeof(type);

    if (is_socket(STDERR_FILENO)) {
        log_to_syslog();
        to_null(STDERR_FILENO);
    }
    if (!is_socket(STDIN_FILENO) || getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &n) < 0 ||
        type != SOCK_STREAM) {
        log_error("--inetd: standard input is not a TCP connection (run it from inetd, xinetd "
                  "or a systemd socket with Accept=yes)");
        return 1;
    }
    if (is_socket(STDOUT_FILENO))
        to_null(STDOUT_FILENO); /* the reply goes out through descriptor 0, like the reads */
    if (sig_init() < 0 || server_stats_init(srv) < 0) {
        log_error("start: %s", strerror(errno));
        return 1;
    }
    if ((cfg->user || cfg->group) && privdrop(cfg->user, cfg->group, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return 1;
    }
    srv->max_conns = 1;
    if (!server_admit(srv))
        return 1;
    blocking_serve(srv, STDIN_FILENO, buf, sizeof(buf));
    return 0;
}
