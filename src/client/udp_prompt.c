/*
 * udp_prompt: the prompt over UDP — each line typed is one datagram, newline included as nc -u
 * sends it, and its echo is printed, or that none came in time. A lost datagram is not the end:
 * the next line goes on.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../io.h"
#include "../log.h"
#include "client.h"
#include "dgram.h"
/* Throws away replies that came after their wait was over: they answer an earlier line. */
static void drop_late(int fd)
{
    char buf[1];

    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
        ;
}

/* Sends one line and prints the reply, or says none came. Returns 0, or -1 after logging. */
static int round_trip(int fd, const struct client_config *cfg, const char *line, size_t len)
{
    static char answer[DGRAM_MAX + 1];
    ssize_t n;

    drop_late(fd);
    if (send(fd, line, len, 0) < 0) {
        client_udp_failed(fd, "send");
        return -1;
    }
    n = client_udp_recv(fd, answer, sizeof(answer), cfg->reply_ms);
    if (n < 0 && errno == EAGAIN) {
        log_error("no reply within %d ms", cfg->reply_ms);
        return 0;
    }
    if (n < 0) {
        client_udp_failed(fd, "receive");
        return -1;
    }
    printf("Message from server: %.*s%s", (int)n, answer,
           n > 0 && answer[n - 1] == '\n' ? "" : "\n");
    return 0;
}

struct udp_prompt {
    int fd;
    const struct client_config *cfg;
};

static int udp_send_line(void *arg, const char *line, size_t len)
{
    struct udp_prompt *u = arg;

    return round_trip(u->fd, u->cfg, line, len);
}

int client_udp_prompt(int fd, const struct client_config *cfg)
{
    struct udp_prompt u = {.fd = fd, .cfg = cfg};

    printf("Sending to %s:%u over UDP.\n", cfg->host, cfg->port);
    return client_prompt(udp_send_line, &u);
}
