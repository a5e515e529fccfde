/* report_load_ep.c - the report's endpoint inventory, TLS posture,
 * certificate problems and countries, computed from the flows of one
 * audit run's inputs.
 *
 * Invariants
 * ----------
 * - The flows are those of the run's inputs (audit_inputs) whose client or
 *   server address is one of the run's client addresses (audit_clients);
 *   all of them when the run recorded none.
 * - Who is on the other end is decided exactly as `meetaudit endpoints`
 *   and the audit decide it: rpt_attrib_who() on the flow's candidate
 *   names (flow_names, else flows.hostname) and the far end's address, and
 *   rpt_party() against the run's service.  The rules directory is the one
 *   given, else the run's (when it still exists), else the default lookup.
 * - An endpoint row is (party, organisation id | registrable domain |
 *   address): one organisation seen as first party and as support stays
 *   two rows.  Rows are sorted by party, bytes sent (most first), label.
 * - Everything read is copied; memory is bounded by RPT_REP_MAX_LIST rows
 *   and RPT_REP_MAX_HOSTS names per row.
 */
#define _DEFAULT_SOURCE
#include "report_model.h"
#include "attrib.h"
#include "services.h"
#include "store.h"

#include "../dissect/fnv.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EP_NAMES 16

typedef struct ep_ctx {
    rpt_rep *r;
    size_t cap_eps, cap_tls, cap_certs, cap_cc;
    size_t *slot; /* open addressing: index + 1 into r->eps */
    size_t nslot;
} ep_ctx;

static uint64_t fnv(const char *s)
{
    return dis_fnv64(DIS_FNV64_INIT, s, strlen(s));
}

static int ep_rehash(ep_ctx *c)
{
    size_t ns = c->nslot ? c->nslot * 2 : 256;
    size_t *sl = calloc(ns, sizeof(*sl));
    if (!sl)
        return -1;
    for (size_t i = 0; i < c->r->n_eps; i++) {
        size_t h = (size_t)fnv(c->r->eps[i].key) & (ns - 1);
        while (sl[h])
            h = (h + 1) & (ns - 1);
        sl[h] = i + 1;
    }
    free(c->slot);
    c->slot = sl;
    c->nslot = ns;
    return 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    if (n >= RPT_REP_MAX_LIST)
        return -1;
    size_t nc = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return -1;
    memset((char *)nv + *cap * sz, 0, (nc - *cap) * sz);
    *v = nv;
    *cap = nc;
    return 0;
}

/* The endpoint row with this key; created (zeroed, key set) when absent. */
static rpt_rep_ep *ep_get(ep_ctx *c, const char *key, int *created)
{
    rpt_rep *r = c->r;
    *created = 0;
    if ((r->n_eps + 1) * 2 > c->nslot && ep_rehash(c))
        return NULL;
    size_t h = (size_t)fnv(key) & (c->nslot - 1);
    while (c->slot[h]) {
        rpt_rep_ep *e = &r->eps[c->slot[h] - 1];
        if (!strcmp(e->key, key))
            return e;
        h = (h + 1) & (c->nslot - 1);
    }
    if (grow((void **)&r->eps, &c->cap_eps, r->n_eps, sizeof(*r->eps)))
        return NULL;
    rpt_rep_ep *e = &r->eps[r->n_eps];
    if (!(e->key = strdup(key)))
        return NULL;
    c->slot[h] = ++r->n_eps;
    *created = 1;
    return e;
}

static int ipproto_of(const char *p)
{
    static const struct { const char *n; int v; } T[] = {
        { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
        { "sctp", 132 },
    };
    for (size_t i = 0; p && i < sizeof(T) / sizeof(T[0]); i++)
        if (!strcmp(p, T[i].n))
            return T[i].v;
    return 0;
}

static const char *txt(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* ---- TLS ----------------------------------------------------------------- */

static int add_tls(ep_ctx *c, sqlite3_stmt *qt, sqlite3_stmt *qc,
                   int64_t fid, const char *host, const char *input)
{
    rpt_rep *r = c->r;
    sqlite3_reset(qt);
    sqlite3_bind_int64(qt, 1, fid);
    if (sqlite3_step(qt) != SQLITE_ROW)
        return 0;
    const char *tr = txt(qt, 0) ? txt(qt, 0) : "tcp";
    const char *ver = txt(qt, 1) ? txt(qt, 1) : "(no ServerHello)";
    const char *ci = txt(qt, 2) ? txt(qt, 2) : "-";
    rpt_rep_tls *t = NULL;
    for (size_t i = 0; i < r->n_tls && !t; i++)
        if (!strcmp(r->tls[i].transport, tr) &&
            !strcmp(r->tls[i].version, ver) && !strcmp(r->tls[i].cipher, ci))
            t = &r->tls[i];
    if (!t) {
        if (grow((void **)&r->tls, &c->cap_tls, r->n_tls, sizeof(*r->tls)))
            return -1;
        t = &r->tls[r->n_tls++];
        t->transport = strdup(tr);
        t->version = strdup(ver);
        t->cipher = strdup(ci);
        if (!t->transport || !t->version || !t->cipher)
            return -1;
    }
    t->flows++;
    if (t->hosts.n < 8 && rpt_strv_add(&t->hosts, host, 1))
        return -1;

    /* Certificate problems: not valid at capture time, name mismatch,
     * self-signed leaf. */
    char issue[160] = "";
    int valid_known = sqlite3_column_type(qt, 3) != SQLITE_NULL;
    int name_known = sqlite3_column_type(qt, 4) != SQLITE_NULL;
    if (valid_known && !sqlite3_column_int(qt, 3))
        snprintf(issue, sizeof(issue), "not valid at capture time");
    if (name_known && !sqlite3_column_int(qt, 4))
        snprintf(issue + strlen(issue), sizeof(issue) - strlen(issue),
                 "%sname does not match the certificate",
                 issue[0] ? "; " : "");
    sqlite3_reset(qc);
    sqlite3_bind_int64(qc, 1, fid);
    int have_leaf = sqlite3_step(qc) == SQLITE_ROW;
    if (have_leaf && sqlite3_column_type(qc, 3) != SQLITE_NULL &&
        sqlite3_column_int(qc, 3))
        snprintf(issue + strlen(issue), sizeof(issue) - strlen(issue),
                 "%sself-signed", issue[0] ? "; " : "");
    if (!issue[0])
        return 0;
    if (grow((void **)&r->certs, &c->cap_certs, r->n_certs,
             sizeof(*r->certs)))
        return -1;
    rpt_rep_cert *ce = &r->certs[r->n_certs++];
    ce->flow_id = fid;
    ce->frame = sqlite3_column_int64(qt, 5);
    ce->host = host ? strdup(host) : NULL;
    ce->issue = strdup(issue);
    ce->input_name = input ? strdup(input) : NULL;
    if (have_leaf) {
        ce->subject = rpt_rep_col(qc, 0);
        ce->issuer = rpt_rep_col(qc, 1);
        ce->not_after = rpt_rep_col(qc, 2);
    }
    return ce->issue ? 0 : -1;
}

static int add_country(ep_ctx *c, const char *cc, int64_t bts,
                       const char *label)
{
    rpt_rep *r = c->r;
    if (!cc || !cc[0])
        return 0;
    rpt_rep_country *k = NULL;
    for (size_t i = 0; i < r->n_countries && !k; i++)
        if (!strcmp(r->countries[i].cc, cc))
            k = &r->countries[i];
    if (!k) {
        if (grow((void **)&r->countries, &c->cap_cc, r->n_countries,
                 sizeof(*r->countries)))
            return -1;
        k = &r->countries[r->n_countries++];
        snprintf(k->cc, sizeof(k->cc), "%s", cc);
    }
    k->flows++;
    k->bts += bts;
    return k->orgs.n < RPT_REP_MAX_HOSTS ? rpt_strv_add(&k->orgs, label, 1)
                                         : 0;
}

/* ---- one flow ------------------------------------------------------------ */

static int add_flow(ep_ctx *c, const rpt_attrib_src *src,
                    const rpt_service_view *svc, sqlite3_stmt *q,
                    sqlite3_stmt *qn, sqlite3_stmt *qt, sqlite3_stmt *qc)
{
    int64_t fid = sqlite3_column_int64(q, 0);
    int ipver = sqlite3_column_int(q, 1) == 6 ? 6 : 4;
    uint8_t cli[16] = { 0 }, srv[16] = { 0 };
    int af = ipver == 6 ? AF_INET6 : AF_INET;
    if (!txt(q, 3) || !txt(q, 5) || inet_pton(af, txt(q, 3), cli) != 1 ||
        inet_pton(af, txt(q, 5), srv) != 1)
        return 0;
    char nb[EP_NAMES][RPT_WHO_NAME], sb[EP_NAMES][16];
    const char *names[EP_NAMES], *sources[EP_NAMES];
    int n = 0;
    sqlite3_reset(qn);
    sqlite3_bind_int64(qn, 1, fid);
    while (n < EP_NAMES && sqlite3_step(qn) == SQLITE_ROW) {
        snprintf(nb[n], sizeof(nb[n]), "%s", txt(qn, 0) ? txt(qn, 0) : "");
        snprintf(sb[n], sizeof(sb[n]), "%s", txt(qn, 1) ? txt(qn, 1) : "");
        names[n] = nb[n];
        sources[n] = sb[n];
        n++;
    }
    if (!n && txt(q, 13)) {
        snprintf(nb[0], sizeof(nb[0]), "%s", txt(q, 13));
        snprintf(sb[0], sizeof(sb[0]), "%s", txt(q, 14) ? txt(q, 14) : "");
        names[0] = nb[0];
        sources[0] = sb[0];
        n = 1;
    }
    rpt_flow_view v = {
        .ipver = ipver, .ipproto = ipproto_of(txt(q, 2)), .cli_ip = cli,
        .srv_ip = srv, .cli_port = (unsigned)sqlite3_column_int(q, 4),
        .srv_port = (unsigned)sqlite3_column_int(q, 6),
        .app_proto = txt(q, 11), .master_proto = txt(q, 12),
        .names = names, .sources = sources, .n_names = n,
    };
    const uint8_t *rip;
    int inbound = rpt_flow_remote(&v, &rip, NULL);
    rpt_who w;
    rpt_attrib_who(src, names, sources, n, ipver, rip, &w);
    int party = svc ? rpt_party(src, svc, &v, &w) : -1;
    char addr[64];
    if (!inet_ntop(af, rip, addr, sizeof(addr)))
        addr[0] = 0;
    char label[RPT_WHO_NAME + 24];
    char key[RPT_WHO_ID + RPT_WHO_TEXT + RPT_WHO_NAME + 32];
    int has_org = w.org_by && w.org[0];
    if (has_org) {
        int as_org = !strcmp(w.org_by, "as_org");
        snprintf(label, sizeof(label), as_org ? "%s (AS registry)" : "%s",
                 w.org);
        snprintf(key, sizeof(key), "%d|org|%s|%s", party, w.org_id, w.org);
    } else if (w.domain[0]) {
        snprintf(label, sizeof(label), "%s", w.domain);
        snprintf(key, sizeof(key), "%d|dom|%s", party, w.domain);
    } else {
        snprintf(label, sizeof(label), "%s", addr);
        snprintf(key, sizeof(key), "%d|ip|%s", party, addr);
    }
    int created;
    rpt_rep_ep *e = ep_get(c, key, &created);
    if (!e)
        return -1;
    int64_t fts = sqlite3_column_int64(q, 7), lts = sqlite3_column_int64(q, 8);
    int64_t bts = sqlite3_column_int64(q, inbound ? 10 : 9);
    int64_t btc = sqlite3_column_int64(q, inbound ? 9 : 10);
    if (created) {
        e->party = party;
        e->label = strdup(label);
        if (has_org) {
            e->org = strdup(label);
            e->org_id = strdup(w.org_id[0] ? w.org_id : w.org);
            if (!e->org || !e->org_id)
                return -1;
        }
        if (!e->label)
            return -1;
        e->first_ts = fts;
        e->last_ts = lts;
    }
    e->categories |= w.categories;
    e->flows++;
    e->bts += bts;
    e->btc += btc;
    if (fts < e->first_ts)
        e->first_ts = fts;
    if (lts > e->last_ts)
        e->last_ts = lts;
    const char *best = w.name[0] ? w.name : NULL;
    if (best && e->hostnames.n < RPT_REP_MAX_HOSTS &&
        rpt_strv_add(&e->hostnames, best, 1))
        return -1;
    if (rpt_strv_add(&e->countries, w.country, 1))
        return -1;
    if (party != RPT_PARTY_LOCAL && add_country(c, w.country, bts, label))
        return -1;
    return add_tls(c, qt, qc, fid, best ? best : addr, txt(q, 15));
}

/* ---- sorting ----------------------------------------------------------- */

static int party_rank(int p)
{
    static const int R[RPT_PARTY_COUNT] = {
        [RPT_PARTY_FIRST] = 0, [RPT_PARTY_SUPPORT] = 1,
        [RPT_PARTY_PEER] = 2,  [RPT_PARTY_THIRD] = 3,
        [RPT_PARTY_LOCAL] = 5, [RPT_PARTY_UNKNOWN] = 4,
    };
    return p >= 0 && p < RPT_PARTY_COUNT ? R[p] : 6;
}

static int ep_cmp(const void *pa, const void *pb)
{
    const rpt_rep_ep *a = pa, *b = pb;
    int c = party_rank(a->party) - party_rank(b->party);
    if (c)
        return c;
    if (a->bts != b->bts)
        return a->bts > b->bts ? -1 : 1;
    c = strcmp(a->label, b->label);
    return c ? c : strcmp(a->key, b->key);
}

static int tls_cmp(const void *pa, const void *pb)
{
    const rpt_rep_tls *a = pa, *b = pb;
    int c = strcmp(a->transport, b->transport);
    if (!c)
        c = strcmp(b->version, a->version); /* newest first */
    return c ? c : strcmp(a->cipher, b->cipher);
}

static int cc_cmp(const void *pa, const void *pb)
{
    const rpt_rep_country *a = pa, *b = pb;
    if (a->bts != b->bts)
        return a->bts > b->bts ? -1 : 1;
    return strcmp(a->cc, b->cc);
}

/* ---- entry ------------------------------------------------------------- */

static const char FLOWS_SQL[] =
    "SELECT f.id, f.ip_version, f.proto, f.src_ip, f.src_port, f.dest_ip, "
    "f.dest_port, f.first_ts_us, f.last_ts_us, f.bytes_toserver, "
    "f.bytes_toclient, f.app_proto, f.master_proto, f.hostname, "
    "f.hostname_source, i.name FROM flows f JOIN audit_inputs a "
    "ON a.input_id = f.input_id AND a.run_id = ?1 "
    "JOIN inputs i ON i.id = f.input_id "
    "WHERE NOT EXISTS (SELECT 1 FROM audit_clients c WHERE c.run_id = ?1) "
    "OR f.src_ip IN (SELECT ip FROM audit_clients WHERE run_id = ?1) "
    "OR f.dest_ip IN (SELECT ip FROM audit_clients WHERE run_id = ?1) "
    "ORDER BY f.id";

int rpt_rep_load_endpoints(sqlite3 *db, rpt_rep *r, const char *rules_dir,
                           char *err, size_t errlen)
{
    char rdir[PATH_MAX], probe[PATH_MAX + 32];
    struct stat stb;
    const char *want = rules_dir;
    if (!want && r->rules_dir) {
        snprintf(probe, sizeof(probe), "%s/entities.yaml", r->rules_dir);
        if (stat(probe, &stb) == 0)
            want = r->rules_dir;
    }
    rpt_rules_dir_of(want, rdir, sizeof(rdir));
    rpt_attrib_src *src = rpt_attrib_open(rdir, NULL, err, errlen);
    if (!src)
        return -1;
    r->have_country_data = rpt_attrib_have_country(src);
    rule_services *set = NULL;
    rpt_service_view view;
    const rpt_service_view *svc = NULL;
    if (rpt_service_view_load(rdir, src, r->service, &set, &view) == 0)
        svc = &view;
    sqlite3_stmt *q = NULL, *qn = NULL, *qt = NULL, *qc = NULL;
    ep_ctx c = { .r = r };
    int ret = -1, rc;
    if (sqlite3_prepare_v2(db, FLOWS_SQL, -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT name, source FROM flow_names "
                           "WHERE flow_id = ?1 ORDER BY idx",
                           -1, &qn, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT transport, version, cipher, "
                           "cert_valid_at_capture, sni_matches_cert, "
                           "cert_frame FROM tls WHERE flow_id = ?1",
                           -1, &qt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT subject, issuer, not_after, self_signed "
                           "FROM tls_certs WHERE flow_id = ?1 AND idx = 0",
                           -1, &qc, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(q, 1, r->run_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (add_flow(&c, src, svc, q, qn, qt, qc)) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto done;
    }
    if (r->n_eps)
        qsort(r->eps, r->n_eps, sizeof(*r->eps), ep_cmp);
    if (r->n_tls)
        qsort(r->tls, r->n_tls, sizeof(*r->tls), tls_cmp);
    if (r->n_countries)
        qsort(r->countries, r->n_countries, sizeof(*r->countries), cc_cmp);
    ret = 0;
done:
    free(c.slot);
    sqlite3_finalize(q);
    sqlite3_finalize(qn);
    sqlite3_finalize(qt);
    sqlite3_finalize(qc);
    rule_services_free(set);
    rpt_attrib_free(src);
    return ret;
}
