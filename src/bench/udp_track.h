/* udp_track: the fate of each datagram of one UDP flow — in flight, echoed, lost — and what an
 * echo turns out to be: in time, reordered, late, a duplicate, or one never sent. Pure code. */
#ifndef TCPECHO_BENCH_UDP_TRACK_H
#define TCPECHO_BENCH_UDP_TRACK_H

#include <stdint.h>

/* One sequence number the ring remembers. */
struct udp_slot {
    uint64_t seq;      /* the datagram this slot holds (UDP_SLOT_FREE: none yet) */
    uint64_t stamp_ns; /* its latency is timed from here: sent (closed loop) or due (open) */
    uint64_t sent_ns;  /* sent: it is lost once it is not back lost_after later */
    uint8_t state;     /* enum udp_state */
    uint8_t measured;  /* sent in the measured window: its fate is counted */
};

enum udp_state { UDP_SLOT_FREE, UDP_SLOT_OUT, UDP_SLOT_ECHOED, UDP_SLOT_LOST };

/*
 * One flow: sequence numbers 0, 1, 2 ... in order of sending, the last `mask + 1` of them
 * remembered in a ring. A number is sent only when the one `mask + 1` before it is resolved
 * (echoed or lost), so every datagram still in flight is in the ring.
 */
struct udp_flow {
    struct udp_slot *ring;
    uint32_t mask;    /* the ring has mask + 1 slots, a power of two */
    uint64_t next;    /* the next sequence number to send */
    uint64_t tail;    /* every number below it is resolved */
    uint64_t out;     /* in flight: sent, neither echoed nor lost */
    uint64_t highest; /* 1 + the highest number echoed in time; 0: none yet */
};

/* What an echo of one sequence number is. */
enum udp_verdict {
    UDP_ECHO_IN_ORDER,  /* in time, after every lower number that came back */
    UDP_ECHO_REORDERED, /* in time, but after a higher number of the flow */
    UDP_ECHO_LATE,      /* after it was counted lost, or too long after to remember */
    UDP_ECHO_DUPLICATE, /* it had come back already */
    UDP_ECHO_UNKNOWN    /* that number was never sent */
};

/* The most slots one flow's ring is given: an open loop that needs more holds its datagrams
 * back, each keeping its due time (so the wait shows in the latency figures). */
#define UDP_TRACK_MAX_SLOTS (UINT32_C(1) << 20)

/*
 * Returns the ring slots a flow needs (a power of two): room for four times the datagrams
 * that may be in flight at once — depth (closed loop, rate 0), or what flows sharing rate
 * datagrams per second send in lost_after_ms — so that one lost datagram, which holds its
 * slot until it is counted lost, does not stop the others; at least 64, at most
 * UDP_TRACK_MAX_SLOTS.
 */
uint32_t udp_track_slots(int depth, double rate, long flows, int lost_after_ms);

/* Makes f an empty flow with a ring of at least `slots` slots (rounded up to a power of two).
 * Returns 0, or -1 (no memory). */
int udp_flow_init(struct udp_flow *f, uint32_t slots);

/* Frees f's ring. */
void udp_flow_fini(struct udp_flow *f);

/* Returns non-zero when the ring has room for one more datagram (the one `mask + 1` before
 * the next is resolved). */
int udp_flow_room(const struct udp_flow *f);

/* Records datagram f->next as sent at sent_ns, timed from stamp_ns, counted (measured) or
 * not; the caller checked udp_flow_room(). Returns its sequence number. */
uint64_t udp_flow_sent(struct udp_flow *f, uint64_t stamp_ns, uint64_t sent_ns, int measured);

/*
 * Takes the echo of seq. Returns what it is; for in-time ones stores the stamp to time it from
 * in *stamp_ns. *measured is set to the slot's flag when the ring still holds seq, else left
 * as it was (the caller's default).
 */
enum udp_verdict udp_flow_echo(struct udp_flow *f, uint64_t seq, uint64_t *stamp_ns, int *measured);

/* Counts as lost every datagram in flight sent at or before sent_before_ns. Returns how many
 * that was; stores how many of those were measured in *measured. */
uint64_t udp_flow_expire(struct udp_flow *f, uint64_t sent_before_ns, uint64_t *measured);

#endif
