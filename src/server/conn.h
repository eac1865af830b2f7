/*
 * conn: one non-blocking connection — read, feed the service, write the reply back, keep what
 * the socket would not take — shared by the event-loop models (poll, epoll).
 */
#ifndef TCPECHO_CONN_H
#define TCPECHO_CONN_H

#include <stddef.h>

#include "../service.h"
#include "server.h"

struct conn {
    int fd;
    unsigned long long id, in, out;
    long long last_ms; /* when bytes last moved, for --idle-timeout */
    struct session session;
    /* Reply bytes the socket did not take yet: allocated only while a write is incomplete,
     * so an idle connection holds no buffer. Reading pauses while it holds max_pending. */
    char *pending;
    size_t pending_off, pending_len, pending_cap;
    unsigned closing : 1;  /* the session is over: close once pending is written */
    unsigned draining : 1; /* shutting down: read no more */
    /* The model saw the client's FIN (EPOLLRDHUP): read to end of file even after a short
     * read, since an edge-triggered loop gets no second event for it. */
    unsigned peer_fin : 1;
    const char *note; /* why it ends early, for the log */
};

/* What conn_process() wants next. */
enum {
    CONN_CLOSE = 0,      /* done: call conn_close() */
    CONN_WANT_READ = 1,  /* wait until readable */
    CONN_WANT_WRITE = 2, /* wait until writable: a reply is pending */
    CONN_AGAIN = 4       /* read budget spent with input left: call again soon, unprompted */
};

/* Starts serving fd (admitted by server_admit(), non-blocking): logs it and sends what the
 * service says on open. Returns what conn_process() returns. */
int conn_open(struct conn *c, struct server *srv, int fd, long long now_ms);

/*
 * Moves bytes: writes pending replies, then reads and answers until the socket is empty,
 * the read budget is spent, or backpressure stops reading. buf is the thread's read buffer;
 * echo replies are written straight from it, and only what the socket refuses is copied.
 * Returns a mask of CONN_* (CONN_CLOSE alone when the connection is over).
 */
int conn_process(struct conn *c, struct server *srv, char *buf, size_t buflen, long long now_ms);

/* Shutdown: answers what the client already sent (one last read), then reads no more.
 * Returns what conn_process() returns. */
int conn_drain(struct conn *c, struct server *srv, char *buf, size_t buflen, long long now_ms);

/* Has the connection been silent longer than --idle-timeout? Marks it for closing if so. */
int conn_idle_expired(struct conn *c, const struct server *srv, long long now_ms);

/* Sends FIN, drops unread input, closes fd, logs, frees the slot and what c holds. */
void conn_close(struct conn *c, struct server *srv, char *buf, size_t buflen);

#endif
