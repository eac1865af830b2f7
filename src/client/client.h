/* client: echo-client's configuration and its ways of talking to a server, over TCP and UDP. */
#ifndef TCPECHO_CLIENT_H
#define TCPECHO_CLIENT_H

#include <stdint.h>

#include "../io.h"
#include "../net.h"
#include "../service.h"

#define CLIENT_TIMEOUT_DEFAULT 10 /* seconds */
/* UDP: datagram size, wait for each echo, sends after the first, requests (chargen). */
#define CLIENT_SIZE_DEFAULT          1024
#define CLIENT_REPLY_TIMEOUT_DEFAULT 1000 /* ms */
#define CLIENT_RETRIES_DEFAULT       3
#define CLIENT_COUNT_DEFAULT         1

struct client_config {
    char host[NET_HOST_LEN];
    uint16_t port;
    enum service_kind service;
    int timeout;     /* seconds to wait for the server; 0: forever */
    int show_reads;  /* --show-reads: log the byte count of every read of the answer */
    int udp;         /* -u: datagrams instead of a connection */
    size_t size;     /* UDP: bytes of stdin a datagram carries */
    int reply_ms;    /* UDP: how long to wait for each answer */
    int retries;     /* UDP: sends of a datagram after the first when no answer comes */
    long long count; /* UDP chargen: requests to send */
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

/* Is line (len bytes, its newline excluded) one of the words that quit the prompt? */
int client_is_quit(const char *line, size_t len);

/* Sends one line typed at the prompt (newline included) and shows its answer. Returns 0, or -1
 * to end with status 1. */
typedef int (*client_send_line)(void *arg, const char *line, size_t len);

/* The notes' prompt loop, for TCP and UDP alike: prompt, read a line, send it with send, until
 * q, Q, quit, exit or end of input. Returns the exit status. */
int client_prompt(client_send_line send, void *arg);

/* Copies the server's stream to stdout until it closes (chargen), or stdout does (| head):
 * both end quietly. Returns the exit status. */
int client_stream(int fd, const struct client_config *cfg);

/* Reads the daytime or time service's answer to the end and prints it readable. Returns the
 * exit status. */
int client_stamp(int fd, const struct client_config *cfg);

/* Prints one answer of the daytime or time service (n bytes of buf), readable. Returns the
 * exit status. */
int client_stamp_print(enum service_kind kind, const char *buf, size_t n);

/* Opens a UDP socket connected to host:port. Returns it, or -1 with the reason in err. */
int client_udp_open(const char *host, uint16_t port, char *err);

/* Talks to the server over the connected UDP socket fd as cfg says (a prompt, a pipe, or the
 * requests of a service). Returns the exit status. */
int client_udp(int fd, const struct client_config *cfg);

/* Logs why a send or receive on the UDP socket fd failed (errno): ECONNREFUSED, an ICMP port
 * unreachable, says that nothing listens. */
void client_udp_failed(int fd, const char *what);

/* Waits up to ms for a datagram on fd and receives it into buf (cap bytes). Returns its
 * length (cut to cap), or -1 (errno; EAGAIN when none came in time). */
ssize_t client_udp_recv(int fd, char *buf, size_t cap, int ms);

/* The UDP prompt: each line one datagram, its echo printed. Returns the exit status. */
int client_udp_prompt(int fd, const struct client_config *cfg);

/* The UDP pipe: stdin cut into datagrams, each echo awaited (unless the service is discard)
 * and written out in order. Returns the exit status. */
int client_udp_pipe(int fd, const struct client_config *cfg);

#endif
