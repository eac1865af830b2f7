/* num: strict parsing of numeric command-line values. */
#ifndef TCPECHO_NUM_H
#define TCPECHO_NUM_H

/*
 * Parses s as a whole decimal integer in [min, max] into *out. Returns 0, or -1 with a reason
 * in err (at least 128 bytes): "'abc' is not a number", "70000 is out of range 0-65535".
 */
int num_parse(const char *s, long long min, long long max, long long *out, char *err);

/* Parses s as a decimal number ("0.5", "2", "1e3") in [min, max]. Returns 0, or -1 with a
 * reason in err (at least 128 bytes). */
int num_parse_double(const char *s, double min, double max, double *out, char *err);

/* Parses a byte count with an optional binary suffix ("64", "4K", "1M") in [min, max].
 * Returns 0, or -1 with a reason in err (at least 128 bytes). */
int num_parse_size(const char *s, long long min, long long max, long long *out, char *err);

#endif
