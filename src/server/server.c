/* server: what every concurrency model shares — configuration, counters, connection logs. */
#include "server.h"

#include "../net.h"

unsigned long long server_client_open(struct server *srv, int fd)
{
    char addr[NET_ADDR_LEN];
    unsigned long long id = ++srv->stats.clients;

    if (!net_fd_addr(fd, 1, addr))
        addr[0] = '?', addr[1] = '\0';
    log_info("connected client %llu from %s", id, addr);
    return id;
}

void server_client_close(struct server *srv, unsigned long long id, unsigned long long in,
                         unsigned long long out, const char *note)
{
    srv->stats.bytes_in += in;
    srv->stats.bytes_out += out;
    log_info("client %llu disconnected%s%s (%llu bytes in, %llu bytes out)", id, note ? ": " : "",
             note ? note : "", in, out);
}
