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

/* Takes the passed descriptor fd: a TCP listener into *stream, a UDP socket into *dgram, each
 * at most once. Returns 0, or -1 with why. */
static int take(int fd, int *stream, int *dgram, char *err, size_t len)
{
    struct stat st;
    int type = 0, listening = 0;
    socklen_t n = sizeof(int);

    if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, len, "socket activation: descriptor %d is not a socket", fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) < 0 ||
        (type != SOCK_STREAM && type != SOCK_DGRAM)) {
        snprintf(err, len,
                 "socket activation: descriptor %d is neither a stream nor a datagram socket "
                 "(ListenStream= or ListenDatagram= in the .socket unit)",
                 fd);
        return -1;
    }
    if ((type == SOCK_STREAM ? *stream : *dgram) >= 0) {
        snprintf(err, len,
                 "socket activation: two %s sockets passed, but echo-server serves one of each "
                 "(give the .socket unit one %s=)",
                 type == SOCK_STREAM ? "stream" : "datagram",
                 type == SOCK_STREAM ? "ListenStream" : "ListenDatagram");
        return -1;
    }
    if (type == SOCK_DGRAM) {
        *dgram = fd;
        return 0;
    }
    n = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &n) < 0 || !listening) {
        snprintf(err, len,
                 "socket activation: descriptor %d is a connection, not a listener "
                 "(with Accept=yes, run echo-server --inetd)",
                 fd);
        return -1;
    }
    *stream = fd;
    return 0;
}

int activate_sockets(int *stream, int *dgram, char *err, size_t len)
{
    const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
    char why[128];
    long long pid, fds = 0;
    int r = 1;

    *stream = *dgram = -1;
    if (!pid_s || !fds_s)
        return 0;
    /* Not for us (they were meant for the process that exec'd us), or none passed. */
    if (num_parse(pid_s, 1, 1LL << 31, &pid, why) < 0 || pid != (long long)getpid() ||
        (num_parse(fds_s, 0, 1 << 20, &fds, why) == 0 && fds == 0)) {
        r = 0;
    } else if (num_parse(fds_s, 0, 1 << 20, &fds, why) < 0) {
        snprintf(err, len, "socket activation: LISTEN_FDS: %s", why);
        r = -1;
    } else if (fds > 2) {
        snprintf(err, len,
                 "socket activation: %lld sockets passed, but echo-server serves at most two "
                 "(one ListenStream= and one ListenDatagram=)",
                 fds);
        r = -1;
    }
    for (int fd = ACTIVATE_FIRST_FD; r == 1 && fd < ACTIVATE_FIRST_FD + fds; fd++) {
        if (take(fd, stream, dgram, err, len) < 0)
            r = -1;
        else
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return r;
}
