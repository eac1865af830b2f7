/* dueq: the open loop's queue of connections by when their next message is due, so that a
 * load thread touches only the connections that have something due (a binary min-heap). */
#include "dueq.h"

#include <stdlib.h>

int dueq_init(struct dueq *q, long cap)
{
    q->n = 0;
    q->cap = cap;
    q->items = calloc((size_t)(cap > 0 ? cap : 1), sizeof(*q->items));
    return q->items ? 0 : -1;
}

void dueq_fini(struct dueq *q)
{
    free(q->items);
    q->items = NULL;
    q->n = q->cap = 0;
}

int dueq_push(struct dueq *q, uint64_t due_ns, uint32_t id)
{
    struct dueq_item it = {.due_ns = due_ns, .id = id};
    long i;

    if (q->n >= q->cap)
        return -1;
    /* Sift up: move parents later than it down until its place is found. */
    for (i = q->n++; i > 0 && q->items[(i - 1) / 2].due_ns > due_ns; i = (i - 1) / 2)
        q->items[i] = q->items[(i - 1) / 2];
    q->items[i] = it;
    return 0;
}

int dueq_peek(const struct dueq *q, struct dueq_item *item)
{
    if (q->n == 0)
        return 0;
    *item = q->items[0];
    return 1;
}

void dueq_pop(struct dueq *q)
{
    struct dueq_item last = q->items[--q->n];
    long i = 0;

    /* Sift the last item down from the root: move the earlier child up while it is earlier. */
    for (;;) {
        long child = 2 * i + 1;

        if (child >= q->n)
            break;
        if (child + 1 < q->n && q->items[child + 1].due_ns < q->items[child].due_ns)
            child++;
        if (q->items[child].due_ns >= last.due_ns)
            break;
        q->items[i] = q->items[child];
        i = child;
    }
    if (q->n > 0)
        q->items[i] = last;
}
