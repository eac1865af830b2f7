/* sig: SIGPIPE ignored; SIGINT/SIGTERM and SIGUSR1 turned into flags and readable descriptors. */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Atomics, not volatile sig_atomic_t: threads read what the handler writes. Lock-free, so the
 * handler may store them. */
static atomic_int stop_signal;
static _Atomic long long stop_time_ms;
static int stop_pipe[2] = {-1, -1};
static int stats_pipe[2] = {-1, -1};

long long sig_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wakes whoever polls the pipe. A full pipe means it is awake already. */
static void poke(int fd)
{
    int saved = errno;

    if (write(fd, "x", 1) < 0) {
        /* EAGAIN: unread bytes are there, the reader will wake anyway. */
    }
    errno = saved;
}

/* The self-pipe trick: a loop blocked in poll() wakes on the pipe, with no race between
 * checking the flag and going to sleep. clock_gettime() is async-signal-safe (signal-safety(7)). */
static void on_stop(int signo)
{
    if (!stop_signal) {
        stop_time_ms = sig_now_ms();
        stop_signal = signo;
    }
    poke(stop_pipe[1]);
}

static void on_stats(int signo)
{
    (void)signo;
    poke(stats_pipe[1]);
}

static int handle(int signo, void (*fn)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking call returns EINTR so that its loop sees the flag. */
    return sigaction(signo, &sa, NULL);
}

int sig_init(void)
{
    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
        pipe2(stats_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    if (handle(SIGPIPE, SIG_IGN) < 0 || handle(SIGINT, on_stop) < 0 ||
        handle(SIGTERM, on_stop) < 0 || handle(SIGUSR1, on_stats) < 0)
        return -1;
    return 0;
}

int sig_init_child(void)
{
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_signal = 0;
    stop_time_ms = 0;
    /* SIGUSR1 is the parent's business: its stats cover the children. */
    if (handle(SIGUSR1, SIG_IGN) < 0)
        return -1;
    return pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK);
}

int sig_stop_fd(void)
{
    return stop_pipe[0];
}

int sig_stop_requested(void)
{
    return stop_signal != 0;
}

int sig_stop_signal(void)
{
    return stop_signal;
}

long long sig_stop_time_ms(void)
{
    return stop_time_ms;
}

int sig_stats_fd(void)
{
    return stats_pipe[0];
}
