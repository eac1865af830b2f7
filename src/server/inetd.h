/* inetd: serve the one connection that inetd, xinetd or systemd (Accept=yes) passed, or the
 * UDP socket that xinetd (wait = yes) passed. */
#ifndef TCPECHO_INETD_H
#define TCPECHO_INETD_H

#include "server.h"

/* Seconds without a datagram after which a UDP service started by the super-server exits
 * (unless --idle-timeout says otherwise): long enough for a burst of probes, short enough not
 * to keep a process per idle service. */
#define INETD_DGRAM_IDLE 30

/* Serves the connection (or the UDP socket) on standard input with the configured service,
 * then returns the exit status: 0, or 1 after logging why standard input cannot be served. */
int inetd_run(struct server *srv);

#endif
