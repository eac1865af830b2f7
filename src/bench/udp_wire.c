/* udp_wire: what one echo-bench datagram holds — a header naming its flow and sequence number,
 * then bytes derived from both — and the check of an echo against it. */
#include "udp_wire.h"

#include <string.h>

#include "pattern.h"

/* A 64-bit mix (splitmix64's finaliser): every input bit changes about half the output bits,
 * so a flipped bit in the flow or the sequence number gives a different check. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t key(uint32_t flow, uint64_t seq, uint32_t salt)
{
    return mix(seq ^ mix(((uint64_t)flow << 32) | salt));
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;

    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

void udp_wire_header(unsigned char *hdr, uint32_t flow, uint64_t seq, uint32_t salt)
{
    put_be(hdr, flow, 4);
    put_be(hdr + 4, seq, 8);
    put_be(hdr + 12, (uint32_t)key(flow, seq, salt), 4);
}

const unsigned char *udp_wire_payload(uint32_t flow, uint64_t seq, uint32_t salt)
{
    /* The high half of the key: independent of the check's low half. */
    return pattern_at(key(flow, seq, salt) >> 32);
}

enum udp_wire_check udp_wire_check(const unsigned char *buf, size_t len, size_t size, uint32_t salt,
                                   int verify, uint32_t *flow, uint64_t *seq)
{
    if (len < UDP_WIRE_HEADER)
        return UDP_WIRE_HEADER_BAD;
    *flow = (uint32_t)get_be(buf, 4);
    *seq = get_be(buf + 4, 8);
    if (get_be(buf + 12, 4) != (uint32_t)key(*flow, *seq, salt))
        return UDP_WIRE_HEADER_BAD;
    if (len != size)
        return UDP_WIRE_BYTES_BAD;
    if (verify && memcmp(buf + UDP_WIRE_HEADER, udp_wire_payload(*flow, *seq, salt),
                         size - UDP_WIRE_HEADER) != 0)
        return UDP_WIRE_BYTES_BAD;
    return UDP_WIRE_OK;
}
