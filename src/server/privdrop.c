/*
 * privdrop: binding port 7 (RFC 862's echo port) needs root; serving it must not. The order
 * matters: supplementary groups, then the group, then the user, since a process that has
 * left root can no longer change its groups.
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"

int privdrop(const char *user, const char *group, char *err, size_t len)
{
    struct passwd *pw = NULL;
    struct group *gr = NULL;
    gid_t gid;

    if (!user && !group) /* nothing to switch */
        return 0;
    errno = 0;
    if (user && !(pw = getpwnam(user))) {
        snprintf(err, len, "--user %s: %s", user, errno ? strerror(errno) : "no such user");
        return -1;
    }
    errno = 0;
    if (group && !(gr = getgrnam(group))) {
        snprintf(err, len, "--group %s: %s", group, errno ? strerror(errno) : "no such group");
        return -1;
    }
    if (geteuid() != 0) {
        snprintf(err, len, "--%s: switching %s needs root (running as uid %u)",
                 user ? "user" : "group", user ? "user" : "group", (unsigned)geteuid());
        return -1;
    }
    /* cppcheck-suppress nullPointerRedundantCheck ; no --group: --user was given and found */
    gid = gr ? gr->gr_gid : pw->pw_gid;
    /* With --user, the user's own groups; with --group alone, none but that one. */
    if (pw ? initgroups(pw->pw_name, gid) < 0 : setgroups(1, &gid) < 0) {
        snprintf(err, len, "%s: %s", pw ? "initgroups" : "setgroups", strerror(errno));
        return -1;
    }
    if (setgid(gid) < 0) {
        snprintf(err, len, "setgid %u: %s", (unsigned)gid, strerror(errno));
        return -1;
    }
    if (pw && setuid(pw->pw_uid) < 0) {
        snprintf(err, len, "setuid %u: %s", (unsigned)pw->pw_uid, strerror(errno));
        return -1;
    }
    /* A switch that left a way back to root is no switch at all. */
    if (pw && pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, len, "--user %s: root could be regained after setuid", user);
        return -1;
    }
    log_info("running as uid %u, gid %u", (unsigned)getuid(), (unsigned)getgid());
    return 0;
}
