/*
 * reads: --show-reads. One line on stderr per read() of the server's answer, so a learner sees
 * that TCP keeps no message boundaries: one write() of the server may arrive in several reads,
 * and several writes in one (seed 004: "TCP에는 데이터의 경계가 존재하지 않기 때문에").
 */
#include "../log.h"
#include "client.h"

/* One connection per process: the count and the total run over all of it. */
static unsigned long long calls, total;

static void note_read(ssize_t n)
{
    if (n < 0)
        return;
    calls++;
    total += (unsigned long long)n;
    if (n == 0)
        log_notice("read #%llu: 0 bytes, end of stream (%llu in all)", calls, total);
    else
        log_notice("read #%llu: %zd bytes (%llu in all)", calls, n, total);
}

io_read_hook client_read_hook(const struct client_config *cfg)
{
    return cfg->show_reads ? note_read : NULL;
}
