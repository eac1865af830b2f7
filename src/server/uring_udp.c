/*
 * uring_udp: a ring's UDP socket — one multishot recvmsg into a buffer ring of its own, each
 * datagram through udp.c's decision (guard, service, counters), its answer sent with sendmsg
 * from the buffer it arrived in, the buffer given back once the send completes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "udp.h"
#include "uring_internal.h"

#define UDP_GROUP 1 /* a buffer group of its own: TCP's receives take BUF_GROUP's */
/* Buffers per ring, a power of two. Each holds one datagram from its receive to the end of
 * its answer's send; when all are out the receive ends (ENOBUFS) and is re-armed as sends give
 * them back. 32, as an event loop's batch of udp.c slots: measured in uring.c's header. */
#define UDP_BUFS 32
/* Room for the sender's address: an IPv6 one, rounded so that the control data after it is
 * aligned for its cmsghdr. */
#define NAME_ROOM CMSG_ALIGN(sizeof(struct sockaddr_in6))
#define PAGE      4096

/* An answer being sent from buffer bid: what its sendmsg reads until it completes. */
struct udp_send {
    struct msghdr msg;
    struct udp_reply reply;
};

struct uring_udp {
    struct udp_port port; /* the fd, the guard, the counters: udp.c's */
    int port_ok;
    struct io_uring_buf_ring *br;
    char *bufs;
    size_t len, stride;     /* a buffer's room (header, name, control, max_datagram), and apart */
    struct msghdr recv_msg; /* the receive's layout: how much room the name and control take */
    struct udp_send *sends; /* by buffer id */
    unsigned free_bufs;
    int recv_on, recv_cancel;
};

/* Names the request in sqe: which 0 is the receive, bid + 1 the send from buffer bid. */
static void tag(struct loop *l, struct io_uring_sqe *sqe, unsigned which)
{
    io_uring_sqe_set_data64(sqe, (uint64_t)which << OP_BITS | OP_UDP);
    l->inflight++;
}

static char *buf_addr(const struct uring_udp *u, unsigned bid)
{
    return u->bufs + (size_t)bid * u->stride;
}

/* Hands buffer bid back to the kernel for the receive. */
static void give_back(struct uring_udp *u, unsigned bid)
{
    io_uring_buf_ring_add(u->br, buf_addr(u, bid), (unsigned)u->len, (unsigned short)bid,
                          io_uring_buf_ring_mask(UDP_BUFS), 0);
    io_uring_buf_ring_advance(u->br, 1);
    u->free_bufs++;
}

int uring_udp_init(struct loop *l)
{
    size_t head = sizeof(struct io_uring_recvmsg_out) + NAME_ROOM + sizeof(union udp_control);
    struct uring_udp *u = calloc(1, sizeof(*u));
    void *p;
    int err = ENOMEM;

    l->udp = u;
    if (!u || udp_port_init(&u->port, l->srv, l->udp_fd, 0) < 0)
        goto fail;
    u->port_ok = 1;
    u->len = head + l->srv->cfg->max_datagram;
    u->stride = (u->len + PAGE - 1) / PAGE * PAGE; /* a small datagram touches one page */
    p = mmap(NULL, UDP_BUFS * u->stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
             0);
    u->bufs = p == MAP_FAILED ? NULL : p;
    u->sends = calloc(UDP_BUFS, sizeof(*u->sends));
    if (!u->bufs || !u->sends)
        goto fail;
    u->br =
        uring_buf_ring_register(&l->ring, UDP_GROUP, UDP_BUFS, u->bufs, u->stride, u->len, &err);
    if (!u->br)
        goto fail;
    u->free_bufs = UDP_BUFS;
    u->recv_msg.msg_namelen = NAME_ROOM;
    u->recv_msg.msg_controllen = sizeof(union udp_control);
    return 0;
fail:
    log_error("io_uring: udp: %s", strerror(err));
    return -1;
}

void uring_udp_start(struct loop *l)
{
    struct uring_udp *u = l->udp;
    struct io_uring_sqe *sqe = uring_get_sqe(l);

    io_uring_prep_recvmsg_multishot(sqe, u->port.fd, &u->recv_msg, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = UDP_GROUP;
    tag(l, sqe, 0);
    u->recv_on = 1;
}

/*
 * Datagram res bytes long in buffer bid (header, name, control, payload: see
 * io_uring_recvmsg_out): answered through udp.c, the answer sent from the buffer itself.
 * Returns 1 when a send now holds bid, 0 when it can go back at once.
 */
static int serve(struct loop *l, unsigned bid, int res)
{
    struct uring_udp *u = l->udp;
    struct udp_send *s = &u->sends[bid];
    struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf_addr(u, bid), res, &u->recv_msg);
    struct io_uring_sqe *sqe;
    struct udp_datagram d;

    if (!o)
        return 0;
    d.from = io_uring_recvmsg_name(o);
    d.fromlen = o->namelen < u->recv_msg.msg_namelen ? o->namelen : u->recv_msg.msg_namelen;
    d.control = io_uring_recvmsg_cmsg_firsthdr(o, &u->recv_msg);
    d.controllen = d.control ? o->controllen : 0;
    d.data = io_uring_recvmsg_payload(o, &u->recv_msg);
    d.len = io_uring_recvmsg_payload_length(o, res, &u->recv_msg);
    d.truncated = (o->flags & MSG_TRUNC) != 0;
    if (!udp_answer(&u->port, &d, l->now, &s->msg, &s->reply))
        return 0;
    sqe = uring_get_sqe(l);
    /* MSG_DONTWAIT as udp.c's sends: a full send buffer fails the answer (counted) rather than
     * parking it, and its buffer, on a poll. */
    io_uring_prep_sendmsg(sqe, u->port.fd, &s->msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    tag(l, sqe, bid + 1);
    return 1;
}

/* A datagram, or the end of the receive: ENOBUFS (every buffer holds an answer being sent),
 * ECANCELED (stopping), or an error of the socket. */
static void on_recv(struct loop *l, const struct completion *cqe)
{
    struct uring_udp *u = l->udp;
    unsigned bid;

    if (!(cqe->flags & IORING_CQE_F_MORE))
        u->recv_on = u->recv_cancel = 0;
    if (!(cqe->flags & IORING_CQE_F_BUFFER)) {
        if (cqe->res < 0 && cqe->res != -ENOBUFS && cqe->res != -ECANCELED)
            log_info("udp: receive: %s", strerror(-cqe->res));
        return;
    }
    bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    u->free_bufs--;
    /* Stopping: what still arrives is left unanswered, as the other loops leave it unread. */
    if (cqe->res < 0 || l->stopping || !serve(l, bid, cqe->res))
        give_back(u, bid);
}

void uring_udp_on_cqe(struct loop *l, const struct completion *cqe)
{
    struct uring_udp *u = l->udp;
    unsigned which = (unsigned)(cqe->user_data >> OP_BITS);

    if (which == 0) {
        on_recv(l, cqe);
    } else {
        udp_sent(&u->port, &u->sends[which - 1].msg, cqe->res, l->now);
        give_back(u, which - 1);
    }
    /* The receive ended (or ran out of buffers): on again once there is a buffer to take. */
    if (!u->recv_on && !l->stopping && u->free_bufs > 0)
        uring_udp_start(l);
}

void uring_udp_stop(struct loop *l)
{
    struct uring_udp *u = l->udp;

    if (u && u->recv_on && !u->recv_cancel) {
        uring_cancel(l, NULL, OP_UDP); /* user_data 0 | OP_UDP: the receive, not a send */
        u->recv_cancel = 1;
    }
}

void uring_udp_flush(struct loop *l)
{
    if (l->udp)
        udp_port_flush(&l->udp->port);
}

void uring_udp_fini(struct loop *l)
{
    struct uring_udp *u = l->udp;

    if (!u)
        return;
    if (u->port_ok)
        udp_port_fini(&u->port);
    if (u->br)
        munmap(u->br, UDP_BUFS * sizeof(struct io_uring_buf));
    if (u->bufs)
        munmap(u->bufs, UDP_BUFS * u->stride);
    free(u->sends);
    free(u);
    l->udp = NULL;
}
