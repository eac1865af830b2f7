/*
 * iterative: the notes' model. One client at a time with blocking I/O; the accept loop goes
 * on after each client, and a second client waits in the listen backlog until the first
 * leaves. Simple to read, and the reason the other models exist.
 */
#include "acceptor.h"
#include "model.h"
#include "blocking.h"

static void handle(struct server *srv, int fd, void *arg)
{
    static char buf[SERVER_BUF_SIZE];

    (void)arg;
    blocking_serve(srv, fd, buf, sizeof(buf));
}

static int run(struct server *srv)
{
    const struct acceptor a = {.handle = handle, .extra_fd = -1};

    return acceptor_run(srv, &a);
}

const struct model model_iterative = {
    .name = "iterative",
    .summary = "one client at a time, blocking I/O (the notes' server)",
    .run = run,
};
