/* acceptor: the accept loop of the blocking models (iterative, fork, thread). */
#include "acceptor.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"
#include "udp.h"

/* Waits for the listener (unless paused), the stop pipe or the extra fd. Returns 1 when the
 * listener is readable, 0 otherwise; runs on_extra when the extra fd is. */
static int wait_accept(struct server *srv, const struct acceptor *a, struct server_pause *pause)
{
    long long now = clock_now_ms();
    int paused = server_pause_active(pause, now);
    struct pollfd p[3] = {
        {.fd = paused ? -1 : srv->listen_fd, .events = POLLIN},
        {.fd = sig_stop_fd(), .events = POLLIN},
        {.fd = a->on_extra ? a->extra_fd : -1, .events = POLLIN},
    };
    int r = poll(p, 3, paused ? (int)(pause->until_ms - now) : SERVER_MAX_WAIT_MS);

    if (r > 0 && a->on_extra && p[2].revents)
        a->on_extra(a->arg);
    return r > 0 && p[0].revents;
}

/* UDP alone: the textbook loop, in this thread. */
static int serve_udp_only(struct server *srv)
{
    struct udp_port u;

    if (udp_port_init(&u, srv, srv->udp_fd, 1) < 0) {
        log_error("udp: out of memory");
        return -1;
    }
    udp_serve_blocking(&u);
    udp_port_fini(&u);
    return 0;
}

int acceptor_run(struct server *srv, const struct acceptor *a)
{
    struct server_pause pause = {0};
    struct udp_thread udp;
    int fd;

    if (srv->listen_fd < 0)
        return serve_udp_only(srv);
    if (udp_thread_start(&udp, srv) < 0)
        return -1;
    while (!sig_stop_requested()) {
        if (!wait_accept(srv, a, &pause))
            continue;
        fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            server_pause_on_error(&pause, errno, clock_now_ms());
            continue;
        }
        server_pause_clear(&pause);
        if (server_admit(srv))
            a->handle(srv, fd, a->arg);
        else
            close(fd);
    }
    udp_thread_join(&udp);
    return 0;
}
