/* interactive: the notes' client on a terminal — prompt, send, print the whole echo. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../io.h"
#include "../log.h"
#include "client.h"

#define PROMPT "Input message(Q to quit): "

int client_is_quit(const char *line, size_t len)
{
    static const char *const words[] = {"q", "Q", "quit", "exit"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i]) == len && memcmp(words[i], line, len) == 0)
            return 1;
    return 0;
}

/* Logs why reading the echo failed: n is what the read returned. */
static void echo_failed(ssize_t n, const struct client_config *cfg)
{
    if (n >= 0)
        log_error("connection closed by server before the whole echo came back");
    else if (errno == EAGAIN || errno == EWOULDBLOCK)
        log_error("read: no echo within %d s", cfg->timeout);
    else
        log_error("read: %s", strerror(errno));
}

/*
 * Reads the server's answer to one sent line of len bytes into buf. Echo gives back exactly
 * the bytes sent, so read that many, however many read() calls it takes (the notes' "echo
 * client problem"). The line service answers one line, which may differ (CR dropped, error
 * text): read up to its newline with a line reader kept on the socket. Returns the length, or
 * -1 after logging.
 */
static ssize_t read_answer(int fd, struct line_reader *sock, const struct client_config *cfg,
                           char *buf, size_t len)
{
    const char *line;
    size_t n;
    ssize_t r;

    if (cfg->service == SERVICE_ECHO) {
        r = io_read_exact_seen(fd, buf, len, client_read_hook(cfg));
        if (r == (ssize_t)len)
            return r;
        echo_failed(r, cfg);
        return -1;
    }
    if (line_reader_next(sock, &line, &n) != LINE_OK) {
        echo_failed(errno ? -1 : 0, cfg);
        return -1;
    }
    memcpy(buf, line, n);
    return (ssize_t)n;
}

/* Sends one line and prints the answer. Returns 0, or -1 after logging. */
static int round_trip(int fd, struct line_reader *sock, const struct client_config *cfg,
                      const char *line, size_t len)
{
    char answer[LINE_READER_SIZE];
    ssize_t n;

    if (io_write_all(fd, line, len) < 0) {
        log_error("write: %s", strerror(errno));
        return -1;
    }
    errno = 0;
    n = read_answer(fd, sock, cfg, answer, len);
    if (n < 0)
        return -1;
    printf("Message from server: %.*s%s", (int)n, answer,
           n > 0 && answer[n - 1] == '\n' ? "" : "\n");
    return 0;
}

/* After the last line: half-close, then read what is left until the server closes. */
static void finish(int fd)
{
    char buf[4096];

    shutdown(fd, SHUT_WR);
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

int client_prompt(client_send_line send, void *arg)
{
    struct line_reader in;
    const char *line;
    size_t len, word;
    enum line_status st;

    line_reader_init(&in, STDIN_FILENO);
    for (;;) {
        fputs(PROMPT, stdout);
        fflush(stdout);
        st = line_reader_next(&in, &line, &len);
        if (st == LINE_EOF || st == LINE_ERROR) {
            putchar('\n');
            break;
        }
        word = len - (len > 0 && line[len - 1] == '\n');
        if (client_is_quit(line, word))
            break;
        if (send(arg, line, len) < 0)
            return 1;
    }
    fflush(stdout);
    return 0;
}

/* What a TCP line needs: the socket and its own reader. */
struct tcp_prompt {
    int fd;
    struct line_reader sock;
    const struct client_config *cfg;
};

static int tcp_send_line(void *arg, const char *line, size_t len)
{
    struct tcp_prompt *t = arg;

    return round_trip(t->fd, &t->sock, t->cfg, line, len);
}

int client_interactive(int fd, const struct client_config *cfg)
{
    /* Two readers at once, on stdin and on the socket: the state of each lives in its own
     * struct, where the notes' read_line() kept one copy in statics. */
    struct tcp_prompt t = {.fd = fd, .cfg = cfg};
    int status;

    line_reader_init(&t.sock, fd);
    t.sock.on_read = client_read_hook(cfg);
    printf("Connected to %s:%u.\n", cfg->host, cfg->port);
    status = client_prompt(tcp_send_line, &t);
    if (status == 0)
        finish(fd);
    return status;
}
