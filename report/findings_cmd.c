/* findings_cmd.c - `meetaudit findings` (the stored findings of an audit
 * run as a table or JSON lines, RFC 8259) and `meetaudit diff` (what two
 * runs disagree on: Consumer Reports' "hosts versus participants" topic).
 *
 * Invariants
 * ----------
 * - Read-only: databases are opened read-only, only prepared SELECTs run.
 * - The newest run unless --run N; findings in id order (worst first, as
 *   audit_store.c inserted them).  JSON keys and their order are the
 *   contract of DESIGN-audit.md / README ("meetaudit findings").
 * - diff compares the newest run of each database: findings by
 *   finding_key (present in one only, or verdict changed) and the
 *   counterparties named by findings (organisation, party).
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "audit.h"
#include "json.h"
#include "store.h"

#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

static int open_ro(const char *path, sqlite3 **db)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "meetaudit: %s: cannot open evidence database\n",
                path);
        return -1;
    }
    fclose(f);
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(*db));
        return -1;
    }
    return 0;
}

/* The run to show: want (>0) if it exists, else the newest; 0 when none. */
static int64_t pick_run(sqlite3 *db, const char *path, int64_t want)
{
    sqlite3_stmt *q = NULL;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db,
                           want ? "SELECT id FROM audit_runs WHERE id = ?1"
                                : "SELECT max(id) FROM audit_runs",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: no audit runs (run meetaudit "
                        "audit first)\n", path);
        return 0;
    }
    if (want)
        sqlite3_bind_int64(q, 1, want);
    if (sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (!id)
        fprintf(stderr, "meetaudit: %s: %s\n", path,
                want ? "no such audit run" : "no audit runs");
    return id;
}

enum { F_ID, F_SERVICE, F_KIND, F_SUB, F_VERDICT, F_SEV, F_SCOPE, F_ATTR,
       F_CLAIM, F_QUOTE, F_SOURCE, F_STATUS, F_REASON, F_ORG, F_ORGID,
       F_PARTY, F_CATS, F_COUNTRY, F_BTS, F_BTC, F_FTS, F_LTS, F_DETAIL,
       F_OTHER, F_KEY };

static const char FSQL[] =
    "SELECT id, service, kind, subtype, verdict, severity, scope, "
    "attribution, claim_id, quote, source, claim_status, reason, org, "
    "org_id, party, categories, country, bytes_toserver, bytes_toclient, "
    "first_ts_us, last_ts_us, detail, other_claims, finding_key "
    "FROM findings WHERE run_id = ?1 ORDER BY id";

static void json_ts(rpt_json *j, const char *k, sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) {
        rpt_json_null(j, k);
        return;
    }
    char b[48];
    rpt_fmt_ts(sqlite3_column_int64(q, i), b, sizeof(b));
    rpt_json_str(j, k, b);
}

static void emit_json(sqlite3 *db, sqlite3_stmt *q, sqlite3_stmt **sub)
{
    rpt_json j;
    int64_t id = sqlite3_column_int64(q, F_ID);
    rpt_json_init(&j, stdout);
    rpt_json_obj_begin(&j, NULL);
    rpt_json_int(&j, "finding_id", id);
    static const struct { const char *k; int c; } S1[] = {
        { "service", F_SERVICE }, { "kind", F_KIND }, { "subtype", F_SUB },
        { "verdict", F_VERDICT }, { "severity", F_SEV },
        { "scope", F_SCOPE }, { "attribution", F_ATTR },
        { "claim_id", F_CLAIM }, { "quote", F_QUOTE },
        { "source", F_SOURCE }, { "claim_status", F_STATUS },
        { "reason", F_REASON }, { "org", F_ORG }, { "org_id", F_ORGID },
        { "party", F_PARTY },
    };
    for (size_t i = 0; i < sizeof(S1) / sizeof(S1[0]); i++)
        rpt_json_str(&j, S1[i].k, col(q, S1[i].c));
    rpt_json_arr_begin(&j, "categories");
    const char *cats = col(q, F_CATS);
    while (cats && *cats) {
        const char *e = strchr(cats, ',');
        size_t n = e ? (size_t)(e - cats) : strlen(cats);
        char b[64];
        snprintf(b, sizeof(b), "%.*s", (int)n, cats);
        rpt_json_str(&j, NULL, b);
        cats = e ? e + 1 : NULL;
    }
    rpt_json_arr_end(&j);
    rpt_json_arr_begin(&j, "hostnames");
    sqlite3_reset(sub[0]);
    sqlite3_bind_int64(sub[0], 1, id);
    while (sqlite3_step(sub[0]) == SQLITE_ROW)
        rpt_json_str(&j, NULL, col(sub[0], 0));
    rpt_json_arr_end(&j);
    rpt_json_str(&j, "country", col(q, F_COUNTRY));
    rpt_json_int(&j, "bytes_toserver", sqlite3_column_int64(q, F_BTS));
    rpt_json_int(&j, "bytes_toclient", sqlite3_column_int64(q, F_BTC));
    json_ts(&j, "first_ts", q, F_FTS);
    json_ts(&j, "last_ts", q, F_LTS);
    rpt_json_arr_begin(&j, "flows");
    sqlite3_reset(sub[1]);
    sqlite3_bind_int64(sub[1], 1, id);
    while (sqlite3_step(sub[1]) == SQLITE_ROW)
        rpt_json_int(&j, NULL, sqlite3_column_int64(sub[1], 0));
    rpt_json_arr_end(&j);
    rpt_json_arr_begin(&j, "evidence");
    sqlite3_reset(sub[2]);
    sqlite3_bind_int64(sub[2], 1, id);
    char cur[80] = "";
    int open = 0;
    while (sqlite3_step(sub[2]) == SQLITE_ROW) {
        const char *sha = col(sub[2], 0) ? col(sub[2], 0) : "";
        if (!open || strcmp(cur, sha)) {
            if (open) {
                rpt_json_arr_end(&j);
                rpt_json_obj_end(&j);
            }
            rpt_json_obj_begin(&j, NULL);
            rpt_json_str(&j, "input_sha256", sha);
            rpt_json_arr_begin(&j, "frames");
            snprintf(cur, sizeof(cur), "%s", sha);
            open = 1;
        }
        rpt_json_int(&j, NULL, sqlite3_column_int64(sub[2], 1));
    }
    if (open) {
        rpt_json_arr_end(&j);
        rpt_json_obj_end(&j);
    }
    rpt_json_arr_end(&j);
    const char *d = col(q, F_DETAIL);
    rpt_json_raw(&j, "detail", d && d[0] == '{' ? d : "{}");
    rpt_json_obj_end(&j);
    fputc('\n', stdout);
    (void)db;
}

static void emit_row(sqlite3_stmt *q, sqlite3_stmt **sub)
{
    char kind[96], cl[160];
    const char *s = col(q, F_SUB);
    snprintf(kind, sizeof(kind), "%s%s%s", col(q, F_KIND), s ? "/" : "",
             s ? s : "");
    snprintf(cl, sizeof(cl), "%s%s%s", col(q, F_CLAIM) ? col(q, F_CLAIM) : "-",
             col(q, F_OTHER) ? " vs " : "",
             col(q, F_OTHER) ? col(q, F_OTHER) : "");
    sqlite3_reset(sub[0]);
    sqlite3_bind_int64(sub[0], 1, sqlite3_column_int64(q, F_ID));
    const char *host = sqlite3_step(sub[0]) == SQLITE_ROW ? col(sub[0], 0)
                                                           : NULL;
    printf("%4lld %-6s %-12s %-10s %-28s %-32.32s %-32.32s %s\n",
           (long long)sqlite3_column_int64(q, F_ID), col(q, F_SEV),
           col(q, F_VERDICT), col(q, F_SCOPE), kind,
           col(q, F_ORG) ? col(q, F_ORG) : "-", host ? host : "-", cl);
}

static void usage_findings(FILE *o)
{
    fprintf(o, "usage: meetaudit findings [--json] [--run N] [DB]\n"
               "  DB defaults to ./evidence.db; the newest audit run unless "
               "--run N\n");
}

int rpt_cmd_findings(int argc, char **argv)
{
    int json = 0;
    int64_t want = 0;
    static const struct option lo[] = {
        { "json", no_argument, NULL, 'j' },
        { "run", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'r': {
            char *end;
            want = strtoll(optarg, &end, 10);
            if (*end || want <= 0) {
                fprintf(stderr, "meetaudit: bad --run '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': usage_findings(stdout); return 0;
        default: usage_findings(stderr); return 2;
        }
    }
    if (optind < argc - 1) {
        usage_findings(stderr);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : "evidence.db";
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL, *sub[3] = { 0 };
    int ret = 1;
    if (open_ro(path, &db) != 0)
        goto done;
    int64_t run = pick_run(db, path, want);
    if (!run)
        goto done;
    if (sqlite3_prepare_v2(db, FSQL, -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT hostname FROM finding_names WHERE "
                           "finding_id = ?1 ORDER BY idx",
                           -1, &sub[0], NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT flow_id FROM finding_flows WHERE "
                           "finding_id = ?1 ORDER BY flow_id",
                           -1, &sub[1], NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT i.sha256, e.frame FROM finding_evidence e "
                           "LEFT JOIN inputs i ON i.id = e.input_id WHERE "
                           "e.finding_id = ?1 ORDER BY e.input_id, e.frame",
                           -1, &sub[2], NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(q, 1, run);
    if (!json)
        printf("%4s %-6s %-12s %-10s %-28s %-32s %-32s %s\n", "id",
               "sev", "verdict", "scope", "kind", "organisation",
               "hostname", "claim");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (json)
            emit_json(db, q, sub);
        else
            emit_row(q, sub);
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    ret = 0;
done:
    sqlite3_finalize(q);
    for (int i = 0; i < 3; i++)
        sqlite3_finalize(sub[i]);
    sqlite3_close(db);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
}

/* ---- diff --------------------------------------------------------------- */

typedef struct dset {
    char **key, **val; /* key; verdict (findings) or label (counterparties) */
    size_t n;
} dset;

static int dset_add(dset *s, const char *k, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], k))
            return 0;
    char **nk = realloc(s->key, (s->n + 1) * sizeof(*nk));
    if (nk)
        s->key = nk;
    char **nv = realloc(s->val, (s->n + 1) * sizeof(*nv));
    if (nv)
        s->val = nv;
    if (!nk || !nv)
        return -1;
    s->key[s->n] = strdup(k);
    s->val[s->n] = strdup(v ? v : "");
    if (!s->key[s->n] || !s->val[s->n]) {
        free(s->key[s->n]);
        free(s->val[s->n]);
        return -1;
    }
    s->n++;
    return 0;
}

static void dset_free(dset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->key[i]);
        free(s->val[i]);
    }
    free(s->key);
    free(s->val);
}

static const char *dset_get(const dset *s, const char *k)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->key[i], k))
            return s->val[i];
    return NULL;
}

static int load_run(const char *path, dset *fnd, dset *cp, char *svc,
                    size_t svclen, int64_t *run_out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int ret = -1;
    if (open_ro(path, &db) != 0)
        goto done;
    int64_t run = pick_run(db, path, 0);
    if (!run)
        goto done;
    *run_out = run;
    svc[0] = 0;
    if (sqlite3_prepare_v2(db, "SELECT service FROM audit_runs WHERE id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run);
        if (sqlite3_step(q) == SQLITE_ROW && col(q, 0))
            snprintf(svc, svclen, "%s", col(q, 0));
    }
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT f.finding_key, f.verdict, f.org, f.party, "
                           "f.org_id, r.service FROM findings f JOIN "
                           "audit_runs r ON r.id = f.run_id WHERE "
                           "f.run_id = ?1 ORDER BY f.finding_key",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(q, 1, run);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char ck[512], lab[512];
        const char *org = col(q, 2) ? col(q, 2) : col(q, 4);
        const char *party = col(q, 3) ? col(q, 3) : "unknown";
        if (dset_add(fnd, col(q, 0), col(q, 1)) != 0)
            goto oom;
        if (!org)
            continue;
        snprintf(ck, sizeof(ck), "%s|%s", org, party);
        snprintf(lab, sizeof(lab), "%s (%s party)", org, party);
        if (dset_add(cp, ck, lab) != 0)
            goto oom;
    }
    sqlite3_finalize(q);
    q = NULL;
    /* runs since audit_counterparties exists: every counterparty of the
     * client's flows, not only those with findings */
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce(org, ckey), party FROM "
                           "audit_counterparties WHERE run_id = ?1 "
                           "ORDER BY party, coalesce(org, ckey)",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run);
        while (sqlite3_step(q) == SQLITE_ROW) {
            char ck[512], lab[512];
            snprintf(ck, sizeof(ck), "%s|%s", col(q, 0), col(q, 1));
            snprintf(lab, sizeof(lab), "%s (%s party)", col(q, 0),
                     col(q, 1));
            if (dset_add(cp, ck, lab) != 0)
                goto oom;
        }
    }
    ret = 0;
    goto done;
oom:
    fprintf(stderr, "meetaudit: out of memory\n");
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return ret;
}

static void diff_line(int json, const char *change, const char *what,
                      const char *key, const char *a, const char *b)
{
    if (json) {
        rpt_json j;
        rpt_json_init(&j, stdout);
        rpt_json_obj_begin(&j, NULL);
        rpt_json_str(&j, "change", change);
        rpt_json_str(&j, "what", what);
        rpt_json_str(&j, "key", key);
        rpt_json_str(&j, "a", a);
        rpt_json_str(&j, "b", b);
        rpt_json_obj_end(&j);
        fputc('\n', stdout);
    } else if (!strcmp(change, "verdict_changed")) {
        printf("  %s: %s -> %s\n", key, a, b);
    } else {
        printf("  %s%s%s%s\n", key, (a || b) ? " (" : "", a ? a : b ? b : "",
               (a || b) ? ")" : "");
    }
}

static void diff_sets(int json, const dset *a, const dset *b,
                      const char *what, int verdicts)
{
    static const char *const HEAD[2][3] = {
        { "counterparties only in A:", "counterparties only in B:", "" },
        { "findings only in A:", "findings only in B:", "verdicts changed:" },
    };
    for (int side = 0; side < 2; side++) {
        const dset *x = side ? b : a, *y = side ? a : b;
        int shown = 0;
        for (size_t i = 0; i < x->n; i++) {
            if (dset_get(y, x->key[i]))
                continue;
            if (!json && !shown++)
                printf("%s\n", HEAD[verdicts][side]);
            diff_line(json, side ? "only_b" : "only_a", what,
                      verdicts ? x->key[i] : x->val[i],
                      verdicts && !side ? x->val[i] : NULL,
                      verdicts && side ? x->val[i] : NULL);
        }
    }
    if (!verdicts)
        return;
    int shown = 0;
    for (size_t i = 0; i < a->n; i++) {
        const char *vb = dset_get(b, a->key[i]);
        if (!vb || !strcmp(vb, a->val[i]))
            continue;
        if (!json && !shown++)
            printf("%s\n", HEAD[1][2]);
        diff_line(json, "verdict_changed", what, a->key[i], a->val[i], vb);
    }
}

int rpt_cmd_diff(int argc, char **argv)
{
    int json = 0;
    static const struct option lo[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h':
            printf("usage: meetaudit diff A.db B.db [--json]\n");
            return 0;
        default:
            fprintf(stderr, "usage: meetaudit diff A.db B.db [--json]\n");
            return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: meetaudit diff A.db B.db [--json]\n");
        return 2;
    }
    dset fa = { 0 }, fb = { 0 }, ca = { 0 }, cb = { 0 };
    char sa[32], sb[32];
    int64_t ra = 0, rb = 0;
    int ret = 1;
    if (load_run(argv[optind], &fa, &ca, sa, sizeof(sa), &ra) != 0 ||
        load_run(argv[optind + 1], &fb, &cb, sb, sizeof(sb), &rb) != 0)
        goto done;
    if (!json)
        printf("A: %s run %lld (%s)\nB: %s run %lld (%s)\n", argv[optind],
               (long long)ra, sa, argv[optind + 1], (long long)rb, sb);
    diff_sets(json, &ca, &cb, "counterparty", 0);
    diff_sets(json, &fa, &fb, "finding", 1);
    ret = 0;
done:
    dset_free(&fa);
    dset_free(&fb);
    dset_free(&ca);
    dset_free(&cb);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
}
