/* bench: echo-bench's configuration, its load threads and what they measure. */
#ifndef TCPECHO_BENCH_H
#define TCPECHO_BENCH_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../net.h"
#include "hist.h"

#define BENCH_MAX_SIZE  ((size_t)1 << 20)
#define BENCH_MAX_CONNS 100000

struct bench_config {
    char host[NET_HOST_LEN];
    uint16_t port;
    long conns;          /* -c */
    size_t size;         /* -s: bytes per message */
    int depth;           /* -d: messages in flight per connection (closed loop) */
    double duration;     /* -t: seconds measured */
    double warmup;       /* -w: seconds run before measuring */
    double rate;         /* -r: messages per second in all (open loop); 0: closed loop */
    double connect_rate; /* connections opened per second; 0: all at once */
    int threads;         /* -T (0 on the command line: one per CPU, resolved by the parser) */
    int sources;         /* --sources: source addresses 127.0.0.x; 0 until main() chooses */
    int bulk;            /* --bulk: stream both ways, measure MB/s */
    int verify;          /* compare every echoed byte (on unless --no-verify) */
    int json;            /* --json: one JSON object on stdout */
    int quiet;           /* no progress line */
    int udp;             /* -u: UDP flows instead of TCP connections (udp_load.c) */
    int lost_after_ms;   /* --lost-after: a datagram not echoed by then is lost */
    int timeout;         /* seconds a connection attempt may take before it counts as failed */
    const char *hist_file;
    pid_t server_pid;             /* --server-pid: report its CPU per message and its memory */
    struct sockaddr_storage addr; /* the server, resolved once */
    socklen_t addr_len;
};

/* Counters of one thread; the progress line reads them while the thread runs. */
struct bench_counts {
    atomic_ullong msgs;             /* messages echoed whole (measured window) */
    atomic_ullong bytes_out;        /* bytes sent (measured window) */
    atomic_ullong bytes_in;         /* bytes echoed back (measured window) */
    atomic_ullong connected;        /* connections established */
    atomic_ullong mismatches;       /* connections whose echo differed from what was sent */
    atomic_ullong short_echoes;     /* closed by the server with echoes missing */
    atomic_ullong resets;           /* reset or other error by the server */
    atomic_ullong connect_failures; /* refused, reset, or not up within --timeout */
    atomic_ullong connect_timeouts; /* of those: not up within --timeout */
    /* UDP: the fate of the datagrams sent in the measured window, whenever it was known ... */
    atomic_ullong udp_sent, udp_echoed, udp_lost, udp_late, udp_reordered, udp_duplicated;
    /* ... and what came at any time: echoes not as sent, ICMP port unreachable, any echo. */
    atomic_ullong udp_corrupted, udp_refused, udp_answered;
};

/* How the measured echoes were shared out among the connections that got connected: a fair
 * server gives each about as much; an iterative one serves one and starves the rest. */
struct bench_spread {
    unsigned long long conns;    /* connections that got connected */
    unsigned long long min, max; /* bytes echoed to one connection in the measured window */
    unsigned long long starved;  /* connections that got no echo in the measured window */
};

/* The clock of a run: everything is measured against it. start_ns is set before crew_start(),
 * the others once every connection is up or has failed, before crew_go(). */
struct bench_clock {
    uint64_t start_ns;   /* connecting begins */
    uint64_t load_ns;    /* every connection is up or has failed: the load and warm-up start */
    uint64_t measure_ns; /* warm-up over: counting starts */
    uint64_t end_ns;     /* counting ends, connections close */
};

/* The load threads over TCP (load.c), for crew_start() (crew.h): each owns a share of the
 * connections, opens them (at --connect-rate, each attempt given --timeout) and holds them idle
 * until the crew is told to go, then loads and measures until clk->end_ns. */
struct crew_kind;
extern const struct crew_kind load_tcp;

#endif
