/* io: robust blocking I/O — write-all, read-exact, and a line reader that keeps its state per fd.
 */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Writes once to fd: send() with MSG_NOSIGNAL on a socket, write() on anything else. */
static ssize_t write_once(int fd, const char *p, size_t n, int *is_socket)
{
    ssize_t r;

    if (*is_socket) {
        r = send(fd, p, n, MSG_NOSIGNAL);
        if (r >= 0 || errno != ENOTSOCK)
            return r;
        *is_socket = 0;
    }
    return write(fd, p, n);
}

ssize_t io_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    int is_socket = 1;
    ssize_t r;

    while (done < len) {
        r = write_once(fd, p + done, len - done, &is_socket);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)r;
    }
    return (ssize_t)done;
}

ssize_t io_read_exact_seen(int fd, void *buf, size_t len, io_read_hook on_read)
{
    char *p = buf;
    size_t done = 0;
    ssize_t r;

    while (done < len) {
        r = read(fd, p + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (on_read)
            on_read(r);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

ssize_t io_read_exact(int fd, void *buf, size_t len)
{
    return io_read_exact_seen(fd, buf, len, NULL);
}

void line_reader_init(struct line_reader *lr, int fd)
{
    lr->fd = fd;
    lr->on_read = NULL;
    lr->start = 0;
    lr->end = 0;
}

/* Moves unread bytes to the front and reads more after them. Returns read()'s result. */
static ssize_t fill(struct line_reader *lr)
{
    ssize_t r;

    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    do
        r = read(lr->fd, lr->buf + lr->end, sizeof(lr->buf) - lr->end);
    while (r < 0 && errno == EINTR);
    if (lr->on_read)
        lr->on_read(r);
    if (r > 0)
        lr->end += (size_t)r;
    return r;
}

enum line_status line_reader_next(struct line_reader *lr, const char **line, size_t *len)
{
    size_t scanned = 0; /* bytes already known to hold no newline */
    char *nl;
    ssize_t r;

    for (;;) {
        nl = memchr(lr->buf + lr->start + scanned, '\n', lr->end - lr->start - scanned);
        if (nl) {
            *line = lr->buf + lr->start;
            *len = (size_t)(nl + 1 - *line);
            lr->start += *len;
            return LINE_OK;
        }
        scanned = lr->end - lr->start;
        if (scanned == sizeof(lr->buf)) {
            *line = lr->buf;
            *len = scanned;
            lr->start = lr->end = 0;
            return LINE_TOO_LONG;
        }
        r = fill(lr);
        if (r < 0)
            return LINE_ERROR;
        if (r == 0)
            break;
    }
    *line = lr->buf + lr->start;
    *len = lr->end - lr->start;
    lr->start = lr->end = 0;
    return *len ? LINE_PARTIAL : LINE_EOF;
}
