/* acceptor: the accept loop of the blocking models (iterative, fork, thread). */
#ifndef TCPECHO_ACCEPTOR_H
#define TCPECHO_ACCEPTOR_H

#include "server.h"

struct acceptor {
    /* Serves an admitted connection: owns fd from here on. */
    void (*handle)(struct server *srv, int fd, void *arg);
    /* Optional: another descriptor to watch (the fork model's SIGCHLD pipe), and what to do
     * when it is readable. */
    int extra_fd;
    void (*on_extra)(void *arg);
    void *arg;
};

/*
 * Accepts connections on srv->listen_fd until a stop is asked: each one admitted by
 * server_admit() goes to a->handle, the others are closed at once. When descriptors run out
 * (EMFILE, ENFILE) it pauses instead of spinning: the connection waits in the backlog. Serves
 * srv->udp_fd, if any, one datagram at a time: in a thread of its own beside the accept loop,
 * or in this one when there is no TCP listener. Returns 0, or -1 after logging when it could
 * not start.
 */
int acceptor_run(struct server *srv, const struct acceptor *a);

#endif
