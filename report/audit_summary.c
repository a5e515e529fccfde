/* audit_summary.c - the concise summary of one audit run, read back from
 * the database (so `audit` and a later reader print the same thing).
 *
 * Invariants
 * ----------
 * - Read-only prepared SELECTs; output is a pure function of the stored
 *   run (no paths of this machine unless the user gave them, no clock), so
 *   it can be compared byte for byte.
 * - Findings come out in id order, which audit_store.c made worst first;
 *   background findings are listed separately; at most AU_SUMMARY_MAX
 *   lines each, then a pointer to `meetaudit findings`.
 */
#define _DEFAULT_SOURCE
#include "audit.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define AU_SUMMARY_MAX 25

static const char *col(sqlite3_stmt *q, int i)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    return s ? s : "";
}

static int64_t newest_run(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(id) FROM audit_runs", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}

static void list_options(sqlite3 *db, int64_t run, const char *opt,
                         int values, FILE *out)
{
    sqlite3_stmt *q = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, value FROM audit_options WHERE "
                           "run_id = ?1 AND option = ?2 ORDER BY seq",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_text(q, 2, opt, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (values)
                fprintf(out, "%s%s=%s", n ? ", " : "", col(q, 0), col(q, 1));
            else
                fprintf(out, "%s%s", n ? ", " : "", col(q, 0));
            n++;
        }
    }
    sqlite3_finalize(q);
    fprintf(out, "%s\n", n ? "" : "none");
}

static void finding_line(sqlite3_stmt *q, FILE *out)
{
    char kind[96];
    const char *sub = col(q, 3);
    snprintf(kind, sizeof(kind), "%s%s%s", col(q, 2), *sub ? "/" : "", sub);
    const char *who = *col(q, 5) ? col(q, 5) : "-";
    const char *host = col(q, 8);
    fprintf(out, "  #%lld %-6s %-12s %-24s %s", (long long)
            sqlite3_column_int64(q, 0), col(q, 4), col(q, 1), kind, who);
    if (*host)
        fprintf(out, " (%s%s)", host,
                sqlite3_column_int(q, 9) > 1 ? ", ..." : "");
    if (*col(q, 6))
        fprintf(out, " [%s%s%s]", col(q, 6), *col(q, 7) ? " vs " : "",
                col(q, 7));
    if (*col(q, 10))
        fprintf(out, " country %s", col(q, 10));
    fprintf(out, "\n");
}

int rpt_audit_summary(const char *db_path, int64_t run_id, FILE *out,
                      char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int ret = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open", db_path);
        goto done;
    }
    if (!run_id)
        run_id = newest_run(db);
    if (sqlite3_prepare_v2(db,
                           "SELECT service, service_name, service_how, "
                           "rules_dir, baseline_path, baseline_sha256, "
                           "attribution_status FROM "
                           "audit_runs WHERE id = ?1",
                           -1, &q, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: no audit runs (%s)", db_path,
                 sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(q, 1, run_id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        snprintf(err, errlen, "%s: no audit run %lld", db_path,
                 (long long)run_id);
        goto done;
    }
    int has_bl = *col(q, 4) != 0;
    fprintf(out, "audit run %lld: %s (%s)%s\n", (long long)run_id,
            col(q, 1), col(q, 0),
            !strcmp(col(q, 2), "auto")
                ? ", chosen with --service auto: the service with the most "
                  "first-party flows"
                : "");
    fprintf(out, "rules: %s\n", col(q, 3));
    if (has_bl)
        fprintf(out,
                "baseline: %s (sha256 %.16s...): counterparties seen there "
                "are background, listed separately\n",
                col(q, 4), col(q, 5));
    else
        fprintf(out, "baseline: none: third parties are \"observed during "
                     "the session\", not \"sent by the app\"\n");
    /* notes the run recorded after the attribution status ("pii: ...") */
    for (const char *l = col(q, 6); l && *l;) {
        const char *e = strchr(l, '\n');
        int n = e ? (int)(e - l) : (int)strlen(l);
        if (!strncmp(l, "pii: ", 5))
            fprintf(out, "note: %.*s\n", n, l);
        l = e ? e + 1 : NULL;
    }
    sqlite3_finalize(q);
    q = NULL;
    fprintf(out, "inputs: ");
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT i.name, i.sha256 FROM audit_inputs a JOIN "
                           "inputs i ON i.id = a.input_id WHERE a.run_id = "
                           "?1 ORDER BY i.id",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        while (sqlite3_step(q) == SQLITE_ROW)
            fprintf(out, "%s%s (sha256 %.16s...)", n++ ? ", " : "",
                    col(q, 0), col(q, 1));
    }
    fprintf(out, "%s\n", n ? "" : "none");
    sqlite3_finalize(q);
    q = NULL;
    fprintf(out, "clients: ");
    n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT ip, how, flows FROM audit_clients WHERE "
                           "run_id = ?1 ORDER BY ip",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        while (sqlite3_step(q) == SQLITE_ROW)
            fprintf(out, "%s%s (%s, %lld flows)", n++ ? ", " : "", col(q, 0),
                    !strcmp(col(q, 1), "auto")
                        ? "found: it originates the service's first-party "
                          "flows"
                        : "--client",
                    (long long)sqlite3_column_int64(q, 2));
    }
    fprintf(out, "%s\n", n ? "" : "none");
    sqlite3_finalize(q);
    q = NULL;
    fprintf(out, "context: ");
    list_options(db, run_id, "context", 1, out);
    fprintf(out, "canaries: ");
    list_options(db, run_id, "canary", 0, out);

    int64_t cnt[RPT_V_COUNT] = { 0 }, bg = 0, total = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT verdict, scope FROM findings WHERE "
                           "run_id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        while (sqlite3_step(q) == SQLITE_ROW) {
            total++;
            if (!strcmp(col(q, 1), "background")) {
                bg++;
                continue;
            }
            int v = rpt_verdict_index(col(q, 0));
            if (v >= 0)
                cnt[v]++;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    fprintf(out, "findings: %lld", (long long)(total - bg));
    for (int v = 0; v < RPT_V_COUNT; v++)
        fprintf(out, "%s%s %lld", v ? ", " : " (", rpt_verdict_name(v),
                (long long)cnt[v]);
    fprintf(out, "); background: %lld\n", (long long)bg);
    static const char FSQL[] =
        "SELECT f.id, f.verdict, f.kind, f.subtype, f.severity, f.org, "
        "f.claim_id, f.other_claims, "
        "(SELECT hostname FROM finding_names n WHERE n.finding_id = f.id "
        "ORDER BY idx LIMIT 1), "
        "(SELECT count(*) FROM finding_names n WHERE n.finding_id = f.id), "
        "f.country FROM findings f WHERE f.run_id = ?1 AND f.scope = ?2 "
        "ORDER BY f.id";
    for (int pass = 0; pass < 2; pass++) {
        if (sqlite3_prepare_v2(db, FSQL, -1, &q, NULL) != SQLITE_OK)
            break;
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_text(q, 2, pass ? "background" : "session", -1,
                          SQLITE_STATIC);
        int k = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!k)
                fprintf(out, "%s\n",
                        pass ? "background (also seen in the baseline, not "
                               "charged to the service):"
                             : "worst first:");
            if (k++ < AU_SUMMARY_MAX)
                finding_line(q, out);
        }
        if (k > AU_SUMMARY_MAX)
            fprintf(out, "  ... %d more: meetaudit findings\n",
                    k - AU_SUMMARY_MAX);
        sqlite3_finalize(q);
        q = NULL;
    }
    ret = 0;
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ret;
}
