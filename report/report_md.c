/* report_md.c - the Markdown report (CommonMark with GFM tables).
 *
 * Invariants
 * ----------
 * - Every model string goes through md_text() (inline text and table
 *   cells: ASCII punctuation that could start markup is backslash-escaped,
 *   '|' included, control characters become spaces, bytes that are not
 *   UTF-8 become U+FFFD) or md_fence() (a fenced block whose fence is
 *   longer than any backtick run inside).  No raw HTML is ever emitted, so
 *   a host name cannot inject markup into a page that renders the file.
 * - The layout is fixed; only the model's content varies.
 */
#include "report_model.h"
#include "attrib.h"
#include "entities.h"

#include <stdlib.h>
#include <string.h>

void rpt_rep_md_text(FILE *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        if (*s < 0x20 || *s == 0x7f) {
            fputc(' ', o);
            s++;
            continue;
        }
        if (*s < 0x80) {
            if (strchr("\\`*_[]<>!|~&", *s))
                fputc('\\', o);
            fputc(*s++, o);
            continue;
        }
        int n = rpt_rep_utf8_len(s);
        if (n) {
            fwrite(s, 1, (size_t)n, o);
            s += n;
        } else {
            fputs("\xef\xbf\xbd", o);
            s++;
        }
    }
}

static void md(FILE *o, const char *s) { rpt_rep_md_text(o, s); }

/* A fenced code block holding s on one line. */
static void md_fence(FILE *o, const char *s)
{
    size_t run = 0, max = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > max)
            max = run;
    }
    size_t fl = max < 3 ? 3 : max + 1;
    for (size_t i = 0; i < fl; i++)
        fputc('`', o);
    fputs("text\n", o);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p < 0x20 || *p == 0x7f) {
            fputc(' ', o);
            p++;
        } else {
            int n = rpt_rep_utf8_len(p);
            if (n) {
                fwrite(p, 1, (size_t)n, o);
                p += n;
            } else {
                fputs("\xef\xbf\xbd", o);
                p++;
            }
        }
    }
    fputc('\n', o);
    for (size_t i = 0; i < fl; i++)
        fputc('`', o);
    fputs("\n\n", o);
}

static void md_or_dash(FILE *o, const char *s)
{
    if (s && *s)
        md(o, s);
    else
        fputc('-', o);
}

static void md_list(FILE *o, const rpt_strv *sv, size_t max)
{
    if (!sv->n)
        fputc('-', o);
    for (size_t i = 0; i < sv->n && i < max; i++) {
        if (i)
            fputs(", ", o);
        md(o, sv->v[i]);
    }
    if (sv->n > max)
        fprintf(o, ", ... (%zu in all)", sv->n);
}

static void md_cats(FILE *o, uint32_t mask)
{
    char b[512];
    rpt_categories_str(mask, b, sizeof(b));
    md_or_dash(o, b);
}

static void finding_md(FILE *o, const rpt_rep *r, const rpt_rep_finding *f)
{
    char b[64];
    const char *svc = r->service_name ? r->service_name : r->service;
    fprintf(o, "### Finding %lld: ", (long long)f->id);
    md(o, f->verdict);
    fputs(" - ", o);
    md(o, f->kind);
    if (f->subtype) {
        fputs(" (", o);
        md(o, f->subtype);
        fputs(")", o);
    }
    if (f->org) {
        fputs(", ", o);
        md(o, f->org);
    }
    fputs("\n\n", o);
    fputs("**Claim**: ", o);
    if (f->quote) {
        fputs("\"", o);
        md(o, f->quote);
        fputs("\"", o);
        fputs(" (", o);
        md(o, rpt_rep_status_label(f->claim_status));
        fputs(")  \nSource: ", o);
        md_or_dash(o, f->source);
        fputs("; document date: ", o);
        md_or_dash(o, f->doc_date);
        if (f->doc_url) {
            fputs("; ", o);
            md(o, f->doc_url);
        }
        if (f->claim_id) {
            fputs("; claim id ", o);
            md(o, f->claim_id);
        }
    } else {
        fputs("none: no statement of ", o);
        md(o, svc);
        fputs(" covers this", o);
    }
    fputs("\n\n**Verdict**: ", o);
    md(o, f->verdict);
    fputs(" (severity ", o);
    md(o, f->severity);
    fputs("). **Why**: ", o);
    md_or_dash(o, f->reason);
    fputs("\n\n", o);
    if (f->other_claims) {
        fputs("Opposing claims: ", o);
        md(o, f->other_claims);
        fputs("\n\n", o);
    }

    fputs("| evidence | |\n|---|---|\n| Organisation | ", o);
    md_or_dash(o, f->org);
    if (f->parent_org && (!f->org || strcmp(f->parent_org, f->org))) {
        fputs(" (", o);
        md(o, f->parent_org);
        fputs(")", o);
    }
    fputs(" |\n| Party, categories | ", o);
    md_or_dash(o, f->party);
    fputs("; ", o);
    md_or_dash(o, f->categories);
    fputs(" |\n| Host names | ", o);
    md_list(o, &f->hostnames, 50);
    fputs(" |\n| Country | ", o);
    md_or_dash(o, f->country);
    rpt_rep_bytes(f->bts, b, sizeof(b));
    fprintf(o, " |\n| Bytes to server | %s (%lld bytes) |\n", b,
            (long long)f->bts);
    fputs("| First / last time | ", o);
    if (f->have_first) {
        rpt_rep_ts(f->first_ts, b, sizeof(b));
        fputs(b, o);
    } else
        fputc('-', o);
    fputs(" / ", o);
    if (f->have_last) {
        rpt_rep_ts(f->last_ts, b, sizeof(b));
        fputs(b, o);
    } else
        fputc('-', o);
    fputs(" |\n| Attribution | ", o);
    md(o, rpt_rep_attribution_label(f->attribution));
    if (f->detail) {
        fputs(" |\n| Detail | ", o);
        md(o, f->detail);
    }
    fprintf(o, " |\n| Flows | %zu:", f->n_flow_ids);
    for (size_t i = 0; i < f->n_flow_ids && i < 50; i++)
        fprintf(o, " %lld", (long long)f->flow_ids[i]);
    if (f->n_flow_ids > 50)
        fputs(" ...", o);
    fputs(" |\n| Community IDs | ", o);
    md_list(o, &f->community_ids, 20);
    fputs(" |\n", o);
    for (size_t i = 0; i < f->n_ev; i++) {
        const rpt_rep_ev *e = &f->ev[i];
        char *fr = rpt_rep_frames(e->frames, e->n, 100);
        fputs("| Input ", o);
        md_or_dash(o, e->input_name);
        fputs(" | SHA-256 ", o);
        md_or_dash(o, e->input_sha256);
        fprintf(o, "; frames %s |\n", fr ? fr : "?");
        free(fr);
    }
    if (!f->n_ev)
        fputs("| Input | no evidence frames recorded |\n", o);
    int per_input = 0;
    for (size_t i = 0; i < f->n_ev; i++)
        if (f->ev[i].display_filter && f->ev[i].display_filter[0]) {
            fputs(per_input++ ? "" : "\n", o);
            fputs("Wireshark display filter for ", o);
            md_or_dash(o, f->ev[i].input_name);
            fputs(":\n\n", o);
            md_fence(o, f->ev[i].display_filter);
        }
    if (!per_input) {
        fputs("\nWireshark display filter:\n\n", o);
        md_fence(o, f->display_filter ? f->display_filter
                                      : "(none: no flow or host name)");
    }
}

static void manifest_md(FILE *o, const rpt_rep *r)
{
    char a[48], b[48];
    fputs("## Manifest\n\n| item | value |\n|---|---|\n", o);
    fputs("| meetaudit version (audit) | ", o);
    md_or_dash(o, r->meetaudit_version);
    fputs(" |\n| nDPI version | ", o);
    md_or_dash(o, r->ndpi_version);
    fprintf(o, " |\n| Audit run | %lld, ", (long long)r->run_id);
    md_or_dash(o, r->created_at);
    fputs(" |\n| Report generated | ", o);
    fputs(r->generated_at, o);
    fputs(" |\n| Service | ", o);
    md(o, r->service);
    fputs(" (", o);
    md_or_dash(o, r->service_how);
    fputs(") |\n| Evidence database | ", o);
    md(o, r->db_name);
    fputs(" |\n| Capture time range | ", o);
    if (r->have_range) {
        rpt_rep_ts(r->first_ts, a, sizeof(a));
        rpt_rep_ts(r->last_ts, b, sizeof(b));
        fprintf(o, "%s to %s", a, b);
    } else
        fputc('-', o);
    fputs(" |\n| Baseline | ", o);
    if (r->baseline_path) {
        md(o, r->baseline_path);
        fputs(", SHA-256 ", o);
        md_or_dash(o, r->baseline_sha256);
    } else
        fputs("none (everything is \"observed during the session\")", o);
    fputs(" |\n| Client addresses | ", o);
    for (size_t i = 0; i < r->n_clients; i++) {
        fputs(i ? ", " : "", o);
        md(o, r->clients[i].a);
        fputs(" (", o);
        md_or_dash(o, r->clients[i].b);
        fputs(")", o);
    }
    if (!r->n_clients)
        fputc('-', o);
    fputs(" |\n| Context labels | ", o);
    int nctx = 0;
    for (size_t i = 0; i < r->n_options; i++)
        if (r->options[i].a && !strcmp(r->options[i].a, "context")) {
            fputs(nctx++ ? ", " : "", o);
            md_or_dash(o, r->options[i].b);
            fputs("=", o);
            md_or_dash(o, r->options[i].c);
        }
    if (!nctx)
        fputc('-', o);
    fputs(" |\n| Attribution data | ", o);
    md_or_dash(o, r->attribution_status);
    fputs(" |\n\nInputs:\n\n| input | SHA-256 | packets | status | first "
          "| last |\n|---|---|---|---|---|---|\n", o);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const rpt_rep_input *in = &r->inputs[i];
        fputs("| ", o);
        md_or_dash(o, in->name);
        fputs(" | ", o);
        md_or_dash(o, in->sha256);
        fprintf(o, " | %lld | ", (long long)in->packets);
        md_or_dash(o, in->status);
        if (in->have_ts) {
            rpt_rep_ts(in->first_ts, a, sizeof(a));
            rpt_rep_ts(in->last_ts, b, sizeof(b));
            fprintf(o, " | %s | %s |\n", a, b);
        } else
            fputs(" | - | - |\n", o);
    }
    fputs("\nRules files:\n\n| file | SHA-256 |\n|---|---|\n", o);
    for (size_t i = 0; i < r->n_rules; i++) {
        fputs("| ", o);
        md_or_dash(o, r->rules[i].a);
        fputs(" | ", o);
        md_or_dash(o, r->rules[i].b);
        fputs(" |\n", o);
    }
    fputc('\n', o);
}

int rpt_rep_md(const rpt_rep *r, FILE *o)
{
    char b[64], c[64];
    const char *svc = r->service_name ? r->service_name : r->service;
    fputs("# ", o);
    md(o, svc);
    fputs(" audit report\n\n", o);
    md(o, r->summary);
    fputs("\n\n", o);
    for (size_t i = 0; i < r->summary_points.n; i++) {
        fputs("- ", o);
        md(o, r->summary_points.v[i]);
        fputc('\n', o);
    }
    if (r->summary_points.n)
        fputc('\n', o);

    fputs("## Findings\n\n", o);
    if (!r->n_findings)
        fputs("No findings.\n\n", o);
    else {
        fputs("| # | verdict | severity | kind | organisation | why |\n"
              "|---|---|---|---|---|---|\n", o);
        for (size_t i = 0; i < r->n_findings; i++) {
            const rpt_rep_finding *f = &r->findings[i];
            fprintf(o, "| %lld | ", (long long)f->id);
            md_or_dash(o, f->verdict);
            fputs(" | ", o);
            md_or_dash(o, f->severity);
            fputs(" | ", o);
            md_or_dash(o, f->kind);
            fputs(" | ", o);
            md_or_dash(o, f->org);
            fputs(" | ", o);
            md_or_dash(o, f->reason);
            fputs(" |\n", o);
        }
        fputc('\n', o);
    }
    for (size_t i = 0; i < r->n_findings; i++)
        finding_md(o, r, &r->findings[i]);

    fputs("## Endpoints by party\n\n| party | organisation | categories | "
          "host names | flows | bytes sent | bytes received | first | last "
          "| countries |\n|---|---|---|---|---|---|---|---|---|---|\n", o);
    for (size_t i = 0; i < r->n_eps; i++) {
        const rpt_rep_ep *e = &r->eps[i];
        fputs("| ", o);
        md(o, rpt_rep_party_label(e->party));
        fputs(" | ", o);
        md(o, e->label);
        fputs(" | ", o);
        md_cats(o, e->categories);
        fputs(" | ", o);
        md_list(o, &e->hostnames, 10);
        rpt_rep_bytes(e->bts, b, sizeof(b));
        rpt_rep_bytes(e->btc, c, sizeof(c));
        fprintf(o, " | %lld | %s | %s | ", (long long)e->flows, b, c);
        rpt_rep_ts(e->first_ts, b, sizeof(b));
        rpt_rep_ts(e->last_ts, c, sizeof(c));
        fprintf(o, "%s | %s | ", b, c);
        md_list(o, &e->countries, 10);
        fputs(" |\n", o);
    }
    fputc('\n', o);

    fputs("## TLS posture\n\n| transport | version | cipher | flows | "
          "host names |\n|---|---|---|---|---|\n", o);
    for (size_t i = 0; i < r->n_tls; i++) {
        const rpt_rep_tls *t = &r->tls[i];
        fputs("| ", o);
        md(o, t->transport);
        fputs(" | ", o);
        md(o, t->version);
        fputs(" | ", o);
        md(o, t->cipher);
        fprintf(o, " | %lld | ", (long long)t->flows);
        md_list(o, &t->hosts, 8);
        fputs(" |\n", o);
    }
    fputs("\nCertificate issues:", o);
    if (!r->n_certs)
        fputs(" none seen.\n\n", o);
    else {
        fputs("\n\n| host | issue | subject | issuer | not after | input "
              "| frame | flow |\n|---|---|---|---|---|---|---|---|\n", o);
        for (size_t i = 0; i < r->n_certs; i++) {
            const rpt_rep_cert *ce = &r->certs[i];
            const char *cols[] = { ce->host,     ce->issue,
                                   ce->subject,  ce->issuer,
                                   ce->not_after, ce->input_name };
            for (size_t k = 0; k < 6; k++) {
                fputs("| ", o);
                md_or_dash(o, cols[k]);
                fputc(' ', o);
            }
            fprintf(o, "| %lld | %lld |\n", (long long)ce->frame,
                    (long long)ce->flow_id);
        }
        fputc('\n', o);
    }

    fputs("## Countries\n\n", o);
    if (!r->have_country_data)
        fputs("Country data is not installed (`make data`): server "
              "countries are unknown.\n\n", o);
    else {
        fputs("| country | flows | bytes sent | organisations |\n"
              "|---|---|---|---|\n", o);
        for (size_t i = 0; i < r->n_countries; i++) {
            const rpt_rep_country *k = &r->countries[i];
            rpt_rep_bytes(k->bts, b, sizeof(b));
            fputs("| ", o);
            md(o, k->cc);
            fprintf(o, " | %lld | %s | ", (long long)k->flows, b);
            md_list(o, &k->orgs, 10);
            fputs(" |\n", o);
        }
        fputc('\n', o);
    }

    if (r->have_capture_stats) {
        fputs("## Kernel drops\n\nDrops are evidence: packets the kernel "
              "dropped were never analysed.\n\n| input | interface | "
              "captured | received by filter | dropped by kernel | dropped "
              "by interface |\n|---|---|---|---|---|---|\n", o);
        for (size_t i = 0; i < r->n_drops; i++) {
            const rpt_rep_drop *d = &r->drops[i];
            fputs("| ", o);
            md_or_dash(o, d->input_name);
            fputs(" | ", o);
            md_or_dash(o, d->interface);
            fprintf(o, " | %lld | %lld | %lld | %lld |\n",
                    (long long)d->captured, (long long)d->recv,
                    (long long)d->drop, (long long)d->ifdrop);
        }
        fputc('\n', o);
    }
    manifest_md(o, r);
    return ferror(o) ? -1 : 0;
}
