/* dueq: the open loop's queue of connections by when their next message is due, so that a
 * load thread touches only the connections that have something due (a binary min-heap). */
#ifndef TCPECHO_DUEQ_H
#define TCPECHO_DUEQ_H

#include <stdint.h>

struct dueq_item {
    uint64_t due_ns; /* when the next message of connection id is due */
    uint32_t id;
};

struct dueq {
    struct dueq_item *items;
    long n, cap;
};

/* Makes q an empty queue with room for cap items. Returns 0, or -1 (no memory). */
int dueq_init(struct dueq *q, long cap);

/* Frees q's items. */
void dueq_fini(struct dueq *q);

/* Adds id, due at due_ns. The caller keeps each id in the queue at most once, so that cap is
 * never exceeded: returns -1 if it would be, else 0. */
int dueq_push(struct dueq *q, uint64_t due_ns, uint32_t id);

/* Stores the earliest item in *item and returns 1, or returns 0 when q is empty. */
int dueq_peek(const struct dueq *q, struct dueq_item *item);

/* Removes the earliest item (q must not be empty). */
void dueq_pop(struct dueq *q);

#endif
