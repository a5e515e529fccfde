/* flows_cmd.c - `meetaudit flows`: the flow export (JSON lines or a table).
 *
 * Invariants
 * ----------
 * - Read-only: the evidence database is opened read-only and only prepared
 *   SELECTs run.
 * - Flows come out ordered by input, then first frame, then id, so the
 *   output is a pure function of the database (golden tests rely on it).
 * - JSON keys and their order are a published contract (README, "Flow
 *   export"); objects for protocols a flow did not carry are omitted.
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "../dissect/dns.h"
#include "json.h"
#include "store.h"

#include <getopt.h>
#include <limits.h>
#include <arpa/inet.h>
#include "services.h"
#include "attrib.h"
#include <stdio.h>
#include <string.h>

enum { Q_FLOWS, Q_TLS, Q_CERTS, Q_ALERTS, Q_DNS, Q_ANS, Q_HTTP, Q_NAMES, Q_N };

static const char *const QSQL[Q_N] = {
    [Q_FLOWS] =
        "SELECT f.id, f.community_id, i.name, i.sha256, f.first_frame, "
        "f.last_frame, f.first_ts_us, f.last_ts_us, f.proto, f.src_ip, "
        "f.src_port, f.dest_ip, f.dest_port, f.pkts_toserver, "
        "f.pkts_toclient, f.bytes_toserver, f.bytes_toclient, f.app_proto, "
        "f.master_proto, f.category, f.confidence, f.risks, f.hostname, "
        "f.hostname_source, f.ip_version FROM flows f "
        "JOIN inputs i ON i.id = f.input_id "
        "ORDER BY f.input_id, f.first_frame, f.id",
    [Q_NAMES] = "SELECT name, source FROM flow_names WHERE flow_id = ?1 "
                "ORDER BY idx",
    [Q_TLS] = "SELECT sni, version, cipher, alpn, ja3, ja3s, ja4, ja4_raw, "
              "ech, client_versions, cert_valid_at_capture, "
              "sni_matches_cert, hrr, certs_visible FROM tls "
              "WHERE flow_id = ?1",
    [Q_CERTS] = "SELECT subject, issuer, serial, san, not_before, not_after, "
                "sig_alg, key, sha256, sha1, self_signed FROM tls_certs "
                "WHERE flow_id = ?1 ORDER BY idx",
    [Q_ALERTS] = "SELECT sender, level_name, description_name FROM "
                 "tls_alerts WHERE flow_id = ?1 ORDER BY id",
    [Q_DNS] = "SELECT query, qtype, rcode FROM dns WHERE flow_id = ?1",
    [Q_ANS] = "SELECT data FROM dns_answers WHERE flow_id = ?1 ORDER BY id",
    [Q_HTTP] = "SELECT method, host, uri, user_agent FROM http "
               "WHERE flow_id = ?1 ORDER BY frame, id LIMIT 1",
};

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

static void json_col_str(rpt_json *j, const char *key, sqlite3_stmt *q, int i)
{
    rpt_json_str(j, key, col(q, i));
}

static void json_col_int(rpt_json *j, const char *key, sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        rpt_json_null(j, key);
    else
        rpt_json_int(j, key, sqlite3_column_int64(q, i));
}

static void json_col_ts(rpt_json *j, const char *key, sqlite3_stmt *q, int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL) {
        rpt_json_null(j, key);
        return;
    }
    char b[48];
    rpt_fmt_ts(sqlite3_column_int64(q, i), b, sizeof(b));
    rpt_json_str(j, key, b);
}

static void json_col_raw_array(rpt_json *j, const char *key, sqlite3_stmt *q,
                               int i)
{
    const char *v = col(q, i);
    rpt_json_raw(j, key, v && v[0] == '[' ? v : "[]");
}

/* A JSON array column: null when NULL (not observed). */
static void json_col_array_or_null(rpt_json *j, const char *key,
                                   sqlite3_stmt *q, int i)
{
    const char *v = col(q, i);
    if (v && v[0] == '[')
        rpt_json_raw(j, key, v);
    else
        rpt_json_null(j, key);
}

/* An INTEGER 0/1 column as a JSON boolean, null when NULL. */
static void json_col_bool(rpt_json *j, const char *key, sqlite3_stmt *q,
                          int i)
{
    if (sqlite3_column_type(q, i) == SQLITE_NULL)
        rpt_json_null(j, key);
    else
        rpt_json_bool(j, key, sqlite3_column_int64(q, i) != 0);
}

static void run_sub(sqlite3_stmt *q, int64_t fid)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, fid);
}

/* What attribution needs, opened once per command. */
typedef struct attrib_ctx {
    rpt_attrib_src *src;
    const rpt_service_view *view; /* NULL: party null */
} attrib_ctx;

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

/* hostnames[] and the attribution keys (issue 4 contract): domain, org,
 * parent_org, categories[], party, asn, as_org, country. */
static void emit_attrib(rpt_json *j, sqlite3_stmt **st, const attrib_ctx *ax)
{
    sqlite3_stmt *f = st[Q_FLOWS];
    char nbuf[RPT_MAX_NAMES][DIS_DNS_NAME_MAX], sbuf[RPT_MAX_NAMES][16];
    const char *names[RPT_MAX_NAMES], *sources[RPT_MAX_NAMES];
    int n = 0;
    sqlite3_stmt *qn = st[Q_NAMES];
    run_sub(qn, sqlite3_column_int64(f, 0));
    rpt_json_arr_begin(j, "hostnames");
    while (n < RPT_MAX_NAMES && sqlite3_step(qn) == SQLITE_ROW) {
        snprintf(nbuf[n], sizeof nbuf[n], "%s", col(qn, 0) ? col(qn, 0) : "");
        snprintf(sbuf[n], sizeof sbuf[n], "%s", col(qn, 1) ? col(qn, 1) : "");
        names[n] = nbuf[n];
        sources[n] = sbuf[n];
        rpt_json_obj_begin(j, NULL);
        rpt_json_str(j, "name", names[n]);
        rpt_json_str(j, "source", sources[n]);
        rpt_json_obj_end(j);
        n++;
    }
    rpt_json_arr_end(j);

    int ipver = sqlite3_column_int(f, 24) == 6 ? 6 : 4;
    uint8_t cli[16] = { 0 }, srv[16] = { 0 };
    int af = ipver == 6 ? AF_INET6 : AF_INET;
    int ok = col(f, 9) && col(f, 11) && inet_pton(af, col(f, 9), cli) == 1 &&
             inet_pton(af, col(f, 11), srv) == 1;
    rpt_who w;
    memset(&w, 0, sizeof w);
    int party = -1;
    if (ok) {
        rpt_flow_view v = {
            .ipver = ipver, .ipproto = ipproto_of(col(f, 8)),
            .cli_ip = cli, .srv_ip = srv,
            .cli_port = (unsigned)sqlite3_column_int(f, 10),
            .srv_port = (unsigned)sqlite3_column_int(f, 12),
            .app_proto = col(f, 17), .master_proto = col(f, 18),
            .names = names, .sources = sources, .n_names = n,
        };
        const uint8_t *rip;
        rpt_flow_remote(&v, &rip, NULL);
        rpt_attrib_who(ax->src, names, sources, n, ipver, rip, &w);
        if (ax->view)
            party = rpt_party(ax->src, ax->view, &v, &w);
    }
    if (w.domain[0])
        rpt_json_str(j, "domain", w.domain);
    else
        rpt_json_null(j, "domain");
    if (ok && w.org_by && w.org[0]) {
        rpt_json_str(j, "org", w.org);
        if (w.parent_org[0])
            rpt_json_str(j, "parent_org", w.parent_org);
        else
            rpt_json_null(j, "parent_org");
    } else {
        rpt_json_null(j, "org");
        rpt_json_null(j, "parent_org");
    }
    /* how the organisation was found: "name" (our map), "ip" (our map's
     * prefixes), "asn" (our map's AS numbers), "ghostery", "as_org" (the
     * AS registry's holder: where the server is hosted, weakest) */
    if (ok && w.org_by && w.org[0])
        rpt_json_str(j, "org_by", w.org_by);
    else
        rpt_json_null(j, "org_by");
    rpt_json_arr_begin(j, "categories");
    for (int i = 0; ok && w.org_by && i < RPT_CAT_COUNT; i++)
        if (w.categories & RPT_CAT_BIT(i))
            rpt_json_str(j, NULL, rpt_category_name(i));
    rpt_json_arr_end(j);
    if (party >= 0)
        rpt_json_str(j, "party", rpt_party_name(party));
    else
        rpt_json_null(j, "party");
    if (w.asn)
        rpt_json_int(j, "asn", w.asn);
    else
        rpt_json_null(j, "asn");
    if (w.asn && w.as_org[0])
        rpt_json_str(j, "as_org", w.as_org);
    else
        rpt_json_null(j, "as_org");
    if (w.country[0])
        rpt_json_str(j, "country", w.country);
    else
        rpt_json_null(j, "country");
}

static void emit_json(FILE *o, sqlite3_stmt **st, const attrib_ctx *ax)
{
    sqlite3_stmt *f = st[Q_FLOWS];
    rpt_json j;
    rpt_json_init(&j, o);
    int64_t fid = sqlite3_column_int64(f, 0);
    rpt_json_obj_begin(&j, NULL);
    rpt_json_int(&j, "flow_id", fid);
    json_col_str(&j, "community_id", f, 1);
    json_col_str(&j, "input", f, 2);
    json_col_str(&j, "input_sha256", f, 3);
    json_col_int(&j, "first_frame", f, 4);
    json_col_int(&j, "last_frame", f, 5);
    json_col_ts(&j, "first_ts", f, 6);
    json_col_ts(&j, "last_ts", f, 7);
    json_col_str(&j, "proto", f, 8);
    json_col_str(&j, "src_ip", f, 9);
    json_col_int(&j, "src_port", f, 10);
    json_col_str(&j, "dest_ip", f, 11);
    json_col_int(&j, "dest_port", f, 12);
    json_col_int(&j, "pkts_toserver", f, 13);
    json_col_int(&j, "pkts_toclient", f, 14);
    json_col_int(&j, "bytes_toserver", f, 15);
    json_col_int(&j, "bytes_toclient", f, 16);
    json_col_str(&j, "app_proto", f, 17);
    json_col_str(&j, "master_proto", f, 18);
    json_col_str(&j, "category", f, 19);
    json_col_str(&j, "confidence", f, 20);
    json_col_raw_array(&j, "risks", f, 21);
    json_col_str(&j, "hostname", f, 22);
    json_col_str(&j, "hostname_source", f, 23);
    emit_attrib(&j, st, ax);

    sqlite3_stmt *q = st[Q_TLS];
    run_sub(q, fid);
    if (sqlite3_step(q) == SQLITE_ROW) {
        rpt_json_obj_begin(&j, "tls");
        json_col_str(&j, "sni", q, 0);
        json_col_str(&j, "version", q, 1);
        json_col_str(&j, "cipher", q, 2);
        json_col_array_or_null(&j, "alpn", q, 3);
        json_col_str(&j, "ja3", q, 4);
        json_col_str(&j, "ja3s", q, 5);
        json_col_str(&j, "ja4", q, 6);
        json_col_str(&j, "ja4_raw", q, 7);
        json_col_bool(&j, "ech", q, 8);
        json_col_array_or_null(&j, "client_versions", q, 9);
        rpt_json_arr_begin(&j, "certs");
        sqlite3_stmt *c = st[Q_CERTS];
        run_sub(c, fid);
        while (sqlite3_step(c) == SQLITE_ROW) {
            rpt_json_obj_begin(&j, NULL);
            json_col_str(&j, "subject", c, 0);
            json_col_str(&j, "issuer", c, 1);
            json_col_str(&j, "serial", c, 2);
            json_col_array_or_null(&j, "san", c, 3);
            json_col_str(&j, "not_before", c, 4);
            json_col_str(&j, "not_after", c, 5);
            json_col_str(&j, "sig_alg", c, 6);
            json_col_str(&j, "key", c, 7);
            json_col_str(&j, "sha256", c, 8);
            json_col_str(&j, "sha1", c, 9);
            json_col_bool(&j, "self_signed", c, 10);
            rpt_json_obj_end(&j);
        }
        rpt_json_arr_end(&j);
        json_col_bool(&j, "cert_valid_at_capture", q, 10);
        json_col_bool(&j, "sni_matches_cert", q, 11);
        rpt_json_arr_begin(&j, "alerts");
        sqlite3_stmt *a = st[Q_ALERTS];
        run_sub(a, fid);
        while (sqlite3_step(a) == SQLITE_ROW) {
            rpt_json_obj_begin(&j, NULL);
            json_col_str(&j, "from", a, 0);
            json_col_str(&j, "level", a, 1);
            json_col_str(&j, "description", a, 2);
            rpt_json_obj_end(&j);
        }
        rpt_json_arr_end(&j);
        json_col_bool(&j, "hrr", q, 12);
        json_col_bool(&j, "certs_visible", q, 13);
        rpt_json_obj_end(&j);
    }
    q = st[Q_DNS];
    run_sub(q, fid);
    if (sqlite3_step(q) == SQLITE_ROW) {
        char b[32];
        rpt_json_obj_begin(&j, "dns");
        json_col_str(&j, "query", q, 0);
        if (sqlite3_column_type(q, 1) == SQLITE_NULL)
            rpt_json_null(&j, "qtype");
        else
            rpt_json_str(&j, "qtype",
                         dis_dns_type_name((uint16_t)sqlite3_column_int(q, 1),
                                           b, sizeof(b)));
        if (sqlite3_column_type(q, 2) == SQLITE_NULL)
            rpt_json_null(&j, "rcode");
        else
            rpt_json_str(&j, "rcode",
                         dis_dns_rcode_name((uint8_t)sqlite3_column_int(q, 2),
                                            b, sizeof(b)));
        rpt_json_arr_begin(&j, "answers");
        sqlite3_stmt *a = st[Q_ANS];
        run_sub(a, fid);
        /* Distinct answers in order of first appearance. */
        char seen[64][DIS_DNS_NAME_MAX];
        int nseen = 0;
        while (sqlite3_step(a) == SQLITE_ROW) {
            const char *d = col(a, 0);
            if (!d)
                continue;
            int dup = 0;
            for (int k = 0; k < nseen && !dup; k++)
                dup = !strcmp(seen[k], d);
            if (dup)
                continue;
            if (nseen < 64)
                snprintf(seen[nseen++], DIS_DNS_NAME_MAX, "%s", d);
            rpt_json_str(&j, NULL, d);
        }
        rpt_json_arr_end(&j);
        rpt_json_obj_end(&j);
    }
    q = st[Q_HTTP];
    run_sub(q, fid);
    if (sqlite3_step(q) == SQLITE_ROW) {
        rpt_json_obj_begin(&j, "http");
        json_col_str(&j, "method", q, 0);
        json_col_str(&j, "host", q, 1);
        json_col_str(&j, "uri", q, 2);
        json_col_str(&j, "user_agent", q, 3);
        rpt_json_obj_end(&j);
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

static void emit_table_row(FILE *o, sqlite3_stmt *f)
{
    char cli[80], srv[80], bs[32], bc[32], proto[160];
    const char *sip = col(f, 9), *dip = col(f, 11);
    int v6 = sip && strchr(sip, ':');
    if (sqlite3_column_type(f, 10) == SQLITE_NULL) {
        snprintf(cli, sizeof(cli), "%s", sip ? sip : "?");
        snprintf(srv, sizeof(srv), "%s", dip ? dip : "?");
    } else {
        snprintf(cli, sizeof(cli), v6 ? "[%s]:%d" : "%s:%d", sip ? sip : "?",
                 sqlite3_column_int(f, 10));
        snprintf(srv, sizeof(srv), v6 ? "[%s]:%d" : "%s:%d", dip ? dip : "?",
                 sqlite3_column_int(f, 12));
    }
    human_bytes(sqlite3_column_int64(f, 15), bs, sizeof(bs));
    human_bytes(sqlite3_column_int64(f, 16), bc, sizeof(bc));
    const char *app = col(f, 17), *master = col(f, 18);
    if (master)
        snprintf(proto, sizeof(proto), "%s.%s", master, app ? app : "?");
    else
        snprintf(proto, sizeof(proto), "%s", app ? app : "Unknown");
    const char *host = col(f, 22), *hsrc = col(f, 23);
    fprintf(o, "%5lld %-6s %s <-> %s [%s][%s][%lld pkts/%s <-> %lld pkts/%s]",
            (long long)sqlite3_column_int64(f, 0), col(f, 8) ? col(f, 8) : "?",
            cli, srv, proto, col(f, 19) ? col(f, 19) : "Unspecified",
            (long long)sqlite3_column_int64(f, 13), bs,
            (long long)sqlite3_column_int64(f, 14), bc);
    if (host)
        fprintf(o, "[%s: %s]", hsrc ? hsrc : "host", host);
    const char *risks = col(f, 21);
    if (risks && strcmp(risks, "[]") != 0)
        fprintf(o, "[risks: %s]", risks);
    fputc('\n', o);
}

static void usage(FILE *o)
{
    fprintf(o, "usage: meetaudit flows [--json] [--service S] [--rules DIR] "
               "[EVIDENCE.db]\n"
               "  S is zoom, meet, webex or teams (party is null without "
               "it);\n"
               "  EVIDENCE.db defaults to ./evidence.db, as for analyze\n");
}

int rpt_cmd_flows(int argc, char **argv)
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
    while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
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
    char err[512];
    rpt_store *st = NULL;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "meetaudit: %s: cannot open evidence database\n",
                path);
        return 1;
    }
    fclose(probe);
    if (rpt_store_open_ro(path, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, err);
        return 1;
    }
    sqlite3 *db = rpt_store_db(st);
    sqlite3_stmt *q[Q_N] = { 0 };
    int ret = 0;
    attrib_ctx ax = { NULL, NULL };
    rule_services *set = NULL;
    rpt_service_view view;
    char rdir[PATH_MAX];
    rpt_rules_dir_of(rules, rdir, sizeof rdir);
    if (json) {
        ax.src = rpt_attrib_open(rdir, NULL, err, sizeof err);
        if (!ax.src) {
            fprintf(stderr, "meetaudit: %s\n", err);
            ret = 1;
            goto done;
        }
        if (service) {
            if (rpt_service_view_load(rdir, ax.src, service, &set, &view)) {
                fprintf(stderr, "meetaudit: unknown service '%s' (zoom, "
                        "meet, webex, teams)\n", service);
                ret = 2;
                goto done;
            }
            ax.view = &view;
        }
    }
    for (int i = 0; i < Q_N; i++)
        if (sqlite3_prepare_v2(db, QSQL[i], -1, &q[i], NULL) != SQLITE_OK) {
            fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
            ret = 1;
            goto done;
        }
    int rc;
    while ((rc = sqlite3_step(q[Q_FLOWS])) == SQLITE_ROW) {
        if (json)
            emit_json(stdout, q, &ax);
        else
            emit_table_row(stdout, q[Q_FLOWS]);
    }
    if (rc != SQLITE_DONE) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, sqlite3_errmsg(db));
        ret = 1;
    }
done:
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(q[i]);
    rpt_attrib_free(ax.src);
    rule_services_free(set);
    rpt_store_close(st);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
}
