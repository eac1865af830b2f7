/*
 * uring_internal: what the io_uring model's four files share — its structures and the calls
 * between them. uring_ring.c sets up rings and buffers and finds out what the kernel offers;
 * uring_conn.c moves one connection's bytes; uring_udp.c a ring's datagrams; uring.c runs the
 * loop. Internal to the model.
 */
#ifndef TCPECHO_URING_INTERNAL_H
#define TCPECHO_URING_INTERNAL_H

#include <liburing.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

#define SQ_ENTRIES 256
#define CQ_ENTRIES 4096 /* multishot requests post many completions per submission */
#define BUF_COUNT  256  /* provided buffers per ring; a power of two, as buffer rings need */
#define BUF_SIZE   (32 * 1024)
#define BUF_GROUP  0
#define BUFS_BYTES ((size_t)BUF_COUNT * BUF_SIZE)
#define BR_BYTES   (BUF_COUNT * sizeof(struct io_uring_buf))
#define HOLD_MAX   8  /* buffers a connection echoes from uncopied: max-pending's worth */
#define BATCH      64 /* completions handled per peek */
#define SPILL_MIN  (16 * 1024)
#define SPILL_KEEP 32 /* spare spill buffers a ring keeps, so replies do not malloc each */

/* What a request is, kept in the low bits of its user_data beside its connection. OP_UDP is
 * the ring's UDP socket: the bits above OP_BITS say which request (0: the receive, a buffer id
 * plus one: the send of the answer in that buffer), and no connection is named. */
enum op { OP_ACCEPT = 1, OP_STOP, OP_PROVIDE, OP_RECV, OP_SEND, OP_CANCEL, OP_UDP, OP_MASK = 7 };
#define OP_BITS 3

/* What the kernel offers: found by the first ring at start, then read-only for all. */
struct features {
    unsigned setup; /* IORING_SETUP_* flags the kernel took */
    int multishot_accept, multishot_recv;
    int recv_limit;        /* multishot recv takes a byte limit (sqe->optlen; newer kernels) */
    int buf_ring;          /* 0: buffers handed back with IORING_OP_PROVIDE_BUFFERS (before 5.19) */
    int multishot_recvmsg; /* 6.0: each ring serves its UDP socket; else a blocking thread does */
};

/*
 * Reply bytes copied because a send was in flight; not touched while a send reads them. Not
 * conn.c's pending buffer: that one is realloc'ed and slid to the front as it drains, which
 * would move bytes under a send the kernel is still reading.
 */
struct spill {
    char *data;
    size_t off, len, cap;
};

/* One client connection, owned by the ring that accepted it. */
struct uconn {
    struct uconn *prev, *next; /* the ring's connections, for idle scans and shutdown */
    int fd;
    unsigned long long id, in, out;
    long long last_ms; /* when bytes last moved, for --idle-timeout */
    struct session session;
    /* Unsent bytes, in order: provided buffers echoed without a copy, then spill[0], which a
     * send may be reading, then spill[1], which collects. Nothing is held while anything is
     * spilled, so that order is the order of the replies. */
    struct iovec hold[HOLD_MAX];
    unsigned short hold_bid[HOLD_MAX];
    unsigned nhold;
    size_t held;       /* bytes in hold */
    struct msghdr msg; /* a send of several held buffers */
    struct spill spill[2];
    unsigned ops; /* requests in flight that name this connection: free it only at 0 */
    unsigned recv_on : 1, recv_cancel : 1, send_on : 1, send_cancel : 1;
    unsigned starved : 1;  /* recv ended on ENOBUFS: re-armed once buffers come back */
    unsigned closing : 1;  /* the session is over: input ignored, close once sent */
    unsigned draining : 1; /* shutting down: read no more, close once sent */
    unsigned dead : 1;     /* close as soon as nothing is in flight, dropping unsent bytes */
    const char *note;
};

/* A completion, copied out of the queue so that the queue has room for the completions that
 * handling it causes (a cancel can complete inside the submit that carries it). */
struct completion {
    uint64_t user_data;
    int res;
    unsigned flags;
};

/* One ring and what it serves, run by one thread. */
struct loop {
    struct io_uring ring;
    int ring_ok;
    struct server *srv;
    struct features *feat;
    struct io_uring_buf_ring *br; /* NULL with IORING_OP_PROVIDE_BUFFERS */
    char *bufs, *scratch;
    char *spare[SPILL_KEEP];
    unsigned free_bufs, starved, inflight, nspare;
    struct uconn *conns;
    int udp_fd;            /* this ring's UDP socket (-1: none; run() owns it) */
    struct uring_udp *udp; /* serving it (uring_udp.c), when the kernel has multishot recvmsg */
    long long now, next_idle_scan;
    struct server_pause pause; /* accepting paused after EMFILE */
    int accept_on, stopping;
    pthread_t thread;
};

/* Ring and buffers (uring_ring.c). */

/* Returns a free submission entry, submitting the full queue first when it has none. */
struct io_uring_sqe *uring_get_sqe(struct loop *l);

/* Names the request in sqe after c (NULL: the ring itself) and op, and counts it in flight. */
void uring_tag(struct loop *l, struct io_uring_sqe *sqe, struct uconn *c, enum op op);

/* Returns where provided buffer bid starts. */
char *uring_buf_addr(const struct loop *l, int bid);

/* Hands buffer bid back to the kernel for further receives. */
void uring_buf_recycle(struct loop *l, int bid);

/* Registers a buffer ring (Linux 5.19) of count buffers (a power of two) for group: buffer i
 * is len bytes at bufs + i * stride, all handed to the kernel. Returns it (munmap it with
 * count * sizeof(struct io_uring_buf) once the ring is gone), or NULL with errno in *err
 * (EINVAL: the kernel has no buffer rings). */
struct io_uring_buf_ring *uring_buf_ring_register(struct io_uring *ring, int group, unsigned count,
                                                  char *bufs, size_t stride, size_t len, int *err);

/* Sets up l: its ring, and (probe) what the kernel offers, then its buffers. Logs why not and
 * returns -1 when it cannot; uring_loop_fini() undoes it either way. */
int uring_loop_init(struct loop *l, int probe);

/* Frees what uring_loop_init() set up. Nothing may be in flight. */
void uring_loop_fini(struct loop *l);

/* Says with -v which paths the kernel let this model take (udp: UDP is served too). */
void uring_log_paths(const struct features *f, long rings, int udp);

/* Before the listener is bound: can io_uring run here at all? Then a script never sees a
 * "listening on" line from a server that is about to fail. */
int uring_check(char *why, size_t len);

/* Will each ring read a UDP socket of its own (multishot recvmsg, Linux 6.0, and not turned off
 * by TCPECHO_URING_UDP=thread)? */
int uring_udp_per_loop(void);

/* One connection (uring_conn.c). */

/* Starts serving fd, just accepted; closes it at once past --max-conns. */
void uring_conn_open(struct loop *l, int fd);

/* Data, end of input or an error on c; a completion without F_MORE ends the recv. */
void uring_on_recv(struct loop *l, struct uconn *c, const struct completion *cqe);

/* A send finished: moves past what it took and sends the rest. */
void uring_on_send(struct loop *l, struct uconn *c, int res);

/*
 * Moves c on after an event: reads while unsent bytes stay under --max-pending (pausing at it,
 * resuming at half of it, so a slow reader does not cost a cancel per buffer), cancels what a
 * close makes moot, and closes c once nothing of it is in flight. May free c.
 */
void uring_conn_settle(struct loop *l, struct uconn *c);

/* Asks the kernel to end c's request op (c NULL: the ring's). */
void uring_cancel(struct loop *l, struct uconn *c, enum op op);

/* The ring's UDP socket (uring_udp.c). */

/* Sets up serving l->udp_fd: its state and its buffer ring (group UDP_GROUP). Logs why not and
 * returns -1 when it cannot; uring_udp_fini() undoes it either way. */
int uring_udp_init(struct loop *l);

/* Starts the multishot receive. */
void uring_udp_start(struct loop *l);

/* A completion of an OP_UDP request: a datagram, the end of the receive, or a sent answer. */
void uring_udp_on_cqe(struct loop *l, const struct completion *cqe);

/* Stop asked: ends the receive; answers in flight finish and give their buffers back. */
void uring_udp_stop(struct loop *l);

/* Adds the ring's UDP counts to the server's: after each batch of completions. */
void uring_udp_flush(struct loop *l);

/* Frees what uring_udp_init() set up, after the ring is gone (not the socket: run() owns it). */
void uring_udp_fini(struct loop *l);

#endif
