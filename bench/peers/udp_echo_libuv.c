/*
 * udp_echo_libuv: a plain libuv UDP echo server, the C peer the UDP benchmark compares tcpecho
 * against. Written the way libuv's documentation describes batched receive: the handle made
 * with uv_udp_init_ex(..., UV_UDP_RECVMMSG), so that one recvmmsg(2) reads up to 20 datagrams
 * into a buffer of 20 x 64 KiB, each handed to the receive callback as a chunk. Each datagram
 * goes straight back with uv_udp_try_send (one sendmsg, no copy); only when the socket refuses
 * it (or a send is already queued) is it copied and queued with uv_udp_send, and past 1024
 * queued datagrams the next is dropped, as the kernel drops what a full socket cannot take.
 *
 * Usage: udp-echo-libuv [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
 * 'udp-echo-libuv: listening on HOST:PORT' on stderr, like echo-server; SIGTERM or SIGINT ends
 * it with status 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define DGRAM_MAX  65536 /* libuv's chunk: the largest datagram it reads */
#define BATCH      20    /* libuv reads at most 20 datagrams per recvmmsg */
#define MAX_QUEUED 1024  /* datagrams waiting to be sent before one is dropped */

struct echo_send {
    uv_udp_send_t req;
    uv_buf_t buf;
};

static uv_udp_t sock;
/* One loop reads one batch at a time, and each datagram is sent or copied before the next
 * read: a single static buffer serves every read. */
static char batch_buf[BATCH * DGRAM_MAX];

static void alloc_buf(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(batch_buf, sizeof(batch_buf));
}

static void on_sent(uv_udp_send_t *req, int status)
{
    struct echo_send *s = (struct echo_send *)req;

    (void)status; /* a datagram not sent is a datagram lost: UDP says no more */
    free(s->buf.base);
    free(s);
}

/* Queues a copy of the n bytes at p for addr, unless too many already wait. */
static void queue_send(uv_udp_t *h, const char *p, size_t n, const struct sockaddr *addr)
{
    struct echo_send *s;

    if (uv_udp_get_send_queue_count(h) >= MAX_QUEUED || !(s = malloc(sizeof(*s))))
        return;
    s->buf = uv_buf_init(malloc(n ? n : 1), (unsigned)n);
    if (!s->buf.base) {
        free(s);
        return;
    }
    memcpy(s->buf.base, p, n);
    if (uv_udp_send(&s->req, h, &s->buf, 1, addr, on_sent) != 0) {
        free(s->buf.base);
        free(s);
    }
}

static void on_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr,
                    unsigned flags)
{
    uv_buf_t out;

    (void)flags; /* the buffer is static: UV_UDP_MMSG_FREE has nothing to free */
    if (n < 0 || !addr)
        return; /* an error (ICMP from an earlier reply) or nothing left to read */
    out = uv_buf_init(buf->base, (unsigned)n); /* n == 0: an empty datagram, echoed empty */
    if (uv_udp_try_send(h, &out, 1, addr) == UV_EAGAIN)
        queue_send(h, buf->base, (size_t)n, addr);
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    uv_stop(h->loop);
}

/* Binds sock to host:port (IPv4 or IPv6); returns 0 or a libuv error. */
static int bind_udp(uv_loop_t *loop, const char *host, int port)
{
    struct sockaddr_storage addr;
    int err;

    err = uv_udp_init_ex(loop, &sock, AF_UNSPEC | UV_UDP_RECVMMSG);
    if (err)
        return err;
    err = uv_ip4_addr(host, port, (struct sockaddr_in *)&addr);
    if (err)
        err = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr);
    if (!err)
        err = uv_udp_bind(&sock, (const struct sockaddr *)&addr, 0);
    if (!err)
        err = uv_udp_recv_start(&sock, alloc_buf, on_recv);
    return err;
}

int main(int argc, char **argv)
{
    const char *host = argc > 2 ? argv[2] : "127.0.0.1";
    struct sockaddr_storage addr;
    int namelen = sizeof(addr), port = 0, err;
    uv_signal_t sigterm, sigint;
    uv_loop_t *loop = uv_default_loop();
    char *end;

    if (argc > 3 || (argc > 1 && (strtol(argv[1], &end, 10), *end || end == argv[1]))) {
        fprintf(stderr, "usage: udp-echo-libuv [PORT] [HOST]\n");
        return 2;
    }
    if (argc > 1)
        port = (int)strtol(argv[1], NULL, 10);
    err = bind_udp(loop, host, port);
    if (err) {
        fprintf(stderr, "udp-echo-libuv: bind %s:%d: %s\n", host, port, uv_strerror(err));
        return 1;
    }
    uv_udp_getsockname(&sock, (struct sockaddr *)&addr, &namelen);
    port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
                                           : ((struct sockaddr_in6 *)&addr)->sin6_port);
    fprintf(stderr, "udp-echo-libuv: listening on %s:%d (recvmmsg %s)\n", host, port,
            uv_udp_using_recvmmsg(&sock) ? "on" : "off");
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
