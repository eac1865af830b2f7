/* net: addresses (parse, resolve, format), listen and connect helpers, socket options. */
#ifndef TCPECHO_NET_H
#define TCPECHO_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for a one-line error message ("bind 127.0.0.1:7000: Address already in use"). */
#define NET_ERR_LEN 256
/* Room for "[v6-address]:port" or "host:port" with the longest host name. */
#define NET_ADDR_LEN 300
/* Longest host part net_split_hostport() accepts (DNS names are at most 253 characters). */
#define NET_HOST_LEN 256

/* Parses a decimal TCP port 0-65535 into *port. Returns 0, or -1 with a reason in err. */
int net_parse_port(const char *s, uint16_t *port, char *err);

/*
 * Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address ("::1") into host
 * (at most NET_HOST_LEN bytes with its NUL) and port (NULL when absent: *port_out is then
 * left untouched). Returns 0, or -1 with a reason in err.
 */
int net_split_hostport(const char *arg, char *host, const char **port_out, char *err);

/*
 * Reads a program's HOST [PORT] arguments, the n strings of args: HOST may carry the port
 * (HOST:PORT, [IPv6]:PORT). With required, both must be given; without, each may be missing
 * and host (NET_HOST_LEN bytes) or *port keeps its default. Returns 0, or -1 with a reason in
 * err ("port given twice ('h:1' and '2')").
 */
int net_parse_host_port(int n, char *const *args, int required, char *host, uint16_t *port,
                        char *err);

/*
 * Resolves host and port to the first TCP address getaddrinfo() gives, into *addr and *len:
 * for a program that opens many connections to one address. Returns 0, or -1 with "resolve
 * HOST: reason" in err.
 */
int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *len,
                char *err);

/* Writes "1.2.3.4:80" or "[::1]:80" for sa into buf (NET_ADDR_LEN bytes). Returns buf. */
char *net_format(const struct sockaddr *sa, char *buf);

/* Writes the address of sa without its port, "1.2.3.4" or "::1", into buf (NET_ADDR_LEN
 * bytes). Returns buf. */
char *net_format_ip(const struct sockaddr *sa, char *buf);

/* Writes the local (peer == 0) or remote address of fd into buf. Returns buf, or NULL. */
char *net_fd_addr(int fd, int peer, char *buf);

/* net_listen flags. */
#define NET_REUSEADDR 1 /* SO_REUSEADDR: bind even while old connections sit in TIME_WAIT */

/*
 * Resolves host (NULL: the wildcard addresses) and binds a listening TCP socket to the first
 * address that accepts it, with SO_REUSEADDR when flags has NET_REUSEADDR. Returns the fd, or
 * -1 with "bind 0.0.0.0:7000: reason" in err.
 */
int net_listen(const char *host, uint16_t port, int backlog, int flags, char *err);

/* The receive buffer a UDP server asks for (SO_RCVBUF): see net_bind_udp_addr(). */
#define NET_UDP_RCVBUF (4 * 1024 * 1024)

/* net_bind_udp flags. */
#define NET_REUSEPORT 2 /* SO_REUSEPORT: one socket per loop thread on the same port */

/*
 * Resolves host (NULL: the wildcard addresses) and binds a UDP socket to the first address that
 * accepts it, asking for each datagram's destination address (IP_PKTINFO, IPV6_RECVPKTINFO) so
 * that answers leave from the address the client wrote to. Returns the fd, or -1 with "bind udp
 * 0.0.0.0:7000: reason" in err.
 */
int net_bind_udp(const char *host, uint16_t port, int flags, char *err);

/* Binds a UDP socket as net_bind_udp() does, to the address sa exactly. Returns the fd, or -1
 * (errno). */
int net_bind_udp_addr(const struct sockaddr *sa, socklen_t len, int flags);

/*
 * Resolves host and connects to each address in turn until one answers, giving each at most
 * timeout_ms (0: the kernel's own limit). Returns a blocking fd, or -1 with the reason of the
 * last failure in err ("connect 127.0.0.1:7000: Connection refused").
 */
int net_connect(const char *host, uint16_t port, int timeout_ms, char *err);

/* Sets or clears O_NONBLOCK on fd. Returns 0 or -1. */
int net_set_nonblock(int fd, int on);

/* Disables Nagle's algorithm: an echo must not wait for a delayed ACK. Returns 0 or -1. */
int net_set_nodelay(int fd);

/*
 * Raises the soft descriptor limit to the hard one: the default 1024 is too few for a load
 * test, on either side. Returns the soft limit now in force (LLONG_MAX for unlimited), or -1
 * when it cannot be read.
 */
long long net_raise_fd_limit(void);

#endif
