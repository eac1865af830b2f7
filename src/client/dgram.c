/* dgram: datagrams cut from a byte stream, matched with their echoes, given back in order. */
#include "dgram.h"

#include <stdlib.h>
#include <string.h>

unsigned dgram_window_slots(size_t size)
{
    size_t n = DGRAM_WINDOW_BYTES / (size ? size : 1);

    if (n < 1)
        return 1;
    return n > DGRAM_WINDOW_MAX ? DGRAM_WINDOW_MAX : (unsigned)n;
}

int dgram_window_init(struct dgram_window *w, size_t size, unsigned cap)
{
    memset(w, 0, sizeof(*w));
    w->size = size;
    w->cap = cap;
    w->next_seq = 1;
    w->slots = calloc(cap, sizeof(*w->slots));
    if (!w->slots)
        return -1;
    for (unsigned i = 0; i < cap; i++) {
        w->slots[i].data = malloc(size);
        if (!w->slots[i].data) {
            dgram_window_fini(w);
            return -1;
        }
    }
    return 0;
}

void dgram_window_fini(struct dgram_window *w)
{
    for (unsigned i = 0; w->slots && i < w->cap; i++)
        free(w->slots[i].data);
    free(w->slots);
    w->slots = NULL;
}

int dgram_window_full(const struct dgram_window *w)
{
    return w->count == w->cap;
}

int dgram_window_empty(const struct dgram_window *w)
{
    return w->count == 0 && w->fill == 0;
}

/* The slot being cut into: the one after those in flight. */
static struct dgram_slot *open_slot(struct dgram_window *w)
{
    return &w->slots[(w->head + w->count) % w->cap];
}

/* The open slot, fill bytes long, joins those in flight, unsent. */
static void admit(struct dgram_window *w)
{
    struct dgram_slot *s = open_slot(w);

    s->seq = w->next_seq++;
    s->len = w->fill;
    s->tries = 0;
    s->echoed = 0;
    s->sent_ms = 0;
    w->count++;
    w->fill = 0;
}

size_t dgram_window_cut(struct dgram_window *w, const char *in, size_t n)
{
    size_t used = 0, k;

    while (used < n && !dgram_window_full(w)) {
        k = w->size - w->fill;
        if (k > n - used)
            k = n - used;
        memcpy(open_slot(w)->data + w->fill, in + used, k);
        w->fill += k;
        used += k;
        if (w->fill == w->size)
            admit(w);
    }
    return used;
}

void dgram_window_flush(struct dgram_window *w)
{
    if (w->fill > 0 && !dgram_window_full(w))
        admit(w);
}

struct dgram_slot *dgram_window_at(struct dgram_window *w, unsigned i)
{
    return i < w->count ? &w->slots[(w->head + i) % w->cap] : NULL;
}

/* FNV-1a: enough to tell a late twin of a given-back datagram from anything else. */
static uint64_t fingerprint(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/* Is the echo one of the datagrams given back lately? */
static int is_recent(const struct dgram_window *w, const char *echo, size_t n)
{
    uint64_t h = fingerprint(echo, n);

    for (unsigned i = 0; i < DGRAM_RECENT; i++)
        if (w->recent[i].len == n && w->recent[i].hash == h)
            return 1;
    return 0;
}

enum dgram_match dgram_window_match(struct dgram_window *w, const char *echo, size_t n,
                                    struct dgram_slot **slot)
{
    int twin = 0;
    struct dgram_slot *s;

    for (unsigned i = 0; (s = dgram_window_at(w, i)) != NULL; i++) {
        if (s->len != n || memcmp(s->data, echo, n) != 0)
            continue;
        if (!s->echoed) {
            s->echoed = 1;
            *slot = s;
            return DGRAM_MATCHED;
        }
        twin = 1;
    }
    return twin || is_recent(w, echo, n) ? DGRAM_DUPLICATE : DGRAM_STRAY;
}

/* Returns how many bytes a and b have in common at their start. */
static size_t common_start(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;

    while (i < an && i < bn && a[i] == b[i])
        i++;
    return i;
}

struct dgram_slot *dgram_window_nearest(struct dgram_window *w, const char *echo, size_t n,
                                        size_t *same)
{
    struct dgram_slot *s, *best = NULL;
    size_t k;

    for (unsigned i = 0; (s = dgram_window_at(w, i)) != NULL; i++) {
        if (s->echoed || s->tries == 0)
            continue;
        k = common_start(s->data, s->len, echo, n);
        if (!best || k > *same) {
            best = s;
            *same = k;
        }
    }
    return best;
}

const struct dgram_slot *dgram_window_release(struct dgram_window *w)
{
    struct dgram_slot *s = dgram_window_at(w, 0);

    if (!s || !s->echoed)
        return NULL;
    w->recent[w->recent_next] = (struct dgram_print){s->len, fingerprint(s->data, s->len)};
    w->recent_next = (w->recent_next + 1) % DGRAM_RECENT;
    w->head = (w->head + 1) % w->cap;
    w->count--;
    return s;
}

struct dgram_slot *dgram_window_next_due(struct dgram_window *w)
{
    struct dgram_slot *s, *due = NULL;

    for (unsigned i = 0; (s = dgram_window_at(w, i)) != NULL; i++)
        if (!s->echoed && s->tries > 0 && (!due || s->sent_ms < due->sent_ms))
            due = s;
    return due;
}
