/*
 * evloop: what the event-loop models (poll, epoll, uring) do alike — take new connections a
 * batch at a time, bound how long they sleep, look for idle connections once a second.
 */
#include "evloop.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

int evloop_accept(struct server *srv, struct server_pause *p, long long now,
                  void (*add)(void *arg, int fd), void *arg)
{
    for (int i = 0; i < EVLOOP_ACCEPT_BATCH; i++) {
        int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
            return server_pause_on_error(p, errno, now);
        server_pause_clear(p);
        if (server_admit(srv))
            add(arg, fd);
        else
            close(fd);
    }
    return 0;
}

int evloop_wait_ms(const struct server *srv, const struct server_pause *p, int stopping,
                   long long now)
{
    int t = -1, left;

    if (stopping) {
        left = server_drain_left_ms(srv);
        t = left < EVLOOP_DRAIN_MS ? left : EVLOOP_DRAIN_MS;
    } else if (p->until_ms) {
        t = p->until_ms > now ? (int)(p->until_ms - now) : 0;
    }
    if (srv->cfg->idle_timeout > 0 && (t < 0 || t > EVLOOP_SCAN_MS))
        t = EVLOOP_SCAN_MS;
    return server_wait_ms(t);
}

int evloop_idle_scan_due(const struct server *srv, long long *next, long long now)
{
    if (srv->cfg->idle_timeout <= 0 || now < *next)
        return 0;
    *next = now + EVLOOP_SCAN_MS;
    return 1;
}
