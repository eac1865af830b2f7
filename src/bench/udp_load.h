/* udp_load: echo-bench's load threads over UDP (-u), a kind of crew (crew.h). */
#ifndef TCPECHO_BENCH_UDP_LOAD_H
#define TCPECHO_BENCH_UDP_LOAD_H

#include "crew.h"

/* Each thread opens its flows (a UDP socket connect()ed to the server each) and holds them
 * until the crew is told to go; then sends until clk->end_ns, waits for the datagrams still in
 * flight at most --lost-after, and counts what did not come as lost. */
extern const struct crew_kind load_udp;

#endif
