/*
 * reads: --show-reads. One line on stderr per read() of the server's answer, so a learner sees
 * that TCP keeps no message boundaries: one write() of the server may arrive in several reads,
 * and several writes in one (seed 004: "TCP에는 데이터의 경계가 존재하지 않기 때문에").
 */
#include <errno.h>
#include <unistd.h>

#include "../log.h"
#include "client.h"

static int show;
static unsigned long long calls, total;

void client_show_reads(int on)
{
    show = on;
}

void client_note_read(ssize_t n)
{
    if (!show || n < 0)
        return;
    calls++;
    total += (unsigned long long)n;
    if (n == 0)
        log_notice("read #%llu: 0 bytes, end of stream (%llu in all)", calls, total);
    else
        log_notice("read #%llu: %zd bytes (%llu in all)", calls, n, total);
}

ssize_t client_read(int fd, void *buf, size_t len)
{
    ssize_t n;

    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    client_note_read(n);
    return n;
}
