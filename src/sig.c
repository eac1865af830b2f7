/* sig: SIGPIPE ignored, SIGINT/SIGTERM turned into a flag and a readable descriptor. */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static int pipe_fds[2] = {-1, -1};

/* The self-pipe trick: a loop blocked in poll() wakes on the pipe, with no race between
 * checking the flag and going to sleep. */
static void on_stop(int signo)
{
    int saved = errno;

    stop_signal = signo;
    if (write(pipe_fds[1], "x", 1) < 0) {
        /* The pipe is full: the loop has not drained it yet, so it is already awake. */
    }
    errno = saved;
}

int sig_init(void)
{
    struct sigaction sa;

    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        return -1;
    /* No SA_RESTART: a blocking call returns EINTR so that its loop sees the flag. */
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    return 0;
}

int sig_stop_fd(void)
{
    return pipe_fds[0];
}

int sig_stop_requested(void)
{
    return stop_signal != 0;
}

int sig_stop_signal(void)
{
    return stop_signal;
}
