/* inetd: serve the one connection that inetd, xinetd or systemd (Accept=yes) passed. */
#ifndef TCPECHO_INETD_H
#define TCPECHO_INETD_H

#include "server.h"

/* Serves the connection on standard input with the configured service, then returns the
 * exit status: 0, or 1 after logging why standard input cannot be served. */
int inetd_run(struct server *srv);

#endif
