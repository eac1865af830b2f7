/*
 * guard: what keeps a UDP service from being turned against others — loops with other
 * services, reflection to broadcast and multicast addresses, floods to a spoofed victim.
 * Pure code: the loops give it addresses and the time, it says whether to answer.
 *
 * UDP echo and chargen are the classic loop and reflection vectors: a datagram spoofed from
 * one echo service to another bounces between them forever (CVE-1999-0103, and the 2024 "Loop
 * DoS", VU#417980), and a spoofed source makes the server flood its victim. So, as OpenBSD's
 * inetd does, no answer goes to a port below 1024 (every internal service and most daemons that
 * answer, like DNS and NTP) nor to 2049 (NFS), nor to the well-known reflectors above 1024
 * listed in guard.c; none to a broadcast or multicast address; and each source address gets at
 * most --rate-limit answers a second (an IPv6 source counts by its /64, which one host may own
 * whole), all sources together at most --rate-limit-total.
 */
#ifndef TCPECHO_GUARD_H
#define TCPECHO_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Answers per second per source address, and for all sources. Why these figures: 1000 a second
 * is a ping every millisecond, more than any path measurement sends from one address, and at
 * most 1000 replies a second, no larger than the requests, is all a spoofed request can send
 * a victim; the total bounds what a flood from many addresses gets out of one loop. */
#define GUARD_RATE_DEFAULT       1000
#define GUARD_RATE_TOTAL_DEFAULT 100000
/* Sources tracked by one loop's rate limiter: a fixed table of GUARD_TABLE_SIZE slots of 32
 * bytes (128 KiB), whatever the number of senders. When it is full, the source seen longest
 * ago among GUARD_PROBE candidates gives its slot up. */
#define GUARD_TABLE_SIZE 4096
#define GUARD_PROBE      8

/* Why a datagram gets no answer (or GUARD_PASS: it does). */
enum guard_verdict {
    GUARD_PASS,
    GUARD_PORT,       /* from a port a service or daemon answers on: a loop or a reflection */
    GUARD_BROADCAST,  /* from or to a broadcast or multicast address */
    GUARD_RATE,       /* its source is over --rate-limit */
    GUARD_RATE_TOTAL, /* all sources together are over --rate-limit-total */
    GUARD_VERDICTS
};

struct guard_config {
    int ports;           /* refuse the ports above; cleared by --no-loop-guard */
    int broadcast;       /* refuse broadcast and multicast; cleared by --no-broadcast-guard */
    unsigned rate;       /* per source, per second; 0: no limit */
    unsigned rate_total; /* per loop, per second; 0: no limit */
};

struct guard_slot {
    uint8_t key[16]; /* the IPv4 address (as ::ffff:a.b.c.d), or an IPv6 /64 */
    int64_t last_ms; /* last refill; 0: the slot is free */
    int64_t tokens;  /* in thousandths of a datagram, up to the rate (one second's worth) */
};

/* One loop's guard: its own table, so loops never share a lock. */
struct guard {
    struct guard_config cfg;
    uint64_t seed;            /* hashes the keys, so senders cannot aim at one chain */
    struct guard_slot total;  /* the bucket of all sources */
    struct guard_slot *table; /* GUARD_TABLE_SIZE slots, when cfg.rate > 0 */
};

/* Sets g up (allocating the table when the rate is limited). seed should be random. Returns 0,
 * or -1 when memory ran out. */
int guard_init(struct guard *g, const struct guard_config *cfg, uint64_t seed);

void guard_fini(struct guard *g);

/* Should a datagram from src, sent to dst (NULL when unknown), get an answer at now_ms? Takes
 * one token from its source's bucket and the total when it does. */
enum guard_verdict guard_check(struct guard *g, const struct sockaddr *src,
                               const struct sockaddr *dst, int64_t now_ms);

/* Is port one that answers (a service below 1024, NFS, a known reflector)? */
int guard_port_refused(uint16_t port);

/* A few words on why, for logs and counters: "source port", "broadcast", ... */
const char *guard_verdict_name(enum guard_verdict v);

#endif
