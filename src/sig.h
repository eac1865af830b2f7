/* sig: SIGPIPE ignored; SIGINT/SIGTERM and SIGUSR1 turned into flags and readable descriptors. */
#ifndef TCPECHO_SIG_H
#define TCPECHO_SIG_H

/*
 * Ignores SIGPIPE (a vanished peer must give EPIPE, not kill us), makes SIGINT and SIGTERM set
 * the stop flag and wake sig_stop_fd(), and SIGUSR1 wake sig_stats_fd(): a thread of its own
 * takes them with sigwait(), and they are blocked in every thread created after this call, so
 * call it before any. Nothing else happens on a signal: the loops do the work. Returns 0, or
 * -1 (errno).
 */
int sig_init(void);

/* In a child after fork(): gives it a stop pipe of its own, so that the parent's signals do
 * not wake it, and clears the inherited stop. Returns 0, or -1 (errno). */
int sig_init_child(void);

/* Returns a descriptor that becomes readable once a stop was asked for; poll it. */
int sig_stop_fd(void);

/* Returns non-zero once SIGINT or SIGTERM has arrived. */
int sig_stop_requested(void);

/* Returns the number of the signal that asked to stop, or 0. */
int sig_stop_signal(void);

/* Returns the CLOCK_MONOTONIC time of the stop in milliseconds, or 0 before it. */
long long sig_stop_time_ms(void);

/* Returns a descriptor that becomes readable on SIGUSR1. Read it empty after waking. */
int sig_stats_fd(void);

#endif
