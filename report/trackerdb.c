/* trackerdb.c - host name -> tracker, category and company, from
 * Ghostery's tracker database (SQLite, read-only).  Host names as in
 * RFC 1035 section 2.3.1 and RFC 1123 section 2.1.
 *
 * Invariants
 * ----------
 * - The database is opened read-only and queried only through one prepared
 *   statement with a bound parameter; no SQL is built from data.
 * - Schema (Ghostery trackerdb 1.0.x): tracker_domains(tracker, domain
 *   UNIQUE), trackers(id UNIQUE, name, category_id, company_id, alias),
 *   categories(id, name), companies(id UNIQUE, name, country).  Every
 *   lookup is an indexed equality match on tracker_domains.domain (its
 *   UNIQUE constraint gives the index), so a name costs one probe per
 *   label.  A file with another schema fails to prepare: the handle is
 *   then "unusable", never a crash or a wrong answer.
 * - A tracker domain matches itself and its subdomains.  Walking from the
 *   full host towards its parents and stopping at the first hit makes the
 *   longest domain win.  Parents go down to two labels, not to the
 *   registrable domain: the table holds names such as "cloudfront.net" and
 *   "github.io", which are public suffixes themselves.
 * - Ghostery's categories are mapped to ours by one table (below); a name
 *   missing from it maps to "unknown", never to a guess.
 */
#define _DEFAULT_SOURCE
#include "trackerdb.h"

#include "datadir.h"
#include "entities.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { DS_ABSENT, DS_LOADED, DS_UNUSABLE };

struct rpt_trackerdb {
    int state;
    sqlite3 *db;
    sqlite3_stmt *q;
    char path[PATH_MAX];
    char status[PATH_MAX + 512];
};

static const char SQL_LOOKUP[] =
    "SELECT d.domain, t.id, t.name, c.name, t.company_id, co.name, "
    "co.country "
    "FROM tracker_domains d JOIN trackers t ON t.id = d.tracker "
    "LEFT JOIN categories c ON c.id = t.category_id "
    "LEFT JOIN companies co ON co.id = t.company_id "
    "WHERE d.domain = ?1";

static const char SQL_COUNT[] = "SELECT count(*) FROM tracker_domains";

/* Ghostery categories (the categories table of trackerdb 1.0.945, with
 * the descriptions Ghostery publishes) -> ours (entities.h).
 *
 *   advertising           ads, behavioural data collection  -> advertising
 *   pornvertising         advertising for adult sites       -> advertising
 *   site_analytics        analytics, site usage, performance -> analytics
 *   social_media          social platform widgets and feeds -> social_media
 *   customer_interaction  chat widgets, customer support,
 *                         personalisation                   -> customer_support
 *   hosting               CDNs and hosting that see server
 *                         logs (cloudfront.net, amazonaws.com,
 *                         googleapis.com)                   -> cloud + cdn:
 *                         Ghostery does not tell the two apart
 *   audio_video_player    embedded media players            -> unknown
 *   consent               cookie consent managers           -> unknown
 *   extensions            software redirecting browser
 *                         traffic to itself                 -> unknown
 *   misc                  unclassified                      -> unknown
 *   utilities             tag managers, accessibility tools,
 *                         trust seals, accounts             -> unknown
 *
 * Ghostery has no category for crash reporting, telemetry, push, auth,
 * AI services or OS services: those come only from our own map.  "unknown"
 * still tells the caller that Ghostery lists the name (the tracker and
 * company are real); only the category has no counterpart. */
static const struct {
    const char *ghostery;
    uint32_t ours;
} CATMAP[] = {
    { "advertising", RPT_CAT_BIT(RPT_CAT_ADVERTISING) },
    { "pornvertising", RPT_CAT_BIT(RPT_CAT_ADVERTISING) },
    { "site_analytics", RPT_CAT_BIT(RPT_CAT_ANALYTICS) },
    { "social_media", RPT_CAT_BIT(RPT_CAT_SOCIAL_MEDIA) },
    { "customer_interaction", RPT_CAT_BIT(RPT_CAT_CUSTOMER_SUPPORT) },
    { "hosting", RPT_CAT_BIT(RPT_CAT_CLOUD) | RPT_CAT_BIT(RPT_CAT_CDN) },
    { "audio_video_player", RPT_CAT_BIT(RPT_CAT_UNKNOWN) },
    { "consent", RPT_CAT_BIT(RPT_CAT_UNKNOWN) },
    { "extensions", RPT_CAT_BIT(RPT_CAT_UNKNOWN) },
    { "misc", RPT_CAT_BIT(RPT_CAT_UNKNOWN) },
    { "utilities", RPT_CAT_BIT(RPT_CAT_UNKNOWN) },
};

uint32_t rpt_trackerdb_map_category(const char *ghostery_category)
{
    if (!ghostery_category)
        return 0;
    for (size_t i = 0; i < sizeof(CATMAP) / sizeof(CATMAP[0]); i++)
        if (strcmp(CATMAP[i].ghostery, ghostery_category) == 0)
            return CATMAP[i].ours;
    return 0;
}

static void build_status(rpt_trackerdb *h, const char *dir, const char *why,
                         long long ndomains)
{
    char pkg[128], ver[64];
    if (h->state == DS_ABSENT) {
        snprintf(h->status, sizeof(h->status),
                 "Tracker data: not installed (no %s): run `make data`",
                 h->path);
        return;
    }
    if (h->state == DS_UNUSABLE) {
        snprintf(h->status, sizeof(h->status),
                 "Tracker data: %s unusable (%s): run "
                 "`make data DATA_FORCE=1`", h->path, why);
        return;
    }
    if (rpt_data_version(dir, RPT_TRACKERDB_FILE, pkg, sizeof(pkg), ver,
                         sizeof(ver)) < 0) {
        snprintf(pkg, sizeof(pkg), "version unknown: no entry in VERSIONS");
        ver[0] = 0;
    }
    snprintf(h->status, sizeof(h->status),
             "Tracker data: %s (%s%s%s; %lld domains; CC-BY-NC-SA-4.0, "
             "non-commercial use only)", h->path, pkg, ver[0] ? " " : "",
             ver, ndomains);
}

/* "file:" URI of path with immutable=1 (RFC 3986 percent-encoding of every
 * byte that is not unreserved or '/').  0, or -1 when out does not fit. */
static int file_uri(const char *path, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    const char *pre = "file:", *post = "?immutable=1";
    for (const char *p = pre; *p; p++)
        if (o + 1 < len)
            out[o++] = *p;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~/", *p);
        if (o + (plain ? 1 : 3) >= len)
            return -1;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    size_t pl = strlen(post);
    if (o + pl >= len)
        return -1;
    memcpy(out + o, post, pl + 1);
    return 0;
}

rpt_trackerdb *rpt_trackerdb_open(const char *datadir, char *err,
                                  size_t errlen)
{
    char dir[PATH_MAX], why[256] = "";
    long long ndomains = 0;
    struct stat sb;
    sqlite3_stmt *cnt = NULL;
    rpt_trackerdb *h = calloc(1, sizeof(*h));

    if (errlen)
        err[0] = 0;
    if (!h) {
        snprintf(err, errlen, "trackerdb: out of memory");
        return NULL;
    }
    if (rpt_data_dir(datadir, dir, sizeof(dir)) < 0)
        snprintf(dir, sizeof(dir), "data");
    int k = snprintf(h->path, sizeof(h->path), "%s/%s", dir,
                     RPT_TRACKERDB_FILE);
    if (k < 0 || (size_t)k >= sizeof(h->path) || stat(h->path, &sb) != 0) {
        h->state = DS_ABSENT;
        goto done;
    }
    h->state = DS_UNUSABLE;
    /* immutable=1: the file is a read-only dataset (in WAL mode as
     * shipped); without it SQLite would create -wal/-shm files beside it
     * in data/, which may not even be writable. */
    char uri[sizeof(h->path) * 3 + 32];
    if (file_uri(h->path, uri, sizeof(uri)) != 0) {
        snprintf(why, sizeof(why), "path too long");
        goto close;
    }
    int rc = sqlite3_open_v2(uri, &h->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        snprintf(why, sizeof(why), "%s",
                 h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
        if (rc == SQLITE_NOMEM)
            goto oom;
        goto close;
    }
    if (sqlite3_prepare_v2(h->db, SQL_LOOKUP, -1, &h->q, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(h->db, SQL_COUNT, -1, &cnt, NULL) != SQLITE_OK) {
        snprintf(why, sizeof(why), "%s", sqlite3_errmsg(h->db));
        goto close;
    }
    rc = sqlite3_step(cnt);
    if (rc != SQLITE_ROW) {
        snprintf(why, sizeof(why), "%s", sqlite3_errmsg(h->db));
        goto close;
    }
    ndomains = sqlite3_column_int64(cnt, 0);
    sqlite3_finalize(cnt);
    cnt = NULL;
    h->state = DS_LOADED;
    goto done;
close:
    sqlite3_finalize(cnt);
    cnt = NULL;
    sqlite3_finalize(h->q);
    h->q = NULL;
    sqlite3_close(h->db);
    h->db = NULL;
done:
    build_status(h, dir, why, ndomains);
    return h;
oom:
    sqlite3_close(h->db);
    free(h);
    snprintf(err, errlen, "trackerdb: out of memory");
    return NULL;
}

void rpt_trackerdb_free(rpt_trackerdb *h)
{
    if (!h)
        return;
    sqlite3_finalize(h->q);
    sqlite3_close(h->db);
    free(h);
}

int rpt_trackerdb_available(const rpt_trackerdb *h)
{
    return h && h->state == DS_LOADED;
}

const char *rpt_trackerdb_status(const rpt_trackerdb *h)
{
    return h ? h->status : "Tracker data: not loaded";
}

/* Lower-case host into out (>= 254 bytes) after dropping ":port" and one
 * trailing dot.  -1 for IP literals and names that are not LDH host names
 * (underscores allowed, as in real service names). */
static int norm_host(const char *host, char out[254])
{
    size_t n = strlen(host);
    const char *colon = memchr(host, ':', n);
    if (colon) {
        if (memchr(colon + 1, ':', n - (size_t)(colon + 1 - host)))
            return -1; /* IPv6 literal */
        for (const char *p = colon + 1; p < host + n; p++)
            if (*p < '0' || *p > '9')
                return -1;
        n = (size_t)(colon - host);
    }
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return -1;
    size_t label = 0;
    int numeric = 1;
    for (size_t i = 0; i < n; i++) {
        char c = host[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0)
                return -1;
            label = 0;
            numeric = 1;
        } else if ((c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
                   (c >= '0' && c <= '9')) {
            if (++label > 63)
                return -1;
            if (c < '0' || c > '9')
                numeric = 0;
        } else {
            return -1;
        }
        out[i] = c;
    }
    out[n] = 0;
    if (label == 0 || numeric)
        return -1; /* empty last label, or an all-digit TLD (IPv4) */
    return 0;
}

/* Two upper-case ASCII letters (the shape of ISO 3166-1 alpha-2). */
static int cc_ok(const char *cc)
{
    return cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z';
}

static void col(sqlite3_stmt *q, int i, char *buf, size_t len)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    snprintf(buf, len, "%s", t ? (const char *)t : "");
}

int rpt_trackerdb_lookup(rpt_trackerdb *h, const char *host,
                         rpt_tracker *out)
{
    char name[254];
    int found = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (!h || h->state != DS_LOADED || !host || !out ||
        norm_host(host, name) < 0)
        return 0;
    for (const char *p = name; strchr(p, '.'); p = strchr(p, '.') + 1) {
        sqlite3_reset(h->q);
        if (sqlite3_bind_text(h->q, 1, p, -1, SQLITE_STATIC) != SQLITE_OK)
            goto fail;
        int rc = sqlite3_step(h->q);
        if (rc == SQLITE_DONE)
            continue;
        if (rc != SQLITE_ROW)
            goto fail;
        col(h->q, 0, out->domain, sizeof(out->domain));
        col(h->q, 1, out->tracker_id, sizeof(out->tracker_id));
        col(h->q, 2, out->tracker, sizeof(out->tracker));
        col(h->q, 3, out->category, sizeof(out->category));
        col(h->q, 4, out->company_id, sizeof(out->company_id));
        col(h->q, 5, out->company, sizeof(out->company));
        char cc[8];
        col(h->q, 6, cc, sizeof(cc));
        if (strlen(cc) == 2 && cc_ok(cc))
            memcpy(out->country, cc, 3);
        if (!out->company[0])
            out->company_id[0] = 0; /* a dangling company id names no one */
        out->categories = rpt_trackerdb_map_category(out->category);
        if (!out->categories)
            out->categories = RPT_CAT_BIT(RPT_CAT_UNKNOWN);
        found = 1;
        break;
    }
    sqlite3_reset(h->q);
    sqlite3_clear_bindings(h->q);
    return found;
fail:
    sqlite3_reset(h->q);
    sqlite3_clear_bindings(h->q);
    memset(out, 0, sizeof(*out));
    return -1;
}
