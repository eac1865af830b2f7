/* activate: systemd socket activation — serve the listener the service manager passed. */
#ifndef TCPECHO_ACTIVATE_H
#define TCPECHO_ACTIVATE_H

#include <stddef.h>

/* The first passed descriptor (SD_LISTEN_FDS_START in sd-daemon.h). */
#define ACTIVATE_FIRST_FD 3

/*
 * Looks for a socket passed by systemd (LISTEN_PID is our PID, LISTEN_FDS is 1) and checks
 * that it is a listening TCP socket. Returns its descriptor; -1 when none was passed; -2 when
 * what was passed cannot be served, with the reason in err (len bytes). The LISTEN_*
 * variables are removed either way, so that no child takes the socket for its own.
 */
int activate_listener(char *err, size_t len);

#endif
