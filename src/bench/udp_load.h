/* udp_load: echo-bench's load threads over UDP (-u), with the same life as load.h's: start,
 * go, peek, finish. */
#ifndef TCPECHO_BENCH_UDP_LOAD_H
#define TCPECHO_BENCH_UDP_LOAD_H

#include "bench.h"

struct udp_thread;

/* Starts the load threads; each opens its flows (a UDP socket connect()ed to the server) and
 * holds them idle until udp_load_go(). Returns 0, or -1 after logging; either way
 * udp_load_go() and udp_load_finish() must follow. */
int udp_load_start(const struct bench_config *cfg, const struct bench_clock *clk,
                   struct udp_thread **threads);

/* Starts the load (clk complete). The threads send until clk->end_ns, then wait for the
 * datagrams still in flight, at most --lost-after, and count what did not come as lost. */
void udp_load_go(struct udp_thread *threads, int n);

/* Sums the live counters of the running threads into *c. */
void udp_load_peek(struct udp_thread *threads, int n, struct bench_counts *c);

/* Waits for the threads and merges what they measured, as load_finish() does; frees them. */
void udp_load_finish(struct udp_thread *threads, int n, struct hist *h, struct bench_counts *c,
                     struct bench_spread *spread, uint64_t *thread_cpu_ns);

#endif
