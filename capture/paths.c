/* paths.c - where meetaudit finds its rules, and its version string.
 *
 * The rules directory is data, never compiled in: it is looked up at run
 * time in a fixed order (explicit option, environment, beside the binary,
 * installed share directory) so a checkout runs without installing.
 */
#define _DEFAULT_SOURCE
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEETAUDIT_VERSION
#define MEETAUDIT_VERSION "0.1.0"
#endif
#ifndef MEETAUDIT_SHAREDIR
#define MEETAUDIT_SHAREDIR "/usr/local/share/meetaudit"
#endif

const char cap_version[] = MEETAUDIT_VERSION;

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cap_rules_path(const char *dir, const char *rel, char *buf, size_t len)
{
    if (!dir)
        dir = getenv("MEETAUDIT_RULES");
    if (dir && *dir) {
        snprintf(buf, len, "%s/%s", dir, rel);
        return exists(buf) ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, len, "%s/rules/%s", exe, rel);
            if (exists(buf))
                return 0;
        }
    }
    snprintf(buf, len, "%s/rules/%s", MEETAUDIT_SHAREDIR, rel);
    return exists(buf) ? 0 : -1;
}

