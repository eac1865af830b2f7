/* log: one-line messages on stderr, "prog: text", filtered by verbosity; or to syslog. */
#ifndef TCPECHO_LOG_H
#define TCPECHO_LOG_H

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

/* Sets the program name that starts every line and the level below which lines are shown. */
void log_init(const char *prog, enum log_level level);

/* Sends every later line to syslog(3) (facility daemon) instead of stderr: for a server whose
 * stderr is its client's socket (inetd). */
void log_to_syslog(void);

/* Returns the program name given to log_init(). */
const char *log_prog(void);

/* An error: always shown. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A normal event (a client connected): hidden by -q. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A detail (which path a model took): shown only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line that scripts wait for (the listening address): shown even with -q. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
