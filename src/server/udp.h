/*
 * udp: serving datagrams — read one or a batch, check each with the guard, answer it with the
 * same service code as TCP, send the answers back to their senders from the address they
 * wrote to. Every model that serves UDP drives a struct udp_port: the blocking models one
 * datagram at a time (udp_serve_one), the event loops a batch per system call
 * (udp_serve_batch: recvmmsg, sendmmsg).
 */
#ifndef TCPECHO_UDP_H
#define TCPECHO_UDP_H

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "../service.h"
#include "guard.h"
#include "server.h"

/*
 * Datagrams per recvmmsg/sendmmsg of an event loop. Measured (epoll -t 1 pinned to CPU 0,
 * echo-bench -u -c 50 -s 64 -d 16 pinned to CPU 1, median server CPU per datagram of 3
 * interleaved rounds): 1 at a time 7.6 us, batches of 8 3.2 us, 32 3.0 us, 64 2.8 us; at depth 1
 * batches do not fill and all cost 6-7.5 us. 32 keeps most of the gain for half of 64's slots.
 */
#define UDP_BATCH 32
/* A datagram's room: the largest there is, whole (65,507 bytes of payload over IPv4, 65,527
 * over IPv6 without jumbograms). Only the pages a datagram fills are ever touched, so a batch's
 * 2 MiB of slots costs a page each for small datagrams. */
#define UDP_SLOT 65536

/* A datagram's control data: its destination (IP_PKTINFO or IPV6_PKTINFO). */
union udp_control {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
};

/* A datagram as it was read, wherever it was read into: the blocking and batched reads here,
 * or a provided buffer of the io_uring model. */
struct udp_datagram {
    struct sockaddr *from; /* its sender: the answer's msg_name points here */
    socklen_t fromlen;
    void *control; /* its control data: IP_PKTINFO or IPV6_PKTINFO, when the kernel gave it */
    size_t controllen;
    char *data; /* its bytes: echo's answer is these, uncopied */
    size_t len;
    int truncated; /* longer than the room it was read into (MSG_TRUNC) */
};

/* What an answer needs besides the request until it is sent: the service's reply segments
 * and the control data that picks its source address. */
struct udp_reply {
    struct service_dgram dgram;
    union udp_control control;
};

/* Counts kept by one loop and added to the server's shared counters after each batch, so the
 * loops do not write one cache line for every datagram. */
struct udp_counts {
    unsigned long long in, out, bytes_in, bytes_out;
    unsigned long long dropped[DGRAM_DROPS];
};

/* One UDP socket served by one thread, and everything serving it needs. */
struct udp_port {
    struct server *srv;
    int fd;
    int batch; /* datagrams per call: 1 for the blocking models, UDP_BATCH for event loops */
    struct guard guard;
    unsigned chargen_line; /* chargen's next line, across datagrams */
    struct udp_counts counts;
    long long last_log_ms[DGRAM_DROPS]; /* the guard's refusals are logged once a second */
    char *slots;                        /* batch * UDP_SLOT */
    struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_storage from[UDP_BATCH];
    union udp_control ctl_in[UDP_BATCH];
    struct udp_reply reply[UDP_BATCH];
};

/*
 * Binds srv's UDP socket (srv->udp_fd) to the configured address, on srv's TCP port when it
 * serves both. The port is tried without SO_REUSEPORT first, so that "in use" is still an error
 * (another server there); then bound with it, so that event loops can add sockets of their own
 * (udp_sibling). Returns 0, or -1 with the reason in err (NET_ERR_LEN bytes).
 */
int udp_bind(struct server *srv, char *err);

/*
 * For a model with a UDP socket per event loop: binds the sockets of loops 2 to n now, before
 * the server says it is listening, and steers senders by address over all n
 * (udp_steer_by_source). Bound later, a sender's first datagrams would meet the first loop's
 * rate limiter and the next ones another's. Returns 0, or -1 with the reason in err.
 */
int udp_bind_loops(struct server *srv, int n, char *err);

/* Gives a loop its own socket on srv's UDP port: one udp_bind_loops() bound, or a new one
 * (SO_REUSEPORT); or srv->udp_fd itself, to share, when that cannot be (a socket systemd or
 * inetd passed). Returns the fd (non-blocking), or -1 (errno). */
int udp_sibling(struct server *srv);

/* Closes the sockets udp_bind_loops() bound that no loop took. */
void udp_close_spare(struct server *srv);

/*
 * Once n sockets share srv's UDP port (udp_sibling), makes the kernel pick one by the sender's
 * address alone (an IPv6 sender by its /64), not by address and port: each sender then meets
 * one loop's rate limiter, whatever ports it sends from. Returns 0, or -1 (errno) when the
 * kernel refuses the program; it then spreads by address and port, and a sender using many
 * ports gets up to n times its --rate-limit.
 */
int udp_steer_by_source(struct server *srv, int n);

/* Sets u up to serve fd, batch datagrams at a time (1 to UDP_BATCH; 0: u reads nothing
 * itself, the caller brings datagrams to udp_answer). Returns 0, or -1 when memory ran out. */
int udp_port_init(struct udp_port *u, struct server *srv, int fd, int batch);

/* Adds u's last counts to the server's and frees what u holds (not its fd). */
void udp_port_fini(struct udp_port *u);

/* Adds u's counts to the server's, each with one atomic add, and clears them: after each
 * batch, so that loops do not write a shared cache line per datagram. */
void udp_port_flush(struct udp_port *u);

/*
 * Decides whether datagram d, read at now (ms), gets an answer: counts it in, then drops it
 * (counted by cause, logged at a bounded rate) when it was truncated or the guard refuses it.
 * Returns 1 with the answer in out (to d's sender, from the address d was sent to), its
 * segments and control data in r, all valid while d and r are; 0 when there is none.
 */
int udp_answer(struct udp_port *u, const struct udp_datagram *d, long long now, struct msghdr *out,
               struct udp_reply *r);

/* Counts the send of answer m: res bytes sent, or -errno (counted as not answered, logged at
 * -v at a bounded rate). */
void udp_sent(struct udp_port *u, const struct msghdr *m, long res, long long now);

/* Reads what is waiting, up to u->batch datagrams, and answers each. Returns the number read,
 * 0 when none was waiting (EAGAIN) or -1 on an error of the socket (errno). */
int udp_serve(struct udp_port *u);

/* Batches an event loop serves from its UDP socket before it looks at its connections again:
 * a flood of datagrams must not starve TCP clients. */
#define UDP_BUDGET 8

/* Serves up to UDP_BUDGET batches of u's socket. Returns 1 when the budget ran out (more may
 * be waiting), else 0. */
int udp_serve_some(struct udp_port *u);

/* Serves u's socket, blocking, until a stop is asked: the textbook loop, one datagram at a
 * time. For the models without an event loop (iterative, fork, thread). */
void udp_serve_blocking(struct udp_port *u);

/* The UDP side of a model without an event loop (iterative, fork, thread): udp_serve_blocking()
 * on srv->udp_fd in a thread of its own beside the accept loop. */
struct udp_thread {
    struct udp_port port;
    pthread_t thread;
    int running;
};

/* Starts serving srv->udp_fd in a new thread; does nothing when srv serves no UDP. Returns 0,
 * or -1 after logging why not. */
int udp_thread_start(struct udp_thread *t, struct server *srv);

/* Waits for the thread (it ends with a stop) and frees what it held. */
void udp_thread_join(struct udp_thread *t);

#endif
