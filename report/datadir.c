/* datadir.c - locate data/ and read data/VERSIONS written by `make data`.
 *
 * Invariants
 * ----------
 * - The directory is looked up at run time, never compiled in, in the same
 *   spirit as the rules directory: explicit argument, environment, beside
 *   the binary, installed share directory.
 * - VERSIONS is read line by line with a fixed buffer; an over-long line is
 *   skipped whole, so no input can make this allocate.
 */
#define _DEFAULT_SOURCE
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEETAUDIT_SHAREDIR
#define MEETAUDIT_SHAREDIR "/usr/local/share/meetaudit"
#endif

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Copy s into buf; -1 (buf "") when it does not fit. */
static int put(char *buf, size_t len, const char *s)
{
    int n = snprintf(buf, len, "%s", s);
    if (n < 0 || (size_t)n >= len) {
        if (len)
            buf[0] = 0;
        return -1;
    }
    return 0;
}

int rpt_data_dir(const char *dir, char *buf, size_t len)
{
    if (!dir || !*dir)
        dir = getenv("MEETAUDIT_DATA");
    if (dir && *dir) {
        char tmp[PATH_MAX];
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
            n--;
        if (n >= sizeof(tmp)) {
            if (len)
                buf[0] = 0;
            return -1;
        }
        memcpy(tmp, dir, n);
        tmp[n] = 0;
        return put(buf, len, tmp);
    }
    char beside[PATH_MAX] = "data";
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            int k = snprintf(beside, sizeof(beside), "%s/data", exe);
            if (k < 0 || (size_t)k >= sizeof(beside))
                snprintf(beside, sizeof(beside), "data");
        }
    }
    if (is_dir(beside))
        return put(buf, len, beside);
    if (is_dir(MEETAUDIT_SHAREDIR "/data"))
        return put(buf, len, MEETAUDIT_SHAREDIR "/data");
    return put(buf, len, beside);
}

/* Copy the n bytes at s into buf, truncating, always NUL-terminated. */
static void copy_tok(char *buf, size_t len, const char *s, size_t n)
{
    if (!len)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
}

int rpt_data_version(const char *dir, const char *file, char *pkg,
                     size_t pkglen, char *ver, size_t verlen)
{
    char path[PATH_MAX], line[1024];
    int rc = -1, skipping = 0;
    FILE *f;

    if (pkglen)
        pkg[0] = 0;
    if (verlen)
        ver[0] = 0;
    if (!dir || !file)
        return -1;
    int k = snprintf(path, sizeof(path), "%s/VERSIONS", dir);
    if (k < 0 || (size_t)k >= sizeof(path))
        return -1;
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        int whole = n > 0 && line[n - 1] == '\n';
        if (skipping) {          /* the rest of an over-long line */
            skipping = !whole;
            continue;
        }
        if (!whole && !feof(f)) {
            skipping = 1;
            continue;
        }
        /* Split into at most 4 blank-separated tokens. */
        const char *tok[4];
        size_t tlen[4];
        int nt = 0;
        char *p = line;
        while (nt < 4) {
            while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                p++;
            if (!*p || *p == '#')
                break;
            tok[nt] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
                p++;
            tlen[nt] = (size_t)(p - tok[nt]);
            nt++;
        }
        if (nt >= 3 && tlen[2] == strlen(file) &&
            memcmp(tok[2], file, tlen[2]) == 0) {
            copy_tok(pkg, pkglen, tok[0], tlen[0]);
            copy_tok(ver, verlen, tok[1], tlen[1]);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}
