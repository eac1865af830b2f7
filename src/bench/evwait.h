/* evwait: what every load thread waits with — epoll until a nanosecond deadline — and its
 * own CPU clock. */
#ifndef TCPECHO_BENCH_EVWAIT_H
#define TCPECHO_BENCH_EVWAIT_H

#include <stdint.h>
#include <sys/epoll.h>

/* Waits for at most max events on epfd until deadline (ns, monotonic; now is the time now),
 * with nanosecond precision where the kernel has epoll_pwait2. Returns as epoll_wait(). */
int evwait(int epfd, struct epoll_event *ev, int max, uint64_t now, uint64_t deadline);

/* Returns the CPU time the calling thread has used, in ns. */
uint64_t evwait_thread_cpu_ns(void);

#endif
