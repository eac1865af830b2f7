/* evwait: what every load thread waits with — epoll until a nanosecond deadline — and its
 * own CPU clock. */
#include "evwait.h"

#include <errno.h>
#include <time.h>

int evwait(int epfd, struct epoll_event *ev, int max, uint64_t now, uint64_t deadline)
{
    uint64_t left = deadline > now ? deadline - now : 0;
    struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u),
                          .tv_nsec = (long)(left % 1000000000u)};
    int n = epoll_pwait2(epfd, ev, max, &ts, NULL);

    /* Kernels before 5.11 lack epoll_pwait2: round up to milliseconds. */
    if (n < 0 && errno == ENOSYS)
        n = epoll_wait(epfd, ev, max, (int)((left + 999999) / 1000000));
    return n;
}

uint64_t evwait_thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
