/* rss: the resident memory of the server under test, to report its cost per connection. */
#ifndef TCPECHO_RSS_H
#define TCPECHO_RSS_H

#include <sys/types.h>

/* Finds the VmRSS line in text (the contents of /proc/PID/status) and stores its value, in
 * KiB, in *kib. Returns 0, or -1 when there is none. */
int rss_parse(const char *text, long *kib);

/* Reads the resident set size of process pid (VmRSS in /proc/PID/status; the process alone,
 * not its children) into *kib. Returns 0, or -1 when it cannot be read. */
int rss_read(pid_t pid, long *kib);

/* Waits until pid's resident set size has stopped changing (the same over 5 readings 20 ms
 * apart), at most 2 s, and stores the last reading in *kib: a server accepts, and allocates
 * for, connections some time after the kernel completed their handshakes. Returns 0, or -1
 * when it cannot be read. */
int rss_settle(pid_t pid, long *kib);

#endif
