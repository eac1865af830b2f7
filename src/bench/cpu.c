/* cpu: CPU time of this process and of the server under test, to report cost per message. */
#include "cpu.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t cpu_self_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int cpu_process_ns(pid_t pid, uint64_t *ns)
{
    char path[64], line[1024], *p;
    unsigned long long utime, stime;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    ok = fgets(line, sizeof(line), f) != NULL;
    (void)fclose(f);
    /* The command name may hold spaces and parentheses: fields start after the last ')'.
     * utime and stime are fields 14 and 15 of proc(5), the 12th and 13th after it. */
    p = ok ? strrchr(line, ')') : NULL;
    if (!p || hz <= 0 ||
        /* NOLINTNEXTLINE(cert-err34-c): counters the kernel wrote; the 2 conversions checked */
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    *ns = (utime + stime) * (1000000000ull / (unsigned long long)hz);
    return 0;
}
