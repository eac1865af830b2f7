/*
 * inetd: the super-server accepted the connection and started us with it as descriptors 0, 1
 * and 2. Serve it like any client of a blocking model, then exit. Standard error is the
 * client's socket too, so logs go to syslog then: a log line must never reach the client.
 * For UDP (xinetd's socket_type = dgram, wait = yes) descriptor 0 is the service's socket
 * itself: serve its datagrams until none came for a while, then exit and let the super-server
 * watch it again.
 */
#include "inetd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "udp.h"
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

/* UDP: serves datagrams on descriptor 0 until it has been idle for the idle timeout. */
static int serve_datagrams(struct server *srv)
{
    struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                          {.fd = sig_stop_fd(), .events = POLLIN}};
    int idle = srv->cfg->idle_timeout > 0 ? srv->cfg->idle_timeout : INETD_DGRAM_IDLE;
    long long last = clock_now_ms();
    struct udp_port *u = malloc(sizeof(*u));

    srv->udp_fd = STDIN_FILENO;
    if (!u || udp_port_init(u, srv, STDIN_FILENO, 1) < 0) {
        log_error("udp: out of memory");
        free(u);
        return 1;
    }
    while (!sig_stop_requested() && clock_now_ms() - last < idle * 1000LL) {
        if (poll(p, 2, SERVER_MAX_WAIT_MS) > 0 && (p[0].revents & POLLIN)) {
            while (udp_serve(u) > 0)
                ;
            last = clock_now_ms();
        }
    }
    log_info("--inetd: no datagram for %d s: exiting", idle);
    udp_port_fini(u);
    free(u);
    return 0;
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
        (type != SOCK_STREAM && type != SOCK_DGRAM)) {
        log_error("--inetd: standard input is not a TCP connection nor a UDP socket (run it "
                  "from inetd, xinetd or a systemd socket with Accept=yes)");
        return 1;
    }
    if (type == SOCK_DGRAM && !service_has_dgram(cfg->service.kind)) {
        log_error("--inetd: the %s service is TCP only, and standard input is a UDP socket",
                  service_name(cfg->service.kind));
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
    if (type == SOCK_DGRAM)
        return serve_datagrams(srv);
    srv->max_conns = 1;
    if (!server_admit(srv))
        return 1;
    blocking_serve(srv, STDIN_FILENO, buf, sizeof(buf));
    return 0;
}
