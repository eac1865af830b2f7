/* io: robust blocking I/O — write-all, read-exact, and a line reader that keeps its state per fd.
 */
#ifndef TCPECHO_IO_H
#define TCPECHO_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes all len bytes of buf to fd, looping over short writes and EINTR (seed 000: one
 * write() may take only part of the buffer). Sockets are written with MSG_NOSIGNAL, so a
 * closed peer gives EPIPE instead of killing the process. Returns len, or -1 (errno).
 */
ssize_t io_write_all(int fd, const void *buf, size_t len);

/*
 * Reads until len bytes are in buf or the peer closes, looping over short reads and EINTR
 * (one read() is not one message). Returns the count read (less than len only at end of
 * file), or -1 (errno).
 */
ssize_t io_read_exact(int fd, void *buf, size_t len);

/* Told what each read() returned (n < 0: failed, errno set): how echo-client --show-reads
 * makes every read visible. */
typedef void (*io_read_hook)(ssize_t n);

/* io_read_exact(), calling on_read (when not NULL) after every read() but those cut short by
 * EINTR. */
ssize_t io_read_exact_seen(int fd, void *buf, size_t len, io_read_hook on_read);

/* Size of a line reader's buffer: the longest line it returns whole. */
#define LINE_READER_SIZE 8192

/*
 * A buffered line reader. Unlike the notes' read_line(), which kept its buffer in static
 * variables, all state lives here: one struct per descriptor, any number at once.
 */
struct line_reader {
    int fd;
    io_read_hook on_read; /* when set, told what every read() returned */
    size_t start, end;    /* unread bytes are buf[start..end) */
    char buf[LINE_READER_SIZE];
};

enum line_status {
    LINE_OK,       /* a whole line, newline included */
    LINE_PARTIAL,  /* the last bytes before end of file, with no newline */
    LINE_TOO_LONG, /* LINE_READER_SIZE bytes without a newline: they are returned as they are */
    LINE_EOF,      /* end of file, nothing left */
    LINE_ERROR     /* read failed (errno) */
};

/* Starts reading lines from fd. The reader does not own fd. */
void line_reader_init(struct line_reader *lr, int fd);

/*
 * Returns the next line: *line points into the reader's buffer (valid until the next call)
 * and *len is its length, newline included when there is one.
 */
enum line_status line_reader_next(struct line_reader *lr, const char **line, size_t *len);

#endif
