/* simple: the TCP side of inetd's simple services that answer without being asked — chargen's
 * endless stream, daytime's line and time's four bytes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "client.h"
#include "stamp.h"

/* daytime's line is short (RFC 867 suggests under 80 characters); more is not a date. */
#define STAMP_MAX 512

/* Logs why reading the server failed (errno). */
static void read_failed(const struct client_config *cfg)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        log_error("read: nothing from the server within %d s", cfg->timeout);
    else
        log_error("read: %s", strerror(errno));
}

int client_stream(int fd, const struct client_config *cfg)
{
    io_read_hook on_read = client_read_hook(cfg);
    char buf[64 * 1024];
    ssize_t n;

    for (;;) {
        n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (on_read)
            on_read(n);
        if (n == 0)
            return 0;
        if (n < 0) {
            read_failed(cfg);
            return 1;
        }
        /* SIGPIPE is ignored: a reader that went away (| head) is EPIPE here, and the end. */
        if (io_write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
            if (errno == EPIPE)
                return 0;
            log_error("write stdout: %s", strerror(errno));
            return 1;
        }
    }
}

int client_stamp_print(enum service_kind kind, const char *buf, size_t n)
{
    char text[STAMP_TEXT_LEN];

    if (kind == SERVICE_TIME) {
        if (n != 4) {
            log_error("time: the server sent %zu bytes, not RFC 868's 4", n);
            return 1;
        }
        printf("%s\n", stamp_time_text((const unsigned char *)buf, text));
        return 0;
    }
    if (n == 0) {
        log_error("daytime: the server sent nothing");
        return 1;
    }
    printf("%.*s\n", (int)stamp_trim(buf, n), buf);
    return 0;
}

int client_stamp(int fd, const struct client_config *cfg)
{
    char buf[STAMP_MAX];
    ssize_t n;

    /* The server closes after its answer: read to end of file, not one read(). */
    n = io_read_exact_seen(fd, buf, sizeof(buf), client_read_hook(cfg));
    if (n < 0) {
        read_failed(cfg);
        return 1;
    }
    return client_stamp_print(cfg->service, buf, (size_t)n);
}
