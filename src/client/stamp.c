/* stamp: the answers of the daytime and time services, made readable. */
#include "stamp.h"

#include <stdio.h>

time_t stamp_time_decode(const unsigned char b[4], uint32_t *raw)
{
    uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];

    *raw = v;
    /* Unsigned arithmetic modulo 2^32: the servers that keep counting after 2036 (RFC 868
     * gives no era) come out right, and no value is before 1970. */
    return (time_t)(uint32_t)(v - SERVICE_TIME_OFFSET);
}

char *stamp_time_text(const unsigned char b[4], char *buf)
{
    uint32_t raw;
    time_t t = stamp_time_decode(b, &raw);
    struct tm tm;
    size_t n = 0;

    if (gmtime_r(&t, &tm))
        n = strftime(buf, STAMP_TEXT_LEN, "%a %b %e %H:%M:%S %Y UTC", &tm);
    snprintf(buf + n, STAMP_TEXT_LEN - n, "%s(%lu seconds since 1900)", n ? " " : "",
             (unsigned long)raw);
    return buf;
}

size_t stamp_trim(const char *text, size_t n)
{
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    return n;
}
