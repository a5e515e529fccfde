/* datadir.h - where the optional third-party datasets live (data/) and
 * which versions scripts/fetch-data.sh installed there (data/VERSIONS).
 *
 * `make data` fills data/ (see README.md, "Data sources and licences").
 * Nothing in data/ is required: modules that read it (ipinfo, trackerdb)
 * answer "unknown" when a file is missing and say so in a status line.
 *
 * Ownership: callers pass their own buffers; nothing is allocated.
 */
#ifndef MEETAUDIT_DATADIR_H
#define MEETAUDIT_DATADIR_H

#include <stddef.h>

/* The data directory, in this order: dir when non-NULL and non-empty;
 * $MEETAUDIT_DATA when set and non-empty; data/ beside the running binary
 * when that directory exists; MEETAUDIT_SHAREDIR/data (default
 * /usr/local/share/meetaudit/data) when it exists; else data/ beside the
 * binary anyway (so messages name where `make data` puts the files).
 * Writes the directory without a trailing slash to buf.  Returns 0, or -1
 * when it does not fit (buf is then "").  The directory need not exist. */
int rpt_data_dir(const char *dir, char *buf, size_t len);

/* Read dir/VERSIONS (lines "package version file sha256"; '#' starts a
 * comment) and find the line for file (a name inside dir, e.g.
 * "trackerdb.db").  Returns 0 and writes the package and version (each
 * truncated to its buffer, always NUL-terminated), or -1 when VERSIONS or
 * the line is missing (both buffers "").  Lines longer than 1 KiB are
 * ignored. */
int rpt_data_version(const char *dir, const char *file, char *pkg,
                     size_t pkglen, char *ver, size_t verlen);

#endif
