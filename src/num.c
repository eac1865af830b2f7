/* num: strict parsing of numeric command-line values. */
#include "num.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int num_parse_double(const char *s, double min, double max, double *out, char *err)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    /* strtod also takes "inf", "nan" and hex floats: accept plain decimal forms only. */
    if (end == s || *end != '\0' || strspn(s, "0123456789.eE+-") != strlen(s)) {
        snprintf(err, 128, "'%.40s' is not a number", s);
        return -1;
    }
    if (errno == ERANGE || !(v >= min && v <= max)) {
        snprintf(err, 128, "%.40s is out of range %g-%g", s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int num_parse_size(const char *s, long long min, long long max, long long *out, char *err)
{
    char digits[32];
    size_t len = strlen(s);
    long long v, mult = 1;

    /* Longer than any size: refuse it whole rather than parse a cut copy (the fuzzer's find:
     * 33 digits were read as their first 31). */
    if (len >= sizeof(digits)) {
        snprintf(err, 128, "'%.40s' is not a size (bytes, or with K or M)", s);
        return -1;
    }
    memcpy(digits, s, len + 1);
    if (len > 1 && strchr("kKmM", s[len - 1])) {
        mult = s[len - 1] == 'k' || s[len - 1] == 'K' ? 1024 : 1024 * 1024;
        digits[len - 1] = '\0';
    }
    if (num_parse(digits, 0, LLONG_MAX / mult, &v, err) < 0) {
        snprintf(err, 128, "'%.40s' is not a size (bytes, or with K or M)", s);
        return -1;
    }
    v *= mult;
    if (v < min || v > max) {
        snprintf(err, 128, "%.40s is out of range %lld-%lld bytes", s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}
