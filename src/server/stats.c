/* stats: the --stats line every N seconds and on SIGUSR1, from a thread of its own. */
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "../clock.h"
#include "../sig.h"

static pthread_t thread;
static int started;
static int quit_pipe[2] = {-1, -1};

static void *run(void *arg)
{
    struct server *srv = arg;
    long long interval = (long long)srv->cfg->stats_interval * 1000;
    long long next = clock_now_ms() + interval;
    char junk[64];

    for (;;) {
        struct pollfd p[2] = {{.fd = sig_stats_fd(), .events = POLLIN},
                              {.fd = quit_pipe[0], .events = POLLIN}};
        int left = interval > 0 ? (int)(next - clock_now_ms()) : -1;
        int r = poll(p, 2, server_wait_ms(left < 0 && interval > 0 ? 0 : left));

        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && p[1].revents)
            break;
        if (r > 0 && p[0].revents) {
            while (read(sig_stats_fd(), junk, sizeof(junk)) > 0)
                ;
            server_log_stats(srv, "stats");
        } else if (interval > 0 && clock_now_ms() >= next) {
            server_log_stats(srv, "stats");
            next += interval;
        }
    }
    return NULL;
}

int stats_start(struct server *srv)
{
    int err;

    if (pipe2(quit_pipe, O_CLOEXEC) < 0)
        return -1;
    err = pthread_create(&thread, NULL, run, srv);
    if (err) {
        errno = err;
        return -1;
    }
    started = 1;
    return 0;
}

void stats_stop(void)
{
    if (!started)
        return;
    close(quit_pipe[1]); /* end of file wakes the thread */
    pthread_join(thread, NULL);
    close(quit_pipe[0]);
    started = 0;
}
