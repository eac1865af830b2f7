/* setup: what echo-bench settles before its first connection: descriptors, source addresses. */
#include "setup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>

long setup_fds_needed(long conns, int threads)
{
    return conns + threads + 15;
}

long long setup_raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit up = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};

        /* An unlimited hard limit is still capped by fs.nr_open: then the soft one stays. */
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    return rl.rlim_cur == RLIM_INFINITY ? (long long)1 << 62 : (long long)rl.rlim_cur;
}

int setup_is_loopback_v4(const struct sockaddr_storage *addr)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

    return addr->ss_family == AF_INET && (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

int setup_sources(const struct sockaddr_storage *addr, long conns, int asked, char *err, size_t len)
{
    char where[INET6_ADDRSTRLEN] = "?";

    if (asked > 1 && !setup_is_loopback_v4(addr)) {
        if (addr->ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, where,
                      sizeof(where));
        else if (addr->ss_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, where, sizeof(where));
        snprintf(err, len, "--sources %d: only for a server on IPv4 loopback (127.0.0.0/8), not %s",
                 asked, where);
        return -1;
    }
    if (asked > 0)
        return asked;
    if (!setup_is_loopback_v4(addr))
        return 1;
    return (int)(1 + (conns - 1) / SETUP_CONNS_PER_SOURCE);
}
