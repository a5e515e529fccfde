/* report_cmd.c - `meetaudit report`: render one audit run of an evidence
 * database as Markdown, self-contained HTML, JSON or CSV, optionally
 * signed (report/sign.h).
 *
 * Invariants
 * ----------
 * - The database is opened read-only; the report is a pure function of it
 *   (and of the rules/data used for attribution), with the generation time
 *   taken from SOURCE_DATE_EPOCH when set, so re-runs are byte-identical.
 * - A report written to a file is written to a temporary file in the same
 *   directory and renamed into place only when complete: a failed run
 *   never leaves a half report under the requested name.
 * - Format: --format, else the extension of -o (.md .markdown .html .htm
 *   .json .csv), else csv when -o names a directory (existing, or ending
 *   in '/'), else Markdown to stdout.
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "report_model.h"
#include "store.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign.h"

enum { F_NONE, F_MD, F_HTML, F_JSON, F_CSV };

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit report [--format md|html|json|csv] "
            "[-o FILE|DIR] [--run N] [--rules DIR] [--sign KEY.pem] "
            "EVIDENCE.db\n"
            "  the format defaults to -o's extension, csv for a directory "
            "(one file per table),\n"
            "  else Markdown on stdout; --run picks an audit run (default: "
            "the newest)\n");
}

static int format_of(const char *s)
{
    if (!strcmp(s, "md") || !strcmp(s, "markdown"))
        return F_MD;
    if (!strcmp(s, "html") || !strcmp(s, "htm"))
        return F_HTML;
    if (!strcmp(s, "json"))
        return F_JSON;
    if (!strcmp(s, "csv"))
        return F_CSV;
    return F_NONE;
}

static int is_dir(const char *p)
{
    struct stat st;
    size_t n = strlen(p);
    return (n && p[n - 1] == '/') || (stat(p, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Render format fmt (table: the CSV table) to o. */
static int render(const rpt_rep *r, int fmt, const char *table, FILE *o)
{
    switch (fmt) {
    case F_HTML: return rpt_rep_html(r, o);
    case F_JSON: return rpt_rep_json(r, o);
    case F_CSV: return rpt_rep_csv(r, table, o);
    default: return rpt_rep_md(r, o);
    }
}

/* Write one rendering to path through a temporary file and rename(). */
static int write_file(const rpt_rep *r, int fmt, const char *table,
                      const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
        (int)sizeof(tmp)) {
        fprintf(stderr, "meetaudit: %s: path too long\n", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fchmod(fd, 0644);
    FILE *o = fdopen(fd, "w");
    if (!o) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    int rc = render(r, fmt, table, o);
    if (fflush(o) != 0 || fsync(fileno(o)) != 0)
        rc = -1;
    if (fclose(o) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "meetaudit: %s: cannot write the report: %s\n", path,
                strerror(errno ? errno : EIO));
        unlink(tmp);
    }
    return rc;
}

/* Open path read-only and check it is an evidence database (schema version
 * 2 or later; the audit tables are checked by the loader). */
static sqlite3 *open_db(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "meetaudit: %s: cannot open evidence database: %s\n",
                path, strerror(errno));
        return NULL;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", path,
                db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *q = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT value FROM meta WHERE key='schema_version'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (v < 2) {
        fprintf(stderr, "meetaudit: %s: %s\n", path,
                v < 0 ? "not a meetaudit evidence database"
                      : "evidence database too old: analyse into it once "
                        "to upgrade it, then audit it");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

int rpt_cmd_report(int argc, char **argv)
{
    const char *out = NULL, *rules = NULL, *key = NULL;
    int fmt = F_NONE;
    long long run = 0;
    static const struct option lo[] = {
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "run", required_argument, NULL, 'n' },
        { "rules", required_argument, NULL, 'r' },
        { "sign", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'f':
            if ((fmt = format_of(optarg)) == F_NONE) {
                fprintf(stderr, "meetaudit: unknown report format '%s' (md, "
                                "html, json, csv)\n",
                        optarg);
                return 2;
            }
            break;
        case 'o': out = optarg; break;
        case 'n':
            errno = 0;
            run = strtoll(optarg, &end, 10);
            if (errno || *end || run <= 0) {
                fprintf(stderr, "meetaudit: --run wants a positive run id, "
                                "not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'r': rules = optarg; break;
        case 's': key = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    int dir = out && is_dir(out);
    if (fmt == F_NONE && out && !dir) {
        const char *dot = strrchr(out, '.'), *sl = strrchr(out, '/');
        if (dot && (!sl || dot > sl))
            fmt = format_of(dot + 1);
        if (fmt == F_NONE) {
            fprintf(stderr, "meetaudit: cannot tell the format from '%s': "
                            "give --format md|html|json|csv\n",
                    out);
            return 2;
        }
    }
    if (fmt == F_NONE)
        fmt = dir ? F_CSV : F_MD;
    if (dir && fmt != F_CSV) {
        fprintf(stderr, "meetaudit: %s is a directory: only --format csv "
                        "writes one file per table there\n",
                out);
        return 2;
    }
    if (key && (!out || dir)) {
        fprintf(stderr, "meetaudit: --sign needs -o FILE (the signature is "
                        "written beside the report)\n");
        return 2;
    }

    sqlite3 *db = open_db(path);
    if (!db)
        return 1;
    char err[512] = "";
    rpt_rep *r = rpt_rep_load(db, path, run, rules, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, err);
        sqlite3_close(db);
        return 1;
    }
    int ret = 0;
    if (dir) {
        if (mkdir(out, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "meetaudit: %s: %s\n", out, strerror(errno));
            ret = 1;
        }
        for (int i = 0; !ret && RPT_REP_CSV_TABLES[i]; i++) {
            const char *t = RPT_REP_CSV_TABLES[i];
            char p[PATH_MAX];
            size_t n = strlen(out);
            snprintf(p, sizeof(p), "%s%s%s.csv", out,
                     n && out[n - 1] == '/' ? "" : "/", t);
            if (!strcmp(t, "drops") && !r->have_capture_stats)
                continue;
            if (write_file(r, F_CSV, t, p))
                ret = 1;
        }
    } else if (out) {
        if (write_file(r, fmt, "findings", out))
            ret = 1;
    } else {
        if (render(r, fmt, "findings", stdout) || fflush(stdout) != 0) {
            fprintf(stderr, "meetaudit: cannot write the report to stdout\n");
            ret = 1;
        }
    }
    if (!ret && key) {
        char *man = rpt_rep_manifest_json(r);
        if (!man) {
            fprintf(stderr, "meetaudit: out of memory\n");
            ret = 1;
        } else if (rpt_sign_report(out, man, path, key, err, sizeof(err))) {
            fprintf(stderr, "meetaudit: %s: %s\n", key, err);
            ret = 1;
        }
        free(man);
    }
    rpt_rep_free(r);
    sqlite3_close(db);
    return ret;
}
