/* audit_store.c - the audit tables (DESIGN-audit.md, schema version 3
 * additions) and the writing of one run.
 *
 * Invariants
 * ----------
 * - Tables are created with CREATE TABLE IF NOT EXISTS on first use; old
 *   tables are never altered, so a database analysed before the audit
 *   existed gains the tables and keeps everything else.
 * - One run = one transaction (BEGIN IMMEDIATE ... COMMIT); on any error
 *   it is rolled back and the database is as before.
 * - Only prepared statements with bound values; the only SQL text built at
 *   run time is none.
 * - Findings are inserted worst first (severity, then verdict, then kind
 *   and key), so finding ids read in that order; created_at honours
 *   SOURCE_DATE_EPOCH (reproducible builds spec) for byte-stable goldens.
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "../capture/pcapin.h"
#include "audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char AUDIT_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS audit_runs(id INTEGER PRIMARY KEY,"
    " created_at TEXT, service TEXT NOT NULL, service_name TEXT,"
    " service_how TEXT, rules_dir TEXT, baseline_path TEXT,"
    " baseline_sha256 TEXT, meetaudit_version TEXT, ndpi_version TEXT,"
    " attribution_status TEXT);"
    "CREATE TABLE IF NOT EXISTS audit_inputs(run_id INTEGER, input_id INTEGER,"
    " PRIMARY KEY(run_id, input_id));"
    "CREATE TABLE IF NOT EXISTS audit_options(run_id INTEGER, seq INTEGER,"
    " option TEXT, name TEXT, value TEXT, PRIMARY KEY(run_id, seq));"
    "CREATE TABLE IF NOT EXISTS audit_clients(run_id INTEGER, ip TEXT,"
    " how TEXT, flows INTEGER, PRIMARY KEY(run_id, ip));"
    "CREATE TABLE IF NOT EXISTS audit_rules(run_id INTEGER, file TEXT,"
    " sha256 TEXT, PRIMARY KEY(run_id, file));"
    "CREATE TABLE IF NOT EXISTS audit_background(run_id INTEGER,"
    " org_id TEXT, org TEXT, domain TEXT, flows INTEGER);"
    /* addition to DESIGN-audit.md: every counterparty of the client's
     * flows (not local), for `diff` */
    "CREATE TABLE IF NOT EXISTS audit_counterparties(run_id INTEGER,"
    " ckey TEXT, party TEXT, org_id TEXT, org TEXT, flows INTEGER,"
    " bytes_toserver INTEGER, bytes_toclient INTEGER,"
    " PRIMARY KEY(run_id, ckey, party));"
    "CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL, finding_key TEXT NOT NULL,"
    " service TEXT NOT NULL, kind TEXT NOT NULL, subtype TEXT,"
    " verdict TEXT NOT NULL, severity TEXT NOT NULL, scope TEXT NOT NULL,"
    " attribution TEXT NOT NULL, claim_id TEXT, quote TEXT, source TEXT,"
    " source_doc TEXT, doc_date TEXT, doc_url TEXT, claim_status TEXT,"
    " other_claims TEXT, reason TEXT NOT NULL, org_id TEXT, org TEXT,"
    " parent_org TEXT, party TEXT, categories TEXT, country TEXT,"
    " detail TEXT, flows INTEGER, bytes_toserver INTEGER,"
    " bytes_toclient INTEGER, first_ts_us INTEGER, last_ts_us INTEGER);"
    "CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);"
    "CREATE TABLE IF NOT EXISTS finding_flows(finding_id INTEGER,"
    " flow_id INTEGER, PRIMARY KEY(finding_id, flow_id));"
    "CREATE TABLE IF NOT EXISTS finding_names(finding_id INTEGER,"
    " idx INTEGER, hostname TEXT, PRIMARY KEY(finding_id, idx));"
    "CREATE TABLE IF NOT EXISTS finding_evidence(finding_id INTEGER,"
    " input_id INTEGER, frame INTEGER, what TEXT,"
    " PRIMARY KEY(finding_id, input_id, frame));";

int au_store_schema(sqlite3 *db, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, AUDIT_SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot create the audit tables: %s",
                 msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

enum { S_RUN, S_INPUT, S_OPT, S_CLIENT, S_RULE, S_BG, S_FIND, S_FFLOW,
       S_FNAME, S_FEV, S_CP, S_N };

static const char *const SQL[S_N] = {
    [S_RUN] = "INSERT INTO audit_runs(created_at, service, service_name, "
              "service_how, rules_dir, baseline_path, baseline_sha256, "
              "meetaudit_version, ndpi_version, attribution_status) "
              "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [S_INPUT] = "INSERT OR IGNORE INTO audit_inputs(run_id, input_id) "
                "SELECT ?1, id FROM inputs WHERE ?2 = 0 OR id = ?3",
    [S_OPT] = "INSERT INTO audit_options(run_id, seq, option, name, value) "
              "VALUES(?1,?2,?3,?4,?5)",
    [S_CLIENT] = "INSERT INTO audit_clients(run_id, ip, how, flows) "
                 "VALUES(?1,?2,?3,?4)",
    [S_RULE] = "INSERT OR REPLACE INTO audit_rules(run_id, file, sha256) "
               "VALUES(?1,?2,?3)",
    [S_BG] = "INSERT INTO audit_background(run_id, org_id, org, domain, "
             "flows) VALUES(?1,?2,?3,?4,?5)",
    [S_FIND] =
        "INSERT INTO findings(run_id, finding_key, service, kind, subtype, "
        "verdict, severity, scope, attribution, claim_id, quote, source, "
        "source_doc, doc_date, doc_url, claim_status, other_claims, reason, "
        "org_id, org, parent_org, party, categories, country, detail, flows, "
        "bytes_toserver, bytes_toclient, first_ts_us, last_ts_us) VALUES("
        "?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,"
        "?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30)",
    [S_FFLOW] = "INSERT OR IGNORE INTO finding_flows(finding_id, flow_id) "
                "VALUES(?1,?2)",
    [S_FNAME] = "INSERT INTO finding_names(finding_id, idx, hostname) "
                "VALUES(?1,?2,?3)",
    [S_FEV] = "INSERT OR IGNORE INTO finding_evidence(finding_id, input_id, "
              "frame, what) VALUES(?1,?2,?3,?4)",
    [S_CP] = "INSERT INTO audit_counterparties(run_id, ckey, party, org_id, "
             "org, flows, bytes_toserver, bytes_toclient) "
             "VALUES(?1,?2,?3,?4,?5,1,?6,?7) ON CONFLICT(run_id, ckey, party) "
             "DO UPDATE SET flows = flows + 1, "
             "bytes_toserver = bytes_toserver + ?6, "
             "bytes_toclient = bytes_toclient + ?7",
};

/* Bind text or NULL (empty strings are NULL). */
static void bt(sqlite3_stmt *q, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static int step(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void created_at(char *b, size_t len)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    time_t t = time(NULL);
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (!*end && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(b, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int find_cmp(const void *pa, const void *pb)
{
    const au_finding *a = *(au_finding *const *)pa;
    const au_finding *b = *(au_finding *const *)pb;
    int c = rpt_severity_rank(a->severity) - rpt_severity_rank(b->severity);
    if (!c)
        c = a->verdict - b->verdict;
    if (!c)
        c = strcmp(a->kind, b->kind);
    if (!c)
        c = strcmp(a->key, b->key);
    return c;
}

static int i64cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int evcmp(const void *pa, const void *pb)
{
    const au_ev *a = pa, *b = pb;
    if (a->input_id != b->input_id)
        return a->input_id < b->input_id ? -1 : 1;
    return (a->frame > b->frame) - (a->frame < b->frame);
}

static int namecmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int put_finding(au_run *r, sqlite3_stmt **st, int64_t run,
                       au_finding *f)
{
    sqlite3_stmt *q = st[S_FIND];
    char cats[256] = "", src[1024] = "";
    const rule_claim *c = f->claim;
    const rule_doc *d = c ? rule_claim_source(c) : NULL;
    if (d) {
        const char *sec = rule_claim_source_section(c);
        snprintf(src, sizeof(src), "%s%s%s", rule_doc_title(d),
                 sec ? ", " : "", sec ? sec : "");
    }
    rpt_categories_str(f->categories, cats, sizeof(cats));
    sqlite3_bind_int64(q, 1, run);
    bt(q, 2, f->key);
    bt(q, 3, rule_service_id(r->svc));
    bt(q, 4, f->kind);
    bt(q, 5, f->subtype);
    bt(q, 6, rpt_verdict_name(f->verdict));
    bt(q, 7, f->severity);
    bt(q, 8, f->scope);
    bt(q, 9, f->attribution);
    bt(q, 10, c ? rule_claim_id(c) : NULL);
    bt(q, 11, c ? rule_claim_quote(c) : NULL);
    bt(q, 12, src);
    bt(q, 13, d ? rule_doc_id(d) : NULL);
    bt(q, 14, d ? rule_doc_date(d) : NULL);
    bt(q, 15, d ? rule_doc_url(d) : NULL);
    bt(q, 16, c ? rule_status_name(rule_claim_status(c)) : NULL);
    bt(q, 17, f->other_claims);
    bt(q, 18, f->reason ? f->reason : "");
    if (!f->reason || !*f->reason)
        sqlite3_bind_text(q, 18, "", -1, SQLITE_STATIC);
    bt(q, 19, f->org_id);
    bt(q, 20, f->org);
    bt(q, 21, f->parent_org);
    bt(q, 22, f->party);
    bt(q, 23, cats);
    bt(q, 24, f->country);
    bt(q, 25, f->detail);
    sqlite3_bind_int64(q, 26, (int64_t)f->n_flows);
    sqlite3_bind_int64(q, 27, f->bts);
    sqlite3_bind_int64(q, 28, f->btc);
    if (f->n_flows) {
        sqlite3_bind_int64(q, 29, f->first_ts);
        sqlite3_bind_int64(q, 30, f->last_ts);
    }
    if (step(q) != 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(r->db);
    qsort(f->flows, f->n_flows, sizeof(*f->flows), i64cmp);
    for (size_t i = 0; i < f->n_flows; i++) {
        sqlite3_bind_int64(st[S_FFLOW], 1, id);
        sqlite3_bind_int64(st[S_FFLOW], 2, f->flows[i]);
        if (step(st[S_FFLOW]) != 0)
            return -1;
    }
    if (f->n_names)
        qsort(f->names, f->n_names, sizeof(*f->names), namecmp);
    for (size_t i = 0; i < f->n_names; i++) {
        sqlite3_bind_int64(st[S_FNAME], 1, id);
        sqlite3_bind_int64(st[S_FNAME], 2, (int64_t)i);
        bt(st[S_FNAME], 3, f->names[i]);
        if (step(st[S_FNAME]) != 0)
            return -1;
    }
    if (f->n_ev)
        qsort(f->ev, f->n_ev, sizeof(*f->ev), evcmp);
    for (size_t i = 0; i < f->n_ev; i++) {
        sqlite3_bind_int64(st[S_FEV], 1, id);
        sqlite3_bind_int64(st[S_FEV], 2, f->ev[i].input_id);
        sqlite3_bind_int64(st[S_FEV], 3, f->ev[i].frame);
        bt(st[S_FEV], 4, f->ev[i].what);
        if (step(st[S_FEV]) != 0)
            return -1;
    }
    return 0;
}

static int put_opt(sqlite3_stmt *q, int64_t run, int *seq, const char *opt,
                   const char *name, const char *value)
{
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_int(q, 2, (*seq)++);
    bt(q, 3, opt);
    bt(q, 4, name);
    bt(q, 5, value);
    return step(q);
}

static int put_rule(sqlite3_stmt *q, int64_t run, const char *path)
{
    char sha[65], e[256];
    int64_t size;
    if (cap_sha256_file(path, sha, &size, e, sizeof(e)) != 0)
        snprintf(sha, sizeof(sha), "unreadable");
    sqlite3_bind_int64(q, 1, run);
    bt(q, 2, path);
    bt(q, 3, sha);
    return step(q);
}

static void input_ndpi(au_run *r, char *b, size_t len)
{
    sqlite3_stmt *q = NULL;
    b[0] = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT ndpi_version FROM inputs WHERE "
                           "ndpi_version IS NOT NULL ORDER BY id LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(b, len, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
}

int au_store_run(au_run *r, int64_t *run_id, char *err, size_t errlen)
{
    const rpt_audit_opts *o = r->o;
    sqlite3_stmt *st[S_N] = { 0 };
    int ret = -1, began = 0;
    for (int i = 0; i < S_N; i++)
        if (sqlite3_prepare_v2(r->db, SQL[i], -1, &st[i], NULL) !=
            SQLITE_OK)
            goto fail;
    /* background: anything whose counterparty the baseline has */
    for (size_t i = 0; i < r->n_fnd; i++) {
        au_finding *f = r->fnd[i];
        if (!f->kind) { /* au_finding_set() ran out of memory */
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        if (au_is_background(r, f->ckey)) {
            f->scope = "background";
            f->attribution = "background";
            f->severity = "info";
        }
    }
    if (r->n_fnd)
        qsort(r->fnd, r->n_fnd, sizeof(*r->fnd), find_cmp);
    if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
        SQLITE_OK)
        goto fail;
    began = 1;
    char when[32], ndpi[128], bsha[65] = "";
    created_at(when, sizeof(when));
    input_ndpi(r, ndpi, sizeof(ndpi));
    if (o->baseline_sha256)
        snprintf(bsha, sizeof(bsha), "%s", o->baseline_sha256);
    else if (o->baseline_path) {
        char e[256];
        int64_t size;
        if (cap_sha256_file(o->baseline_path, bsha, &size, e, sizeof(e)))
            bsha[0] = 0;
    }
    size_t sl = strlen(rpt_attrib_status(r->src)) + strlen(r->notes) + 4;
    char *status = malloc(sl);
    if (!status)
        goto fail;
    snprintf(status, sl, "%s%s%s", rpt_attrib_status(r->src),
             r->notes[0] ? "\n" : "", r->notes);
    sqlite3_stmt *q = st[S_RUN];
    bt(q, 1, when);
    bt(q, 2, rule_service_id(r->svc));
    bt(q, 3, rule_service_name(r->svc));
    bt(q, 4, r->service_how);
    bt(q, 5, o->rules_dir ? o->rules_dir : r->rules_dir);
    bt(q, 6, o->baseline_path ? o->baseline_path : o->baseline_db);
    bt(q, 7, bsha);
    bt(q, 8, cap_version);
    bt(q, 9, ndpi);
    bt(q, 10, status);
    int rc = step(q);
    free(status);
    if (rc != 0)
        goto fail;
    int64_t run = sqlite3_last_insert_rowid(r->db);
    for (size_t i = 0; i < (o->n_inputs ? o->n_inputs : 1); i++) {
        sqlite3_bind_int64(st[S_INPUT], 1, run);
        sqlite3_bind_int64(st[S_INPUT], 2, (int64_t)o->n_inputs);
        sqlite3_bind_int64(st[S_INPUT], 3,
                           o->n_inputs ? o->input_ids[i] : 0);
        if (step(st[S_INPUT]) != 0)
            goto fail;
    }
    int seq = 0;
    if (put_opt(st[S_OPT], run, &seq, "service", NULL, o->service))
        goto fail;
    for (size_t i = 0; i < o->n_clients; i++)
        if (put_opt(st[S_OPT], run, &seq, "client", NULL, o->clients[i]))
            goto fail;
    for (size_t i = 0; i < o->n_ctx; i++)
        if (put_opt(st[S_OPT], run, &seq, "context", o->ctx_keys[i],
                    o->ctx_values[i]))
            goto fail;
    for (size_t i = 0; i < o->n_canaries; i++)
        if (put_opt(st[S_OPT], run, &seq, "canary", o->canary_names[i],
                    o->canary_values[i]))
            goto fail;
    if (o->baseline_db &&
        put_opt(st[S_OPT], run, &seq, "baseline", NULL,
                o->baseline_path ? o->baseline_path : o->baseline_db))
        goto fail;
    for (size_t i = 0; i < r->n_clients; i++) {
        sqlite3_bind_int64(st[S_CLIENT], 1, run);
        bt(st[S_CLIENT], 2, r->clients[i]);
        bt(st[S_CLIENT], 3, r->client_how[i]);
        sqlite3_bind_int64(st[S_CLIENT], 4, r->client_flows[i]);
        if (step(st[S_CLIENT]) != 0)
            goto fail;
    }
    char ent[sizeof(r->rules_dir) + 16];
    snprintf(ent, sizeof(ent), "%s/entities.yaml", r->rules_dir);
    if (put_rule(st[S_RULE], run, ent) != 0)
        goto fail;
    for (size_t i = 0; i < rule_services_count(r->rules); i++)
        if (put_rule(st[S_RULE], run,
                     rule_service_file(rule_services_at(r->rules, i))))
            goto fail;
    for (size_t i = 0; i < r->n_bg; i++) {
        sqlite3_bind_int64(st[S_BG], 1, run);
        bt(st[S_BG], 2, r->bg_org_ids[i]);
        bt(st[S_BG], 3, r->bg_orgs[i]);
        bt(st[S_BG], 4, r->bg_domains[i][0] ? r->bg_domains[i]
                                            : r->bg_keys[i]);
        sqlite3_bind_int64(st[S_BG], 5, r->bg_flows[i]);
        if (step(st[S_BG]) != 0)
            goto fail;
    }
    for (size_t i = 0; i < r->n_flows; i++) {
        const au_flow *fl = &r->flows[i];
        int p = fl->party[r->svc_idx];
        if (!fl->counted || p == RPT_PARTY_LOCAL)
            continue;
        sqlite3_stmt *c = st[S_CP];
        sqlite3_bind_int64(c, 1, run);
        bt(c, 2, fl->ckey);
        bt(c, 3, rpt_party_name(p));
        bt(c, 4, fl->org_id);
        bt(c, 5, fl->org);
        sqlite3_bind_int64(c, 6, fl->inbound ? fl->btc : fl->bts);
        sqlite3_bind_int64(c, 7, fl->inbound ? fl->bts : fl->btc);
        if (step(c) != 0)
            goto fail;
    }
    for (size_t i = 0; i < r->n_fnd; i++)
        if (put_finding(r, st, run, r->fnd[i]) != 0)
            goto fail;
    if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    began = 0;
    *run_id = run;
    ret = 0;
fail:
    if (ret != 0)
        snprintf(err, errlen, "cannot store the audit: %s",
                 sqlite3_errmsg(r->db));
done:
    if (began)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(st[i]);
    return ret;
}
