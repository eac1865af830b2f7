/* setup: what echo-bench settles before its first connection: descriptors, source addresses. */
#include "setup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "../net.h"

long setup_fds_needed(long conns, int threads)
{
    return conns + threads + 15;
}

int setup_is_loopback_v4(const struct sockaddr_storage *addr)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

    return addr->ss_family == AF_INET && (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

int setup_sources(const struct sockaddr_storage *addr, long conns, int asked, char *err, size_t len)
{
    char where[NET_ADDR_LEN];

    if (asked > 1 && !setup_is_loopback_v4(addr)) {
        snprintf(err, len, "--sources %d: only for a server on IPv4 loopback (127.0.0.0/8), not %s",
                 asked, net_format_ip((const struct sockaddr *)addr, where));
        return -1;
    }
    if (asked > 0)
        return asked;
    if (!setup_is_loopback_v4(addr))
        return 1;
    return (int)(1 + (conns - 1) / SETUP_CONNS_PER_SOURCE);
}
