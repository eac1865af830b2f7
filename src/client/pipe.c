/*
 * pipe: stdin to the server and the server to stdout at the same time, byte for byte. Sending
 * and receiving run together (one poll loop), so a large input never deadlocks against a
 * server whose echoes fill the socket buffers; at end of input the client half-closes and
 * reads until the server's last byte.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../io.h"
#include "../log.h"
#include "client.h"

#define PIPE_BUF_SIZE (64 * 1024)

struct pump {
    int fd;
    int stdin_open;  /* more input may come */
    int shut;        /* shutdown(SHUT_WR) done */
    size_t off, len; /* unsent bytes are out[off..len) */
    unsigned long long sent, received;
    io_read_hook on_read; /* --show-reads */
    char out[PIPE_BUF_SIZE];
    char in[PIPE_BUF_SIZE];
};

/* Half-closes once all input is read and sent: the server then echoes the rest and closes. */
static void maybe_shutdown(struct pump *p)
{
    if (!p->stdin_open && p->off == p->len && !p->shut) {
        shutdown(p->fd, SHUT_WR);
        p->shut = 1;
    }
}

/* Reads the next block of stdin. Returns 0, or -1 after logging. */
static int read_stdin(struct pump *p)
{
    ssize_t n = read(STDIN_FILENO, p->out, sizeof(p->out));

    if (n < 0 && errno != EINTR && errno != EAGAIN) {
        log_error("read stdin: %s", strerror(errno));
        return -1;
    }
    if (n == 0)
        p->stdin_open = 0;
    if (n > 0) {
        p->off = 0;
        p->len = (size_t)n;
    }
    return 0;
}

/* Sends what it can of the pending block. Returns 0, or -1 after logging. */
static int send_some(struct pump *p)
{
    ssize_t n = send(p->fd, p->out + p->off, p->len - p->off, MSG_NOSIGNAL | MSG_DONTWAIT);

    if (n < 0 && errno != EINTR && errno != EAGAIN) {
        log_error("send: %s (sent %llu bytes, received %llu)", strerror(errno), p->sent,
                  p->received);
        return -1;
    }
    if (n > 0) {
        p->off += (size_t)n;
        p->sent += (size_t)n;
    }
    return 0;
}

/* Receives what is there and writes it to stdout. Returns 1 at the server's end of stream,
 * 0 to go on, -1 after logging. */
static int receive_some(struct pump *p)
{
    ssize_t n = recv(p->fd, p->in, sizeof(p->in), MSG_DONTWAIT);

    if (p->on_read)
        p->on_read(n);
    if (n == 0)
        return 1;
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        log_error("receive: %s (sent %llu bytes, received %llu)", strerror(errno), p->sent,
                  p->received);
        return -1;
    }
    p->received += (size_t)n;
    if (io_write_all(STDOUT_FILENO, p->in, (size_t)n) < 0) {
        log_error("write stdout: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Is the client waiting on the server, so that the timeout applies? */
static int waiting_on_server(const struct pump *p, const struct client_config *cfg)
{
    return p->shut || (cfg->service == SERVICE_ECHO && p->received < p->sent);
}

/* Moves bytes both ways until the server ends the stream. Returns 0, or -1 after logging. */
/* NOLINTNEXTLINE(readability-function-cognitive-complexity): one poll loop, a branch per event */
static int run(struct pump *p, const struct client_config *cfg)
{
    struct pollfd fds[2];
    int r, timeout;

    for (;;) {
        maybe_shutdown(p);
        fds[0] = (struct pollfd){.fd = p->stdin_open && p->off == p->len ? STDIN_FILENO : -1,
                                 .events = POLLIN};
        fds[1] = (struct pollfd){.fd = p->fd, .events = POLLIN};
        if (p->off < p->len)
            fds[1].events |= POLLOUT;
        timeout = cfg->timeout > 0 && waiting_on_server(p, cfg) ? cfg->timeout * 1000 : -1;
        r = poll(fds, 2, timeout);
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            return -1;
        }
        if (r == 0) {
            log_error("no answer from the server within %d s (sent %llu bytes, received %llu)",
                      cfg->timeout, p->sent, p->received);
            return -1;
        }
        if (r <= 0)
            continue;
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            r = receive_some(p);
            if (r != 0)
                return r > 0 ? 0 : -1;
        }
        if ((fds[1].revents & POLLOUT) && send_some(p) < 0)
            return -1;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && read_stdin(p) < 0)
            return -1;
    }
}

int client_pipe(int fd, const struct client_config *cfg)
{
    static struct pump p;

    p = (struct pump){.fd = fd, .stdin_open = 1, .on_read = client_read_hook(cfg)};
    if (run(&p, cfg) < 0)
        return 1;
    if (p.stdin_open || p.off < p.len) {
        log_error("server closed the connection before all input was sent "
                  "(sent %llu bytes, received %llu)",
                  p.sent, p.received);
        return 1;
    }
    if (cfg->service == SERVICE_ECHO && p.received != p.sent) {
        log_error("echo differs in length: sent %llu bytes, received %llu", p.sent, p.received);
        return 1;
    }
    return 0;
}
