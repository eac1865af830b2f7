/*
 * udp: echo-client over UDP — the connected socket, what its errors mean, and the services that
 * answer each request datagram with one reply (hello, daytime, time, chargen). A connected
 * socket receives only from the server's address, and is told of an ICMP port unreachable
 * (ECONNREFUSED on the next call: udp(7)).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "client.h"
#include "dgram.h"

/* One reply to a request: at most a datagram. */
#define REPLY_MAX (DGRAM_MAX + 1)

int client_udp_open(const char *host, uint16_t port, char *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG},
                    *res, *ai;
    char service[8], addr[NET_ADDR_LEN];
    int r, fd = -1;

    snprintf(service, sizeof(service), "%u", port);
    r = getaddrinfo(host, service, &hints, &res);
    if (r != 0) {
        snprintf(err, NET_ERR_LEN, "resolve %s: %s", host,
                 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return -1;
    }
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            snprintf(err, NET_ERR_LEN, "connect udp %s: %s", net_format(ai->ai_addr, addr),
                     strerror(errno));
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            snprintf(err, NET_ERR_LEN, "socket: %s", strerror(errno));
        }
    }
    freeaddrinfo(res);
    return fd;
}

void client_udp_failed(int fd, const char *what)
{
    char addr[NET_ADDR_LEN];

    if (errno == ECONNREFUSED)
        log_error("%s: nothing listening (connection refused)",
                  net_fd_addr(fd, 1, addr) ? addr : "server");
    else
        log_error("%s: %s", what, strerror(errno));
}

ssize_t client_udp_recv(int fd, char *buf, size_t cap, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    long long end = clock_now_ms() + ms, left;
    int r;

    for (;;) {
        left = end - clock_now_ms();
        r = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            return recv(fd, buf, cap, MSG_DONTWAIT);
        if (r == 0) {
            errno = EAGAIN;
            return -1;
        }
    }
}

/* Sends an empty datagram, the request of every service but echo and discard, and receives the
 * reply into buf, sending again each time none comes in time, retries times. Returns the
 * reply's length, or -1 after logging. */
static ssize_t ask(int fd, const struct client_config *cfg, char *buf, size_t cap)
{
    char addr[NET_ADDR_LEN];
    ssize_t n;

    for (int tries = 1; tries <= cfg->retries + 1; tries++) {
        if (send(fd, "", 0, 0) < 0) {
            client_udp_failed(fd, "send");
            return -1;
        }
        n = client_udp_recv(fd, buf, cap, cfg->reply_ms);
        if (n >= 0)
            return n;
        if (errno != EAGAIN) {
            client_udp_failed(fd, "receive");
            return -1;
        }
    }
    log_error("%s: no reply after %d tries of %d ms", net_fd_addr(fd, 1, addr) ? addr : "server",
              cfg->retries + 1, cfg->reply_ms);
    return -1;
}

/* chargen: one request per --count, each reply written out as it came. Returns the exit
 * status. */
static int chargen(int fd, const struct client_config *cfg, char *buf)
{
    ssize_t n;

    for (long long i = 0; i < cfg->count; i++) {
        n = ask(fd, cfg, buf, REPLY_MAX);
        if (n < 0)
            return 1;
        if (io_write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
            if (errno == EPIPE) /* the reader went away (| head): done */
                return 0;
            log_error("write stdout: %s", strerror(errno));
            return 1;
        }
    }
    return 0;
}

/* hello, daytime, time: one request, its reply printed. Returns the exit status. */
static int request(int fd, const struct client_config *cfg, char *buf)
{
    ssize_t n = ask(fd, cfg, buf, REPLY_MAX);

    if (n < 0)
        return 1;
    if (cfg->service != SERVICE_HELLO)
        return client_stamp_print(cfg->service, buf, (size_t)n);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '\0'))
        n--;
    printf("Message from server: %.*s\n", (int)n, buf);
    return 0;
}

int client_udp(int fd, const struct client_config *cfg)
{
    static char buf[REPLY_MAX];

    switch (cfg->service) {
    case SERVICE_CHARGEN:
        return chargen(fd, cfg, buf);
    case SERVICE_HELLO:
    case SERVICE_DAYTIME:
    case SERVICE_TIME:
        return request(fd, cfg, buf);
    case SERVICE_DISCARD:
        return client_udp_pipe(fd, cfg);
    default:
        return isatty(STDIN_FILENO) ? client_udp_prompt(fd, cfg) : client_udp_pipe(fd, cfg);
    }
}
