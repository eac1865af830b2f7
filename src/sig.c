/* sig: SIGPIPE ignored; SIGINT/SIGTERM and SIGUSR1 turned into flags and readable descriptors. */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"

/* Atomics, not volatile sig_atomic_t: threads read what the handler writes. Lock-free, so the
 * handler may store them. */
static atomic_int stop_signal;
static _Atomic long long stop_time_ms;
static int stop_pipe[2] = {-1, -1};
static int stats_pipe[2] = {-1, -1};

/* Wakes whoever polls the pipe. A full pipe means it is awake already. */
static void poke(int fd)
{
    int saved = errno;

    if (write(fd, "x", 1) < 0) {
        /* EAGAIN: unread bytes are there, the reader will wake anyway. */
    }
    errno = saved;
}

/* Records the stop and wakes every loop through the pipe (the self-pipe trick: no race between
 * checking the flag and going to sleep). Runs in the signal thread, or as a handler in a forked
 * child: clock_gettime() is async-signal-safe (signal-safety(7)). */
static void on_stop(int signo)
{
    if (!stop_signal) {
        stop_time_ms = clock_now_ms();
        stop_signal = signo;
    }
    poke(stop_pipe[1]);
}

/* The signals a thread of our own takes with sigwait(), blocked everywhere else. */
static void wanted(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGUSR1);
}

/*
 * Takes SIGINT, SIGTERM and SIGUSR1 synchronously, so that no handler interrupts a thread in
 * the middle of anything. ThreadSanitizer also needs this: it defers an asynchronous signal
 * that lands as a thread enters a blocking call, and an epoll server then missed SIGTERM.
 */
static void *sig_thread(void *arg)
{
    sigset_t set;
    int signo;

    (void)arg;
    wanted(&set);
    for (;;) {
        if (sigwait(&set, &signo) != 0)
            continue;
        if (signo == SIGUSR1)
            poke(stats_pipe[1]);
        else
            on_stop(signo);
    }
    return NULL;
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
    sigset_t set;
    pthread_t t;
    int err;

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
        pipe2(stats_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || handle(SIGPIPE, SIG_IGN) < 0)
        return -1;
    /* Blocked here, before any other thread exists, so every thread inherits the mask. */
    wanted(&set);
    err = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (!err)
        err = pthread_create(&t, NULL, sig_thread, NULL);
    if (!err)
        err = pthread_detach(t);
    errno = err;
    return err ? -1 : 0;
}

int sig_init_child(void)
{
    sigset_t set;

    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_signal = 0;
    stop_time_ms = 0;
    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    /* The child has one thread and no signal thread: a plain handler does the job there.
     * SIGUSR1 is the parent's business: its stats cover the children. */
    if (handle(SIGINT, on_stop) < 0 || handle(SIGTERM, on_stop) < 0 || handle(SIGUSR1, SIG_IGN) < 0)
        return -1;
    wanted(&set);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
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
