/* endpoints_cmd.c - `meetaudit endpoints`: the counterparties of a
 * capture, one row per (organisation, host name, party), as JSON lines
 * (RFC 8259 objects, one per line) or a table; times RFC 3339.
 *
 * Invariants
 * ----------
 * - Read-only: the evidence database is opened read-only and only prepared
 *   SELECTs run.  Candidate names come from the flow_names table when the
 *   database has one (flow_id, idx, name, source), else from
 *   flows.hostname; a flow without flow_names rows falls back to
 *   flows.hostname too.
 * - A row aggregates the flows whose far end (rpt_flow_remote(): the
 *   server, or the public client of an inbound flow) has the same
 *   organisation, best name and party; hostname is null for address-only
 *   counterparties, which are listed all the same.  Party is part of the
 *   key so that *.zoom.us on Zoom's addresses (first) and on AWS (support)
 *   are never merged.  bytes_toserver counts bytes sent to the far end.
 * - Output is a pure function of the database and the rules/data: rows are
 *   sorted by party, organisation, host name.  JSON keys and their order
 *   are a contract (README, "meetaudit endpoints").
 * - Memory is bounded per row: at most EP_MAX_SET names, protocols and
 *   countries and EP_MAX_ASN ASes are kept (further ones are dropped).
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "dbutil.h"
#include "attrib.h"
#include "json.h"
#include "services.h"
#include "store.h"

#include "../dissect/fnv.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EP_MAX_NAMES 32 /* candidate names read per flow */
#define EP_MAX_SET 256
#define EP_MAX_ASN 16

typedef struct ep_set {
    char **v;
    int n, cap;
} ep_set;

typedef struct ep_asn {
    uint32_t asn;
    char org[RPT_WHO_TEXT];
    int64_t flows;
} ep_asn;

typedef struct ep_row {
    char *key;
    int has_org, has_parent, has_host, party; /* party -1: not computed */
    char org[RPT_WHO_TEXT], parent_org[RPT_WHO_TEXT];
    char hostname[RPT_WHO_NAME];
    uint32_t categories;
    int64_t flows, bts, btc, first_ts, last_ts, first_frame;
    ep_set hostnames, protocols, countries;
    ep_asn asn[EP_MAX_ASN];
    int n_asn;
} ep_row;

typedef struct ep_tab {
    ep_row **rows; /* insertion order */
    size_t n, cap;
    ep_row **slot; /* open addressing on key */
    size_t nslot;
} ep_tab;

/* ---- small containers ------------------------------------------------- */

static int set_add(ep_set *s, const char *v)
{
    if (!v || !*v)
        return 0;
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], v))
            return 0;
    if (s->n >= EP_MAX_SET)
        return 0;
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 4;
        char **nv = realloc(s->v, (size_t)nc * sizeof(*nv));
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = nc;
    }
    if (!(s->v[s->n] = strdup(v)))
        return -1;
    s->n++;
    return 0;
}

static void set_free(ep_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static uint64_t hash(const char *s)
{
    return dis_fnv64(DIS_FNV64_INIT, s, strlen(s));
}

static int tab_grow(ep_tab *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 64;
    ep_row **sl = calloc(ns, sizeof(*sl));
    if (!sl)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t h = (size_t)hash(t->rows[i]->key) & (ns - 1);
        while (sl[h])
            h = (h + 1) & (ns - 1);
        sl[h] = t->rows[i];
    }
    free(t->slot);
    t->slot = sl;
    t->nslot = ns;
    return 0;
}

/* The row with this key, created when absent; NULL when out of memory. */
static ep_row *tab_get(ep_tab *t, const char *key, int *created)
{
    *created = 0;
    if ((t->n + 1) * 2 > t->nslot && tab_grow(t) != 0)
        return NULL;
    size_t h = (size_t)hash(key) & (t->nslot - 1);
    while (t->slot[h]) {
        if (!strcmp(t->slot[h]->key, key))
            return t->slot[h];
        h = (h + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        ep_row **nr = realloc(t->rows, nc * sizeof(*nr));
        if (!nr)
            return NULL;
        t->rows = nr;
        t->cap = nc;
    }
    ep_row *r = calloc(1, sizeof(*r));
    if (!r || !(r->key = strdup(key))) {
        free(r);
        return NULL;
    }
    t->rows[t->n++] = r;
    t->slot[h] = r;
    *created = 1;
    return r;
}

static void tab_free(ep_tab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        ep_row *r = t->rows[i];
        set_free(&r->hostnames);
        set_free(&r->protocols);
        set_free(&r->countries);
        free(r->key);
        free(r);
    }
    free(t->rows);
    free(t->slot);
}

/* ---- reading flows ------------------------------------------------------ */

enum { Q_FLOWS, Q_NAMES, Q_N };

static const char *const QSQL[Q_N] = {
    [Q_FLOWS] =
        "SELECT id, ip_version, proto, src_ip, src_port, dest_ip, "
        "dest_port, first_frame, first_ts_us, last_ts_us, bytes_toserver, "
        "bytes_toclient, app_proto, master_proto, hostname, hostname_source "
        "FROM flows ORDER BY input_id, first_frame, id",
    [Q_NAMES] = "SELECT name, source FROM flow_names WHERE flow_id = ?1 "
                "ORDER BY idx",
};

/* One flow read from the database, with its own copies of the names. */
typedef struct ep_flow {
    int ipver, ipproto;
    uint8_t cli[16], srv[16];
    unsigned cli_port, srv_port;
    int64_t first_frame, first_ts, last_ts, bts, btc;
    char app[64], master[64];
    char name[EP_MAX_NAMES][RPT_WHO_NAME];
    char source[EP_MAX_NAMES][16];
    const char *names[EP_MAX_NAMES], *sources[EP_MAX_NAMES];
    int n_names;
} ep_flow;

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
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

static int parse_ip(const char *text, int ipver, uint8_t *out)
{
    memset(out, 0, 16);
    return text && inet_pton(ipver == 6 ? AF_INET6 : AF_INET, text, out) == 1
               ? 0
               : -1;
}

static void add_name(ep_flow *f, const char *name, const char *src)
{
    if (!name || !*name || f->n_names >= EP_MAX_NAMES)
        return;
    int i = f->n_names++;
    snprintf(f->name[i], sizeof(f->name[i]), "%s", name);
    snprintf(f->source[i], sizeof(f->source[i]), "%s", src ? src : "");
    f->names[i] = f->name[i];
    f->sources[i] = f->source[i];
}

/* Fill *f from the current row of q (and qn, the flow_names statement, or
 * NULL).  Returns 0, or -1 when the addresses cannot be read. */
static int read_flow(sqlite3_stmt *q, sqlite3_stmt *qn, ep_flow *f)
{
    memset(f, 0, sizeof(*f));
    f->ipver = sqlite3_column_int(q, 1) == 6 ? 6 : 4;
    f->ipproto = ipproto_of(col(q, 2));
    if (parse_ip(col(q, 3), f->ipver, f->cli) != 0 ||
        parse_ip(col(q, 5), f->ipver, f->srv) != 0)
        return -1;
    f->cli_port = (unsigned)sqlite3_column_int(q, 4);
    f->srv_port = (unsigned)sqlite3_column_int(q, 6);
    f->first_frame = sqlite3_column_int64(q, 7);
    f->first_ts = sqlite3_column_int64(q, 8);
    f->last_ts = sqlite3_column_int64(q, 9);
    f->bts = sqlite3_column_int64(q, 10);
    f->btc = sqlite3_column_int64(q, 11);
    snprintf(f->app, sizeof(f->app), "%s", col(q, 12) ? col(q, 12) : "");
    snprintf(f->master, sizeof(f->master), "%s",
             col(q, 13) ? col(q, 13) : "");
    if (qn) {
        sqlite3_reset(qn);
        sqlite3_bind_int64(qn, 1, sqlite3_column_int64(q, 0));
        while (sqlite3_step(qn) == SQLITE_ROW)
            add_name(f, col(qn, 0), col(qn, 1));
    }
    if (!f->n_names)
        add_name(f, col(q, 14), col(q, 15));
    return 0;
}

/* ---- aggregation -------------------------------------------------------- */

static void proto_label(const ep_flow *f, char *b, size_t len)
{
    if (f->master[0] && f->app[0] && strcmp(f->master, f->app))
        snprintf(b, len, "%s.%s", f->master, f->app);
    else
        snprintf(b, len, "%s", f->app[0] ? f->app : "Unknown");
}

static int add_flow(ep_tab *t, const rpt_attrib_src *src,
                    const rpt_service_view *svc, const ep_flow *f)
{
    rpt_flow_view v = {
        .ipver = f->ipver, .ipproto = f->ipproto, .cli_ip = f->cli,
        .srv_ip = f->srv, .cli_port = f->cli_port, .srv_port = f->srv_port,
        .app_proto = f->app[0] ? f->app : NULL,
        .master_proto = f->master[0] ? f->master : NULL,
        .names = f->names, .sources = f->sources, .n_names = f->n_names,
    };
    const uint8_t *rip;
    int inbound = rpt_flow_remote(&v, &rip, NULL);
    rpt_who w;
    rpt_attrib_who(src, f->names, f->sources, f->n_names, f->ipver, rip, &w);
    int party = svc ? rpt_party(src, svc, &v, &w) : -1;

    char key[RPT_WHO_ID + RPT_WHO_TEXT + RPT_WHO_NAME + 32];
    snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%d", w.org_id, w.org,
             w.name, party);
    int created;
    ep_row *r = tab_get(t, key, &created);
    if (!r)
        return -1;
    if (created) {
        r->party = party;
        r->has_org = w.org[0] != 0;
        snprintf(r->org, sizeof(r->org), "%s", w.org);
        if (w.org_by && !strcmp(w.org_by, "as_org"))
            snprintf(r->org, sizeof(r->org), "%.140s (AS registry)", w.org);
        r->has_parent = w.parent_org[0] != 0;
        snprintf(r->parent_org, sizeof(r->parent_org), "%s", w.parent_org);
        r->has_host = w.name[0] != 0;
        snprintf(r->hostname, sizeof(r->hostname), "%s", w.name);
        r->first_ts = f->first_ts;
        r->first_frame = f->first_frame;
        r->last_ts = f->last_ts;
    }
    r->categories |= w.categories;
    r->flows++;
    r->bts += inbound ? f->btc : f->bts;
    r->btc += inbound ? f->bts : f->btc;
    if (f->first_ts < r->first_ts ||
        (f->first_ts == r->first_ts && f->first_frame < r->first_frame)) {
        r->first_ts = f->first_ts;
        r->first_frame = f->first_frame;
    }
    if (f->last_ts > r->last_ts)
        r->last_ts = f->last_ts;
    char pl[160];
    proto_label(f, pl, sizeof(pl));
    int rc = set_add(&r->protocols, pl) | set_add(&r->countries, w.country);
    for (int i = 0; i < f->n_names; i++)
        if (!rpt_name_is_ip_literal(f->names[i]))
            rc |= set_add(&r->hostnames, f->names[i]);
    if (w.asn) {
        int k = 0;
        while (k < r->n_asn && r->asn[k].asn != w.asn)
            k++;
        if (k == r->n_asn && k < EP_MAX_ASN) {
            r->asn[k].asn = w.asn;
            snprintf(r->asn[k].org, sizeof(r->asn[k].org), "%s", w.as_org);
            r->n_asn++;
        }
        if (k < r->n_asn)
            r->asn[k].flows++;
    }
    return rc ? -1 : 0;
}

/* ---- output -------------------------------------------------------------- */

static int party_rank(int p)
{
    static const int R[RPT_PARTY_COUNT] = {
        [RPT_PARTY_FIRST] = 0, [RPT_PARTY_SUPPORT] = 1,
        [RPT_PARTY_PEER] = 2,  [RPT_PARTY_THIRD] = 3,
        [RPT_PARTY_LOCAL] = 4, [RPT_PARTY_UNKNOWN] = 5,
    };
    return p >= 0 && p < RPT_PARTY_COUNT ? R[p] : 6;
}

static int cmp_str_null_last(int ha, const char *a, int hb, const char *b)
{
    if (ha != hb)
        return ha ? -1 : 1;
    return ha ? strcmp(a, b) : 0;
}

static int row_cmp(const void *pa, const void *pb)
{
    const ep_row *a = *(ep_row *const *)pa, *b = *(ep_row *const *)pb;
    int c = party_rank(a->party) - party_rank(b->party);
    if (!c)
        c = cmp_str_null_last(a->has_org, a->org, b->has_org, b->org);
    if (!c)
        c = cmp_str_null_last(a->has_host, a->hostname, b->has_host,
                              b->hostname);
    if (!c)
        c = strcmp(a->key, b->key);
    return c;
}

static const ep_asn *main_asn(const ep_row *r)
{
    const ep_asn *best = NULL;
    for (int i = 0; i < r->n_asn; i++)
        if (!best || r->asn[i].flows > best->flows)
            best = &r->asn[i];
    return best;
}

static void json_set(rpt_json *j, const char *key, const ep_set *s)
{
    rpt_json_arr_begin(j, key);
    for (int i = 0; i < s->n; i++)
        rpt_json_str(j, NULL, s->v[i]);
    rpt_json_arr_end(j);
}

static void emit_json(FILE *o, const ep_row *r)
{
    rpt_json j;
    char ts[48];
    rpt_json_init(&j, o);
    rpt_json_obj_begin(&j, NULL);
    rpt_json_str(&j, "org", r->has_org ? r->org : NULL);
    rpt_json_str(&j, "parent_org", r->has_parent ? r->parent_org : NULL);
    rpt_json_str(&j, "hostname", r->has_host ? r->hostname : NULL);
    json_set(&j, "hostnames", &r->hostnames);
    rpt_json_str(&j, "party", rpt_party_name(r->party));
    rpt_json_arr_begin(&j, "categories");
    for (int c = 0; c < RPT_CAT_COUNT; c++)
        if (r->categories & RPT_CAT_BIT(c))
            rpt_json_str(&j, NULL, rpt_category_name(c));
    rpt_json_arr_end(&j);
    rpt_json_int(&j, "flows", r->flows);
    rpt_json_int(&j, "bytes_toserver", r->bts);
    rpt_json_int(&j, "bytes_toclient", r->btc);
    rpt_fmt_ts(r->first_ts, ts, sizeof(ts));
    rpt_json_str(&j, "first_ts", ts);
    rpt_fmt_ts(r->last_ts, ts, sizeof(ts));
    rpt_json_str(&j, "last_ts", ts);
    rpt_json_int(&j, "first_frame", r->first_frame);
    json_set(&j, "protocols", &r->protocols);
    json_set(&j, "countries", &r->countries);
    const ep_asn *a = main_asn(r);
    if (a) {
        rpt_json_int(&j, "asn", a->asn);
        rpt_json_str(&j, "as_org", a->org[0] ? a->org : NULL);
    } else {
        rpt_json_null(&j, "asn");
        rpt_json_null(&j, "as_org");
    }
    rpt_json_obj_end(&j);
    fputc('\n', o);
}

static void human_bytes(int64_t b, char *out, size_t len)
{
    if (b < 1000)
        snprintf(out, len, "%lld B", (long long)b);
    else if (b < 1000000)
        snprintf(out, len, "%.1f kB", b / 1e3);
    else if (b < 1000000000)
        snprintf(out, len, "%.1f MB", b / 1e6);
    else
        snprintf(out, len, "%.1f GB", b / 1e9);
}

static void join(const ep_set *s, char *b, size_t len)
{
    size_t o = 0;
    b[0] = 0;
    for (int i = 0; i < s->n && o + 1 < len; i++)
        o += (size_t)snprintf(b + o, len - o, "%s%s", i ? "," : "", s->v[i]);
}

static void org_label(const ep_row *r, char *b, size_t len)
{
    if (r->has_org && r->has_parent && strcmp(r->org, r->parent_org))
        snprintf(b, len, "%s (%s)", r->org, r->parent_org);
    else
        snprintf(b, len, "%s", r->has_org ? r->org : "-");
}

static void emit_table(FILE *o, ep_row **rows, size_t n, int with_party)
{
    char org[2 * RPT_WHO_TEXT + 8];
    int wo = (int)strlen("organisation"), wh = (int)strlen("hostname");
    for (size_t i = 0; i < n; i++) {
        org_label(rows[i], org, sizeof(org));
        int lo = (int)strlen(org), lh = (int)strlen(rows[i]->hostname);
        wo = lo > wo ? lo : wo;
        wh = lh > wh ? lh : wh;
    }
    wo = wo > 64 ? 64 : wo;
    wh = wh > 48 ? 48 : wh;
    fprintf(o, "%-8s %-*s %-*s %5s %9s %9s  %s\n", "party", wo,
            "organisation", wh, "hostname", "flows", "sent", "received",
            "[categories] [protocols] [countries] AS");
    for (size_t i = 0; i < n; i++) {
        const ep_row *r = rows[i];
        char bs[32], bc[32], cats[256], protos[512], cc[128];
        char as[RPT_WHO_TEXT + 32] = "";
        org_label(r, org, sizeof(org));
        human_bytes(r->bts, bs, sizeof(bs));
        human_bytes(r->btc, bc, sizeof(bc));
        rpt_categories_str(r->categories, cats, sizeof(cats));
        join(&r->protocols, protos, sizeof(protos));
        join(&r->countries, cc, sizeof(cc));
        const ep_asn *a = main_asn(r);
        if (a)
            snprintf(as, sizeof(as), " AS%u %s", (unsigned)a->asn, a->org);
        fprintf(o, "%-8s %-*s %-*s %5lld %9s %9s  [%s] [%s] [%s]%s\n",
                with_party ? rpt_party_name(r->party) : "-", wo, org, wh,
                r->has_host ? r->hostname : "-", (long long)r->flows, bs, bc,
                cats, protos, cc, as);
    }
}

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit endpoints [--json] [--service S] [--rules DIR] "
            "[EVIDENCE.db]\n"
            "  one row per counterparty (organisation, host name, party);\n"
            "  S is zoom, meet, webex or teams (party is null without it);\n"
            "  EVIDENCE.db defaults to ./evidence.db, as for analyze\n");
}

/* The rules directory: DIR, or the directory of the entities.yaml that
 * cap_rules_path() finds. */
void rpt_rules_dir_of(const char *dir, char *buf, size_t len)
{
    if (dir) {
        snprintf(buf, len, "%s", dir);
        return;
    }
    (void)cap_rules_path(NULL, "entities.yaml", buf, len);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(buf, len, ".");
}

/* Load the service view for id: rules DIR/services, else the built-in
 * table (with a warning).  Returns 0, or -1 when id is unknown. */
int rpt_service_view_load(const char *rdir, const rpt_attrib_src *src,
                     const char *id, rule_services **set,
                     rpt_service_view *view)
{
    char sdir[PATH_MAX + 16];
    snprintf(sdir, sizeof(sdir), "%s/services", rdir);
    if (rule_services_load_dir(sdir, rpt_attrib_entities(src), set, NULL,
                               NULL) == 0) {
        const rule_service *r = rule_services_get(*set, id);
        if (r) {
            rpt_service_view_from_rule(r, view);
            return 0;
        }
    }
    const rpt_service_view *b = rpt_service_view_builtin(id);
    if (!b)
        return -1;
    fprintf(stderr,
            "meetaudit: %s: no usable service rules for %s; using the "
            "built-in operator and domains only\n",
            sdir, id);
    *view = *b;
    return 0;
}

int rpt_cmd_endpoints(int argc, char **argv)
{
    int json = 0;
    const char *service = NULL, *rules = NULL;
    static const struct option lo[] = {
        { "json", no_argument, NULL, 'j' },
        { "service", required_argument, NULL, 's' },
        { "rules", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "js:r:h", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 's': service = optarg; break;
        case 'r': rules = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *path = optind < argc ? argv[optind] : "evidence.db";
    char err[1024], rdir[PATH_MAX];
    int ret = 1;
    rpt_store *st = NULL;
    rpt_attrib_src *src = NULL;
    rule_services *set = NULL;
    rpt_service_view view, *svc = NULL;
    sqlite3_stmt *q[Q_N] = { 0 };
    ep_tab tab = { 0 };
    ep_flow *f = malloc(sizeof(*f));
    if (!f) {
        fprintf(stderr, "meetaudit: out of memory\n");
        return 1;
    }

    rpt_rules_dir_of(rules, rdir, sizeof(rdir));
    src = rpt_attrib_open(rdir, NULL, err, sizeof(err));
    if (!src) {
        fprintf(stderr, "meetaudit: %s\n", err);
        goto done;
    }
    if (service) {
        if (rpt_service_view_load(rdir, src, service, &set, &view) != 0) {
            fprintf(stderr,
                    "meetaudit: unknown service '%s' (zoom, meet, webex, "
                    "teams)\n",
                    service);
            ret = 2;
            goto done;
        }
        svc = &view;
    }
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "meetaudit: %s: cannot open evidence database\n",
                path);
        goto done;
    }
    fclose(probe);
    if (rpt_store_open_ro(path, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, err);
        goto done;
    }
    sqlite3 *db = rpt_store_db(st);
    if (sqlite3_prepare_v2(db, QSQL[Q_FLOWS], -1, &q[Q_FLOWS], NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    if (rpt_db_has_table(db, "flow_names") &&
        sqlite3_prepare_v2(db, QSQL[Q_NAMES], -1, &q[Q_NAMES], NULL) !=
            SQLITE_OK)
        fprintf(stderr,
                "meetaudit: %s: flow_names unreadable (%s); using "
                "flows.hostname only\n",
                path, sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(q[Q_FLOWS])) == SQLITE_ROW) {
        if (read_flow(q[Q_FLOWS], q[Q_NAMES], f) != 0)
            continue; /* unreadable address: never written by analyze */
        if (add_flow(&tab, src, svc, f) != 0) {
            fprintf(stderr, "meetaudit: out of memory\n");
            goto done;
        }
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        goto done;
    }
    if (tab.n)
        qsort(tab.rows, tab.n, sizeof(*tab.rows), row_cmp);
    if (json) {
        for (size_t i = 0; i < tab.n; i++)
            emit_json(stdout, tab.rows[i]);
    } else {
        emit_table(stdout, tab.rows, tab.n, svc != NULL);
        printf("\n%s\n", rpt_attrib_status(src));
        if (rpt_attrib_have_trackers(src))
            printf("Tracker data: Ghostery Tracker Database "
                   "(CC BY-NC-SA 4.0)\n");
        if (rpt_attrib_have_asn(src) || rpt_attrib_have_country(src))
            printf("AS and country data: RouteViews (routeviews.org), "
                   "DB-IP (db-ip.com) and the NRO (nro.net), via "
                   "ip-location-db\n");
    }
    if (!svc)
        fprintf(stderr, "meetaudit: endpoints: no --service given: party "
                        "is not computed (null)\n");
    ret = 0;
done:
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(q[i]);
    rpt_store_close(st);
    tab_free(&tab);
    rule_services_free(set);
    rpt_attrib_free(src);
    free(f);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
}
