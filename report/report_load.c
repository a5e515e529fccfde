/* report_load.c - read one audit run of an evidence database (schema
 * version 3, /work/drafts/DESIGN-audit.md "Audit results") into the report
 * model: the run and its manifest, the findings with their host names,
 * flows, Community IDs and evidence frames, kernel drops.
 *
 * Invariants
 * ----------
 * - Only prepared SELECTs with bound parameters on a read-only handle.
 * - Optional tables (capture_stats; the audit tables of an older database)
 *   are looked up in sqlite_master first; a missing optional table is not
 *   an error, a missing audit is (with a message saying what to run).
 * - The display filter of a finding comes from rpt_display_filter()
 *   (report/dfilter.h; NULL when it cannot be made: the renderers then
 *   print none); it is only ever text to print.
 */
#define _DEFAULT_SOURCE
#include "report_model.h"
#include "dbutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfilter.h"

const char *const RPT_REP_VERDICTS[6] = { "contradicted", "ambiguous",
                                          "omitted",      "vague",
                                          "clear",        "observed" };

int rpt_strv_add(rpt_strv *sv, const char *s, int uniq)
{
    if (!s || !*s)
        return 0;
    if (uniq)
        for (size_t i = 0; i < sv->n; i++)
            if (!strcmp(sv->v[i], s))
                return 0;
    if (sv->n >= RPT_REP_MAX_LIST)
        return 0;
    if (sv->n == sv->cap) {
        size_t nc = sv->cap ? sv->cap * 2 : 8;
        char **nv = realloc(sv->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        sv->v = nv;
        sv->cap = nc;
    }
    if (!(sv->v[sv->n] = strdup(s)))
        return -1;
    sv->n++;
    return 0;
}

void rpt_strv_free(rpt_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof(*sv));
}

char *rpt_rep_col(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Grow *v (element size sz) to hold n + 1 elements; 0 or -1. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    if (n >= RPT_REP_MAX_LIST)
        return -1;
    size_t nc = *cap ? *cap * 2 : 8;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return -1;
    memset((char *)nv + *cap * sz, 0, (nc - *cap) * sz);
    *v = nv;
    *cap = nc;
    return 0;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **q, char *err,
                size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, q, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
}

/* ---- the run ------------------------------------------------------------ */

static int load_run(sqlite3 *db, rpt_rep *r, int64_t run_id, char *err,
                    size_t errlen)
{
    sqlite3_stmt *q = NULL;
    if (!rpt_db_has_table(db, "audit_runs") || !rpt_db_has_table(db, "findings")) {
        snprintf(err, errlen, "no audit in this evidence database: run "
                              "`meetaudit audit` on it first");
        return -1;
    }
    if (prep(db,
             "SELECT id, created_at, service, service_name, service_how, "
             "rules_dir, baseline_path, baseline_sha256, meetaudit_version, "
             "ndpi_version, attribution_status FROM audit_runs "
             "WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC LIMIT 1",
             &q, err, errlen))
        return -1;
    sqlite3_bind_int64(q, 1, run_id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        if (run_id)
            snprintf(err, errlen, "no audit run %lld in this evidence "
                                  "database",
                     (long long)run_id);
        else
            snprintf(err, errlen, "no audit run in this evidence database: "
                                  "run `meetaudit audit` on it first");
        sqlite3_finalize(q);
        return -1;
    }
    r->run_id = sqlite3_column_int64(q, 0);
    char **dst[] = { &r->created_at,        &r->service,
                     &r->service_name,      &r->service_how,
                     &r->rules_dir,         &r->baseline_path,
                     &r->baseline_sha256,   &r->meetaudit_version,
                     &r->ndpi_version,      &r->attribution_status };
    for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
        *dst[i] = rpt_rep_col(q, (int)i + 1);
    sqlite3_finalize(q);
    if (!r->service) {
        snprintf(err, errlen, "audit run %lld has no service",
                 (long long)r->run_id);
        return -1;
    }
    return 0;
}

static int load_inputs(sqlite3 *db, rpt_rep *r, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    if (prep(db,
             "SELECT i.id, i.name, i.sha256, i.status, i.size, i.packets, "
             "i.first_ts_us, i.last_ts_us FROM audit_inputs a JOIN inputs i "
             "ON i.id = a.input_id WHERE a.run_id = ?1 ORDER BY i.id",
             &q, err, errlen))
        return -1;
    sqlite3_bind_int64(q, 1, r->run_id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (grow((void **)&r->inputs, &cap, r->n_inputs, sizeof(*r->inputs)))
            goto oom;
        rpt_rep_input *in = &r->inputs[r->n_inputs++];
        in->id = sqlite3_column_int64(q, 0);
        in->name = rpt_rep_col(q, 1);
        in->sha256 = rpt_rep_col(q, 2);
        in->status = rpt_rep_col(q, 3);
        in->size = sqlite3_column_int64(q, 4);
        in->packets = sqlite3_column_int64(q, 5);
        in->have_ts = sqlite3_column_type(q, 6) != SQLITE_NULL &&
                      sqlite3_column_type(q, 7) != SQLITE_NULL;
        in->first_ts = sqlite3_column_int64(q, 6);
        in->last_ts = sqlite3_column_int64(q, 7);
        if (in->have_ts) {
            if (!r->have_range || in->first_ts < r->first_ts)
                r->first_ts = in->first_ts;
            if (!r->have_range || in->last_ts > r->last_ts)
                r->last_ts = in->last_ts;
            r->have_range = 1;
        }
    }
    sqlite3_finalize(q);
    return 0;
oom:
    sqlite3_finalize(q);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Rows of up to three text columns of a query bound to the run id. */
static int load_rows(sqlite3 *db, const char *sql, int64_t run_id,
                     rpt_rep_row3 **out, size_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    if (prep(db, sql, &q, err, errlen))
        return -1;
    sqlite3_bind_int64(q, 1, run_id);
    int nc = sqlite3_column_count(q);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (grow((void **)out, &cap, *n, sizeof(**out))) {
            sqlite3_finalize(q);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        rpt_rep_row3 *row = &(*out)[(*n)++];
        row->a = rpt_rep_col(q, 0);
        row->b = nc > 1 ? rpt_rep_col(q, 1) : NULL;
        row->c = nc > 2 ? rpt_rep_col(q, 2) : NULL;
    }
    sqlite3_finalize(q);
    return 0;
}

/* ---- findings ------------------------------------------------------------ */

enum { QF_MAIN, QF_NAMES, QF_FLOWS, QF_EV, QF_N };

static const char *const QF_SQL[QF_N] = {
    [QF_MAIN] =
        "SELECT id, finding_key, service, kind, subtype, verdict, severity, "
        "scope, attribution, claim_id, quote, source, source_doc, doc_date, "
        "doc_url, claim_status, other_claims, reason, org_id, org, "
        "parent_org, party, categories, country, detail, flows, "
        "bytes_toserver, bytes_toclient, first_ts_us, last_ts_us "
        "FROM findings WHERE run_id = ?1 ORDER BY CASE severity "
        "WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 "
        "ELSE 3 END, id",
    [QF_NAMES] = "SELECT hostname FROM finding_names WHERE finding_id = ?1 "
                 "ORDER BY idx",
    [QF_FLOWS] = "SELECT ff.flow_id, f.community_id FROM finding_flows ff "
                 "LEFT JOIN flows f ON f.id = ff.flow_id "
                 "WHERE ff.finding_id = ?1 ORDER BY ff.flow_id",
    [QF_EV] = "SELECT fe.input_id, i.name, i.sha256, fe.frame "
              "FROM finding_evidence fe LEFT JOIN inputs i "
              "ON i.id = fe.input_id WHERE fe.finding_id = ?1 "
              "ORDER BY fe.input_id, fe.frame",
};

static int load_finding_lists(sqlite3_stmt **qs, rpt_rep_finding *f)
{
    sqlite3_stmt *q = qs[QF_NAMES];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, f->id);
    while (sqlite3_step(q) == SQLITE_ROW)
        if (rpt_strv_add(&f->hostnames,
                         (const char *)sqlite3_column_text(q, 0), 1))
            return -1;
    q = qs[QF_FLOWS];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, f->id);
    size_t cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (grow((void **)&f->flow_ids, &cap, f->n_flow_ids,
                 sizeof(*f->flow_ids)))
            return -1;
        f->flow_ids[f->n_flow_ids++] = sqlite3_column_int64(q, 0);
        if (rpt_strv_add(&f->community_ids,
                         (const char *)sqlite3_column_text(q, 1), 0))
            return -1;
    }
    q = qs[QF_EV];
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, f->id);
    cap = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t in = sqlite3_column_int64(q, 0);
        rpt_rep_ev *e = f->n_ev ? &f->ev[f->n_ev - 1] : NULL;
        if (!e || e->input_id != in) {
            if (grow((void **)&f->ev, &cap, f->n_ev, sizeof(*f->ev)))
                return -1;
            e = &f->ev[f->n_ev++];
            e->input_id = in;
            e->input_name = rpt_rep_col(q, 1);
            e->input_sha256 = rpt_rep_col(q, 2);
        }
        if (grow((void **)&e->frames, &e->cap, e->n, sizeof(*e->frames)))
            return -1;
        e->frames[e->n++] = sqlite3_column_int64(q, 3);
    }
    return 0;
}

static int load_findings(sqlite3 *db, rpt_rep *r, char *err, size_t errlen)
{
    sqlite3_stmt *qs[QF_N] = { 0 };
    size_t cap = 0;
    int ret = -1;
    for (int i = 0; i < QF_N; i++)
        if (prep(db, QF_SQL[i], &qs[i], err, errlen))
            goto done;
    sqlite3_bind_int64(qs[QF_MAIN], 1, r->run_id);
    int rc;
    while ((rc = sqlite3_step(qs[QF_MAIN])) == SQLITE_ROW) {
        sqlite3_stmt *q = qs[QF_MAIN];
        if (grow((void **)&r->findings, &cap, r->n_findings,
                 sizeof(*r->findings)))
            goto oom;
        rpt_rep_finding *f = &r->findings[r->n_findings++];
        f->id = sqlite3_column_int64(q, 0);
        char **dst[] = { &f->finding_key, &f->service,    &f->kind,
                         &f->subtype,     &f->verdict,    &f->severity,
                         &f->scope,       &f->attribution, &f->claim_id,
                         &f->quote,       &f->source,     &f->source_doc,
                         &f->doc_date,    &f->doc_url,    &f->claim_status,
                         &f->other_claims, &f->reason,    &f->org_id,
                         &f->org,         &f->parent_org, &f->party,
                         &f->categories,  &f->country,    &f->detail };
        for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++)
            *dst[i] = rpt_rep_col(q, (int)i + 1);
        f->flows = sqlite3_column_int64(q, 25);
        f->bts = sqlite3_column_int64(q, 26);
        f->btc = sqlite3_column_int64(q, 27);
        f->have_first = sqlite3_column_type(q, 28) != SQLITE_NULL;
        f->first_ts = sqlite3_column_int64(q, 28);
        f->have_last = sqlite3_column_type(q, 29) != SQLITE_NULL;
        f->last_ts = sqlite3_column_int64(q, 29);
        if (load_finding_lists(qs, f))
            goto oom;
        f->display_filter = rpt_display_filter(db, f->id);
        for (size_t k = 0; f->n_ev > 1 && k < f->n_ev; k++)
            f->ev[k].display_filter =
                rpt_display_filter_input(db, f->id, f->ev[k].input_id);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto done;
    }
    ret = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (int i = 0; i < QF_N; i++)
        sqlite3_finalize(qs[i]);
    return ret;
}

static int load_drops(sqlite3 *db, rpt_rep *r, char *err, size_t errlen)
{
    if (!rpt_db_has_table(db, "capture_stats"))
        return 0;
    r->have_capture_stats = 1;
    sqlite3_stmt *q = NULL;
    size_t cap = 0;
    if (prep(db,
             "SELECT i.name, c.interface, c.captured, c.ps_recv, c.ps_drop, "
             "c.ps_ifdrop FROM capture_stats c JOIN audit_inputs a "
             "ON a.input_id = c.input_id AND a.run_id = ?1 "
             "JOIN inputs i ON i.id = c.input_id ORDER BY c.input_id",
             &q, err, errlen))
        return -1;
    sqlite3_bind_int64(q, 1, r->run_id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (grow((void **)&r->drops, &cap, r->n_drops, sizeof(*r->drops))) {
            sqlite3_finalize(q);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        rpt_rep_drop *d = &r->drops[r->n_drops++];
        d->input_name = rpt_rep_col(q, 0);
        d->interface = rpt_rep_col(q, 1);
        d->captured = sqlite3_column_int64(q, 2);
        d->recv = sqlite3_column_int64(q, 3);
        d->drop = sqlite3_column_int64(q, 4);
        d->ifdrop = sqlite3_column_int64(q, 5);
    }
    sqlite3_finalize(q);
    return 0;
}

static void report_time(char *out, size_t len)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

rpt_rep *rpt_rep_load(sqlite3 *db, const char *db_path, int64_t run_id,
                      const char *rules_dir, char *err, size_t errlen)
{
    rpt_rep *r = calloc(1, sizeof(*r));
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *base = db_path ? strrchr(db_path, '/') : NULL;
    r->db_name = strdup(base ? base + 1 : db_path ? db_path : "evidence.db");
    report_time(r->generated_at, sizeof(r->generated_at));
    if (!r->db_name)
        goto oom;
    if (load_run(db, r, run_id, err, errlen) ||
        load_inputs(db, r, err, errlen) ||
        load_rows(db,
                  "SELECT file, sha256 FROM audit_rules WHERE run_id = ?1 "
                  "ORDER BY file",
                  r->run_id, &r->rules, &r->n_rules, err, errlen) ||
        load_rows(db,
                  "SELECT option, name, value FROM audit_options "
                  "WHERE run_id = ?1 ORDER BY seq",
                  r->run_id, &r->options, &r->n_options, err, errlen) ||
        load_rows(db,
                  "SELECT ip, how, CAST(flows AS TEXT) FROM audit_clients "
                  "WHERE run_id = ?1 ORDER BY ip",
                  r->run_id, &r->clients, &r->n_clients, err, errlen) ||
        load_findings(db, r, err, errlen) || load_drops(db, r, err, errlen) ||
        rpt_rep_load_endpoints(db, r, rules_dir, err, errlen))
        goto fail;
    if (rpt_rep_summarise(r))
        goto oom;
    return r;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    rpt_rep_free(r);
    return NULL;
}

static void free_rows(rpt_rep_row3 *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].a);
        free(v[i].b);
        free(v[i].c);
    }
    free(v);
}

static void free_finding(rpt_rep_finding *f)
{
    char *s[] = { f->finding_key, f->service,     f->kind,
                  f->subtype,     f->verdict,     f->severity,
                  f->scope,       f->attribution, f->claim_id,
                  f->quote,       f->source,      f->source_doc,
                  f->doc_date,    f->doc_url,     f->claim_status,
                  f->other_claims, f->reason,     f->org_id,
                  f->org,         f->parent_org,  f->party,
                  f->categories,  f->country,     f->detail,
                  f->display_filter };
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        free(s[i]);
    rpt_strv_free(&f->hostnames);
    rpt_strv_free(&f->community_ids);
    free(f->flow_ids);
    for (size_t i = 0; i < f->n_ev; i++) {
        free(f->ev[i].input_name);
        free(f->ev[i].input_sha256);
        free(f->ev[i].frames);
        free(f->ev[i].display_filter);
    }
    free(f->ev);
}

void rpt_rep_free(rpt_rep *r)
{
    if (!r)
        return;
    char *s[] = { r->created_at,      r->service,
                  r->service_name,    r->service_how,
                  r->rules_dir,       r->baseline_path,
                  r->baseline_sha256, r->meetaudit_version,
                  r->ndpi_version,    r->attribution_status,
                  r->db_name,         r->summary };
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        free(s[i]);
    for (size_t i = 0; i < r->n_inputs; i++) {
        free(r->inputs[i].name);
        free(r->inputs[i].sha256);
        free(r->inputs[i].status);
    }
    free(r->inputs);
    free_rows(r->rules, r->n_rules);
    free_rows(r->options, r->n_options);
    free_rows(r->clients, r->n_clients);
    for (size_t i = 0; i < r->n_findings; i++)
        free_finding(&r->findings[i]);
    free(r->findings);
    for (size_t i = 0; i < r->n_eps; i++) {
        free(r->eps[i].key);
        free(r->eps[i].org);
        free(r->eps[i].org_id);
        free(r->eps[i].label);
        rpt_strv_free(&r->eps[i].hostnames);
        rpt_strv_free(&r->eps[i].countries);
    }
    free(r->eps);
    for (size_t i = 0; i < r->n_tls; i++) {
        free(r->tls[i].transport);
        free(r->tls[i].version);
        free(r->tls[i].cipher);
        rpt_strv_free(&r->tls[i].hosts);
    }
    free(r->tls);
    for (size_t i = 0; i < r->n_certs; i++) {
        rpt_rep_cert *c = &r->certs[i];
        free(c->host);
        free(c->issue);
        free(c->input_name);
        free(c->subject);
        free(c->issuer);
        free(c->not_after);
    }
    free(r->certs);
    for (size_t i = 0; i < r->n_countries; i++)
        rpt_strv_free(&r->countries[i].orgs);
    free(r->countries);
    for (size_t i = 0; i < r->n_drops; i++) {
        free(r->drops[i].input_name);
        free(r->drops[i].interface);
    }
    free(r->drops);
    rpt_strv_free(&r->summary_points);
    free(r);
}
