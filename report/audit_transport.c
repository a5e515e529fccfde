/* audit_transport.c - transport findings: TLS below a claimed minimum
 * (RFC 8446 s.4.1.2 / RFC 5246 s.7.4.1.2 versions), cleartext HTTP or
 * payload where a claim forbids cleartext, expired / not yet valid /
 * name-mismatched certificates (RFC 5280 s.4.1.2.5, RFC 6125) and weak
 * cipher suites (NULL, EXPORT, anon, RC4, DES/3DES, MD5 MACs: RFC 7465,
 * RFC 8996 context).
 *
 * Invariants
 * ----------
 * - The TLS version of a flow is the negotiated one (ServerHello) when
 *   seen, else the highest the client offered (supported_versions, else
 *   the ClientHello version): a flow cannot negotiate above what its
 *   client offered.
 * - First-party and support flows are held against the applicable
 *   transport claims (contradicted, high).  On other flows no claim of
 *   the service covers the server, so the facts are "observed" - with one
 *   exception: when the client itself offered nothing at or above a
 *   claimed minimum, the client software broke the claim whoever the
 *   server is (contradicted; the reason says which).  Local flows raise
 *   nothing.
 * - One finding per (subtype, claim, counterparty): finding_key
 *   "transport|<subtype>|<claim id or ->|<counterparty>".
 */
#define _DEFAULT_SOURCE
#include "audit_int.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tls_code(const char *v)
{
    if (!v)
        return 0;
    if (!strcmp(v, "SSLv3"))
        return 0x0300;
    if (!strncmp(v, "TLSv1.", 6) && v[6] >= '0' && v[6] <= '3' && !v[7])
        return 0x0301u + (unsigned)(v[6] - '0');
    return 0;
}

static const char *tls_text(unsigned c)
{
    static const char *const T[] = { "1.0", "1.1", "1.2", "1.3" };
    if (c == 0x0300)
        return "SSL 3.0";
    return c >= 0x0301 && c <= 0x0304 ? T[c - 0x0301] : "?";
}

/* Highest TLS version named in a JSON array text like ["TLSv1.3",...]. */
static unsigned max_in_list(const char *s)
{
    unsigned best = 0;
    for (const char *p = s ? strstr(s, "TLSv1.") : NULL; p;
         p = strstr(p + 1, "TLSv1.")) {
        char b[8] = "TLSv1.x";
        b[6] = p[6];
        unsigned c = tls_code(b);
        if (c > best)
            best = c;
    }
    return best;
}

static int weak_cipher(const char *c)
{
    static const char *const W[] = { "NULL", "EXPORT", "anon", "RC4",
                                     "_DES_", "3DES", "DES40", "DES_CBC" };
    if (!c)
        return 0;
    for (size_t i = 0; i < sizeof(W) / sizeof(W[0]); i++)
        if (strstr(c, W[i]))
            return 1;
    size_t n = strlen(c);
    return n > 4 && !strcmp(c + n - 4, "_MD5");
}

typedef struct fact {
    const char *subtype;
    const rule_claim *claim; /* NULL: observed */
    int verdict;
    const char *severity;
    char what[384];          /* the fact, for the reason */
    char detail[384];        /* JSON object text */
    int client_side;         /* broken by the client's own offer */
} fact;

static int record(au_run *r, const au_flow *fl, const fact *x)
{
    char key[640];
    snprintf(key, sizeof(key), "transport|%s|%s|%s", x->subtype,
             x->claim ? rule_claim_id(x->claim) : "-", fl->ckey);
    int created;
    au_finding *f = au_finding_get(r, key, &created);
    if (!f)
        return -1;
    if (created) {
        au_finding_set(f, "transport", x->subtype, x->verdict, x->severity);
        f->claim = x->claim;
        f->org_id = au_strdup(r, fl->org_id);
        f->org = au_strdup(r, fl->org);
        f->parent_org = au_strdup(r, fl->parent_org);
        f->ckey = au_strdup(r, fl->ckey);
        f->party = rpt_party_name(fl->party[r->svc_idx]);
        memcpy(f->country, fl->country, 3);
        f->detail = au_strdup(r, x->detail);
        char reason[1024];
        const char *who = fl->org[0] ? fl->org : fl->ckey;
        if (x->claim && x->client_side)
            snprintf(reason, sizeof(reason),
                     "%s (%s party): %s; the client's own offer breaks "
                     "claim %s whoever the server is (%s).",
                     who, f->party, x->what, rule_claim_id(x->claim),
                     au_seen_text(r, fl->ckey));
        else if (x->claim)
            snprintf(reason, sizeof(reason),
                     "%s (%s party): %s, which breaks claim %s.", who,
                     f->party, x->what, rule_claim_id(x->claim));
        else
            snprintf(reason, sizeof(reason),
                     "%s (%s party): %s; no claim of the service covers "
                     "this server.",
                     who, f->party, x->what);
        f->reason = au_strdup(r, reason);
        if (r->oom)
            return -1;
    }
    return au_finding_add_flow(r, f, fl);
}

static const rule_claim *first_transport_claim(const au_run *r)
{
    for (size_t i = 0; i < r->n_claims; i++)
        if (rule_claim_assert(r->claims[i]) == RULE_ASSERT_TRANSPORT)
            return r->claims[i];
    return NULL;
}

static int check_tls(au_run *r, const au_flow *fl, int own,
                     sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, fl->id);
    if (sqlite3_step(q) != SQLITE_ROW)
        return 0;
    unsigned neg = tls_code((const char *)sqlite3_column_text(q, 0));
    unsigned offered =
        max_in_list((const char *)sqlite3_column_text(q, 2));
    if (!offered)
        offered = tls_code((const char *)sqlite3_column_text(q, 1));
    const char *cipher = (const char *)sqlite3_column_text(q, 3);
    int has_valid = sqlite3_column_type(q, 4) != SQLITE_NULL;
    int valid = sqlite3_column_int(q, 4);
    int has_match = sqlite3_column_type(q, 5) != SQLITE_NULL;
    int match = sqlite3_column_int(q, 5);
    const char *not_before = (const char *)sqlite3_column_text(q, 6);
    int64_t cert_ts = sqlite3_column_int64(q, 7);
    const char *sni = (const char *)sqlite3_column_text(q, 8);
    /* No SNI, or an IP literal as SNI (RFC 6066 s.3 forbids it): there is
     * no host name the certificate could be checked against. */
    if (!sni || !*sni || rpt_name_is_ip_literal(sni))
        has_match = 0;
    unsigned ver = neg ? neg : offered;
    fact x;
    for (size_t i = 0; ver && i < r->n_claims; i++) {
        const rule_claim *c = r->claims[i];
        unsigned min = rule_claim_assert(c) == RULE_ASSERT_TRANSPORT
                           ? rule_claim_min_tls(c)
                           : 0;
        if (!min || ver >= min)
            continue;
        memset(&x, 0, sizeof(x));
        x.subtype = "tls_below_min";
        int by_client = offered && offered < min;
        if (own || by_client) {
            x.client_side = !own;
            x.claim = c;
            x.verdict = RPT_V_CONTRADICTED;
            x.severity = "high";
        } else {
            x.verdict = RPT_V_OBSERVED;
            x.severity = "medium";
        }
        if (neg)
            snprintf(x.what, sizeof(x.what),
                     "TLS %s negotiated, below the claimed minimum TLS %s",
                     tls_text(neg), tls_text(min));
        else
            snprintf(x.what, sizeof(x.what),
                     "the client offered at most TLS %s (no ServerHello "
                     "seen), below the claimed minimum TLS %s",
                     tls_text(offered), tls_text(min));
        snprintf(x.detail, sizeof(x.detail),
                 "{\"negotiated\":%s%s%s,\"client_max\":\"%s\","
                 "\"min_tls\":\"%s\"}",
                 neg ? "\"" : "", neg ? tls_text(neg) : "null",
                 neg ? "\"" : "", offered ? tls_text(offered) : "",
                 tls_text(min));
        if (!x.claim) {
            if (record(r, fl, &x) != 0)
                return -1;
            break; /* one observed fact is enough */
        }
        if (record(r, fl, &x) != 0)
            return -1;
    }
    const rule_claim *tc = own ? first_transport_claim(r) : NULL;
    const char *sub[3] = { NULL, NULL, NULL };
    char what[3][160];
    if (has_valid && !valid) {
        int early = 0;
        if (not_before && cert_ts > 0) {
            char ts[48];
            rpt_fmt_ts(cert_ts, ts, sizeof(ts));
            early = strncmp(ts, not_before, 19) < 0;
        }
        sub[0] = early ? "cert_not_yet_valid" : "cert_expired";
        snprintf(what[0], sizeof(what[0]), "the server certificate was %s "
                 "at capture time", early ? "not yet valid" : "expired");
    }
    if (has_match && !match) {
        sub[1] = "cert_name_mismatch";
        snprintf(what[1], sizeof(what[1]),
                 "the server certificate does not cover the name asked for");
    }
    if (weak_cipher(cipher)) {
        sub[2] = "weak_cipher";
        snprintf(what[2], sizeof(what[2]), "weak cipher suite %s", cipher);
    }
    for (int k = 0; k < 3; k++) {
        if (!sub[k])
            continue;
        memset(&x, 0, sizeof(x));
        x.subtype = sub[k];
        x.claim = tc;
        x.verdict = tc ? RPT_V_CONTRADICTED : RPT_V_OBSERVED;
        x.severity = tc ? "high" : own ? "medium" : "low";
        snprintf(x.what, sizeof(x.what), "%.300s", what[k]);
        snprintf(x.detail, sizeof(x.detail), "{\"cipher\":%s%s%s}",
                 cipher ? "\"" : "", cipher ? cipher : "null",
                 cipher ? "\"" : "");
        if (record(r, fl, &x) != 0)
            return -1;
    }
    return 0;
}

/* 1 when b looks like readable text: at least AU_TEXT_MIN bytes, three
 * quarters of them printable ASCII or blanks.  Binary payload may be
 * encrypted by the application itself, so it is not called cleartext. */
#define AU_TEXT_MIN 8
static int readable(const uint8_t *b, size_t n)
{
    size_t pr = 0;
    if (!b || n < AU_TEXT_MIN)
        return 0;
    for (size_t i = 0; i < n; i++)
        pr += (b[i] >= 0x20 && b[i] < 0x7f) || b[i] == '\t' ||
              b[i] == '\r' || b[i] == '\n';
    return pr * 4 >= n * 3;
}

/* Cleartext: HTTP requests, or readable payload rows of the cleartext
 * table (not for media and its set-up - STUN, RTP, RTCP, SRTP, DTLS -
 * whose headers are cleartext by design). */
static int check_clear(au_run *r, const au_flow *fl, int own,
                       sqlite3_stmt *qh, sqlite3_stmt *qc)
{
    int64_t n_http = 0, n_payload = 0;
    sqlite3_reset(qh);
    sqlite3_bind_int64(qh, 1, fl->id);
    if (sqlite3_step(qh) == SQLITE_ROW)
        n_http = sqlite3_column_int64(qh, 0);
    if (qc && !rpt_ndpi_is_media(fl->app, fl->master)) {
        sqlite3_reset(qc);
        sqlite3_bind_int64(qc, 1, fl->id);
        while (sqlite3_step(qc) == SQLITE_ROW)
            n_payload += readable(sqlite3_column_blob(qc, 0),
                                  (size_t)sqlite3_column_bytes(qc, 0));
    }
    if (!n_http && !n_payload)
        return 0;
    fact x;
    memset(&x, 0, sizeof(x));
    x.subtype = "cleartext";
    snprintf(x.what, sizeof(x.what),
             n_http ? "%lld cleartext HTTP request(s) were sent"
                    : "readable cleartext payload was sent (%lld row(s))",
             (long long)(n_http ? n_http : n_payload));
    snprintf(x.detail, sizeof(x.detail),
             "{\"http_requests\":%lld,\"payload_rows\":%lld}",
             (long long)n_http, (long long)n_payload);
    int any = 0;
    for (size_t i = 0; own && i < r->n_claims; i++) {
        const rule_claim *c = r->claims[i];
        if (rule_claim_assert(c) != RULE_ASSERT_TRANSPORT ||
            rule_claim_cleartext(c) != RULE_CLEARTEXT_FORBIDDEN)
            continue;
        x.claim = c;
        x.verdict = RPT_V_CONTRADICTED;
        x.severity = "high";
        if (record(r, fl, &x) != 0)
            return -1;
        any = 1;
    }
    if (!any) {
        x.claim = NULL;
        x.verdict = RPT_V_OBSERVED;
        x.severity = "medium";
        if (record(r, fl, &x) != 0)
            return -1;
    }
    return 0;
}

int au_check_transport(au_run *r)
{
    sqlite3_stmt *qt = NULL, *qh = NULL, *qc = NULL;
    int ret = -1;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT version, client_version, client_versions, "
                           "cipher, cert_valid_at_capture, sni_matches_cert, "
                           "(SELECT not_before FROM tls_certs c WHERE "
                           "c.flow_id = t.flow_id AND c.idx = 0), cert_ts_us, "
                           "sni FROM tls t WHERE flow_id = ?1",
                           -1, &qt, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "SELECT count(*) FROM http WHERE flow_id = ?1 "
                           "AND method IS NOT NULL",
                           -1, &qh, NULL) != SQLITE_OK)
        goto done;
    if (r->have_cleartext &&
        sqlite3_prepare_v2(r->db,
                           "SELECT data FROM cleartext WHERE flow_id = ?1 "
                           "AND kind = 'payload' AND dir = 0",
                           -1, &qc, NULL) != SQLITE_OK)
        qc = NULL;
    for (size_t i = 0; i < r->n_flows; i++) {
        const au_flow *fl = &r->flows[i];
        int p = fl->party[r->svc_idx];
        if (!fl->counted || p == RPT_PARTY_LOCAL)
            continue;
        int own = p == RPT_PARTY_FIRST || p == RPT_PARTY_SUPPORT;
        if (check_tls(r, fl, own, qt) != 0 ||
            check_clear(r, fl, own, qh, qc) != 0)
            goto done;
    }
    ret = r->oom ? -1 : 0;
done:
    sqlite3_finalize(qt);
    sqlite3_finalize(qh);
    sqlite3_finalize(qc);
    return ret;
}
