/* audit.c - one audit run: load rules and attribution, read and attribute
 * the flows, find the client(s) and the service, run the checks, store.
 *
 * Invariants
 * ----------
 * - Only flows originated by a client of the run count (flows.src_ip is a
 *   client address); everything else in the capture is context.
 * - The client is given (--client) or found: the local address(es) - not
 *   public scope, or the originating end - of the service's first-party
 *   flows.  With --service auto the service with the most first-party
 *   flows (then bytes) is chosen and the run says so.
 * - A counterparty is keyed by organisation id, else registrable domain,
 *   else "as:<n>", else its address; the baseline's counterparties are
 *   keyed the same way, so a finding whose key the baseline has is
 *   background (not charged to the service).
 * - The database is read through prepared SELECTs; the only writes are the
 *   run's rows, in one transaction (audit_store.c).
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "dbutil.h"
#include "../capture/pcapin.h"
#include "audit_int.h"
#include "store.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

char *au_strdup(au_run *r, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        r->oom = 1;
    return d;
}

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

static int ipproto_of(const char *p)
{
    if (!p)
        return 0;
    if (!strcmp(p, "tcp"))
        return 6;
    if (!strcmp(p, "udp"))
        return 17;
    if (!strcmp(p, "icmp"))
        return 1;
    if (!strcmp(p, "icmpv6"))
        return 58;
    return 0;
}

static void flow_free(au_flow *f)
{
    free(f->app);
    free(f->master);
    for (int i = 0; i < f->n_names; i++) {
        free(f->names[i]);
        free(f->sources[i]);
    }
    free(f->org_id);
    free(f->org);
    free(f->parent_org);
    free(f->domain);
    free(f->name);
    free(f->ckey);
}

static void finding_free(au_finding *f)
{
    if (!f)
        return;
    free(f->key);
    free(f->kind);
    free(f->subtype);
    free(f->other_claims);
    free(f->reason);
    free(f->detail);
    free(f->org_id);
    free(f->org);
    free(f->parent_org);
    free(f->ckey);
    free(f->flows);
    for (size_t i = 0; i < f->n_names; i++)
        free(f->names[i]);
    free(f->names);
    free(f->ev);
    free(f);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void run_free(au_run *r)
{
    for (size_t i = 0; i < r->n_flows; i++)
        flow_free(&r->flows[i]);
    free(r->flows);
    strv_free(r->clients, r->n_clients);
    free(r->client_how);
    free(r->client_flows);
    strv_free(r->bg_keys, r->n_bg);
    strv_free(r->bg_org_ids, r->n_bg);
    strv_free(r->bg_orgs, r->n_bg);
    strv_free(r->bg_domains, r->n_bg);
    free(r->bg_flows);
    free(r->claims);
    for (size_t i = 0; i < r->n_fnd; i++)
        finding_free(r->fnd[i]);
    free(r->fnd);
    sqlite3_finalize(r->q_tls);
    sqlite3_finalize(r->q_http);
    sqlite3_finalize(r->q_clear);
    rule_services_free(r->rules);
    rpt_attrib_free(r->src);
    if (r->db)
        sqlite3_close(r->db);
}

/* ---- findings ----------------------------------------------------------- */

au_finding *au_finding_get(au_run *r, const char *key, int *created)
{
    *created = 0;
    for (size_t i = 0; i < r->n_fnd; i++)
        if (!strcmp(r->fnd[i]->key, key))
            return r->fnd[i];
    if (r->n_fnd == r->cap_fnd) {
        size_t nc = r->cap_fnd ? r->cap_fnd * 2 : 16;
        au_finding **nf = realloc(r->fnd, nc * sizeof(*nf));
        if (!nf)
            goto oom;
        r->fnd = nf;
        r->cap_fnd = nc;
    }
    au_finding *f = calloc(1, sizeof(*f));
    if (!f || !(f->key = strdup(key))) {
        free(f);
        goto oom;
    }
    f->scope = "session";
    f->attribution = au_attribution(r);
    f->first_ts = INT64_MAX;
    r->fnd[r->n_fnd++] = f;
    *created = 1;
    return f;
oom:
    r->oom = 1;
    return NULL;
}

void au_finding_set(au_finding *f, const char *kind, const char *subtype,
                    int verdict, const char *severity)
{
    free(f->kind);
    free(f->subtype);
    f->kind = strdup(kind);
    f->subtype = subtype ? strdup(subtype) : NULL;
    f->verdict = verdict;
    f->severity = severity;
}

int au_finding_add_ev(au_finding *f, int64_t input_id, int64_t frame,
                      const char *what)
{
    if (frame <= 0 || f->n_ev >= AU_MAX_EVIDENCE)
        return 0;
    for (size_t i = 0; i < f->n_ev; i++)
        if (f->ev[i].input_id == input_id && f->ev[i].frame == frame)
            return 0;
    if (f->n_ev == f->cap_ev) {
        size_t nc = f->cap_ev ? f->cap_ev * 2 : 8;
        au_ev *ne = realloc(f->ev, nc * sizeof(*ne));
        if (!ne)
            return -1;
        f->ev = ne;
        f->cap_ev = nc;
    }
    f->ev[f->n_ev++] = (au_ev){ input_id, frame, what };
    return 0;
}

static int add_name(au_finding *f, const char *name)
{
    if (!name || !*name || rpt_name_is_ip_literal(name))
        return 0;
    for (size_t i = 0; i < f->n_names; i++)
        if (!strcmp(f->names[i], name))
            return 0;
    if (f->n_names >= 256)
        return 0;
    if (f->n_names == f->cap_names) {
        size_t nc = f->cap_names ? f->cap_names * 2 : 4;
        char **nn = realloc(f->names, nc * sizeof(*nn));
        if (!nn)
            return -1;
        f->names = nn;
        f->cap_names = nc;
    }
    if (!(f->names[f->n_names] = strdup(name)))
        return -1;
    f->n_names++;
    return 0;
}

/* Add fl to f: its id, bytes sent to the far end, times, names and the
 * evidence frames of the flow itself (first frame, deciding name, TLS
 * hellos and certificate, HTTP requests). */
int au_finding_add_flow(au_run *r, au_finding *f, const au_flow *fl)
{
    /* flows are visited in order, so a flow already added (several hits
     * in one flow) is the last one */
    if (f->n_flows && f->flows[f->n_flows - 1] == fl->id)
        return 0;
    if (f->n_flows == f->cap_flows) {
        size_t nc = f->cap_flows ? f->cap_flows * 2 : 8;
        int64_t *nf = realloc(f->flows, nc * sizeof(*nf));
        if (!nf)
            return -1;
        f->flows = nf;
        f->cap_flows = nc;
    }
    f->flows[f->n_flows++] = fl->id;
    f->bts += fl->inbound ? fl->btc : fl->bts;
    f->btc += fl->inbound ? fl->bts : fl->btc;
    if (fl->first_ts < f->first_ts)
        f->first_ts = fl->first_ts;
    if (fl->last_ts > f->last_ts)
        f->last_ts = fl->last_ts;
    f->categories |= fl->categories;
    int rc = 0;
    if (fl->name && fl->name[0])
        rc |= add_name(f, fl->name);
    for (int i = 0; i < fl->n_names; i++)
        rc |= add_name(f, fl->names[i]);
    rc |= au_finding_add_ev(f, fl->input_id, fl->first_frame,
                            fl->ipproto == 17 && fl->srv_port == 53
                                ? "dns_query"
                                : "first_frame");
    rc |= au_finding_add_ev(f, fl->input_id, fl->name_frame, "name");
    if (r->q_tls) {
        sqlite3_reset(r->q_tls);
        sqlite3_bind_int64(r->q_tls, 1, fl->id);
        if (sqlite3_step(r->q_tls) == SQLITE_ROW) {
            rc |= au_finding_add_ev(f, fl->input_id,
                                    sqlite3_column_int64(r->q_tls, 0),
                                    "client_hello");
            rc |= au_finding_add_ev(f, fl->input_id,
                                    sqlite3_column_int64(r->q_tls, 1),
                                    "server_hello");
            rc |= au_finding_add_ev(f, fl->input_id,
                                    sqlite3_column_int64(r->q_tls, 2),
                                    "certificate");
        }
    }
    if (r->q_http) {
        sqlite3_reset(r->q_http);
        sqlite3_bind_int64(r->q_http, 1, fl->id);
        while (sqlite3_step(r->q_http) == SQLITE_ROW)
            rc |= au_finding_add_ev(f, fl->input_id,
                                    sqlite3_column_int64(r->q_http, 0),
                                    "http_request");
    }
    return rc ? -1 : 0;
}

const char *au_attribution(const au_run *r)
{
    return r->o->baseline_db ? "app" : "session";
}

const char *au_seen_text(const au_run *r, const char *ckey)
{
    if (au_is_background(r, ckey))
        return "also seen in the baseline without the app: background";
    return r->o->baseline_db ? "sent by the app: not seen in the baseline"
                             : "observed during the session";
}

int au_is_background(const au_run *r, const char *ckey)
{
    for (size_t i = 0; ckey && i < r->n_bg; i++)
        if (!strcmp(r->bg_keys[i], ckey))
            return 1;
    return 0;
}

/* ---- reading flows ------------------------------------------------------ */

static const char SQL_FLOWS[] =
    "SELECT id, input_id, ip_version, proto, src_ip, src_port, dest_ip, "
    "dest_port, first_frame, first_ts_us, last_ts_us, bytes_toserver, "
    "bytes_toclient, app_proto, master_proto, hostname, hostname_source "
    "FROM flows ORDER BY input_id, first_frame, id";
static const char SQL_NAMES[] =
    "SELECT name, source, frame FROM flow_names WHERE flow_id = ?1 "
    "ORDER BY idx";

static int parse_ip(const char *t, int ipver, uint8_t *out)
{
    memset(out, 0, 16);
    return t && inet_pton(ipver == 6 ? AF_INET6 : AF_INET, t, out) == 1 ? 0
                                                                         : -1;
}

static void add_fname(au_run *r, au_flow *f, const char *n, const char *s,
                      int64_t frame)
{
    if (!n || !*n || f->n_names >= AU_MAX_NAMES)
        return;
    int i = f->n_names++;
    f->names[i] = au_strdup(r, n);
    f->sources[i] = au_strdup(r, s ? s : "");
    f->name_frames[i] = frame;
}

/* Attribute f (its names and far end) and fill the who fields. */
static void attribute(au_run *r, au_flow *f)
{
    rpt_flow_view v = {
        .ipver = f->ipver, .ipproto = f->ipproto, .cli_ip = f->cli,
        .srv_ip = f->srv, .cli_port = f->cli_port, .srv_port = f->srv_port,
        .app_proto = f->app[0] ? f->app : NULL,
        .master_proto = f->master[0] ? f->master : NULL,
        .names = (const char *const *)f->names,
        .sources = (const char *const *)f->sources, .n_names = f->n_names,
    };
    const uint8_t *rip;
    f->inbound = rpt_flow_remote(&v, &rip, NULL);
    rpt_who *w = malloc(sizeof(*w));
    if (!w) {
        r->oom = 1;
        return;
    }
    rpt_attrib_who(r->src, v.names, v.sources, f->n_names, f->ipver, rip, w);
    f->org_known = w->org_ref != NULL;
    f->org_id = au_strdup(r, w->org_id);
    f->org = au_strdup(r, w->org);
    f->parent_org = au_strdup(r, w->parent_org);
    f->domain = au_strdup(r, w->domain);
    f->name = au_strdup(r, w->name);
    f->categories = w->org_by ? w->categories : 0;
    f->asn = w->asn;
    memcpy(f->country, w->country, 3);
    int ni = w->org_name_idx >= 0 ? w->org_name_idx : w->name_idx;
    f->name_frame = ni >= 0 && ni < f->n_names ? f->name_frames[ni] : 0;
    char ip[64];
    inet_ntop(f->ipver == 6 ? AF_INET6 : AF_INET, rip, ip, sizeof(ip));
    char key[RPT_WHO_NAME + 16];
    if (w->org_id[0])
        snprintf(key, sizeof(key), "%s", w->org_id);
    else if (w->domain[0])
        snprintf(key, sizeof(key), "%s", w->domain);
    else if (w->asn)
        snprintf(key, sizeof(key), "as:%u", (unsigned)w->asn);
    else
        snprintf(key, sizeof(key), "ip:%s", ip);
    f->ckey = au_strdup(r, key);
    if (r->rules)
        for (size_t s = 0; s < rule_services_count(r->rules) &&
                           s < AU_MAX_SERVICES;
             s++) {
            rpt_service_view sv;
            rpt_service_view_from_rule(rule_services_at(r->rules, s), &sv);
            f->party[s] = rpt_party(r->src, &sv, &v, w);
        }
    free(w);
}

/* Read every flow of db (restricted to o->input_ids when given) into
 * *out, attributed.  Returns 0, or -1 with err. */
static int read_flows(au_run *r, sqlite3 *db, int filter, au_flow **out,
                      size_t *n_out, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL, *qn = NULL;
    au_flow *v = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db, SQL_FLOWS, -1, &q, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto fail;
    }
    if (rpt_db_has_table(db, "flow_names"))
        sqlite3_prepare_v2(db, SQL_NAMES, -1, &qn, NULL);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t input = sqlite3_column_int64(q, 1);
        if (filter && r->o->n_inputs) {
            size_t k = 0;
            while (k < r->o->n_inputs && r->o->input_ids[k] != input)
                k++;
            if (k == r->o->n_inputs)
                continue;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            au_flow *nv = realloc(v, nc * sizeof(*nv));
            if (!nv)
                goto oom;
            v = nv;
            cap = nc;
        }
        au_flow *f = &v[n];
        memset(f, 0, sizeof(*f));
        f->ipver = sqlite3_column_int(q, 2) == 6 ? 6 : 4;
        if (parse_ip(col(q, 4), f->ipver, f->cli) != 0 ||
            parse_ip(col(q, 6), f->ipver, f->srv) != 0)
            continue;
        n++;
        f->id = sqlite3_column_int64(q, 0);
        f->input_id = input;
        f->ipproto = ipproto_of(col(q, 3));
        snprintf(f->src_ip, sizeof(f->src_ip), "%s", col(q, 4));
        snprintf(f->dst_ip, sizeof(f->dst_ip), "%s", col(q, 6));
        f->cli_port = (unsigned)sqlite3_column_int(q, 5);
        f->srv_port = (unsigned)sqlite3_column_int(q, 7);
        f->first_frame = sqlite3_column_int64(q, 8);
        f->first_ts = sqlite3_column_int64(q, 9);
        f->last_ts = sqlite3_column_int64(q, 10);
        f->bts = sqlite3_column_int64(q, 11);
        f->btc = sqlite3_column_int64(q, 12);
        f->app = au_strdup(r, col(q, 13));
        f->master = au_strdup(r, col(q, 14));
        if (qn) {
            sqlite3_reset(qn);
            sqlite3_bind_int64(qn, 1, f->id);
            while (sqlite3_step(qn) == SQLITE_ROW)
                add_fname(r, f, col(qn, 0), col(qn, 1),
                          sqlite3_column_int64(qn, 2));
        }
        if (!f->n_names)
            add_fname(r, f, col(q, 15), col(q, 16), f->first_frame);
        attribute(r, f);
        if (r->oom)
            goto oom;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(qn);
    *out = v;
    *n_out = n;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    sqlite3_finalize(q);
    sqlite3_finalize(qn);
    for (size_t i = 0; i < n; i++)
        flow_free(&v[i]);
    free(v);
    return -1;
}

/* ---- service and clients ----------------------------------------------- */

static int local_addr(const au_flow *f, char *buf, size_t len)
{
    /* The originating end (the flow's client), unless it is the public far
     * end of an inbound flow. */
    const char *ip = f->inbound ? f->dst_ip : f->src_ip;
    snprintf(buf, len, "%s", ip);
    return 0;
}

static int pick_service(au_run *r, char *err, size_t errlen)
{
    size_t ns = rule_services_count(r->rules);
    if (strcmp(r->o->service, "auto") != 0) {
        for (size_t s = 0; s < ns && s < AU_MAX_SERVICES; s++)
            if (!strcmp(rule_service_id(rule_services_at(r->rules, s)),
                        r->o->service)) {
                r->svc_idx = (int)s;
                r->svc = rule_services_at(r->rules, s);
                snprintf(r->service_how, sizeof(r->service_how), "option");
                return 0;
            }
        snprintf(err, errlen,
                 "%s/services: no rules for service '%s' (zoom, meet, "
                 "webex, teams or auto)",
                 r->rules_dir, r->o->service);
        return 1;
    }
    int64_t best_flows = 0, best_bytes = 0;
    int best = -1;
    for (size_t s = 0; s < ns && s < AU_MAX_SERVICES; s++) {
        int64_t fl = 0, by = 0;
        for (size_t i = 0; i < r->n_flows; i++)
            if (r->flows[i].party[s] == RPT_PARTY_FIRST) {
                fl++;
                by += r->flows[i].bts + r->flows[i].btc;
            }
        if (fl > best_flows || (fl == best_flows && fl && by > best_bytes)) {
            best = (int)s;
            best_flows = fl;
            best_bytes = by;
        }
    }
    if (best < 0) {
        snprintf(err, errlen,
                 "--service auto: no flow of any known service (zoom, meet, "
                 "webex, teams) in the input; give --service");
        return 1;
    }
    r->svc_idx = best;
    r->svc = rule_services_at(r->rules, (size_t)best);
    snprintf(r->service_how, sizeof(r->service_how), "auto");
    snprintf(r->auto_note, sizeof(r->auto_note),
             "most first-party flows: %lld flows, %lld bytes",
             (long long)best_flows, (long long)best_bytes);
    return 0;
}

static int add_client(au_run *r, const char *ip, const char *how)
{
    for (size_t i = 0; i < r->n_clients; i++)
        if (!strcmp(r->clients[i], ip))
            return 0;
    size_t n = r->n_clients + 1;
    char **c = realloc(r->clients, n * sizeof(*c));
    if (c)
        r->clients = c;
    const char **h = realloc(r->client_how, n * sizeof(*h));
    if (h)
        r->client_how = h;
    int64_t *fl = realloc(r->client_flows, n * sizeof(*fl));
    if (fl)
        r->client_flows = fl;
    if (!c || !h || !fl || !(c[n - 1] = strdup(ip)))
        return -1;
    h[n - 1] = how;
    fl[n - 1] = 0;
    r->n_clients = n;
    return 0;
}

static int find_clients(au_run *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->o->n_clients; i++) {
        uint8_t b[16];
        char norm[64];
        const char *t = r->o->clients[i];
        int v6 = strchr(t, ':') != NULL;
        if (inet_pton(v6 ? AF_INET6 : AF_INET, t, b) != 1) {
            snprintf(err, errlen, "--client %s: not an IP address", t);
            return 1;
        }
        inet_ntop(v6 ? AF_INET6 : AF_INET, b, norm, sizeof(norm));
        if (add_client(r, norm, "option") != 0)
            return -1;
    }
    if (!r->n_clients) {
        for (size_t i = 0; i < r->n_flows; i++) {
            const au_flow *f = &r->flows[i];
            if (f->party[r->svc_idx] != RPT_PARTY_FIRST)
                continue;
            char ip[64];
            local_addr(f, ip, sizeof(ip));
            if (add_client(r, ip, "auto") != 0)
                return -1;
        }
        if (!r->n_clients) {
            snprintf(err, errlen,
                     "no client found: no flow goes to %s's own servers; "
                     "name the device with --client IP",
                     rule_service_name(r->svc));
            return 1;
        }
    }
    for (size_t i = 0; i < r->n_flows; i++) {
        au_flow *f = &r->flows[i];
        for (size_t k = 0; k < r->n_clients; k++)
            if (!strcmp(f->src_ip, r->clients[k])) {
                f->counted = 1;
                r->client_flows[k]++;
            }
    }
    return 0;
}

/* ---- baseline ------------------------------------------------------------ */

static int read_baseline(au_run *r, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    au_flow *v = NULL;
    size_t n = 0;
    char e2[512];
    int ret = 1;
    if (sqlite3_open_v2(r->o->baseline_db, &db, SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK ||
        !rpt_db_has_table(db, "flows")) {
        snprintf(err, errlen, "%s: not a meetaudit evidence database",
                 r->o->baseline_path ? r->o->baseline_path
                                     : r->o->baseline_db);
        goto done;
    }
    if (read_flows(r, db, 0, &v, &n, e2, sizeof(e2)) != 0) {
        snprintf(err, errlen, "%s: %s", r->o->baseline_path, e2);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const au_flow *f = &v[i];
        const uint8_t *far = f->inbound ? f->cli : f->srv;
        if (rpt_addr_scope(f->ipver, far) != RPT_SCOPE_PUBLIC)
            continue;
        size_t k = 0;
        while (k < r->n_bg && strcmp(r->bg_keys[k], f->ckey))
            k++;
        if (k == r->n_bg) {
            size_t nn = r->n_bg + 1;
            char **a = realloc(r->bg_keys, nn * sizeof(*a));
            if (a) r->bg_keys = a;
            char **b = realloc(r->bg_org_ids, nn * sizeof(*b));
            if (b) r->bg_org_ids = b;
            char **c = realloc(r->bg_orgs, nn * sizeof(*c));
            if (c) r->bg_orgs = c;
            char **d = realloc(r->bg_domains, nn * sizeof(*d));
            if (d) r->bg_domains = d;
            int64_t *fl = realloc(r->bg_flows, nn * sizeof(*fl));
            if (fl) r->bg_flows = fl;
            if (!a || !b || !c || !d || !fl) {
                ret = -1;
                snprintf(err, errlen, "out of memory");
                goto done;
            }
            a[k] = au_strdup(r, f->ckey);
            b[k] = au_strdup(r, f->org_id);
            c[k] = au_strdup(r, f->org);
            d[k] = au_strdup(r, f->domain);
            fl[k] = 0;
            r->n_bg = nn;
        }
        r->bg_flows[k]++;
    }
    ret = 0;
done:
    for (size_t i = 0; i < n; i++)
        flow_free(&v[i]);
    free(v);
    sqlite3_close(db);
    return ret;
}

/* ---- the run ----------------------------------------------------------- */

static int applicable_claims(au_run *r)
{
    size_t n = rule_service_claim_count(r->svc);
    r->claims = calloc(n ? n : 1, sizeof(*r->claims));
    if (!r->claims)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const rule_claim *c = rule_service_claim_at(r->svc, i);
        if (rule_claim_applies(c, r->o->ctx_keys, r->o->ctx_values,
                               r->o->n_ctx))
            r->claims[r->n_claims++] = c;
    }
    return 0;
}

/* Prepend "path: " to the message in err. */
static void prefix(char *err, size_t errlen, const char *path)
{
    char t[1024];
    snprintf(t, sizeof(t), "%s", err);
    snprintf(err, errlen, "%s: %s", path, t);
}

static void note_diag(void *ctx, const char *msg)
{
    int *n = ctx;
    if (*n < 5)
        fprintf(stderr, "meetaudit: %s\n", msg);
    (*n)++;
}

int rpt_audit_run(const char *db_path, const rpt_audit_opts *o,
                  int64_t *run_id, char *err, size_t errlen)
{
    au_run r;
    memset(&r, 0, sizeof(r));
    r.o = o;
    r.svc_idx = -1;
    int ret = -1;
    char e2[1024], sdir[PATH_MAX + 16];
    *run_id = 0;
    rpt_rules_dir_of(o->rules_dir, r.rules_dir, sizeof(r.rules_dir));
    r.src = rpt_attrib_open(r.rules_dir, o->data_dir, e2, sizeof(e2));
    if (!r.src) {
        snprintf(err, errlen, "%s", e2);
        ret = 1;
        goto done;
    }
    snprintf(sdir, sizeof(sdir), "%s/services", r.rules_dir);
    int nd = 0;
    if (rule_services_load_dir(sdir, rpt_attrib_entities(r.src), &r.rules,
                               note_diag, &nd) != 0) {
        snprintf(err, errlen,
                 "%s: %d problem(s) in the service rules (see `meetaudit "
                 "rules check`)",
                 sdir, nd);
        ret = 1;
        goto done;
    }
    if (sqlite3_open_v2(db_path, &r.db, SQLITE_OPEN_READWRITE, NULL) !=
            SQLITE_OK ||
        !rpt_db_has_table(r.db, "flows")) {
        snprintf(err, errlen, "%s: not a meetaudit evidence database",
                 db_path);
        ret = 1;
        goto done;
    }
    sqlite3_busy_timeout(r.db, 5000);
    if (au_store_schema(r.db, e2, sizeof(e2)) != 0) {
        snprintf(err, errlen, "%s: %s", db_path, e2);
        goto done;
    }
    sqlite3_prepare_v2(r.db,
                       "SELECT ch_frame, sh_frame, cert_frame FROM tls "
                       "WHERE flow_id = ?1",
                       -1, &r.q_tls, NULL);
    sqlite3_prepare_v2(r.db,
                       "SELECT frame FROM http WHERE flow_id = ?1 "
                       "ORDER BY frame LIMIT 100",
                       -1, &r.q_http, NULL);
    r.have_cleartext = rpt_db_has_table(r.db, "cleartext");
    if (read_flows(&r, r.db, 1, &r.flows, &r.n_flows, e2, sizeof(e2)) != 0) {
        snprintf(err, errlen, "%s: %s", db_path, e2);
        goto done;
    }
    int rc = pick_service(&r, err, errlen);
    if (rc == 0)
        rc = find_clients(&r, err, errlen);
    if (rc != 0) {
        ret = rc;
        prefix(err, errlen, db_path);
        goto done;
    }
    if (o->baseline_db && (rc = read_baseline(&r, err, errlen)) != 0) {
        ret = rc;
        goto done;
    }
    if (applicable_claims(&r) != 0 || au_check_third(&r) != 0 ||
        au_check_transport(&r) != 0 || au_check_location(&r) != 0 ||
        au_check_pii(&r) != 0 || r.oom) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    ret = au_store_run(&r, run_id, err, errlen);
done:
    run_free(&r);
    return ret;
}
