/* server: what every concurrency model shares — configuration, limits, counters, logs. */
#ifndef TCPECHO_SERVER_H
#define TCPECHO_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../log.h"
#include "../service.h"
#include "guard.h"

#define SERVER_PORT_DEFAULT          7000 /* the notes' port */
#define SERVER_MODEL_DEFAULT         "epoll"
#define SERVER_DRAIN_TIMEOUT_DEFAULT 5 /* seconds to finish echoes after SIGTERM */
#define SERVER_MAX_PENDING_DEFAULT   (256 * 1024)
#define SERVER_BUF_SIZE              (64 * 1024) /* one read buffer per thread */
/*
 * The read buffer of an event loop (poll, epoll), one per loop whatever the connections: four
 * times the threads' buffer, since fewer, larger reads and sends move bulk echo for less CPU.
 * Measured (echo-bench --bulk -t 3, server and load pinned, median of 3 interleaved runs):
 * over 10 connections epoll 2,431 -> 3,026 MB/s and 26.9 -> 18.0 server CPU us per 64 KiB, poll
 * 2,536 -> 2,977 MB/s; over 1 connection the same MB/s for 15 % less CPU.
 */
#define SERVER_LOOP_BUF_SIZE (256 * 1024)
/*
 * The longest any loop sleeps without looking around. Never forever: ThreadSanitizer defers a
 * signal that lands as a thread enters a blocking call until that call returns (seen: an
 * epoll server deaf to SIGTERM under TSan), and a bounded sleep costs nothing.
 */
#define SERVER_MAX_WAIT_MS 1000
/* Descriptors kept back from --max-conns: listeners, pipes, epoll or io_uring, logs. */
#define SERVER_FD_RESERVE 64

/* What the server speaks (--proto): bits. */
#define SERVER_TCP 1
#define SERVER_UDP 2

/* Why a datagram got no answer, for the counters: the guard's verdicts first (GUARD_PORT...),
 * then these. */
enum server_dgram_drop {
    DGRAM_TRUNCATED = GUARD_VERDICTS, /* longer than --max-datagram: never answered cut short */
    DGRAM_SEND_FAILED,                /* the answer could not be sent (socket buffer full...) */
    DGRAM_DROPS
};

/* The longest datagram served whole by default: all there are (65,507 bytes over IPv4). */
#define SERVER_MAX_DATAGRAM_DEFAULT 65536

struct server_config {
    const char *model;
    int proto;        /* SERVER_TCP, SERVER_UDP or both */
    const char *host; /* address to bind */
    uint16_t port;
    int backlog;
    int reuseaddr;      /* SO_REUSEADDR on the listener; cleared by --no-reuseaddr */
    int drain_timeout;  /* seconds */
    int idle_timeout;   /* seconds; 0: never */
    int stats_interval; /* seconds; 0: only on SIGUSR1 */
    int threads;        /* event loops of epoll and uring; 0: one per CPU */
    long max_conns;     /* 0: from the descriptor limit */
    size_t max_pending; /* bytes of unsent echo per connection before reading pauses */
    enum log_level verbosity;
    int inetd;         /* serve the one connection on standard input, then exit */
    int list_models;   /* --list-models: print the models that can run here, then exit */
    const char *user;  /* switch to this user after binding; or NULL */
    const char *group; /* and to this group (NULL: the user's) */
    struct service_config service;
    struct guard_config guard; /* UDP: the loop, broadcast and rate checks */
    size_t max_datagram;       /* UDP: longest datagram answered; longer ones are dropped */
};

/* Counters in memory shared with forked children, updated atomically by every thread. */
struct server_stats {
    atomic_ullong clients; /* accepted, ever */
    atomic_llong active;
    atomic_ullong rejected; /* closed at once: --max-conns reached */
    atomic_ullong bytes_in;
    atomic_ullong bytes_out;
    atomic_ullong datagrams_in, datagrams_out;
    atomic_ullong dropped[DGRAM_DROPS]; /* datagrams not answered, by cause */
};

struct server {
    const struct server_config *cfg;
    int listen_fd;     /* TCP, or -1 */
    int udp_fd;        /* UDP, or -1 */
    int udp_reuseport; /* udp_fd has SO_REUSEPORT: loops may bind sockets of their own */
    int *udp_spare;    /* sockets bound for the loops beyond the first, not yet taken */
    int udp_nspare;
    long max_conns; /* cfg->max_conns, or what the descriptor limit allows */
    struct server_stats *stats;
};

/* Maps the counters (shared, so forked children count too). Returns 0, or -1 (errno). */
int server_stats_init(struct server *srv);

/*
 * Takes a connection slot for a newly accepted fd. Returns 1 when it may be served; 0 when
 * --max-conns is reached: the caller closes fd at once (counted as rejected).
 */
int server_admit(struct server *srv);

/* Turns away fd, admitted by server_admit(), that the model could not take after all (no
 * memory, no thread, no process): logs "what: why", closes fd and gives its slot back. It was
 * never opened, so it gets no disconnect line. */
void server_unadmit(struct server *srv, int fd, const char *what, const char *why);

/*
 * Closes a connection's fd after sending FIN first. Input the client sent that nobody will
 * read is dropped beforehand where it is already here (buf is scratch space): close() with
 * unread input sends a reset, which can cost the client the last reply still in flight (the
 * line service's "line too long").
 */
void server_close_gracefully(int fd, char *buf, size_t buflen);

/*
 * The pause after accept() fails for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM): the connection stays in the kernel's backlog while the listener is left alone for
 * SERVER_PAUSE_MS instead of being retried in a busy loop; said once per episode, not ten
 * times a second. Every model that accepts keeps one.
 */
#define SERVER_PAUSE_MS 100 /* long enough not to spin, short enough to notice a close */
struct server_pause {
    long long until_ms; /* accepting paused until then, or 0 */
    int complained;     /* the episode has been logged: it ends with a successful accept */
};

/* Takes accept()'s errno err at now. Returns 0 when it concerns that one connection only
 * (go on), 1 when accepting must pause (logged once per episode). */
int server_pause_on_error(struct server_pause *p, int err, long long now);

/* A connection was accepted: the episode, if any, is over. */
static inline void server_pause_clear(struct server_pause *p)
{
    p->until_ms = 0;
    p->complained = 0;
}

/* Is accepting paused at now? */
static inline int server_pause_active(const struct server_pause *p, long long now)
{
    return p->until_ms != 0 && now < p->until_ms;
}

/* Has a pause just run out at now? Then it is over (returns 1 once): accept again. */
int server_pause_over(struct server_pause *p, long long now);

/* A descriptor was freed (a connection closed): a paused accept may resume at once. */
static inline void server_pause_release(struct server_pause *p, long long now)
{
    if (p->until_ms)
        p->until_ms = now;
}

/* Has a client whose bytes last moved at last_ms been silent past --idle-timeout at now? */
int server_client_idle(const struct server *srv, long long last_ms, long long now);

/* Why a client closed during a stop ended, for its log line: note when it has one, else its
 * echo left unfinished (unsent bytes remain) or the stop itself. */
const char *server_drain_note(const char *note, size_t unsent);

/* Logs a new admitted connection on fd and counts it. Returns the client's number (1, 2...). */
unsigned long long server_client_open(struct server *srv, int fd);

/* Logs what the session had to say about client id (reply->log), if anything: the address a
 * PROXY header gave, or why the header was refused. */
void server_client_log_line(unsigned long long id, const struct service_reply *reply);

/* Inline: called on every reply of every model, and almost always with nothing to log. */
static inline void server_client_log(unsigned long long id, const struct service_reply *reply)
{
    if (reply->log[0])
        server_client_log_line(id, reply);
}

/* Logs the end of client id with its byte counts, adds them to the totals and frees its
 * slot. note says why the session ended early ("client said quit"), or is NULL. */
void server_client_close(struct server *srv, unsigned long long id, unsigned long long in,
                         unsigned long long out, const char *note);

/* Room for server_udp_summary(). */
#define SERVER_UDP_SUMMARY_LEN 256

/* Writes the UDP counters into buf, for the end of a stats line: ", 5 datagrams in, 4 out, 1
 * not answered (1 source port)"; "" when UDP is not served. Returns buf. */
const char *server_udp_summary(const struct server *srv, char *buf, size_t len);

/* Logs one line of counters, prefixed with what (e.g. "stats"). */
void server_log_stats(struct server *srv, const char *what);

/* Returns the milliseconds left to drain after a stop, 0 when the drain time is over, -1
 * when no stop was asked. */
int server_drain_left_ms(const struct server *srv);

/* Returns timeout_ms (-1: none) bounded by SERVER_MAX_WAIT_MS. */
int server_wait_ms(int timeout_ms);

#endif
