/* trackerdb.h - tracker, category and company of a host name, from
 * Ghostery's tracker database (data/trackerdb.db, fetched by `make data`;
 * CC-BY-NC-SA-4.0, non-commercial use only).
 *
 * The database is optional and secondary: our own organisation map
 * (entities.h) wins whenever it knows a name; this fills organisation and
 * category for names it lacks.  Ghostery's categories describe web
 * tracking in browsers and are coarse (google.com as a whole is
 * "advertising", microsoft.com "misc"); treat them as a weaker source.
 *
 * Ownership: rpt_trackerdb_open() returns a handle the caller frees with
 * rpt_trackerdb_free(); the status string is owned by the handle.  Lookup
 * results are copied into the caller's struct.  A handle holds one SQLite
 * connection and prepared statement: use it from one thread at a time.
 */
#ifndef MEETAUDIT_TRACKERDB_H
#define MEETAUDIT_TRACKERDB_H

#include <stddef.h>
#include <stdint.h>

#define RPT_TRACKERDB_FILE "trackerdb.db"

typedef struct rpt_trackerdb rpt_trackerdb;

/* One match.  Strings are NUL-terminated and truncated to their buffers
 * (the 2026 database's longest values are well inside them); a field the
 * database leaves empty is "". */
typedef struct rpt_tracker {
    char domain[256];     /* tracker_domains.domain that matched */
    char tracker_id[96];  /* trackers.id, e.g. "google_analytics" */
    char tracker[160];    /* trackers.name, e.g. "Google Analytics" */
    char category[48];    /* Ghostery's category, e.g. "site_analytics" */
    uint32_t categories;  /* ours: RPT_CAT_BIT() mask (entities.h), never 0 */
    char company_id[96];  /* companies.id, e.g. "google" ("" when none) */
    char company[160];    /* companies.name, e.g. "Google" */
    char country[3];      /* companies.country, ISO 3166-1 alpha-2, or "" */
} rpt_tracker;

/* Open datadir/trackerdb.db read-only (datadir NULL: rpt_data_dir(NULL)).
 * A missing, unreadable or foreign file is not an error: the handle then
 * matches nothing and rpt_trackerdb_status() says why.  Returns NULL only
 * when memory runs out (message in err). */
rpt_trackerdb *rpt_trackerdb_open(const char *datadir, char *err,
                                  size_t errlen);

/* Close and free.  NULL is fine. */
void rpt_trackerdb_free(rpt_trackerdb *h);

/* Non-zero when the database is open and usable. */
int rpt_trackerdb_available(const rpt_trackerdb *h);

/* Look up host: case-insensitive, one trailing dot and a ":port" suffix
 * ignored.  Tries host itself, then each parent domain down to two labels;
 * the longest tracker domain that equals host or of which host is a
 * subdomain wins (x.ads.example.com matches "ads.example.com" before
 * "example.com"; "notexample.com" never matches "example.com").  IP
 * literals and malformed names match nothing.  Returns 1 and fills *out,
 * 0 when nothing matched (or no database; *out zeroed), -1 on an SQLite
 * error (*out zeroed).  h may be NULL (0). */
int rpt_trackerdb_lookup(rpt_trackerdb *h, const char *host,
                         rpt_tracker *out);

/* One line for `analyze` and README, e.g.
 *   Tracker data: data/trackerdb.db (@ghostery/trackerdb 1.0.945; 5103
 *     domains; CC-BY-NC-SA-4.0, non-commercial use only)
 * or "Tracker data: not installed (no data/trackerdb.db): run `make data`".
 * Owned by h (a static string for NULL). */
const char *rpt_trackerdb_status(const rpt_trackerdb *h);

/* Our categories (RPT_CAT_BIT() mask) for a Ghostery category name; 0
 * when the name is not in our mapping table (a category Ghostery added
 * later: lookups then report RPT_CAT_UNKNOWN). */
uint32_t rpt_trackerdb_map_category(const char *ghostery_category);

#endif
