/* net: addresses (parse, resolve, format), listen and connect helpers, socket options. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

__attribute__((format(printf, 2, 3))) static void seterr(char *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err, NET_ERR_LEN, fmt, ap);
    va_end(ap);
}

int net_parse_port(const char *s, uint16_t *port, char *err)
{
    const char *p = s;
    unsigned long v = 0;

    if (*p == '\0') {
        seterr(err, "invalid port '': empty");
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            seterr(err, "invalid port '%.40s': not a number", s);
            return -1;
        }
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535) {
            seterr(err, "invalid port '%.40s': out of range 0-65535", s);
            return -1;
        }
    }
    *port = (uint16_t)v;
    return 0;
}

int net_split_hostport(const char *arg, char *host, const char **port_out, char *err)
{
    const char *s = arg, *end, *colon;
    size_t len;

    if (s[0] == '[') {
        end = strchr(s, ']');
        if (!end || (end[1] != '\0' && end[1] != ':')) {
            seterr(err, "invalid address '%.80s': expected [IPv6] or [IPv6]:PORT", arg);
            return -1;
        }
        len = (size_t)(end - s - 1);
        s++;
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strchr(s, ':');
        /* Two colons or more: a bare IPv6 address, which has no room for a port. */
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;
        len = colon ? (size_t)(colon - s) : strlen(s);
    }
    if (len == 0 || len >= NET_HOST_LEN) {
        seterr(err, "invalid address '%.80s': %s host name", arg, len ? "over-long" : "empty");
        return -1;
    }
    memcpy(host, s, len);
    host[len] = '\0';
    if (colon)
        *port_out = colon + 1;
    return 0;
}

int net_parse_host_port(int n, char *const *args, int required, char *host, uint16_t *port,
                        char *err)
{
    const char *p = NULL;

    if (n > 2) {
        /* As each program's usage line says it: "HOST PORT" or "[HOST] [PORT]". */
        seterr(err, "too many arguments (expected %s)", required ? "HOST PORT" : "HOST and PORT");
        return -1;
    }
    if (n < 1 && !required)
        return 0;
    if (n < 1) {
        seterr(err, "missing HOST and PORT");
        return -1;
    }
    if (net_split_hostport(args[0], host, &p, err) < 0)
        return -1;
    if (n == 2 && p) {
        seterr(err, "port given twice ('%.80s' and '%.40s')", args[0], args[1]);
        return -1;
    }
    if (n == 2)
        p = args[1];
    if (!p && required) {
        seterr(err, "missing PORT");
        return -1;
    }
    return p ? net_parse_port(p, port, err) : 0;
}

char *net_format_ip(const struct sockaddr *sa, char *buf)
{
    const void *ip = NULL;

    if (sa->sa_family == AF_INET6)
        ip = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    else if (sa->sa_family == AF_INET)
        ip = &((const struct sockaddr_in *)sa)->sin_addr;
    if (!ip || !inet_ntop(sa->sa_family, ip, buf, NET_ADDR_LEN))
        snprintf(buf, NET_ADDR_LEN, "(family %d)", sa->sa_family);
    return buf;
}

char *net_format(const struct sockaddr *sa, char *buf)
{
    char ip[NET_ADDR_LEN];

    if (sa->sa_family == AF_INET6)
        snprintf(buf, NET_ADDR_LEN, "[%s]:%u", net_format_ip(sa, ip),
                 ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
    else if (sa->sa_family == AF_INET)
        snprintf(buf, NET_ADDR_LEN, "%s:%u", net_format_ip(sa, ip),
                 ntohs(((const struct sockaddr_in *)sa)->sin_port));
    else
        net_format_ip(sa, buf);
    return buf;
}

char *net_fd_addr(int fd, int peer, char *buf)
{
    struct sockaddr_storage ss = {0};
    socklen_t len = sizeof(ss);
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                 : getsockname(fd, (struct sockaddr *)&ss, &len);

    return r == 0 ? net_format((struct sockaddr *)&ss, buf) : NULL;
}

/* Resolves host:port for a stream socket, with getaddrinfo()'s flags (AI_PASSIVE...). Returns
 * the list, or NULL with a reason in err. */
static struct addrinfo *resolve(const char *host, uint16_t port, int flags, char *err)
{
    struct addrinfo hints = {0}, *res = NULL;
    char service[8];
    int r;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | flags;
    snprintf(service, sizeof(service), "%u", port);
    r = getaddrinfo(host, service, &hints, &res);
    if (r != 0) {
        seterr(err, "resolve %s: %s", host ? host : "*",
               r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
        return NULL;
    }
    return res;
}

int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *len,
                char *err)
{
    /* Without AI_ADDRCONFIG, which counts no loopback address: on a host whose only IPv6
     * address is ::1 it would refuse "::1" (getaddrinfo(3)). */
    struct addrinfo *res = resolve(host, port, 0, err);

    if (!res)
        return -1;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Opens a socket for one resolved address: its descriptor, or -1 (errno). a and b are the
 * caller's two numbers (backlog and flags, a timeout, flags). */
typedef int (*open_fn)(const struct addrinfo *ai, int a, int b);

/*
 * Resolves host:port with getaddrinfo()'s flags and calls open on each address in turn until
 * one gives a descriptor. Returns it, or -1 with "what ADDRESS: reason" of the last failure in
 * err: "bind 0.0.0.0:7000: Address already in use".
 */
static int each_address(const char *host, uint16_t port, int gai_flags, const char *what,
                        open_fn open, int a, int b, char *err)
{
    struct addrinfo *res, *ai;
    char addr[NET_ADDR_LEN];
    int fd = -1;

    res = resolve(host, port, gai_flags, err);
    if (!res)
        return -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = open(ai, a, b);
        if (fd < 0)
            seterr(err, "%s %s: %s", what, net_format(ai->ai_addr, addr), strerror(errno));
    }
    freeaddrinfo(res);
    return fd;
}

/* Creates a close-on-exec TCP socket bound to ai and listening. Returns fd, or -1 (errno). */
static int listen_one(const struct addrinfo *ai, int backlog, int flags)
{
    int fd, on = 1, saved;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    /* SO_REUSEADDR: a restarted server must not wait out the TIME_WAIT of the connections it
     * closed first (seed 003); without it bind() fails with EADDRINUSE for a minute. */
    if ((!(flags & NET_REUSEADDR) ||
         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0) &&
        bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
        return fd;
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int net_listen(const char *host, uint16_t port, int backlog, int flags, char *err)
{
    return each_address(host, port, AI_PASSIVE, "bind", listen_one, backlog, flags, err);
}

int net_bind_udp_addr(const struct sockaddr *sa, socklen_t len, int flags)
{
    int fd, on = 1, saved, r = 0, rcvbuf = NET_UDP_RCVBUF;

    fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (flags & NET_REUSEPORT)
        r = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
    /* Room for bursts: the default (about 200 KiB, some 300 small datagrams counting the
     * kernel's overhead) drops datagrams when fifty senders have sixteen each in flight. Memory
     * is only used while datagrams wait. Past net.core.rmem_max only with CAP_NET_ADMIN. */
    if (r == 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    /* A dual-stack IPv6 socket reports IPv4 datagrams' destination with IP_PKTINFO. */
    if (r == 0 && sa->sa_family == AF_INET6)
        r = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
    if (r == 0 && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0 &&
        sa->sa_family == AF_INET)
        r = -1;
    if (r == 0 && bind(fd, sa, len) == 0)
        return fd;
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* net_bind_udp_addr() for each_address(). */
static int bind_udp_one(const struct addrinfo *ai, int flags, int unused)
{
    (void)unused;
    return net_bind_udp_addr(ai->ai_addr, ai->ai_addrlen, flags);
}

int net_bind_udp(const char *host, uint16_t port, int flags, char *err)
{
    return each_address(host, port, AI_PASSIVE, "bind udp", bind_udp_one, flags, 0, err);
}

/* Waits up to timeout_ms for a non-blocking connect on fd to finish. Returns 0 or -1 (errno). */
static int connect_wait(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int r, soerr = 0;
    socklen_t len = sizeof(soerr);

    do
        r = poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        errno = ETIMEDOUT;
    if (r <= 0)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        return -1;
    errno = soerr;
    return soerr ? -1 : 0;
}

/* Connects a new socket to ai within timeout_ms. Returns a blocking fd, or -1 (errno). */
static int connect_one(const struct addrinfo *ai, int timeout_ms, int unused)
{
    (void)unused;
    int fd, saved, r;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (timeout_ms > 0 && net_set_nonblock(fd, 1) < 0)
        goto fail;
    r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r < 0 && (errno == EINPROGRESS || errno == EINTR) && timeout_ms > 0)
        r = connect_wait(fd, timeout_ms);
    if (r == 0 && (timeout_ms <= 0 || net_set_nonblock(fd, 0) == 0))
        return fd;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int net_connect(const char *host, uint16_t port, int timeout_ms, char *err)
{
    return each_address(host, port, AI_ADDRCONFIG, "connect", connect_one, timeout_ms, 0, err);
}

int net_set_nonblock(int fd, int on)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0)
        return -1;
    flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    return fcntl(fd, F_SETFL, flags);
}

int net_set_nodelay(int fd)
{
    int on = 1;

    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

long long net_raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit up = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};

        /* An unlimited hard limit is still capped by fs.nr_open: then the soft one stays. */
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LLONG_MAX ? LLONG_MAX
                                                                   : (long long)rl.rlim_cur;
}
