/*
 * activate: systemd socket activation. The protocol is a few lines (sd_listen_fds(3)): when
 * LISTEN_PID names this process, LISTEN_FDS descriptors starting at 3 are listeners the
 * service manager opened. Done here rather than by linking libsystemd for one call: the
 * server stays free of a dependency that inetd and plain users never need, and the protocol
 * has been stable since 2010.
 */
#include "activate.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../num.h"

/* Is the passed descriptor something the models can accept() on? Returns 0, or -1 with why. */
static int check_listener(int fd, char *err, size_t len)
{
    struct stat st;
    int type = 0, listening = 0;
    socklen_t n = sizeof(int);

    if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, len, "socket activation: descriptor %d is not a socket", fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) < 0 || type != SOCK_STREAM) {
        snprintf(err, len,
                 "socket activation: descriptor %d is not a stream socket "
                 "(ListenStream= in the .socket unit)",
                 fd);
        return -1;
    }
    n = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &n) < 0 || !listening) {
        snprintf(err, len,
                 "socket activation: descriptor %d is a connection, not a listener "
                 "(with Accept=yes, run echo-server --inetd)",
                 fd);
        return -1;
    }
    return 0;
}

int activate_listener(char *err, size_t len)
{
    const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
    char why[128];
    long long pid, fds;
    int fd = ACTIVATE_FIRST_FD;

    if (!pid_s || !fds_s)
        return -1;
    /* Not for us: they were meant for the process that exec'd us. */
    if (num_parse(pid_s, 1, 1LL << 31, &pid, why) < 0 || pid != (long long)getpid()) {
        pid = -1;
    } else if (num_parse(fds_s, 0, 1 << 20, &fds, why) < 0) {
        snprintf(err, len, "socket activation: LISTEN_FDS: %s", why);
        fd = -2;
    } else if (fds == 0) {
        fd = -1;
    } else if (fds > 1) {
        snprintf(err, len,
                 "socket activation: %lld sockets passed, but echo-server serves one "
                 "(give the .socket unit one ListenStream=)",
                 fds);
        fd = -2;
    } else if (check_listener(fd, err, len) < 0) {
        fd = -2;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (pid < 0)
        return -1;
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}
