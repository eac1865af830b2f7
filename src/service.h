/*
 * service: what a session does with bytes (echo, line, hello, and inetd's simple services
 * discard, chargen, daytime and time), over a TCP connection or one UDP datagram at a time.
 * Pure code with no system calls but the clock: every model drives it the same way, and unit
 * tests drive it directly.
 */
#ifndef TCPECHO_SERVICE_H
#define TCPECHO_SERVICE_H

#include <stddef.h>
#include <sys/uio.h>
#include <time.h>

enum service_kind {
    SERVICE_ECHO,
    SERVICE_LINE,
    SERVICE_HELLO,
    SERVICE_DISCARD, /* RFC 863: read and drop */
    SERVICE_CHARGEN, /* RFC 864: rotating lines of printable characters */
    SERVICE_DAYTIME, /* RFC 867: the date as a line of text */
    SERVICE_TIME     /* RFC 868: 32-bit seconds since 1900, big-endian */
};

#define SERVICE_MAX_LINE_DEFAULT 8192
#define SERVICE_MAX_LINE_LIMIT   (16u << 20)
#define SERVICE_GREETING_DEFAULT "Hello World!"
/* Segments one reply may hold: enough for a few lines of the line service per call. */
#define SERVICE_IOV_MAX 16
/* Room for one log line about the session (the client address a PROXY header gave). */
#define SERVICE_LOG_LEN 200
/* chargen: printable characters per line (RFC 864's 72), and the line with its CRLF. */
#define SERVICE_CHARGEN_COLS 72
#define SERVICE_CHARGEN_LINE (SERVICE_CHARGEN_COLS + 2)
/* The largest reply to one datagram of any service but echo (RFC 864 bounds chargen's at 512):
 * a spoofed request can make the server send no more than this to its victim. */
#define SERVICE_DGRAM_REPLY_MAX 512
/* Room for daytime's line or time's four bytes. */
#define SERVICE_STAMP_LEN 32
/* Seconds from 1900-01-01 to 1970-01-01: RFC 868's epoch to Unix's. */
#define SERVICE_TIME_OFFSET 2208988800u

/* What the server was told to serve; shared read-only by all sessions. */
struct service_config {
    enum service_kind kind;
    size_t max_line;      /* line: longest line accepted, terminator excluded */
    const char *greeting; /* hello: the text sent before closing */
    int proxy;            /* a PROXY protocol header comes first (--proxy-protocol) */
};

/*
 * The bytes a session wants written back, in order, as segments that point into the input
 * just given, into the session, or into constant storage: valid until the next call on the
 * session. When close is set, the session ends once they are written.
 */
struct service_reply {
    struct iovec iov[SERVICE_IOV_MAX];
    int iovcnt;
    int close;
    const char *note; /* why the session ended, for the log ("client sent quit"); or NULL */
    /* Something the server should log about this client now ("is 203.0.113.7:5555 (PROXY
     * v2, to 192.0.2.1:7)"), or "". */
    char log[SERVICE_LOG_LEN];
};

/* Per-connection state. An echo or hello session holds no memory; a line session holds a
 * buffer only while a line is split across reads, and so does a PROXY header. */
struct session {
    const struct service_config *cfg;
    /* line: start of a line whose end has not arrived (max_line + 1 bytes); before that,
     * the start of a PROXY header split across reads (PROXY_MAX bytes). */
    char *partial;
    size_t partial_len;
    int done;                      /* the session has asked to close: further input is ignored */
    int want_proxy;                /* the PROXY header has not been read yet */
    unsigned chargen_line;         /* chargen: the next line's first character, 0-94 */
    char stamp[SERVICE_STAMP_LEN]; /* daytime's line or time's bytes, while being sent */
};

/* One datagram's answer: segments into the request, into d, or into constant storage. */
struct service_dgram {
    unsigned chargen_line; /* chargen: where the next reply starts; kept between datagrams */
    char stamp[SERVICE_STAMP_LEN];
    struct iovec iov[SERVICE_IOV_MAX];
    int iovcnt;
    size_t len; /* bytes in iov */
};

/* Every service's name, for --help and error messages: "echo, line, hello, ...". */
#define SERVICE_NAMES "echo, line, hello, discard, chargen, daytime, time"

/* Returns the service named name ("echo", "line", "hello", ...), or -1. */
int service_parse(const char *name, enum service_kind *kind);

/* Returns the name of kind. */
const char *service_name(enum service_kind kind);

/* Starts a session for a new connection. */
void service_session_init(struct session *s, const struct service_config *cfg);

/* Frees what the session holds. */
void service_session_fini(struct session *s);

/* Fills r with what to send as soon as the connection opens (hello's greeting). */
void service_on_open(struct session *s, struct service_reply *r);

/*
 * Feeds len bytes read from the client. Fills r with the reply and returns how many of the
 * bytes were used: the caller writes the reply, then calls again with the rest. Echo uses
 * all bytes and replies with the same memory, uncopied.
 */
size_t service_on_data(struct session *s, const char *in, size_t len, struct service_reply *r);

/* Does the session send unasked, as long as the socket takes it (chargen, until it is over)?
 * Then, whenever its replies are all written, call service_on_ready() for more. */
static inline int service_streams(const struct session *s)
{
    return s->cfg->kind == SERVICE_CHARGEN && !s->done && !s->want_proxy;
}

/* Fills r with what a streaming session sends next (chargen's next lines). */
void service_on_ready(struct session *s, struct service_reply *r);

/* Tells the session the client will send no more (it half-closed); fills r with the last
 * reply (line: a final line that had no newline). */
void service_on_eof(struct session *s, struct service_reply *r);

/* Can kind be served over UDP (all but line)? */
int service_has_dgram(enum service_kind kind);

/*
 * Answers one datagram of len bytes (an empty one too): returns 1 with the reply in d->iov
 * (echo: the request itself, uncopied; an empty reply is a reply), or 0 when there is none
 * (discard). Only echo's reply may be larger than SERVICE_DGRAM_REPLY_MAX.
 */
int service_datagram(const struct service_config *cfg, struct service_dgram *d, const char *in,
                     size_t len);

/* Formats t as daytime's line ("Sat Dec  5 16:45:10 2026\r\n", local time, as inetd's). Returns
 * its length. */
size_t service_daytime(time_t t, char *buf, size_t len);

/* Writes t as time's four bytes: seconds since 1900, big-endian, modulo 2^32. */
void service_time(time_t t, unsigned char out[4]);

#endif
