/* setup: what echo-bench settles before its first connection: descriptors, source addresses. */
#ifndef TCPECHO_BENCH_SETUP_H
#define TCPECHO_BENCH_SETUP_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Connections one source address is given by default. One address has the ~28,000 ephemeral
 * ports of ip_local_port_range (32768-60999) towards one destination, but connect() tries the
 * even half first and scans all of it before it takes an odd one: past ~14,000 connections
 * each connect() costs a scan. Measured on Linux 6.18, 2 CPUs: 19,000 connections from one
 * source took 5 s of system time to open, from two 0.8 s; 14,000 from one 0.5 s, 16,000 2 s.
 */
#define SETUP_CONNS_PER_SOURCE 10000
#define SETUP_MAX_SOURCES      254

/* Returns the descriptors a run of conns connections on threads load threads needs: one per
 * connection and per thread's epoll, and 15 for the standard streams, /proc and --hist. */
long setup_fds_needed(long conns, int threads);

/* Returns non-zero when addr is IPv4 loopback (127.0.0.0/8): every 127.x address is ours. */
int setup_is_loopback_v4(const struct sockaddr_storage *addr);

/*
 * Returns the source addresses the connections are spread over: asked (--sources) when
 * given, else 1 + (conns - 1) / SETUP_CONNS_PER_SOURCE on IPv4 loopback, else 1 (the kernel
 * picks). Returns -1 with the reason in err (len bytes) when asked > 1 and addr is not IPv4
 * loopback.
 */
int setup_sources(const struct sockaddr_storage *addr, long conns, int asked, char *err,
                  size_t len);

#endif
