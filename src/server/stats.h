/* stats: the --stats line every N seconds and on SIGUSR1, from a thread of its own. */
#ifndef TCPECHO_STATS_H
#define TCPECHO_STATS_H

#include "server.h"

/* Starts the thread that logs srv's counters every cfg->stats_interval seconds (never when 0)
 * and on each SIGUSR1. Returns 0, or -1 (errno). */
int stats_start(struct server *srv);

/* Stops and joins the thread. */
void stats_stop(void);

#endif
