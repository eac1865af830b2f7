/* sig: SIGPIPE ignored, SIGINT/SIGTERM turned into a flag and a readable descriptor. */
#ifndef TCPECHO_SIG_H
#define TCPECHO_SIG_H

/*
 * Ignores SIGPIPE (a vanished peer must give EPIPE, not kill us) and makes SIGINT and SIGTERM
 * set the stop flag and wake sig_stop_fd(). Handlers do nothing else: the loop does the work.
 * Returns 0, or -1 (errno).
 */
int sig_init(void);

/* Returns a descriptor that becomes readable once a stop was asked for; poll it. */
int sig_stop_fd(void);

/* Returns non-zero once SIGINT or SIGTERM has arrived. */
int sig_stop_requested(void);

/* Returns the number of the signal that asked to stop, or 0. */
int sig_stop_signal(void);

#endif
