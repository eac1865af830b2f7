/* client: echo-client's configuration and its three ways of talking to a server. */
#ifndef TCPECHO_CLIENT_H
#define TCPECHO_CLIENT_H

#include <stdint.h>

#include "../io.h"
#include "../net.h"
#include "../service.h"

#define CLIENT_TIMEOUT_DEFAULT 10 /* seconds */

struct client_config {
    char host[NET_HOST_LEN];
    uint16_t port;
    enum service_kind service;
    int timeout;    /* seconds to wait for the server; 0: forever */
    int show_reads; /* --show-reads: log the byte count of every read of the answer */
};

/* What to call after each read of the server's answer: with --show-reads, a function that
 * logs its byte count and the running total; otherwise NULL. */
io_read_hook client_read_hook(const struct client_config *cfg);

/*
 * The notes' client, for a terminal: prompt, send a line, print the server's answer once all
 * of it is back. Quits on q, Q, quit, exit or end of input. Returns the exit status.
 */
int client_interactive(int fd, const struct client_config *cfg);

/*
 * A byte-exact pipe: stdin to the server and its echo to stdout at once, shutdown(SHUT_WR) at
 * end of input, exit after the server's last byte. Returns the exit status: 1 when the echo
 * service gave back fewer or more bytes than were sent.
 */
int client_pipe(int fd, const struct client_config *cfg);

/* Reads the hello service's greeting and prints "Message from server: TEXT". Returns the exit
 * status. */
int client_hello(int fd, const struct client_config *cfg);

#endif
