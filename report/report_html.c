/* report_html.c - the HTML report: one self-contained HTML5 file, inline
 * CSS, inline SVG charts (report_svg.c) and a few lines of our own script
 * that sort tables.  No network fetch, no external resource.
 *
 * Invariants
 * ----------
 * - Every model string is written through rpt_rep_html_text(), which
 *   escapes & < > " ' (so it is safe both as element content and inside
 *   double-quoted attribute values), turns control characters into spaces
 *   and bytes that are not UTF-8 into U+FFFD.  No model string is ever
 *   written into the script, a style, an unquoted attribute or a URL
 *   (except doc_url, only when it starts with "https://" or "http://",
 *   escaped, as an href).
 * - A Content-Security-Policy meta element allows only our script, by its
 *   SHA-256 (computed here with OpenSSL), inline styles and data: images:
 *   even if a string escaped the escaping, no injected script would run
 *   and nothing could be fetched.
 * - The script reads table cells (textContent, data-v numbers we wrote)
 *   and reorders rows; it never builds HTML.
 */
#include "report_model.h"
#include "attrib.h"
#include "entities.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void rpt_rep_html_text(FILE *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        switch (*s) {
        case '&': fputs("&amp;", o); s++; continue;
        case '<': fputs("&lt;", o); s++; continue;
        case '>': fputs("&gt;", o); s++; continue;
        case '"': fputs("&quot;", o); s++; continue;
        case '\'': fputs("&#39;", o); s++; continue;
        default: break;
        }
        if (*s < 0x20 || *s == 0x7f) {
            fputc(' ', o);
            s++;
            continue;
        }
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

static void h(FILE *o, const char *s) { rpt_rep_html_text(o, s); }

static void hd(FILE *o, const char *s)
{
    if (s && *s)
        h(o, s);
    else
        fputs("-", o);
}

static const char SCRIPT[] =
    "(function(){\n"
    "function key(td){var v=td.getAttribute('data-v');"
    "if(v!==null&&v!==''&&!isNaN(v))return Number(v);"
    "return td.textContent.toLowerCase();}\n"
    "var hs=document.querySelectorAll('table.sortable th');\n"
    "Array.prototype.forEach.call(hs,function(th){\n"
    " th.addEventListener('click',function(){\n"
    "  var t=th.closest('table'),b=t.tBodies[0],"
    "i=Array.prototype.indexOf.call(th.parentNode.children,th),"
    "asc=th.getAttribute('aria-sort')!=='ascending';\n"
    "  Array.prototype.forEach.call(t.querySelectorAll('th'),"
    "function(x){x.removeAttribute('aria-sort');});\n"
    "  th.setAttribute('aria-sort',asc?'ascending':'descending');\n"
    "  var rows=Array.prototype.slice.call(b.rows);\n"
    "  rows.sort(function(x,y){var p=key(x.cells[i]),q=key(y.cells[i]),"
    "c=(typeof p==='number'&&typeof q==='number')?p-q:"
    "(p<q?-1:p>q?1:0);return asc?c:-c;});\n"
    "  rows.forEach(function(r){b.appendChild(r);});\n"
    " });\n"
    "});\n"
    "document.documentElement.setAttribute('data-sortable','ready');\n"
    "})();\n";

static const char STYLE[] =
    "body{font-family:sans-serif;max-width:1100px;margin:1em auto;"
    "padding:0 1em;color:#1a202c;line-height:1.4}"
    "table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:13px}"
    "th,td{border:1px solid #cbd5e0;padding:3px 6px;text-align:left;"
    "vertical-align:top}"
    "th{background:#edf2f7}table.sortable th{cursor:pointer}"
    "th[aria-sort=ascending]::after{content:' \\25B2'}"
    "th[aria-sort=descending]::after{content:' \\25BC'}"
    "td.n{text-align:right}td.t,td.n{white-space:nowrap}"
    "code,pre{font-size:12px;background:#f7fafc}"
    "pre{white-space:pre-wrap;word-break:break-all;padding:4px}"
    ".summary{font-size:1.1em;background:#fffbea;padding:.6em;"
    "border-left:4px solid #d69e2e}"
    ".finding{border-top:1px solid #cbd5e0;margin-top:1em}"
    ".v-contradicted{color:#c53030;font-weight:bold}"
    ".v-omitted,.v-ambiguous{color:#c05621;font-weight:bold}"
    ".secondary{color:#744210;font-style:italic}"
    "blockquote{margin:.3em 1em;padding-left:.6em;"
    "border-left:3px solid #a0aec0}"
    ".charts svg{display:block;margin:.5em 0}";

/* 'sha256-<base64>' of the script, for the Content-Security-Policy. */
static void script_hash(char *out, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE], b64[96];
    unsigned int n = 0;
    if (!EVP_Digest(SCRIPT, strlen(SCRIPT), md, &n, EVP_sha256(), NULL)) {
        snprintf(out, len, "'none'");
        return;
    }
    EVP_EncodeBlock(b64, md, (int)n);
    snprintf(out, len, "'sha256-%s'", (const char *)b64);
}

static void td_txt(FILE *o, const char *s)
{
    fputs("<td>", o);
    hd(o, s);
    fputs("</td>", o);
}

static void td_num(FILE *o, int64_t v, const char *shown)
{
    fprintf(o, "<td class=\"n\" data-v=\"%lld\">", (long long)v);
    if (shown)
        h(o, shown);
    else
        fprintf(o, "%lld", (long long)v);
    fputs("</td>", o);
}

static void td_ts(FILE *o, int have, int64_t us)
{
    char b[48];
    if (!have) {
        fputs("<td>-</td>", o);
        return;
    }
    rpt_rep_ts(us, b, sizeof(b));
    fprintf(o, "<td class=\"t\" data-v=\"%lld\">%s</td>", (long long)us,
            b);
}

static void td_list(FILE *o, const rpt_strv *sv, size_t max)
{
    fputs("<td>", o);
    if (!sv->n)
        fputs("-", o);
    for (size_t i = 0; i < sv->n && i < max; i++) {
        if (i)
            fputs(", ", o);
        h(o, sv->v[i]);
    }
    if (sv->n > max)
        fprintf(o, ", ... (%zu in all)", sv->n);
    fputs("</td>", o);
}

static void thead(FILE *o, const char *const *cols)
{
    fputs("<table class=\"sortable\"><thead><tr>", o);
    for (size_t i = 0; cols[i]; i++)
        fprintf(o, "<th>%s</th>", cols[i]);
    fputs("</tr></thead><tbody>\n", o);
}

static void finding_html(FILE *o, const rpt_rep *r, const rpt_rep_finding *f)
{
    char b[64];
    const char *svc = r->service_name ? r->service_name : r->service;
    fprintf(o, "<section class=\"finding\" id=\"finding-%lld\"><h3>Finding "
               "%lld: <span class=\"v-",
            (long long)f->id, (long long)f->id);
    h(o, f->verdict);
    fputs("\">", o);
    h(o, f->verdict);
    fputs("</span> - ", o);
    h(o, f->kind);
    if (f->subtype) {
        fputs(" (", o);
        h(o, f->subtype);
        fputs(")", o);
    }
    if (f->org) {
        fputs(", ", o);
        h(o, f->org);
    }
    fputs("</h3>\n<p><b>Claim</b>: ", o);
    if (f->quote) {
        int verbatim = f->claim_status && !strcmp(f->claim_status,
                                                  "verbatim");
        fprintf(o, "<span class=\"%s\">(", verbatim ? "status" : "secondary");
        h(o, rpt_rep_status_label(f->claim_status));
        fputs(")</span></p><blockquote>", o);
        h(o, f->quote);
        fputs("</blockquote><p>Source: ", o);
        hd(o, f->source);
        fputs("; document date: ", o);
        hd(o, f->doc_date);
        if (f->doc_url && (!strncmp(f->doc_url, "https://", 8) ||
                           !strncmp(f->doc_url, "http://", 7))) {
            fputs("; <a rel=\"noreferrer\" href=\"", o);
            h(o, f->doc_url);
            fputs("\">", o);
            h(o, f->doc_url);
            fputs("</a>", o);
        }
        if (f->claim_id) {
            fputs("; claim <code>", o);
            h(o, f->claim_id);
            fputs("</code>", o);
        }
    } else {
        fputs("none: no statement of ", o);
        h(o, svc);
        fputs(" covers this", o);
    }
    fputs("</p>\n<p><b>Verdict</b>: ", o);
    h(o, f->verdict);
    fputs(" (severity ", o);
    h(o, f->severity);
    fputs("). <b>Why</b>: ", o);
    hd(o, f->reason);
    fputs("</p>\n", o);
    if (f->other_claims) {
        fputs("<p>Opposing claims: ", o);
        h(o, f->other_claims);
        fputs("</p>\n", o);
    }
    fputs("<table class=\"evidence\"><tbody>\n<tr><th>Organisation</th>", o);
    fputs("<td>", o);
    hd(o, f->org);
    if (f->parent_org && (!f->org || strcmp(f->parent_org, f->org))) {
        fputs(" (", o);
        h(o, f->parent_org);
        fputs(")", o);
    }
    fputs("</td></tr>\n<tr><th>Party, categories</th><td>", o);
    hd(o, f->party);
    fputs("; ", o);
    hd(o, f->categories);
    fputs("</td></tr>\n<tr><th>Host names</th>", o);
    td_list(o, &f->hostnames, 50);
    fputs("</tr>\n<tr><th>Country</th>", o);
    td_txt(o, f->country);
    rpt_rep_bytes(f->bts, b, sizeof(b));
    fprintf(o, "</tr>\n<tr><th>Bytes to server</th><td>%s (%lld bytes)"
               "</td></tr>\n<tr><th>First time</th>",
            b, (long long)f->bts);
    td_ts(o, f->have_first, f->first_ts);
    fputs("</tr>\n<tr><th>Last time</th>", o);
    td_ts(o, f->have_last, f->last_ts);
    fputs("</tr>\n<tr><th>Attribution</th>", o);
    td_txt(o, rpt_rep_attribution_label(f->attribution));
    if (f->detail) {
        fputs("</tr>\n<tr><th>Detail</th><td><code>", o);
        h(o, f->detail);
        fputs("</code></td>", o);
    }
    fprintf(o, "</tr>\n<tr><th>Flows</th><td>%zu:", f->n_flow_ids);
    for (size_t i = 0; i < f->n_flow_ids && i < 50; i++)
        fprintf(o, " %lld", (long long)f->flow_ids[i]);
    if (f->n_flow_ids > 50)
        fputs(" ...", o);
    fputs("</td></tr>\n<tr><th>Community IDs</th>", o);
    td_list(o, &f->community_ids, 20);
    fputs("</tr>\n", o);
    for (size_t i = 0; i < f->n_ev; i++) {
        const rpt_rep_ev *e = &f->ev[i];
        char *fr = rpt_rep_frames(e->frames, e->n, 100);
        fputs("<tr><th>Input ", o);
        hd(o, e->input_name);
        fputs("</th><td>SHA-256 <code>", o);
        hd(o, e->input_sha256);
        fputs("</code>; frames ", o);
        h(o, fr ? fr : "?");
        fputs("</td></tr>\n", o);
        free(fr);
    }
    int per_input = 0;
    for (size_t i = 0; i < f->n_ev; i++)
        if (f->ev[i].display_filter && f->ev[i].display_filter[0]) {
            per_input++;
            fputs("<tr><th>Wireshark display filter for ", o);
            hd(o, f->ev[i].input_name);
            fputs("</th><td><pre>", o);
            h(o, f->ev[i].display_filter);
            fputs("</pre></td></tr>\n", o);
        }
    if (!per_input) {
        fputs("<tr><th>Wireshark display filter</th><td><pre>", o);
        h(o, f->display_filter ? f->display_filter
                               : "(none: no flow or host name)");
        fputs("</pre></td></tr>\n", o);
    }
    fputs("</tbody></table></section>\n", o);
}

static void manifest_html(FILE *o, const rpt_rep *r)
{
    char a[48], b[48];
    fputs("<h2 id=\"manifest\">Manifest</h2>\n<table><tbody>\n", o);
    const char *kv[][2] = {
        { "meetaudit version (audit)", r->meetaudit_version },
        { "nDPI version", r->ndpi_version },
        { "Audit run created", r->created_at },
        { "Report generated", r->generated_at },
        { "Service", r->service },
        { "Service chosen by", r->service_how },
        { "Evidence database", r->db_name },
        { "Attribution data", r->attribution_status },
    };
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
        fprintf(o, "<tr><th>%s</th>", kv[i][0]);
        td_txt(o, kv[i][1]);
        fputs("</tr>\n", o);
    }
    fprintf(o, "<tr><th>Audit run</th><td>%lld</td></tr>\n",
            (long long)r->run_id);
    fputs("<tr><th>Capture time range</th><td>", o);
    if (r->have_range) {
        rpt_rep_ts(r->first_ts, a, sizeof(a));
        rpt_rep_ts(r->last_ts, b, sizeof(b));
        fprintf(o, "%s to %s", a, b);
    } else
        fputs("-", o);
    fputs("</td></tr>\n<tr><th>Baseline</th><td>", o);
    if (r->baseline_path) {
        h(o, r->baseline_path);
        fputs(", SHA-256 <code>", o);
        hd(o, r->baseline_sha256);
        fputs("</code>", o);
    } else
        fputs("none (everything is &quot;observed during the session&quot;)",
              o);
    fputs("</td></tr>\n<tr><th>Client addresses</th><td>", o);
    for (size_t i = 0; i < r->n_clients; i++) {
        fputs(i ? ", " : "", o);
        h(o, r->clients[i].a);
        fputs(" (", o);
        hd(o, r->clients[i].b);
        fputs(")", o);
    }
    fputs("</td></tr>\n<tr><th>Context labels</th><td>", o);
    int nctx = 0;
    for (size_t i = 0; i < r->n_options; i++)
        if (r->options[i].a && !strcmp(r->options[i].a, "context")) {
            fputs(nctx++ ? ", " : "", o);
            hd(o, r->options[i].b);
            fputs("=", o);
            hd(o, r->options[i].c);
        }
    fputs("</td></tr>\n</tbody></table>\n", o);
    static const char *const IC[] = { "input", "SHA-256", "packets",
                                      "status", "first", "last", NULL };
    thead(o, IC);
    for (size_t i = 0; i < r->n_inputs; i++) {
        const rpt_rep_input *in = &r->inputs[i];
        fputs("<tr>", o);
        td_txt(o, in->name);
        fputs("<td><code>", o);
        hd(o, in->sha256);
        fputs("</code></td>", o);
        td_num(o, in->packets, NULL);
        td_txt(o, in->status);
        td_ts(o, in->have_ts, in->first_ts);
        td_ts(o, in->have_ts, in->last_ts);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
    static const char *const RC[] = { "rules file", "SHA-256", NULL };
    thead(o, RC);
    for (size_t i = 0; i < r->n_rules; i++) {
        fputs("<tr>", o);
        td_txt(o, r->rules[i].a);
        fputs("<td><code>", o);
        hd(o, r->rules[i].b);
        fputs("</code></td></tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

static void tables_html(FILE *o, const rpt_rep *r)
{
    char b[64], cats[512];
    fputs("<h2 id=\"endpoints\">Endpoints by party</h2>\n", o);
    static const char *const EC[] = {
        "party", "organisation", "categories", "host names", "flows",
        "bytes sent", "bytes received", "first", "last", "countries", NULL
    };
    thead(o, EC);
    for (size_t i = 0; i < r->n_eps; i++) {
        const rpt_rep_ep *e = &r->eps[i];
        fputs("<tr>", o);
        td_txt(o, rpt_rep_party_label(e->party));
        td_txt(o, e->label);
        rpt_categories_str(e->categories, cats, sizeof(cats));
        td_txt(o, cats);
        td_list(o, &e->hostnames, 10);
        td_num(o, e->flows, NULL);
        rpt_rep_bytes(e->bts, b, sizeof(b));
        td_num(o, e->bts, b);
        rpt_rep_bytes(e->btc, b, sizeof(b));
        td_num(o, e->btc, b);
        td_ts(o, 1, e->first_ts);
        td_ts(o, 1, e->last_ts);
        td_list(o, &e->countries, 10);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n<h2 id=\"tls\">TLS posture</h2>\n", o);
    static const char *const TC[] = { "transport", "version", "cipher",
                                      "flows", "host names", NULL };
    thead(o, TC);
    for (size_t i = 0; i < r->n_tls; i++) {
        fputs("<tr>", o);
        td_txt(o, r->tls[i].transport);
        td_txt(o, r->tls[i].version);
        td_txt(o, r->tls[i].cipher);
        td_num(o, r->tls[i].flows, NULL);
        td_list(o, &r->tls[i].hosts, 8);
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n<h3>Certificate issues</h3>\n", o);
    if (!r->n_certs)
        fputs("<p>None seen.</p>\n", o);
    else {
        static const char *const CC[] = { "host", "issue", "subject",
                                          "issuer", "not after", "input",
                                          "frame", "flow", NULL };
        thead(o, CC);
        for (size_t i = 0; i < r->n_certs; i++) {
            const rpt_rep_cert *c = &r->certs[i];
            fputs("<tr>", o);
            td_txt(o, c->host);
            td_txt(o, c->issue);
            td_txt(o, c->subject);
            td_txt(o, c->issuer);
            td_txt(o, c->not_after);
            td_txt(o, c->input_name);
            td_num(o, c->frame, NULL);
            td_num(o, c->flow_id, NULL);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
    }
    fputs("<h2 id=\"countries\">Countries</h2>\n", o);
    if (!r->have_country_data)
        fputs("<p>Country data is not installed (<code>make data</code>): "
              "server countries are unknown.</p>\n", o);
    else {
        static const char *const KC[] = { "country", "flows", "bytes sent",
                                          "organisations", NULL };
        thead(o, KC);
        for (size_t i = 0; i < r->n_countries; i++) {
            const rpt_rep_country *k = &r->countries[i];
            fputs("<tr>", o);
            td_txt(o, k->cc);
            td_num(o, k->flows, NULL);
            rpt_rep_bytes(k->bts, b, sizeof(b));
            td_num(o, k->bts, b);
            td_list(o, &k->orgs, 10);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
    }
    if (r->have_capture_stats) {
        fputs("<h2 id=\"drops\">Kernel drops</h2>\n<p>Drops are evidence: "
              "packets the kernel dropped were never analysed.</p>\n", o);
        static const char *const DC[] = { "input", "interface", "captured",
                                          "received by filter",
                                          "dropped by kernel",
                                          "dropped by interface", NULL };
        thead(o, DC);
        for (size_t i = 0; i < r->n_drops; i++) {
            const rpt_rep_drop *d = &r->drops[i];
            fputs("<tr>", o);
            td_txt(o, d->input_name);
            td_txt(o, d->interface);
            td_num(o, d->captured, NULL);
            td_num(o, d->recv, NULL);
            td_num(o, d->drop, NULL);
            td_num(o, d->ifdrop, NULL);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
    }
}

int rpt_rep_html(const rpt_rep *r, FILE *o)
{
    char hash[128];
    const char *svc = r->service_name ? r->service_name : r->service;
    script_hash(hash, sizeof(hash));
    fprintf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
               "charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
               "Policy\" content=\"default-src 'none'; style-src "
               "'unsafe-inline'; img-src data:; script-src %s\">\n<meta "
               "name=\"viewport\" content=\"width=device-width, "
               "initial-scale=1\">\n<title>",
            hash);
    h(o, svc);
    fprintf(o, " audit report</title>\n<style>%s</style>\n</head><body>\n"
               "<h1>", STYLE);
    h(o, svc);
    fputs(" audit report</h1>\n<p class=\"summary\" id=\"summary\">", o);
    h(o, r->summary);
    fputs("</p>\n", o);
    if (r->summary_points.n) {
        fputs("<ul>\n", o);
        for (size_t i = 0; i < r->summary_points.n; i++) {
            fputs("<li>", o);
            h(o, r->summary_points.v[i]);
            fputs("</li>\n", o);
        }
        fputs("</ul>\n", o);
    }
    fputs("<div class=\"charts\">\n<h2>Charts</h2>\n", o);
    fputs("<h3>Findings per verdict</h3>\n", o);
    rpt_rep_svg_verdicts(r, o);
    fputs("<h3>Bytes sent per counterparty, by party</h3>\n", o);
    rpt_rep_svg_bytes(r, o);
    fputs("<h3>Counterparties over the session (first to last packet)"
          "</h3>\n", o);
    rpt_rep_svg_timeline(r, o);
    fputs("</div>\n<h2 id=\"findings\">Findings</h2>\n", o);
    if (!r->n_findings)
        fputs("<p>No findings.</p>\n", o);
    else {
        static const char *const FC[] = { "#", "verdict", "severity",
                                          "kind", "organisation",
                                          "bytes sent", "why", NULL };
        thead(o, FC);
        for (size_t i = 0; i < r->n_findings; i++) {
            const rpt_rep_finding *f = &r->findings[i];
            char b[64];
            fprintf(o, "<tr><td data-v=\"%lld\"><a href=\"#finding-%lld\">"
                       "%lld</a></td>",
                    (long long)f->id, (long long)f->id, (long long)f->id);
            td_txt(o, f->verdict);
            td_txt(o, f->severity);
            td_txt(o, f->kind);
            td_txt(o, f->org);
            rpt_rep_bytes(f->bts, b, sizeof(b));
            td_num(o, f->bts, b);
            td_txt(o, f->reason);
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
    }
    for (size_t i = 0; i < r->n_findings; i++)
        finding_html(o, r, &r->findings[i]);
    tables_html(o, r);
    manifest_html(o, r);
    fprintf(o, "<script>%s</script>\n</body></html>\n", SCRIPT);
    return ferror(o) ? -1 : 0;
}
