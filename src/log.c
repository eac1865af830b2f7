/* log: one-line messages on stderr, "prog: text", filtered by verbosity; or to syslog. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

static const char *prog_name = "tcpecho";
static enum log_level current = LOG_NORMAL;
static int use_syslog;

void log_init(const char *prog, enum log_level level)
{
    prog_name = prog;
    current = level;
}

void log_to_syslog(void)
{
    openlog(prog_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    use_syslog = 1;
}

const char *log_prog(void)
{
    return prog_name;
}

/* Formats the whole line first and writes it with one write(2), so that lines from several
 * threads or processes never interleave, and no stdio lock is held across a fork(). */
__attribute__((format(printf, 3, 0))) static void emit(enum log_level level, int priority,
                                                       const char *fmt, va_list ap)
{
    char line[1024];
    int n, m;

    if (level > current)
        return;
    if (use_syslog) {
        vsyslog(priority, fmt, ap);
        return;
    }
    n = snprintf(line, sizeof(line), "%s: ", prog_name);
    /* snprintf() returns the length it wanted: a name longer than the line would put the
     * text past its end (test_log_long_prog_name). */
    if (n < 0)
        n = 0;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        return;
    n += m;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* Nowhere left to report it. */
    }
}

#define DEFINE_LOG(name, level, priority)                                                          \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        emit(level, priority, fmt, ap);                                                            \
        va_end(ap);                                                                                \
    }

DEFINE_LOG(log_error, LOG_QUIET, LOG_ERR)
DEFINE_LOG(log_notice, LOG_QUIET, LOG_NOTICE)
DEFINE_LOG(log_info, LOG_NORMAL, LOG_INFO)
DEFINE_LOG(log_debug, LOG_VERBOSE, LOG_DEBUG)
