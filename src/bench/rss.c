/* rss: the resident memory of the server under test, to report its cost per connection. */
#include "rss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rss_parse(const char *text, long *kib)
{
    const char *p = strstr(text, "\nVmRSS:");
    char *end;
    long v;

    if (strncmp(text, "VmRSS:", 6) == 0)
        p = text;
    else if (p)
        p++;
    if (!p)
        return -1;
    v = strtol(p + 6, &end, 10);
    if (end == p + 6 || v < 0)
        return -1;
    *kib = v;
    return 0;
}

int rss_read(pid_t pid, long *kib)
{
    char path[64], text[4096];
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(text, 1, sizeof(text) - 1, f);
    (void)fclose(f);
    text[n] = '\0';
    return rss_parse(text, kib);
}

int rss_settle(pid_t pid, long *kib)
{
    const struct timespec tick = {.tv_sec = 0, .tv_nsec = 20000000};
    long last, now;
    int same = 0;

    if (rss_read(pid, &last) < 0)
        return -1;
    for (int i = 0; i < 100 && same < 4; i++) {
        nanosleep(&tick, NULL);
        if (rss_read(pid, &now) < 0)
            return -1;
        same = now == last ? same + 1 : 0;
        last = now;
    }
    *kib = last;
    return 0;
}
