/* activate: systemd socket activation — serve the sockets the service manager passed. */
#ifndef TCPECHO_ACTIVATE_H
#define TCPECHO_ACTIVATE_H

#include <stddef.h>

/* The first passed descriptor (SD_LISTEN_FDS_START in sd-daemon.h). */
#define ACTIVATE_FIRST_FD 3

/*
 * Looks for sockets passed by systemd (LISTEN_PID is our PID, LISTEN_FDS is 1 or 2): at most
 * one listening TCP socket (ListenStream=), put in *stream, and one UDP socket
 * (ListenDatagram=), put in *dgram; each is -1 when not passed. Returns 1 when sockets were
 * passed, 0 when none were, -1 when what was passed cannot be served, with the reason in err
 * (len bytes). The LISTEN_* variables are removed either way, so that no child takes the
 * sockets for its own.
 */
int activate_sockets(int *stream, int *dgram, char *err, size_t len);

#endif
