/*
 * service: what a session does with bytes (echo, line, hello). Pure code with no system
 * calls: every model drives it the same way, and unit tests drive it directly.
 */
#ifndef TCPECHO_SERVICE_H
#define TCPECHO_SERVICE_H

#include <stddef.h>
#include <sys/uio.h>

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
    int done;       /* the session has asked to close: further input is ignored */
    int want_proxy; /* the PROXY header has not been read yet */
};

/* Returns the service named name ("echo", "line", "hello"), or -1. */
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

/* Tells the session the client will send no more (it half-closed); fills r with the last
 * reply (line: a final line that had no newline). */
void service_on_eof(struct session *s, struct service_reply *r);

#endif
