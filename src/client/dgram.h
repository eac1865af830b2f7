/*
 * dgram: echo-client's UDP pipe as pure code — stdin cut into datagrams of a fixed size, a
 * window of them in flight, each echo matched by content, and the datagrams given back in
 * the order they were cut. No system calls: the caller sends, receives and tells the time.
 */
#ifndef TCPECHO_CLIENT_DGRAM_H
#define TCPECHO_CLIENT_DGRAM_H

#include <stddef.h>
#include <stdint.h>

/* The largest UDP payload over IPv4: 65,535 less the IP and UDP headers. */
#define DGRAM_MAX 65507
/* The most datagrams in flight, and the most bytes: a window no larger than a socket's
 * default receive buffer (208 KiB on Linux), so a burst does not overflow the server's. */
#define DGRAM_WINDOW_MAX   64
#define DGRAM_WINDOW_BYTES (64 * 1024)
/* Echoes of datagrams given back already that are still recognised as late duplicates. */
#define DGRAM_RECENT 128

struct dgram_slot {
    unsigned long long seq; /* 1 for the first datagram cut */
    size_t len;
    int tries;         /* sends so far */
    int echoed;        /* its echo came back */
    long long sent_ms; /* when it was last sent */
    char *data;        /* DGRAM size bytes */
};

/* A fingerprint of a datagram given back, to know its late echoes (a retry's twin). */
struct dgram_print {
    size_t len;
    uint64_t hash;
};

struct dgram_window {
    size_t size;                 /* bytes a datagram holds (the last may hold fewer) */
    unsigned cap;                /* slots */
    unsigned head, count;        /* in flight: count slots from head, oldest first */
    size_t fill;                 /* bytes cut so far into the slot after them */
    unsigned long long next_seq; /* the number the next datagram gets */
    struct dgram_slot *slots;
    struct dgram_print recent[DGRAM_RECENT];
    unsigned recent_next;
};

/* What an echo is to the window. */
enum dgram_match {
    DGRAM_MATCHED,   /* the echo of a datagram in flight */
    DGRAM_DUPLICATE, /* a second echo of one already echoed */
    DGRAM_STRAY      /* the echo of nothing sent: corrupted, or not an echo */
};

/* Returns how many datagrams of size bytes may be in flight at once. */
unsigned dgram_window_slots(size_t size);

/* Sets w up for datagrams of size bytes (1 to DGRAM_MAX) with cap slots. Returns 0, or -1 when
 * memory is short. */
int dgram_window_init(struct dgram_window *w, size_t size, unsigned cap);

/* Frees the slots. */
void dgram_window_fini(struct dgram_window *w);

/* Returns non-zero when no slot is free for the next datagram (stop reading input). */
int dgram_window_full(const struct dgram_window *w);

/* Returns non-zero when nothing is in flight nor partly cut. */
int dgram_window_empty(const struct dgram_window *w);

/*
 * Cuts n input bytes into datagrams: each one that reaches size bytes joins the window, to be
 * sent. Stops when the window is full. Returns the bytes used (less than n only then).
 */
size_t dgram_window_cut(struct dgram_window *w, const char *in, size_t n);

/* At end of input: a last datagram shorter than size joins the window. */
void dgram_window_flush(struct dgram_window *w);

/* Returns the i-th datagram in flight (0: the oldest), or NULL past the last. */
struct dgram_slot *dgram_window_at(struct dgram_window *w, unsigned i);

/*
 * Matches an echo of n bytes against the datagrams in flight, oldest first. On DGRAM_MATCHED
 * the slot is marked echoed and *slot points at it.
 */
enum dgram_match dgram_window_match(struct dgram_window *w, const char *echo, size_t n,
                                    struct dgram_slot **slot);

/* Returns the datagram in flight closest to a stray echo (the longest common start, then the
 * oldest), and that common length in *same, to say what went wrong; NULL when none waits. */
struct dgram_slot *dgram_window_nearest(struct dgram_window *w, const char *echo, size_t n,
                                        size_t *same);

/*
 * Gives back the oldest datagram when its echo came back: the next to write out, in the order
 * of the input. It stays valid until the next cut. Returns NULL when the oldest still waits.
 */
const struct dgram_slot *dgram_window_release(struct dgram_window *w);

/* Returns the datagram in flight whose echo is due first (sent longest ago), or NULL. */
struct dgram_slot *dgram_window_next_due(struct dgram_window *w);

#endif
