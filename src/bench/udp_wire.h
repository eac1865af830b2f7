/* udp_wire: what one echo-bench datagram holds — a header naming its flow and sequence number,
 * then bytes derived from both — and the check of an echo against it. */
#ifndef TCPECHO_BENCH_UDP_WIRE_H
#define TCPECHO_BENCH_UDP_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The header: flow (4 bytes), sequence number (8), check (4), big-endian. The smallest
 * datagram is the header alone. */
#define UDP_WIRE_HEADER 16
#define UDP_WIRE_MAX    65507 /* the largest UDP payload over IPv4 */

/* The outcome of checking an echo. */
enum udp_wire_check {
    UDP_WIRE_OK,         /* header and every byte as sent: *flow and *seq name it */
    UDP_WIRE_HEADER_BAD, /* the header is not one echo-bench wrote: the datagram is unknown */
    UDP_WIRE_BYTES_BAD   /* a known header, but the length or a byte after it differs */
};

/* Writes the header of datagram seq of flow into hdr (UDP_WIRE_HEADER bytes). salt is the
 * run's, so datagrams of another run do not pass. */
void udp_wire_header(unsigned char *hdr, uint32_t flow, uint64_t seq, uint32_t salt);

/* Returns the bytes that follow the header of datagram seq of flow: size - UDP_WIRE_HEADER of
 * them from pattern_at() (pattern_init() must have run), so sending costs no copy. */
const unsigned char *udp_wire_payload(uint32_t flow, uint64_t seq, uint32_t salt);

/* Checks an echo of len bytes (the datagram's length as received; more than size when it was
 * longer) against what a datagram of size bytes holds; verify 0 checks the header alone.
 * Stores its flow and sequence number when the header is good. */
enum udp_wire_check udp_wire_check(const unsigned char *buf, size_t len, size_t size, uint32_t salt,
                                   int verify, uint32_t *flow, uint64_t *seq);

#endif
