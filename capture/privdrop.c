/* privdrop.c - drop root to the -Z user and check outputs before capturing.
 *
 * Invariants
 * ----------
 * - Groups go first (initgroups, then setgid) because once the user id is
 *   no longer 0 the process may not change its groups any more; setuid as
 *   root sets the real, effective and saved user ids together.
 * - The drop is verified, not assumed: getresuid/getresgid must report the
 *   target ids in all three slots, setuid(0) must fail, and
 *   /proc/self/status must show empty effective and permitted capability
 *   sets.  Any doubt is an error: capturing on as root would be worse than
 *   not capturing.
 * - Started without root but with capabilities (setcap cap_net_raw on the
 *   binary), there is no user to change: the capability sets are emptied
 *   (capset) and verified empty instead.
 * - Output checks run after the drop with access(2), whose answer is for
 *   the real ids, which are now the capturing user's.
 */
#define _GNU_SOURCE
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void fill_current(cap_identity *out)
{
    out->uid = getuid();
    out->gid = getgid();
    out->dropped = 0;
    struct passwd *pw = getpwuid(out->uid);
    if (pw)
        snprintf(out->name, sizeof(out->name), "%s", pw->pw_name);
    else
        snprintf(out->name, sizeof(out->name), "uid %u",
                 (unsigned)out->uid);
}

/* 1 when the capability line "key:\t<hex>" in /proc/self/status is all
 * zero, 0 when not, -1 when it cannot be read. */
static int caps_empty(const char *key)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp)
        return -1;
    char line[256];
    size_t kl = strlen(key);
    int res = -1;
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, key, kl) != 0 || line[kl] != ':')
            continue;
        const char *v = line + kl + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        res = 1;
        for (; *v && *v != '\n'; v++)
            if (*v != '0')
                res = 0;
        break;
    }
    fclose(fp);
    return res;
}

int cap_privdrop(const char *user, cap_identity *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (geteuid() != 0) {
        fill_current(out);
        if (user && strcmp(user, out->name) != 0) {
            snprintf(err, errlen,
                     "-Z %s: changing user needs root (meetaudit runs as "
                     "%s)",
                     user, out->name);
            return -1;
        }
        /* Started with file capabilities (cap_net_raw): give them up. */
        if (caps_empty("CapEff") != 1 || caps_empty("CapPrm") != 1) {
            struct __user_cap_header_struct h = {
                _LINUX_CAPABILITY_VERSION_3, 0 };
            struct __user_cap_data_struct d[2];
            memset(d, 0, sizeof(d));
            if (syscall(SYS_capset, &h, d) != 0 ||
                caps_empty("CapEff") != 1 || caps_empty("CapPrm") != 1) {
                snprintf(err, errlen, "cannot give up capabilities: %s",
                         strerror(errno));
                return -1;
            }
        }
        return 0;
    }
    const char *name = user ? user : "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user%s%s", name,
                 errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    char pname[64];
    snprintf(pname, sizeof(pname), "%s", pw->pw_name);
    if (uid == 0) {
        fill_current(out);
        return 0;
    }
    if (initgroups(pname, gid) != 0) {
        snprintf(err, errlen, "initgroups(%s): %s", pname, strerror(errno));
        return -1;
    }
    if (setgid(gid) != 0) {
        snprintf(err, errlen, "setgid(%u): %s", (unsigned)gid,
                 strerror(errno));
        return -1;
    }
    if (setuid(uid) != 0) {
        snprintf(err, errlen, "setuid(%u): %s", (unsigned)uid,
                 strerror(errno));
        return -1;
    }
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
        getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid ||
        sg != gid) {
        snprintf(err, errlen, "user/group ids are not all %u/%u after the "
                              "drop", (unsigned)uid, (unsigned)gid);
        return -1;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        snprintf(err, errlen, "root could be regained after dropping to %s",
                 pname);
        return -1;
    }
    if (caps_empty("CapEff") != 1 || caps_empty("CapPrm") != 1) {
        snprintf(err, errlen, "capabilities remain after dropping to %s",
                 pname);
        return -1;
    }
    out->uid = uid;
    out->gid = gid;
    out->dropped = 1;
    snprintf(out->name, sizeof(out->name), "%s", pname);
    return 0;
}

int cap_check_output(const char *path, const char *what, int must_be_new,
                     const cap_identity *id, char *err, size_t errlen)
{
    char copy[PATH_MAX];
    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    const char *dir = dirname(copy);
    const char *hint = id->dropped
        ? "; choose a directory that user can write, or give -Z with a "
          "user who can (e.g. -Z \"$SUDO_USER\")"
        : "";
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s %s: directory %s does not exist", what,
                 path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen,
                 "%s %s: user %s (uid %u) cannot create files in %s: %s%s",
                 what, path, id->name, (unsigned)id->uid, dir,
                 strerror(errno), hint);
        return -1;
    }
    if (lstat(path, &sb) == 0) {
        if (must_be_new) {
            snprintf(err, errlen,
                     "%s %s already exists; meetaudit never overwrites "
                     "evidence (move it away or choose another name)",
                     what, path);
            return -1;
        }
        if (!S_ISREG(sb.st_mode)) {
            snprintf(err, errlen, "%s %s is not a regular file", what, path);
            return -1;
        }
        if (access(path, R_OK | W_OK) != 0) {
            snprintf(err, errlen,
                     "%s %s: user %s (uid %u) cannot write it: %s%s", what,
                     path, id->name, (unsigned)id->uid, strerror(errno),
                     hint);
            return -1;
        }
    }
    return 0;
}
