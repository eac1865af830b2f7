/* server: what every concurrency model shares — configuration, counters, connection logs. */
#ifndef TCPECHO_SERVER_H
#define TCPECHO_SERVER_H

#include <stdint.h>

#include "../log.h"
#include "../service.h"

#define SERVER_PORT_DEFAULT          7000 /* the notes' port */
#define SERVER_DRAIN_TIMEOUT_DEFAULT 5    /* seconds to finish echoes after SIGTERM */
#define SERVER_BUF_SIZE              (64 * 1024)

struct server_config {
    const char *model;
    const char *host; /* address to bind */
    uint16_t port;
    int backlog;
    int drain_timeout; /* seconds */
    enum log_level verbosity;
    struct service_config service;
};

struct server_stats {
    unsigned long long clients;
    unsigned long long bytes_in;
    unsigned long long bytes_out;
};

struct server {
    const struct server_config *cfg;
    int listen_fd;
    struct server_stats stats;
};

/* Logs a new connection on fd and counts it. Returns the client's number (1, 2, ...). */
unsigned long long server_client_open(struct server *srv, int fd);

/* Logs the end of client id with its byte counts, adds them to the totals. note says why the
 * session ended early ("client said quit"), or is NULL. */
void server_client_close(struct server *srv, unsigned long long id, unsigned long long in,
                         unsigned long long out, const char *note);

#endif
