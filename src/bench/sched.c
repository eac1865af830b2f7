/* sched: the open-loop schedule of one connection — when each of its messages is due. */
#include "sched.h"

uint64_t sched_interval_ns(double rate, long conns)
{
    double ns = 1e9 * (double)conns / rate;

    return ns < 1 ? 1 : (uint64_t)ns;
}

void sched_init(struct sched *s, uint64_t start_ns, uint64_t interval_ns, long i, long n)
{
    s->interval_ns = interval_ns;
    s->next_ns = start_ns + (n > 0 ? interval_ns * (uint64_t)i / (uint64_t)n : 0);
}

int sched_take(struct sched *s, uint64_t now, uint64_t *due)
{
    if (s->next_ns > now)
        return 0;
    *due = s->next_ns;
    s->next_ns += s->interval_ns;
    return 1;
}
