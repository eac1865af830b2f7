/* blocking: one connection served from open to close with blocking waits — the session loop
 * that iterative runs in turn, fork in a child per client and thread in a thread per client. */
#ifndef TCPECHO_BLOCKING_H
#define TCPECHO_BLOCKING_H

#include <stddef.h>

#include "server.h"

/*
 * Serves the client on fd, admitted by server_admit(), until it closes, its session ends, it
 * idles past --idle-timeout, or a stop is asked (then what it has already sent is echoed
 * within the drain timeout). buf is the caller's read buffer. Logs the client's arrival and
 * departure, frees its slot and closes fd.
 */
void blocking_serve(struct server *srv, int fd, char *buf, size_t buflen);

#endif
