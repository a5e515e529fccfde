/* report_csv.c - the CSV report tables (RFC 4180), one table per call:
 * findings (one row per finding), evidence (one row per frame), endpoints,
 * tls, certificates, countries, drops, manifest.
 *
 * Invariants
 * ----------
 * - Records end in CRLF (RFC 4180 2.1); a text cell is quoted when it
 *   holds '"', ',', CR or LF or starts/ends with a space, with '"'
 *   doubled (2.5-2.7).
 * - Formula injection: a text cell starting with '=', '+', '-', '@', TAB
 *   or CR gets a leading apostrophe, so spreadsheets show it as text
 *   (OWASP "CSV Injection").  Numbers are written by us as digits only and
 *   never prefixed.
 * - Control characters other than TAB, CR, LF become spaces; bytes that
 *   are not UTF-8 become U+FFFD.
 */
#include "report_model.h"
#include "attrib.h"
#include "entities.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

const char *const RPT_REP_CSV_TABLES[] = { "findings",  "evidence",
                                           "endpoints", "tls",
                                           "certificates", "countries",
                                           "drops",     "manifest", NULL };

void rpt_rep_csv_cell(FILE *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)s);
    int formula = strchr("=+-@\t\r", s[0]) && s[0];
    int quote = formula || (n && (s[0] == ' ' || s[n - 1] == ' '));
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == '"' || s[i] == ',' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', o);
    if (formula)
        fputc('\'', o);
    while (*s) {
        if (*s == '"') {
            fputs("\"\"", o);
            s++;
        } else if (*s == '\t' || *s == '\r' || *s == '\n') {
            fputc(*s++, o);
        } else if (*s < 0x20 || *s == 0x7f) {
            fputc(' ', o);
            s++;
        } else {
            int k = rpt_rep_utf8_len(s);
            if (k) {
                fwrite(s, 1, (size_t)k, o);
                s += k;
            } else {
                fputs("\xef\xbf\xbd", o);
                s++;
            }
        }
    }
    if (quote)
        fputc('"', o);
}

static void c_txt(FILE *o, const char *s, int last)
{
    rpt_rep_csv_cell(o, s);
    fputs(last ? "\r\n" : ",", o);
}

static void c_int(FILE *o, int64_t v, int last)
{
    fprintf(o, "%lld%s", (long long)v, last ? "\r\n" : ",");
}

static void c_ts(FILE *o, int have, int64_t us, int last)
{
    char b[48] = "";
    if (have)
        rpt_fmt_ts(us, b, sizeof(b));
    c_txt(o, b, last);
}

static void c_strv(FILE *o, const rpt_strv *sv, const char *sep, int last)
{
    size_t len = 1;
    for (size_t i = 0; i < sv->n; i++)
        len += strlen(sv->v[i]) + strlen(sep);
    char *b = malloc(len);
    if (!b) {
        c_txt(o, "", last);
        return;
    }
    b[0] = 0;
    size_t off = 0;
    for (size_t i = 0; i < sv->n; i++)
        off += (size_t)snprintf(b + off, len - off, "%s%s", i ? sep : "",
                                sv->v[i]);
    c_txt(o, b, last);
    free(b);
}

static void findings_csv(const rpt_rep *r, FILE *o)
{
    fputs("finding_id,kind,subtype,verdict,severity,scope,attribution,"
          "org,org_id,party,categories,hostnames,country,bytes_toserver,"
          "bytes_toclient,first_ts,last_ts,flows,claim_id,quote,"
          "claim_status,source,doc_date,reason,display_filter,"
          "community_ids,evidence\r\n", o);
    for (size_t i = 0; i < r->n_findings; i++) {
        const rpt_rep_finding *f = &r->findings[i];
        c_int(o, f->id, 0);
        c_txt(o, f->kind, 0);
        c_txt(o, f->subtype, 0);
        c_txt(o, f->verdict, 0);
        c_txt(o, f->severity, 0);
        c_txt(o, f->scope, 0);
        c_txt(o, f->attribution, 0);
        c_txt(o, f->org, 0);
        c_txt(o, f->org_id, 0);
        c_txt(o, f->party, 0);
        c_txt(o, f->categories, 0);
        c_strv(o, &f->hostnames, " ", 0);
        c_txt(o, f->country, 0);
        c_int(o, f->bts, 0);
        c_int(o, f->btc, 0);
        c_ts(o, f->have_first, f->first_ts, 0);
        c_ts(o, f->have_last, f->last_ts, 0);
        c_int(o, (int64_t)f->n_flow_ids, 0);
        c_txt(o, f->claim_id, 0);
        c_txt(o, f->quote, 0);
        c_txt(o, f->claim_status, 0);
        c_txt(o, f->source, 0);
        c_txt(o, f->doc_date, 0);
        c_txt(o, f->reason, 0);
        c_txt(o, f->display_filter, 0);
        c_strv(o, &f->community_ids, " ", 0);
        /* evidence: "sha256:frames; ..." */
        size_t len = 1;
        char **fr = calloc(f->n_ev ? f->n_ev : 1, sizeof(*fr));
        for (size_t k = 0; fr && k < f->n_ev; k++) {
            fr[k] = rpt_rep_frames(f->ev[k].frames, f->ev[k].n, 1000);
            len += (f->ev[k].input_sha256 ? strlen(f->ev[k].input_sha256)
                                          : 0) +
                   (fr[k] ? strlen(fr[k]) : 0) + 4;
        }
        char *b = fr ? malloc(len) : NULL;
        size_t off = 0;
        if (b)
            b[0] = 0;
        for (size_t k = 0; b && k < f->n_ev; k++)
            off += (size_t)snprintf(b + off, len - off, "%s%s:%s",
                                    k ? "; " : "",
                                    f->ev[k].input_sha256
                                        ? f->ev[k].input_sha256
                                        : "",
                                    fr[k] ? fr[k] : "");
        c_txt(o, b ? b : "", 1);
        free(b);
        for (size_t k = 0; fr && k < f->n_ev; k++)
            free(fr[k]);
        free(fr);
    }
}

static void evidence_csv(const rpt_rep *r, FILE *o)
{
    fputs("finding_id,input,input_sha256,frame\r\n", o);
    for (size_t i = 0; i < r->n_findings; i++) {
        const rpt_rep_finding *f = &r->findings[i];
        for (size_t k = 0; k < f->n_ev; k++)
            for (size_t m = 0; m < f->ev[k].n; m++) {
                c_int(o, f->id, 0);
                c_txt(o, f->ev[k].input_name, 0);
                c_txt(o, f->ev[k].input_sha256, 0);
                c_int(o, f->ev[k].frames[m], 1);
            }
    }
}

static void endpoints_csv(const rpt_rep *r, FILE *o)
{
    fputs("party,org,org_id,label,categories,hostnames,countries,flows,"
          "bytes_toserver,bytes_toclient,first_ts,last_ts\r\n", o);
    for (size_t i = 0; i < r->n_eps; i++) {
        const rpt_rep_ep *e = &r->eps[i];
        char cats[512];
        rpt_categories_str(e->categories, cats, sizeof(cats));
        c_txt(o, rpt_party_name(e->party), 0);
        c_txt(o, e->org, 0);
        c_txt(o, e->org_id, 0);
        c_txt(o, e->label, 0);
        c_txt(o, cats, 0);
        c_strv(o, &e->hostnames, " ", 0);
        c_strv(o, &e->countries, " ", 0);
        c_int(o, e->flows, 0);
        c_int(o, e->bts, 0);
        c_int(o, e->btc, 0);
        c_ts(o, 1, e->first_ts, 0);
        c_ts(o, 1, e->last_ts, 1);
    }
}

static void manifest_csv(const rpt_rep *r, FILE *o)
{
    char b[64];
    fputs("item,name,value\r\n", o);
    const char *kv[][2] = {
        { "meetaudit_version", r->meetaudit_version },
        { "ndpi_version", r->ndpi_version },
        { "audit_created_at", r->created_at },
        { "generated_at", r->generated_at },
        { "service", r->service },
        { "evidence_db", r->db_name },
        { "baseline", r->baseline_path },
        { "baseline_sha256", r->baseline_sha256 },
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        c_txt(o, kv[i][0], 0);
        c_txt(o, "", 0);
        c_txt(o, kv[i][1], 1);
    }
    snprintf(b, sizeof(b), "%lld", (long long)r->run_id);
    c_txt(o, "run_id", 0);
    c_txt(o, "", 0);
    c_txt(o, b, 1);
    for (size_t i = 0; i < r->n_inputs; i++) {
        c_txt(o, "input", 0);
        c_txt(o, r->inputs[i].name, 0);
        c_txt(o, r->inputs[i].sha256, 1);
    }
    for (size_t i = 0; i < r->n_rules; i++) {
        c_txt(o, "rules_file", 0);
        c_txt(o, r->rules[i].a, 0);
        c_txt(o, r->rules[i].b, 1);
    }
    for (size_t i = 0; i < r->n_options; i++) {
        c_txt(o, r->options[i].a, 0);
        c_txt(o, r->options[i].b, 0);
        c_txt(o, r->options[i].c, 1);
    }
    for (size_t i = 0; i < r->n_clients; i++) {
        c_txt(o, "client", 0);
        c_txt(o, r->clients[i].a, 0);
        c_txt(o, r->clients[i].b, 1);
    }
    c_txt(o, "capture_first_ts", 0);
    c_txt(o, "", 0);
    c_ts(o, r->have_range, r->first_ts, 1);
    c_txt(o, "capture_last_ts", 0);
    c_txt(o, "", 0);
    c_ts(o, r->have_range, r->last_ts, 1);
}

int rpt_rep_csv(const rpt_rep *r, const char *table, FILE *o)
{
    if (!strcmp(table, "findings"))
        findings_csv(r, o);
    else if (!strcmp(table, "evidence"))
        evidence_csv(r, o);
    else if (!strcmp(table, "endpoints"))
        endpoints_csv(r, o);
    else if (!strcmp(table, "tls")) {
        fputs("transport,version,cipher,flows,hostnames\r\n", o);
        for (size_t i = 0; i < r->n_tls; i++) {
            c_txt(o, r->tls[i].transport, 0);
            c_txt(o, r->tls[i].version, 0);
            c_txt(o, r->tls[i].cipher, 0);
            c_int(o, r->tls[i].flows, 0);
            c_strv(o, &r->tls[i].hosts, " ", 1);
        }
    } else if (!strcmp(table, "certificates")) {
        fputs("flow_id,hostname,issue,subject,issuer,not_after,input,"
              "frame\r\n", o);
        for (size_t i = 0; i < r->n_certs; i++) {
            const rpt_rep_cert *c = &r->certs[i];
            c_int(o, c->flow_id, 0);
            c_txt(o, c->host, 0);
            c_txt(o, c->issue, 0);
            c_txt(o, c->subject, 0);
            c_txt(o, c->issuer, 0);
            c_txt(o, c->not_after, 0);
            c_txt(o, c->input_name, 0);
            c_int(o, c->frame, 1);
        }
    } else if (!strcmp(table, "countries")) {
        fputs("country,flows,bytes_toserver,organisations\r\n", o);
        for (size_t i = 0; i < r->n_countries; i++) {
            c_txt(o, r->countries[i].cc, 0);
            c_int(o, r->countries[i].flows, 0);
            c_int(o, r->countries[i].bts, 0);
            c_strv(o, &r->countries[i].orgs, "; ", 1);
        }
    } else if (!strcmp(table, "drops")) {
        fputs("input,interface,captured,ps_recv,ps_drop,ps_ifdrop\r\n", o);
        for (size_t i = 0; i < r->n_drops; i++) {
            const rpt_rep_drop *d = &r->drops[i];
            c_txt(o, d->input_name, 0);
            c_txt(o, d->interface, 0);
            c_int(o, d->captured, 0);
            c_int(o, d->recv, 0);
            c_int(o, d->drop, 0);
            c_int(o, d->ifdrop, 1);
        }
    } else if (!strcmp(table, "manifest"))
        manifest_csv(r, o);
    else
        return -1;
    return ferror(o) ? -1 : 0;
}
