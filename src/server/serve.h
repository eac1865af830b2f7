/* serve: one connection served from open to close with blocking waits — the session loop of
 * the blocking models (iterative now; fork and thread run the same loop per client). */
#ifndef TCPECHO_SERVE_H
#define TCPECHO_SERVE_H

#include <stddef.h>

#include "server.h"

/*
 * Serves the client on fd until it closes, its session ends, or a stop is asked (then what
 * it has already sent is echoed within the drain timeout). buf is the caller's read buffer.
 * Logs the client's arrival and departure and closes fd.
 */
void serve_blocking(struct server *srv, int fd, char *buf, size_t buflen);

/* Returns the milliseconds left to drain after a stop was asked; the first call after the
 * stop starts the clock. */
int server_drain_left_ms(struct server *srv);

#endif
