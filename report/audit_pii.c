/* audit_pii.c - personal data in cleartext: the detectors and canaries of
 * report/pii.h over the client's cleartext rows (table cleartext: HTTP
 * requests and raw payload, client to server) and the DNS query names of
 * its flows (DNS is cleartext by nature, RFC 1035).
 *
 * Invariants
 * ----------
 * - Only rows of client-originated flows, direction client -> server.
 * - A database without the cleartext table (written before schema 3) is
 *   audited on DNS names only, and the run's notes say so.
 * - One finding per (type, encoding, counterparty):
 *   "pii|<type>|<encoding>|<counterparty>", verdict observed, severity
 *   high; detail holds the encoding, where it was seen and a masked
 *   excerpt (canary values are the tester's own and are shown).
 */
#define _DEFAULT_SOURCE
#include "audit_int.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AU_PII_HITS 64

static int record(au_run *r, const au_flow *fl, const rpt_pii_hit *h,
                  const char *where, int64_t frame)
{
    char key[640];
    snprintf(key, sizeof(key), "pii|%.47s|%.15s|%.500s", h->type, h->encoding,
             fl->ckey);
    int created;
    au_finding *f = au_finding_get(r, key, &created);
    if (!f)
        return -1;
    if (created) {
        au_finding_set(f, "pii", h->type, RPT_V_OBSERVED, "high");
        f->org_id = au_strdup(r, fl->org_id);
        f->org = au_strdup(r, fl->org);
        f->parent_org = au_strdup(r, fl->parent_org);
        f->ckey = au_strdup(r, fl->ckey);
        f->party = rpt_party_name(fl->party[r->svc_idx]);
        memcpy(f->country, fl->country, 3);
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            return -1;
        rpt_json j;
        rpt_json_init(&j, m);
        rpt_json_obj_begin(&j, NULL);
        rpt_json_str(&j, "type", h->type);
        rpt_json_str(&j, "encoding", h->encoding);
        rpt_json_str(&j, "seen_in", where);
        rpt_json_str(&j, "excerpt", h->excerpt);
        rpt_json_obj_end(&j);
        fclose(m);
        f->detail = buf;
        char reason[768];
        snprintf(reason, sizeof(reason),
                 "%.47s (%s, %.15s encoding) was sent in cleartext (%s) to %.300s "
                 "(%s party), %s.",
                 h->type, strncmp(h->type, "canary:", 7) ? "detector"
                                                         : "tester canary",
                 h->encoding, where, fl->org[0] ? fl->org : fl->ckey,
                 f->party,
                 au_seen_text(r, fl->ckey));
        f->reason = au_strdup(r, reason);
        if (r->oom)
            return -1;
    }
    if (au_finding_add_flow(r, f, fl) != 0)
        return -1;
    return au_finding_add_ev(f, fl->input_id, frame,
                             !strcmp(where, "dns_query") ? "dns_query"
                             : !strcmp(where, "http_request")
                                 ? "http_request"
                                 : "payload");
}

static int scan(au_run *r, const rpt_pii *p, const au_flow *fl,
                const uint8_t *b, size_t n, const char *where, int64_t frame)
{
    rpt_pii_hit hits[AU_PII_HITS];
    size_t k = rpt_pii_scan(p, b, n, hits, AU_PII_HITS);
    for (size_t i = 0; i < k; i++)
        if (record(r, fl, &hits[i], where, frame) != 0)
            return -1;
    return 0;
}

int au_check_pii(au_run *r)
{
    int ret = -1;
    sqlite3_stmt *qc = NULL, *qd = NULL;
    rpt_pii *p = rpt_pii_create(r->o->canary_names, r->o->canary_values,
                                r->o->n_canaries);
    if (!p)
        return -1;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT query FROM dns WHERE flow_id = ?1",
                           -1, &qd, NULL) != SQLITE_OK)
        qd = NULL;
    if (r->have_cleartext &&
        sqlite3_prepare_v2(r->db,
                           "SELECT kind, data, frame FROM cleartext WHERE "
                           "flow_id = ?1 AND dir = 0 ORDER BY frame, id",
                           -1, &qc, NULL) != SQLITE_OK)
        qc = NULL;
    if (!qc) {
        size_t l = strlen(r->notes);
        snprintf(r->notes + l, sizeof(r->notes) - l,
                 "%spii: no cleartext table in this database (analysed "
                 "before schema 3): DNS names only",
                 l ? "; " : "");
    }
    for (size_t i = 0; i < r->n_flows; i++) {
        const au_flow *fl = &r->flows[i];
        if (!fl->counted)
            continue;
        if (qd) {
            sqlite3_reset(qd);
            sqlite3_bind_int64(qd, 1, fl->id);
            if (sqlite3_step(qd) == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(qd, 0);
                if (t && scan(r, p, fl, t, strlen((const char *)t),
                              "dns_query", fl->first_frame) != 0)
                    goto done;
            }
        }
        if (!qc)
            continue;
        sqlite3_reset(qc);
        sqlite3_bind_int64(qc, 1, fl->id);
        while (sqlite3_step(qc) == SQLITE_ROW) {
            const char *kind = (const char *)sqlite3_column_text(qc, 0);
            const uint8_t *b = sqlite3_column_blob(qc, 1);
            size_t n = (size_t)sqlite3_column_bytes(qc, 1);
            if (b && scan(r, p, fl, b, n,
                          kind && !strcmp(kind, "http_request")
                              ? "http_request"
                              : "payload",
                          sqlite3_column_int64(qc, 2)) != 0)
                goto done;
        }
    }
    ret = r->oom ? -1 : 0;
done:
    sqlite3_finalize(qc);
    sqlite3_finalize(qd);
    rpt_pii_free(p);
    return ret;
}
