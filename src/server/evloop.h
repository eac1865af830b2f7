/*
 * evloop: what the event-loop models (poll, epoll, uring) do alike — take new connections a
 * batch at a time, bound how long they sleep, look for idle connections once a second. Each
 * model keeps what is its own: how it waits, how it mutes its listener, its connection list.
 */
#ifndef TCPECHO_EVLOOP_H
#define TCPECHO_EVLOOP_H

#include "server.h"

#define EVLOOP_ACCEPT_BATCH 64   /* connections per wake-up, so one loop cannot take them all */
#define EVLOOP_SCAN_MS      1000 /* how often idle connections are looked for */
#define EVLOOP_DRAIN_MS     100  /* the longest sleep while draining: the deadline is near */

/*
 * Accepts what waits on srv's listener, up to a batch, non-blocking: each connection that
 * server_admit() lets in goes to add(arg, fd), which owns it; the others are closed at once.
 * Returns 1 when accepting must pause (p says until when: the caller mutes its listener),
 * 0 otherwise.
 */
int evloop_accept(struct server *srv, struct server_pause *p, long long now,
                  void (*add)(void *arg, int fd), void *arg);

/*
 * Returns how long a loop may sleep at now: while stopping, the drain time left (at most
 * EVLOOP_DRAIN_MS); while accepting is paused, until the pause is over; with --idle-timeout,
 * until the next idle scan at most. Never more than SERVER_MAX_WAIT_MS.
 */
int evloop_wait_ms(const struct server *srv, const struct server_pause *p, int stopping,
                   long long now);

/* Is the idle scan due at now (only with --idle-timeout)? *next says when it is; moved on by
 * EVLOOP_SCAN_MS when it is due. */
int evloop_idle_scan_due(const struct server *srv, long long *next, long long now);

#endif
