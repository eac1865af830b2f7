/*
 * iterative: the notes' model. One client at a time with blocking I/O; the accept loop goes
 * on after each client, and a second client waits in the listen backlog until the first
 * leaves. Simple to read, and the reason the other models exist.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../log.h"
#include "../sig.h"
#include "model.h"
#include "serve.h"

/* Waits for a connection or a stop. Returns 1 when the listener is readable, 0 on stop. */
static int wait_accept(int lfd, int timeout_ms)
{
    struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = sig_stop_fd(), .events = POLLIN}};
    int r;

    do {
        if (sig_stop_requested())
            return 0;
        r = poll(p, 2, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0 && p[0].revents && !sig_stop_requested();
}

static int run(struct server *srv)
{
    static char buf[SERVER_BUF_SIZE];
    int fd;

    while (wait_accept(srv->listen_fd, -1)) {
        fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            if (server_admit(srv))
                serve_blocking(srv, fd, buf, sizeof(buf));
            else
                close(fd);
        } else if (!server_accept_error_is_transient(errno)) {
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays in the backlog, so
             * pause instead of spinning on it, and try again. */
            log_error("accept: %s", strerror(errno));
            wait_accept(-1, 100);
        }
    }
    return 0;
}

const struct model model_iterative = {
    .name = "iterative",
    .summary = "one client at a time, blocking I/O (the notes' server)",
    .run = run,
};
