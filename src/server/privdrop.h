/* privdrop: give up root once the port is bound (--user, --group). */
#ifndef TCPECHO_PRIVDROP_H
#define TCPECHO_PRIVDROP_H

#include <stddef.h>

/*
 * Switches the process, every thread included, to group (NULL: user's primary group) and
 * user (NULL: keep the user, drop supplementary groups). Needs root. Returns 0, or -1 with
 * "--user nobody2: no such user" or the failing call and its reason in err (len bytes).
 */
int privdrop(const char *user, const char *group, char *err, size_t len);

#endif
