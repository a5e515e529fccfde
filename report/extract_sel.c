/* extract_sel.c - which flows an evidence pcap is made of: a finding's
 * (finding_flows), an organisation's (attribution as in `endpoints`), and
 * the DNS answers (RFC 1035) that resolved their names.
 *
 * Invariants
 * ----------
 * - Read-only: prepared SELECTs on the caller's handle, no SQL built from
 *   data.
 * - A flow is in a set once; DNS flows are added "for answers only" with
 *   the response frames wanted, unless they were selected whole already.
 * - DNS matching: a dns_answers row of the same input matches when its
 *   question, owner name or CNAME target equals (case-insensitively) one
 *   of the selected flows' names (flow_names, flows.hostname; IP literals
 *   left out), or its A/AAAA data equals one of their addresses (text as
 *   stored: both come from our own formatting).
 * - Memory: the name and address sets grow with the selection (linear
 *   search: selections are small; a whole capture's worth of flows costs
 *   names x answers comparisons, acceptable for an offline command).
 */
#define _DEFAULT_SOURCE
#include "attrib.h"
#include "dbutil.h"
#include "extract_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EX_MAX_NAMES 32

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* ---- the flow set ------------------------------------------------------ */

static rpt_ex_flow *set_add(rpt_ex_set *s)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        rpt_ex_flow *nv = realloc(s->v, nc * sizeof(*nv));
        if (!nv)
            return NULL;
        s->v = nv;
        s->cap = nc;
    }
    rpt_ex_flow *f = &s->v[s->n++];
    memset(f, 0, sizeof(*f));
    return f;
}

/* Free the flows of s and their DNS frame lists (not s itself). */
void rpt_ex_set_free(rpt_ex_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].dns_frames);
    free(s->v);
}

/* The flow id in s (owned by s), or NULL. */
rpt_ex_flow *rpt_ex_set_find(rpt_ex_set *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].id == id)
            return &s->v[i];
    return NULL;
}

#define FLOW_SQL                                                           \
    "SELECT id, input_id, ip_version, proto, vlan, src_ip, src_port, "    \
    "dest_ip, dest_port, first_frame, last_frame, "                       \
    "coalesce(pkts_toserver,0) + coalesce(pkts_toclient,0) FROM flows "   \
    "WHERE id = ?1"

/* Add flow id (read from the database) to s.  1 added, 0 already there,
 * -1 no such flow, -2 unreadable row or no memory (message printed). */
int rpt_ex_add_flow(sqlite3 *db, rpt_ex_set *s, int64_t id, int dns)
{
    if (rpt_ex_set_find(s, id))
        return 0;
    sqlite3_stmt *q = NULL;
    int ret = -2;
    if (sqlite3_prepare_v2(db, FLOW_SQL, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s\n", sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        ret = -1;
        goto done;
    }
    rpt_ex_flow *f = set_add(s);
    if (!f) {
        fprintf(stderr, "meetaudit: out of memory\n");
        goto done;
    }
    f->id = id;
    f->input_id = sqlite3_column_int64(q, 1);
    f->pkts = sqlite3_column_int64(q, 11);
    f->dns = dns;
    snprintf(f->src, sizeof(f->src), "%s", col(q, 5) ? col(q, 5) : "");
    snprintf(f->dst, sizeof(f->dst), "%s", col(q, 7) ? col(q, 7) : "");
    sqlite3_int64 vlan = sqlite3_column_int64(q, 4);
    sqlite3_int64 sp = sqlite3_column_int64(q, 6);
    sqlite3_int64 dp = sqlite3_column_int64(q, 8);
    sqlite3_int64 ff = sqlite3_column_int64(q, 9);
    sqlite3_int64 lf = sqlite3_column_int64(q, 10);
    if (vlan < 0 || vlan > 4095 || sp < 0 || sp > 65535 || dp < 0 ||
        dp > 65535 || ff < 1 || lf < ff ||
        rpt_pkt_key_parse(&f->key, sqlite3_column_int(q, 2), col(q, 3),
                          (unsigned)vlan, f->src, (unsigned)sp, f->dst,
                          (unsigned)dp, (uint64_t)ff, (uint64_t)lf) != 0) {
        fprintf(stderr, "meetaudit: flow %lld: unreadable key in the "
                        "database\n", (long long)id);
        s->n--;
        goto done;
    }
    ret = 1;
done:
    sqlite3_finalize(q);
    return ret;
}

/* The newest audit run's id, or 0. */
static int64_t newest_run(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int64_t id = 0;
    if (rpt_db_has_table(db, "audit_runs") &&
        sqlite3_prepare_v2(db, "SELECT max(id) FROM audit_runs", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return id;
}

/* Does input belong to run (audit_inputs)?  run 0: every input does. */
int rpt_ex_input_in_run(sqlite3 *db, int64_t run, int64_t input)
{
    if (!run)
        return 1;
    sqlite3_stmt *q = NULL;
    int in = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM audit_inputs WHERE run_id = ?1 "
                           "AND input_id = ?2",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, run);
        sqlite3_bind_int64(q, 2, input);
        in = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return in;
}

/* Add finding fid's flows to s (extract_int.h). */
int rpt_ex_select_finding(sqlite3 *db, int64_t fid, int64_t run,
                          rpt_ex_set *s)
{
    if (!rpt_db_has_table(db, "findings") ||
        !rpt_db_has_table(db, "finding_flows")) {
        fprintf(stderr, "meetaudit: the evidence database has no findings "
                        "(run `meetaudit audit` first)\n");
        return -1;
    }
    sqlite3_stmt *q = NULL;
    int64_t frun = -1;
    if (sqlite3_prepare_v2(db, "SELECT run_id FROM findings WHERE id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, fid);
        if (sqlite3_step(q) == SQLITE_ROW)
            frun = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (frun < 0) {
        fprintf(stderr, "meetaudit: no finding %lld in the evidence "
                        "database\n", (long long)fid);
        return -1;
    }
    if (run && frun != run) {
        fprintf(stderr, "meetaudit: finding %lld belongs to run %lld, not "
                        "to run %lld\n", (long long)fid, (long long)frun,
                (long long)run);
        return -1;
    }
    int64_t newest = newest_run(db);
    if (!run && newest && frun != newest)
        fprintf(stderr, "meetaudit: note: finding %lld is from run %lld "
                        "(the newest run is %lld)\n", (long long)fid,
                (long long)frun, (long long)newest);
    int ret = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT flow_id FROM finding_flows WHERE "
                           "finding_id = ?1 ORDER BY flow_id",
                           -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(q, 1, fid);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        int rc = rpt_ex_add_flow(db, s, id, 0);
        if (rc == -1)
            fprintf(stderr, "meetaudit: finding %lld names flow %lld, which "
                            "is not in the database\n", (long long)fid,
                    (long long)id);
        if (rc < 0) {
            ret = -1;
            break;
        }
    }
    sqlite3_finalize(q);
    return ret;
}

/* Flows whose organisation (rpt_attrib_who, as `endpoints` computes it)
 * has org or org_id equal to name, case-insensitively. */
int rpt_ex_select_org(sqlite3 *db, const char *rules, const char *name,
                      int64_t run, rpt_ex_set *s)
{
    char rdir[PATH_MAX], err[1024];
    rpt_rules_dir_of(rules, rdir, sizeof(rdir));
    rpt_attrib_src *src = rpt_attrib_open(rdir, NULL, err, sizeof(err));
    if (!src) {
        fprintf(stderr, "meetaudit: %s\n", err);
        return -1;
    }
    int ret = -1, have_names = rpt_db_has_table(db, "flow_names");
    sqlite3_stmt *q = NULL, *qn = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, input_id, ip_version, proto, src_ip, "
                           "src_port, dest_ip, dest_port, app_proto, "
                           "master_proto, hostname, hostname_source FROM "
                           "flows ORDER BY input_id, first_frame, id",
                           -1, &q, NULL) != SQLITE_OK ||
        (have_names &&
         sqlite3_prepare_v2(db,
                            "SELECT name, source FROM flow_names WHERE "
                            "flow_id = ?1 ORDER BY idx",
                            -1, &qn, NULL) != SQLITE_OK)) {
        fprintf(stderr, "meetaudit: %s\n", sqlite3_errmsg(db));
        goto done;
    }
    char nb[EX_MAX_NAMES][RPT_WHO_NAME];
    char sb[EX_MAX_NAMES][16];
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (!rpt_ex_input_in_run(db, run, sqlite3_column_int64(q, 1)))
            continue;
        const char *names[EX_MAX_NAMES], *sources[EX_MAX_NAMES];
        int n = 0;
        if (qn) {
            sqlite3_reset(qn);
            sqlite3_bind_int64(qn, 1, sqlite3_column_int64(q, 0));
            while (n < EX_MAX_NAMES && sqlite3_step(qn) == SQLITE_ROW) {
                if (!col(qn, 0) || !*col(qn, 0))
                    continue;
                snprintf(nb[n], sizeof(nb[n]), "%s", col(qn, 0));
                snprintf(sb[n], sizeof(sb[n]), "%s",
                         col(qn, 1) ? col(qn, 1) : "");
                names[n] = nb[n];
                sources[n] = sb[n];
                n++;
            }
        }
        if (!n && col(q, 10) && *col(q, 10)) {
            snprintf(nb[0], sizeof(nb[0]), "%s", col(q, 10));
            snprintf(sb[0], sizeof(sb[0]), "%s",
                     col(q, 11) ? col(q, 11) : "");
            names[0] = nb[0];
            sources[0] = sb[0];
            n = 1;
        }
        rpt_pkt_key k;
        sqlite3_int64 sp = sqlite3_column_int64(q, 5);
        sqlite3_int64 dp = sqlite3_column_int64(q, 7);
        if (sp < 0 || sp > 65535 || dp < 0 || dp > 65535 ||
            rpt_pkt_key_parse(&k, sqlite3_column_int(q, 2), col(q, 3), 0,
                              col(q, 4), (unsigned)sp, col(q, 6),
                              (unsigned)dp, 1, 1) != 0)
            continue; /* never written by analyze */
        rpt_flow_view v = {
            .ipver = k.ipver, .ipproto = k.l4, .cli_ip = k.a, .srv_ip = k.b,
            .cli_port = k.ap, .srv_port = k.bp,
            .app_proto = col(q, 8), .master_proto = col(q, 9),
            .names = names, .sources = sources, .n_names = n,
        };
        const uint8_t *rip;
        rpt_flow_remote(&v, &rip, NULL);
        rpt_who w;
        rpt_attrib_who(src, names, sources, n, k.ipver, rip, &w);
        if ((w.org[0] && !strcasecmp(w.org, name)) ||
            (w.org_id[0] && !strcasecmp(w.org_id, name))) {
            if (rpt_ex_add_flow(db, s, sqlite3_column_int64(q, 0), 0) < 0)
                goto done;
        }
    }
    ret = 0;
done:
    sqlite3_finalize(q);
    sqlite3_finalize(qn);
    rpt_attrib_free(src);
    return ret;
}

/* ---- DNS ------------------------------------------------------------- */

typedef struct strset {
    char **v;
    size_t n, cap;
} strset;

static int ss_has(const strset *s, const char *x)
{
    for (size_t i = 0; x && i < s->n; i++)
        if (!strcasecmp(s->v[i], x))
            return 1;
    return 0;
}

static int ss_add(strset *s, const char *x)
{
    if (!x || !*x || ss_has(s, x))
        return 0;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        char **nv = realloc(s->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = nc;
    }
    if (!(s->v[s->n] = strdup(x)))
        return -1;
    s->n++;
    return 0;
}

static void ss_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Add to s the DNS flows (answers only) of input that resolved the names
 * or addresses of s's flows [0, n_sel) in that input. */
int rpt_ex_add_dns(sqlite3 *db, rpt_ex_set *s, size_t n_sel, int64_t input)
{
    strset names = { 0 }, addrs = { 0 };
    sqlite3_stmt *qn = NULL, *qh = NULL, *qa = NULL;
    int ret = -1;
    int have_names = rpt_db_has_table(db, "flow_names");
    if ((have_names &&
         sqlite3_prepare_v2(db, "SELECT name FROM flow_names WHERE "
                                "flow_id = ?1", -1, &qn, NULL) != SQLITE_OK) ||
        sqlite3_prepare_v2(db, "SELECT hostname FROM flows WHERE id = ?1",
                           -1, &qh, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT flow_id, frame, query, name, rtype, data "
                           "FROM dns_answers WHERE input_id = ?1 "
                           "ORDER BY frame, id",
                           -1, &qa, NULL) != SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s\n", sqlite3_errmsg(db));
        goto done;
    }
    for (size_t i = 0; i < n_sel; i++) {
        const rpt_ex_flow *f = &s->v[i];
        if (f->input_id != input)
            continue;
        if (ss_add(&addrs, f->src) || ss_add(&addrs, f->dst))
            goto nomem;
        sqlite3_stmt *qs[2] = { qn, qh };
        for (int k = 0; k < 2; k++) {
            if (!qs[k])
                continue;
            sqlite3_reset(qs[k]);
            sqlite3_bind_int64(qs[k], 1, f->id);
            while (sqlite3_step(qs[k]) == SQLITE_ROW)
                if (col(qs[k], 0) && !rpt_name_is_ip_literal(col(qs[k], 0)) &&
                    ss_add(&names, col(qs[k], 0)))
                    goto nomem;
        }
    }
    sqlite3_bind_int64(qa, 1, input);
    while (sqlite3_step(qa) == SQLITE_ROW) {
        int rtype = sqlite3_column_int(qa, 4);
        const char *data = col(qa, 5);
        int match = ss_has(&names, col(qa, 2)) || ss_has(&names, col(qa, 3)) ||
                    ((rtype == 1 || rtype == 28) && ss_has(&addrs, data)) ||
                    (rtype == 5 && ss_has(&names, data));
        if (!match)
            continue;
        int64_t fid = sqlite3_column_int64(qa, 0);
        uint64_t frame = (uint64_t)sqlite3_column_int64(qa, 1);
        rpt_ex_flow *f = rpt_ex_set_find(s, fid);
        if (!f) {
            int rc = rpt_ex_add_flow(db, s, fid, 1);
            if (rc < 0) {
                if (rc == -1)
                    fprintf(stderr, "meetaudit: DNS answer names flow %lld, "
                                    "which is not in the database\n",
                            (long long)fid);
                goto done;
            }
            f = rpt_ex_set_find(s, fid);
        }
        if (!f->dns)
            continue; /* selected whole already */
        if (f->n_dns && f->dns_frames[f->n_dns - 1] == frame)
            continue;
        if (f->n_dns == f->cap_dns) {
            size_t nc = f->cap_dns ? f->cap_dns * 2 : 8;
            uint64_t *nv = realloc(f->dns_frames, nc * sizeof(*nv));
            if (!nv)
                goto nomem;
            f->dns_frames = nv;
            f->cap_dns = nc;
        }
        f->dns_frames[f->n_dns++] = frame;
    }
    ret = 0;
    goto done;
nomem:
    fprintf(stderr, "meetaudit: out of memory\n");
done:
    sqlite3_finalize(qn);
    sqlite3_finalize(qh);
    sqlite3_finalize(qa);
    ss_free(&names);
    ss_free(&addrs);
    return ret;
}
