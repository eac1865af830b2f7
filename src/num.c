/* num: strict parsing of numeric command-line values. */
#include "num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int num_parse(const char *s, long long min, long long max, long long *out, char *err)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || (*s != '-' && (*s < '0' || *s > '9'))) {
        snprintf(err, 128, "'%.40s' is not a number", s);
        return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
        snprintf(err, 128, "%.40s is out of range %lld-%lld", s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}
