/* udp_track: the fate of each datagram of one UDP flow — in flight, echoed, lost — and what an
 * echo turns out to be: in time, reordered, late, a duplicate, or one never sent. Pure code. */
#include "udp_track.h"

#include <stdlib.h>
#include <string.h>

uint32_t udp_track_slots(int depth, double rate, long flows, int lost_after_ms)
{
    double in_flight = rate > 0 ? rate / (double)flows * lost_after_ms / 1000.0 + 1 : depth;
    uint32_t n = 64;

    while (n < 4 * in_flight && n < UDP_TRACK_MAX_SLOTS)
        n *= 2;
    return n;
}

int udp_flow_init(struct udp_flow *f, uint32_t slots)
{
    uint32_t n = 1;

    memset(f, 0, sizeof(*f));
    while (n < slots && n < (UINT32_C(1) << 31))
        n *= 2;
    f->ring = calloc(n, sizeof(*f->ring));
    f->mask = n - 1;
    return f->ring ? 0 : -1;
}

void udp_flow_fini(struct udp_flow *f)
{
    free(f->ring);
    f->ring = NULL;
}

int udp_flow_room(const struct udp_flow *f)
{
    return f->next - f->tail <= f->mask;
}

/* Moves the tail past the resolved numbers at its head. */
static void advance(struct udp_flow *f)
{
    while (f->tail < f->next && f->ring[f->tail & f->mask].state != UDP_SLOT_OUT)
        f->tail++;
}

uint64_t udp_flow_sent(struct udp_flow *f, uint64_t stamp_ns, uint64_t sent_ns, int measured)
{
    struct udp_slot *s = &f->ring[f->next & f->mask];

    s->seq = f->next;
    s->stamp_ns = stamp_ns;
    s->sent_ns = sent_ns;
    s->state = UDP_SLOT_OUT;
    s->measured = (uint8_t)(measured != 0);
    f->out++;
    return f->next++;
}

enum udp_verdict udp_flow_echo(struct udp_flow *f, uint64_t seq, uint64_t *stamp_ns, int *measured)
{
    struct udp_slot *s = &f->ring[seq & f->mask];
    enum udp_verdict v;

    if (seq >= f->next)
        return UDP_ECHO_UNKNOWN;
    /* The slot went to a later number: this one was resolved, echoed or lost, at least a
     * ring ago. Its echo counts as late (a duplicate that slow is not told apart). */
    if (s->seq != seq || s->state == UDP_SLOT_FREE)
        return UDP_ECHO_LATE;
    *measured = s->measured;
    if (s->state == UDP_SLOT_LOST)
        return UDP_ECHO_LATE;
    if (s->state == UDP_SLOT_ECHOED)
        return UDP_ECHO_DUPLICATE;
    s->state = UDP_SLOT_ECHOED;
    f->out--;
    *stamp_ns = s->stamp_ns;
    v = seq + 1 < f->highest ? UDP_ECHO_REORDERED : UDP_ECHO_IN_ORDER;
    if (seq + 1 > f->highest)
        f->highest = seq + 1;
    advance(f);
    return v;
}

uint64_t udp_flow_expire(struct udp_flow *f, uint64_t sent_before_ns, uint64_t *measured)
{
    uint64_t lost = 0;

    *measured = 0;
    /* Numbers are sent in order, so their send times only grow: stop at the first in time. */
    for (uint64_t seq = f->tail; seq < f->next; seq++) {
        struct udp_slot *s = &f->ring[seq & f->mask];

        if (s->state != UDP_SLOT_OUT)
            continue;
        if (s->sent_ns > sent_before_ns)
            break;
        s->state = UDP_SLOT_LOST;
        f->out--;
        lost++;
        *measured += s->measured;
    }
    advance(f);
    return lost;
}
