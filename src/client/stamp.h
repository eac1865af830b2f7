/* stamp: the answers of the daytime and time services, made readable. Pure code. */
#ifndef TCPECHO_CLIENT_STAMP_H
#define TCPECHO_CLIENT_STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../service.h"

/* Room for stamp_time_text()'s line. */
#define STAMP_TEXT_LEN 80

/* Returns the Unix time of RFC 868's four big-endian bytes. The count wraps in 2036: a value
 * below 1970's is read as after the wrap, so the result runs from 1970 to 2106. */
time_t stamp_time_decode(const unsigned char b[4], uint32_t *raw);

/* Writes "Sat Dec  5 16:45:10 2026 UTC (3973855510 seconds since 1900)" for RFC 868's four
 * bytes into buf (STAMP_TEXT_LEN bytes). Returns buf. */
char *stamp_time_text(const unsigned char b[4], char *buf);

/* Returns the length of the n bytes of text without the line ends (CR, LF) they end with. */
size_t stamp_trim(const char *text, size_t n);

#endif
