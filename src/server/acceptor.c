/* acceptor: the accept loop of the blocking models (iterative, fork, thread). */
#include "acceptor.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../sig.h"

#define PAUSE_MS 100 /* after EMFILE: long enough not to spin, short enough to notice a close */

/* Waits for the listener (unless paused), the stop pipe or the extra fd. Returns 1 when the
 * listener is readable, 0 otherwise; runs on_extra when the extra fd is. */
static int wait_accept(struct server *srv, const struct acceptor *a, int paused)
{
    struct pollfd p[3] = {
        {.fd = paused ? -1 : srv->listen_fd, .events = POLLIN},
        {.fd = sig_stop_fd(), .events = POLLIN},
        {.fd = a->on_extra ? a->extra_fd : -1, .events = POLLIN},
    };
    int r = poll(p, 3, paused ? PAUSE_MS : SERVER_MAX_WAIT_MS);

    if (r > 0 && a->on_extra && p[2].revents)
        a->on_extra(a->arg);
    return r > 0 && p[0].revents;
}

void acceptor_run(struct server *srv, const struct acceptor *a)
{
    int fd, paused = 0, complained = 0;

    while (!sig_stop_requested()) {
        if (!wait_accept(srv, a, paused)) {
            paused = 0;
            continue;
        }
        fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            complained = 0;
            if (server_admit(srv))
                a->handle(srv, fd, a->arg);
            else
                close(fd);
        } else if (!server_accept_error_is_transient(errno)) {
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: leave the connection in the backlog. Said once
             * per episode, not ten times a second. */
            if (!complained++)
                log_error("accept: %s (pausing until descriptors free up)", strerror(errno));
            paused = 1;
        }
    }
}
