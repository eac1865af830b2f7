/* udp: one loop's datagrams — read, check, answer, send — for every model that serves UDP. */
#include "udp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "../clock.h"
#include "../net.h"
#include "../sig.h"

/* Returns the port fd is bound to, or 0. */
static uint16_t bound_port(int fd)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } a;
    socklen_t len = sizeof(a);

    memset(&a, 0, sizeof(a));
    if (getsockname(fd, &a.sa, &len) < 0)
        return 0;
    return ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in.sin_port);
}

int udp_bind(struct server *srv, char *err)
{
    const struct server_config *cfg = srv->cfg;
    uint16_t port = srv->listen_fd >= 0 ? bound_port(srv->listen_fd) : cfg->port;
    int probe = net_bind_udp(cfg->host, port, 0, err);

    /* The probe, without SO_REUSEPORT, fails while anything holds the port (another
     * echo-server's sockets included); a port of 0 gets the kernel's choice, kept. */
    if (probe < 0)
        return -1;
    port = bound_port(probe);
    close(probe);
    srv->udp_fd = net_bind_udp(cfg->host, port, NET_REUSEPORT, err);
    if (srv->udp_fd < 0)
        return -1;
    srv->udp_reuseport = 1;
    return net_set_nonblock(srv->udp_fd, 1);
}

/* Binds one more socket on srv's UDP port. Returns it, non-blocking, or -1 (errno). */
static int bind_sibling(const struct server *srv)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd;

    if (getsockname(srv->udp_fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    fd = net_bind_udp_addr((struct sockaddr *)&ss, len, NET_REUSEPORT);
    if (fd >= 0 && net_set_nonblock(fd, 1) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int udp_bind_loops(struct server *srv, int n, char *err)
{
    if (srv->udp_fd < 0 || !srv->udp_reuseport || n < 2)
        return 0;
    srv->udp_spare = calloc((size_t)n - 1, sizeof(int));
    if (!srv->udp_spare) {
        snprintf(err, NET_ERR_LEN, "udp: out of memory");
        return -1;
    }
    for (; srv->udp_nspare < n - 1; srv->udp_nspare++) {
        int fd = bind_sibling(srv);

        if (fd < 0) {
            snprintf(err, NET_ERR_LEN, "bind udp (a socket for each loop): %s", strerror(errno));
            return -1;
        }
        srv->udp_spare[srv->udp_nspare] = fd;
    }
    if (udp_steer_by_source(srv, n) < 0)
        log_info("udp: datagrams spread over the loops by address and port: %s (a sender "
                 "using many ports gets up to %d times --rate-limit)",
                 strerror(errno), n);
    return 0;
}

int udp_sibling(struct server *srv)
{
    if (!srv->udp_reuseport)
        return srv->udp_fd;
    if (srv->udp_nspare > 0) { /* taken in the order bound: the order steering counts */
        int fd = srv->udp_spare[0];

        memmove(srv->udp_spare, srv->udp_spare + 1, (size_t)--srv->udp_nspare * sizeof(int));
        return fd;
    }
    return bind_sibling(srv);
}

void udp_close_spare(struct server *srv)
{
    for (int i = 0; i < srv->udp_nspare; i++)
        close(srv->udp_spare[i]);
    free(srv->udp_spare);
    srv->udp_spare = NULL;
    srv->udp_nspare = 0;
}

int udp_steer_by_source(struct server *srv, int n)
{
    /* Classic BPF, run on each datagram to pick the socket: the source address (IPv6: the
     * two words of its /64 xor'ed), multiplied by a large odd constant so that addresses
     * apart by one land apart, the product's high half, modulo n. */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 8), /* ip6_hdr: source, bytes 8-23 */
        BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12),
        BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12), /* iphdr: source, bytes 12-15 */
        BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u),
        BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
        BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, (unsigned)n),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct sock_fprog prog;

    if (n < 2 || !srv->udp_reuseport)
        return 0;
    memset(&prog, 0, sizeof(prog)); /* its padding goes to the kernel too */
    prog.len = sizeof(code) / sizeof(code[0]);
    prog.filter = code;
    return setsockopt(srv->udp_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

int udp_port_init(struct udp_port *u, struct server *srv, int fd, int batch)
{
    uint64_t seed = 0;

    memset(u, 0, sizeof(*u));
    u->srv = srv;
    u->fd = fd;
    u->batch = batch < 0 ? 0 : batch > UDP_BATCH ? UDP_BATCH : batch;
    /* A seed nobody can guess keeps senders from aiming at one chain of the rate table; the
     * clock is a fallback good enough where getrandom() is missing. */
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
        seed = (uint64_t)clock_now_ns() ^ (uint64_t)(uintptr_t)u;
    u->slots = u->batch > 0 ? malloc((size_t)u->batch * srv->cfg->max_datagram) : NULL;
    if ((u->batch > 0 && !u->slots) || guard_init(&u->guard, &srv->cfg->guard, seed) < 0) {
        free(u->slots);
        u->slots = NULL;
        return -1;
    }
    for (int i = 0; i < u->batch; i++) {
        u->iov[i].iov_base = u->slots + (size_t)i * srv->cfg->max_datagram;
        u->iov[i].iov_len = srv->cfg->max_datagram;
    }
    return 0;
}

void udp_port_flush(struct udp_port *u)
{
    struct server_stats *st = u->srv->stats;
    struct udp_counts *c = &u->counts;

    if (c->in == 0 && c->out == 0)
        return;
    atomic_fetch_add(&st->datagrams_in, c->in);
    atomic_fetch_add(&st->datagrams_out, c->out);
    atomic_fetch_add(&st->bytes_in, c->bytes_in);
    atomic_fetch_add(&st->bytes_out, c->bytes_out);
    for (int i = 1; i < DGRAM_DROPS; i++)
        if (c->dropped[i])
            atomic_fetch_add(&st->dropped[i], c->dropped[i]);
    memset(c, 0, sizeof(*c));
}

void udp_port_fini(struct udp_port *u)
{
    udp_port_flush(u);
    guard_fini(&u->guard);
    free(u->slots);
    u->slots = NULL;
}

/* The destination datagram d was sent to, from its control data, into dst. Returns dst, or
 * NULL when the kernel did not say. */
static const struct sockaddr *destination(const struct udp_datagram *d,
                                          struct sockaddr_storage *dst)
{
    struct msghdr m = {.msg_control = d->control, .msg_controllen = d->controllen};

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct sockaddr_in *in = (struct sockaddr_in *)dst;
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memset(in, 0, sizeof(*in));
            in->sin_family = AF_INET;
            in->sin_addr = pi.ipi_addr;
            return (struct sockaddr *)dst;
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)dst;
            struct in6_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memset(in6, 0, sizeof(*in6));
            in6->sin6_family = AF_INET6;
            in6->sin6_addr = pi.ipi6_addr;
            return (struct sockaddr *)dst;
        }
    }
    return NULL;
}

/*
 * Writes into out the control data that makes the answer leave from the address the request
 * was sent to (on a wildcard socket the kernel would otherwise pick the route's address, and a
 * client whose socket is connected to the other one would never see the answer). Returns its
 * length, 0 when the request said nothing.
 */
static size_t source_control(const struct udp_datagram *d, union udp_control *out)
{
    struct msghdr in = {.msg_control = d->control, .msg_controllen = d->controllen};
    struct msghdr m = {.msg_control = out->buf, .msg_controllen = sizeof(out->buf)};
    struct cmsghdr *o = CMSG_FIRSTHDR(&m);

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&in); c; c = CMSG_NXTHDR(&in, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            pi.ipi_spec_dst = pi.ipi_addr;
            pi.ipi_ifindex = 0; /* any interface: the route decides */
            o->cmsg_level = IPPROTO_IP;
            o->cmsg_type = IP_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof(pi));
            memcpy(CMSG_DATA(o), &pi, sizeof(pi));
            return CMSG_SPACE(sizeof(pi));
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            o->cmsg_level = IPPROTO_IPV6;
            o->cmsg_type = IPV6_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(struct in6_pktinfo));
            return CMSG_SPACE(sizeof(struct in6_pktinfo));
        }
    }
    return 0;
}

/* Counts a datagram left unanswered for cause, and says so at most once a second per cause
 * (at -v for truncation and failed sends, which say nothing about the sender's intent). */
static void drop(struct udp_port *u, int cause, const struct sockaddr *from, size_t len,
                 long long now)
{
    char addr[NET_ADDR_LEN];

    u->counts.dropped[cause]++;
    if (now - u->last_log_ms[cause] < 1000)
        return;
    u->last_log_ms[cause] = now;
    net_format(from, addr);
    if (cause == DGRAM_TRUNCATED)
        log_info("udp: datagram from %s longer than --max-datagram %zu: not answered", addr,
                 u->srv->cfg->max_datagram);
    else if (cause == DGRAM_SEND_FAILED)
        log_info("udp: answer to %s not sent: %s", addr, strerror(errno));
    else
        log_notice("udp: no answer to %s (%zu bytes): %s%s", addr, len,
                   guard_verdict_name((enum guard_verdict)cause),
                   cause == GUARD_PORT ? " of a service that answers (a loop)" : "");
}

int udp_answer(struct udp_port *u, const struct udp_datagram *d, long long now, struct msghdr *out,
               struct udp_reply *r)
{
    struct sockaddr_storage dst;
    enum guard_verdict v;

    u->counts.in++;
    u->counts.bytes_in += d->len;
    if (d->truncated) {
        drop(u, DGRAM_TRUNCATED, d->from, d->len, now);
        return 0;
    }
    v = guard_check(&u->guard, d->from, destination(d, &dst), now);
    if (v != GUARD_PASS) {
        drop(u, (int)v, d->from, d->len, now);
        return 0;
    }
    r->dgram.chargen_line = u->chargen_line;
    if (!service_datagram(&u->srv->cfg->service, &r->dgram, d->data, d->len))
        return 0; /* discard */
    u->chargen_line = r->dgram.chargen_line;
    memset(out, 0, sizeof(*out));
    out->msg_name = d->from;
    out->msg_namelen = d->fromlen;
    out->msg_iov = r->dgram.iov;
    out->msg_iovlen = (size_t)r->dgram.iovcnt;
    out->msg_control = r->control.buf;
    out->msg_controllen = source_control(d, &r->control);
    if (out->msg_controllen == 0)
        out->msg_control = NULL;
    return 1;
}

void udp_sent(struct udp_port *u, const struct msghdr *m, long res, long long now)
{
    if (res < 0) {
        errno = (int)-res; /* for drop()'s log line */
        drop(u, DGRAM_SEND_FAILED, m->msg_name, 0, now);
        return;
    }
    u->counts.out++;
    u->counts.bytes_out += (unsigned long)res;
}

/* Describes datagram i of the last read. */
static void datagram_of(struct udp_port *u, int i, struct udp_datagram *d)
{
    struct msghdr *m = &u->in[i].msg_hdr;

    d->from = (struct sockaddr *)&u->from[i];
    d->fromlen = m->msg_namelen;
    d->control = m->msg_control;
    d->controllen = m->msg_controllen;
    d->data = u->iov[i].iov_base;
    d->len = u->in[i].msg_len;
    d->truncated = (m->msg_flags & MSG_TRUNC) != 0;
}

/* Readies slot i for the next read. */
static void arm(struct udp_port *u, int i)
{
    struct msghdr *m = &u->in[i].msg_hdr;

    m->msg_name = &u->from[i];
    m->msg_namelen = sizeof(u->from[i]);
    m->msg_iov = &u->iov[i];
    m->msg_iovlen = 1;
    m->msg_control = u->ctl_in[i].buf;
    m->msg_controllen = sizeof(u->ctl_in[i].buf);
    m->msg_flags = 0;
}

/* Reads up to u->batch datagrams. Returns the count, 0 when none waits, -1 (errno). */
static int receive(struct udp_port *u)
{
    ssize_t r;
    int n;

    for (int i = 0; i < u->batch; i++)
        arm(u, i);
    do {
        if (u->batch == 1) { /* one datagram: the plain call, as a textbook server makes */
            r = recvmsg(u->fd, &u->in[0].msg_hdr, MSG_DONTWAIT);
            u->in[0].msg_len = r > 0 ? (unsigned)r : 0;
            n = r < 0 ? -1 : 1;
        } else {
            n = recvmmsg(u->fd, u->in, (unsigned)u->batch, MSG_DONTWAIT, NULL);
        }
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return n;
}

/* Sends the n answers in u->out; one that fails is counted and skipped, never retried. */
static void send_answers(struct udp_port *u, int n, long long now)
{
    int k = 0, r;

    while (k < n) {
        if (n - k == 1) {
            ssize_t s = sendmsg(u->fd, &u->out[k].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL);
            u->out[k].msg_len = s > 0 ? (unsigned)s : 0;
            r = s < 0 ? -1 : 1;
        } else {
            r = sendmmsg(u->fd, u->out + k, (unsigned)(n - k), MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            udp_sent(u, &u->out[k].msg_hdr, -(long)errno, now);
            k++;
            continue;
        }
        for (int i = k; i < k + r; i++)
            udp_sent(u, &u->out[i].msg_hdr, (long)u->out[i].msg_len, now);
        k += r;
    }
}

int udp_serve(struct udp_port *u)
{
    struct udp_datagram d;
    long long now;
    int n = receive(u), answers = 0;

    if (n <= 0)
        return n;
    now = clock_now_ms();
    for (int i = 0; i < n; i++) {
        datagram_of(u, i, &d);
        answers += udp_answer(u, &d, now, &u->out[answers].msg_hdr, &u->reply[answers]);
    }
    send_answers(u, answers, now);
    udp_port_flush(u);
    return n;
}

int udp_serve_some(struct udp_port *u)
{
    /* An error is the socket's own (an ICMP error queued on it): the next call goes on. */
    for (int i = 0; i < UDP_BUDGET; i++)
        if (udp_serve(u) < u->batch)
            return 0;
    return 1;
}

void udp_serve_blocking(struct udp_port *u)
{
    struct pollfd p[2] = {{.fd = u->fd, .events = POLLIN}, {.fd = sig_stop_fd(), .events = POLLIN}};

    while (!sig_stop_requested()) {
        if (poll(p, 2, SERVER_MAX_WAIT_MS) < 0 && errno != EINTR)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        /* A failure of one datagram's read (an ICMP error queued on the socket) is not the
         * socket's: go on. */
        while (!sig_stop_requested() && udp_serve(u) > 0)
            ;
    }
}

static void *udp_thread_main(void *arg)
{
    udp_serve_blocking(arg);
    return NULL;
}

int udp_thread_start(struct udp_thread *t, struct server *srv)
{
    int err;

    t->running = 0;
    if (srv->udp_fd < 0)
        return 0;
    if (udp_port_init(&t->port, srv, srv->udp_fd, 1) < 0) {
        log_error("udp: out of memory");
        return -1;
    }
    err = pthread_create(&t->thread, NULL, udp_thread_main, &t->port);
    if (err) {
        log_error("udp: thread: %s", strerror(err));
        udp_port_fini(&t->port);
        return -1;
    }
    t->running = 1;
    return 0;
}

void udp_thread_join(struct udp_thread *t)
{
    if (!t->running)
        return;
    pthread_join(t->thread, NULL);
    udp_port_fini(&t->port);
    t->running = 0;
}
