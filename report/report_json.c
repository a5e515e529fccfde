/* report_json.c - the JSON report (RFC 8259): one object
 * {manifest, summary, findings[], endpoints[], tls[], certificate_issues[],
 * countries[], kernel_drops, flows_ref}; schema in
 * man/meetaudit-report-json.md.
 *
 * Invariants
 * ----------
 * - Written only through report/json.h, whose string writer escapes
 *   everything and replaces bytes that are not UTF-8, so the output is
 *   valid JSON whatever a packet put into a name.
 * - A finding carries the keys of `meetaudit findings --json` in their
 *   contract order (DESIGN-audit.md), then display_filter and
 *   community_ids[], then the report's additions.  detail is embedded as
 *   JSON only when rpt_rep_json_valid() accepts it, else as a string.
 * - Key order is fixed; arrays keep the model's order.
 */
#define _DEFAULT_SOURCE
#include "report_model.h"
#include "../capture/cli.h"
#include "attrib.h"
#include "entities.h"
#include "json.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

static void jts(rpt_json *j, const char *key, int have, int64_t us)
{
    char b[48];
    if (!have) {
        rpt_json_null(j, key);
        return;
    }
    rpt_fmt_ts(us, b, sizeof(b));
    rpt_json_str(j, key, b);
}

/* A comma-separated list as an array of strings. */
static void jsplit(rpt_json *j, const char *key, const char *csv)
{
    rpt_json_arr_begin(j, key);
    if (csv) {
        char *dup = strdup(csv), *save = NULL;
        for (char *t = dup ? strtok_r(dup, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            if (*t)
                rpt_json_str(j, NULL, t);
        }
        free(dup);
    }
    rpt_json_arr_end(j);
}

static void jstrv(rpt_json *j, const char *key, const rpt_strv *sv)
{
    rpt_json_arr_begin(j, key);
    for (size_t i = 0; i < sv->n; i++)
        rpt_json_str(j, NULL, sv->v[i]);
    rpt_json_arr_end(j);
}

static void jcats(rpt_json *j, const char *key, uint32_t mask)
{
    rpt_json_arr_begin(j, key);
    for (int c = 0; c < RPT_CAT_COUNT; c++)
        if (mask & RPT_CAT_BIT(c))
            rpt_json_str(j, NULL, rpt_category_name(c));
    rpt_json_arr_end(j);
}

void rpt_rep_json_manifest(const rpt_rep *r, void *writer)
{
    rpt_json *j = writer;
    char gen[64];
    snprintf(gen, sizeof(gen), "meetaudit %s", cap_version);
    rpt_json_obj_begin(j, "manifest");
    rpt_json_str(j, "report_generator", gen);
    rpt_json_str(j, "generated_at", r->generated_at);
    rpt_json_str(j, "meetaudit_version", r->meetaudit_version);
    rpt_json_str(j, "ndpi_version", r->ndpi_version);
    rpt_json_int(j, "run_id", r->run_id);
    rpt_json_str(j, "audit_created_at", r->created_at);
    rpt_json_str(j, "service", r->service);
    rpt_json_str(j, "service_name", r->service_name);
    rpt_json_str(j, "service_how", r->service_how);
    rpt_json_str(j, "evidence_db", r->db_name);
    rpt_json_arr_begin(j, "rules");
    for (size_t i = 0; i < r->n_rules; i++) {
        rpt_json_obj_begin(j, NULL);
        rpt_json_str(j, "file", r->rules[i].a);
        rpt_json_str(j, "sha256", r->rules[i].b);
        rpt_json_obj_end(j);
    }
    rpt_json_arr_end(j);
    rpt_json_arr_begin(j, "inputs");
    for (size_t i = 0; i < r->n_inputs; i++) {
        const rpt_rep_input *in = &r->inputs[i];
        rpt_json_obj_begin(j, NULL);
        rpt_json_int(j, "input_id", in->id);
        rpt_json_str(j, "name", in->name);
        rpt_json_str(j, "sha256", in->sha256);
        rpt_json_int(j, "size", in->size);
        rpt_json_int(j, "packets", in->packets);
        rpt_json_str(j, "status", in->status);
        jts(j, "first_ts", in->have_ts, in->first_ts);
        jts(j, "last_ts", in->have_ts, in->last_ts);
        rpt_json_obj_end(j);
    }
    rpt_json_arr_end(j);
    rpt_json_obj_begin(j, "capture_range");
    jts(j, "first_ts", r->have_range, r->first_ts);
    jts(j, "last_ts", r->have_range, r->last_ts);
    rpt_json_obj_end(j);
    rpt_json_arr_begin(j, "context");
    for (size_t i = 0; i < r->n_options; i++)
        if (r->options[i].a && !strcmp(r->options[i].a, "context")) {
            rpt_json_obj_begin(j, NULL);
            rpt_json_str(j, "name", r->options[i].b);
            rpt_json_str(j, "value", r->options[i].c);
            rpt_json_obj_end(j);
        }
    rpt_json_arr_end(j);
    rpt_json_arr_begin(j, "clients");
    for (size_t i = 0; i < r->n_clients; i++) {
        rpt_json_obj_begin(j, NULL);
        rpt_json_str(j, "ip", r->clients[i].a);
        rpt_json_str(j, "how", r->clients[i].b);
        rpt_json_int(j, "flows",
                     r->clients[i].c ? strtoll(r->clients[i].c, NULL, 10)
                                     : 0);
        rpt_json_obj_end(j);
    }
    rpt_json_arr_end(j);
    if (r->baseline_path) {
        rpt_json_obj_begin(j, "baseline");
        rpt_json_str(j, "path", r->baseline_path);
        rpt_json_str(j, "sha256", r->baseline_sha256);
        rpt_json_obj_end(j);
    } else
        rpt_json_null(j, "baseline");
    rpt_json_str(j, "attribution_status", r->attribution_status);
    rpt_json_obj_end(j);
}

char *rpt_rep_manifest_json(const rpt_rep *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    rpt_json j;
    rpt_json_init(&j, m);
    rpt_json_obj_begin(&j, NULL);
    rpt_rep_json_manifest(r, &j);
    rpt_json_obj_end(&j);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void summary_json(rpt_json *j, const rpt_rep *r)
{
    rpt_json_obj_begin(j, "summary");
    rpt_json_str(j, "text", r->summary);
    jstrv(j, "points", &r->summary_points);
    if (r->have_range)
        rpt_json_int(j, "session_seconds",
                     (r->last_ts - r->first_ts + 500000) / 1000000);
    else
        rpt_json_null(j, "session_seconds");
    rpt_json_int(j, "counterparties", r->n_orgs);
    rpt_json_int(j, "organisations", r->n_orgs - r->n_unattributed);
    rpt_json_int(j, "unattributed", r->n_unattributed);
    rpt_json_int(j, "third_parties", r->n_third);
    rpt_json_int(j, "not_named", r->n_omitted);
    rpt_json_int(j, "named_by_category_only", r->n_vague);
    rpt_json_int(j, "named", r->n_clear);
    rpt_json_int(j, "ambiguous", r->n_ambiguous);
    rpt_json_int(j, "contradictions", r->n_contradicted);
    rpt_json_obj_begin(j, "verdicts");
    for (int v = 0; v < 6; v++)
        rpt_json_int(j, RPT_REP_VERDICTS[v], r->verdict_count[v]);
    rpt_json_obj_end(j);
    rpt_json_bool(j, "baseline", r->baseline_path != NULL);
    rpt_json_str(j, "attribution",
                 r->baseline_path ? "app" : "observed during the session");
    rpt_json_obj_end(j);
}

static void finding_json(rpt_json *j, const rpt_rep_finding *f)
{
    rpt_json_obj_begin(j, NULL);
    rpt_json_int(j, "finding_id", f->id);
    rpt_json_str(j, "service", f->service);
    rpt_json_str(j, "kind", f->kind);
    rpt_json_str(j, "subtype", f->subtype);
    rpt_json_str(j, "verdict", f->verdict);
    rpt_json_str(j, "severity", f->severity);
    rpt_json_str(j, "scope", f->scope);
    rpt_json_str(j, "attribution", f->attribution);
    rpt_json_str(j, "claim_id", f->claim_id);
    rpt_json_str(j, "quote", f->quote);
    rpt_json_str(j, "source", f->source);
    rpt_json_str(j, "claim_status", f->claim_status);
    rpt_json_str(j, "reason", f->reason);
    rpt_json_str(j, "org", f->org);
    rpt_json_str(j, "org_id", f->org_id);
    rpt_json_str(j, "party", f->party);
    jsplit(j, "categories", f->categories);
    jstrv(j, "hostnames", &f->hostnames);
    rpt_json_str(j, "country", f->country);
    rpt_json_int(j, "bytes_toserver", f->bts);
    rpt_json_int(j, "bytes_toclient", f->btc);
    jts(j, "first_ts", f->have_first, f->first_ts);
    jts(j, "last_ts", f->have_last, f->last_ts);
    rpt_json_arr_begin(j, "flows");
    for (size_t i = 0; i < f->n_flow_ids; i++)
        rpt_json_int(j, NULL, f->flow_ids[i]);
    rpt_json_arr_end(j);
    rpt_json_arr_begin(j, "evidence");
    for (size_t i = 0; i < f->n_ev; i++) {
        rpt_json_obj_begin(j, NULL);
        rpt_json_str(j, "input_sha256", f->ev[i].input_sha256);
        rpt_json_arr_begin(j, "frames");
        for (size_t k = 0; k < f->ev[i].n; k++)
            rpt_json_int(j, NULL, f->ev[i].frames[k]);
        rpt_json_arr_end(j);
        rpt_json_obj_end(j);
    }
    rpt_json_arr_end(j);
    if (f->detail && rpt_rep_json_valid(f->detail))
        rpt_json_raw(j, "detail", f->detail);
    else
        rpt_json_str(j, "detail", f->detail);
    rpt_json_str(j, "display_filter", f->display_filter);
    jstrv(j, "community_ids", &f->community_ids);
    /* the report's additions */
    rpt_json_str(j, "finding_key", f->finding_key);
    rpt_json_str(j, "source_doc", f->source_doc);
    rpt_json_str(j, "doc_date", f->doc_date);
    rpt_json_str(j, "doc_url", f->doc_url);
    rpt_json_str(j, "other_claims", f->other_claims);
    rpt_json_str(j, "parent_org", f->parent_org);
    rpt_json_int(j, "flow_count", f->flows);
    rpt_json_arr_begin(j, "evidence_inputs");
    for (size_t i = 0; i < f->n_ev; i++)
        rpt_json_str(j, NULL, f->ev[i].input_name);
    rpt_json_arr_end(j);
    rpt_json_obj_end(j);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int rpt_rep_json(const rpt_rep *r, FILE *o)
{
    rpt_json j;
    rpt_json_init(&j, o);
    rpt_json_obj_begin(&j, NULL);
    rpt_rep_json_manifest(r, &j);
    summary_json(&j, r);
    rpt_json_arr_begin(&j, "findings");
    for (size_t i = 0; i < r->n_findings; i++)
        finding_json(&j, &r->findings[i]);
    rpt_json_arr_end(&j);

    rpt_json_arr_begin(&j, "endpoints");
    for (size_t i = 0; i < r->n_eps; i++) {
        const rpt_rep_ep *e = &r->eps[i];
        rpt_json_obj_begin(&j, NULL);
        rpt_json_str(&j, "party", rpt_party_name(e->party));
        rpt_json_str(&j, "org", e->org);
        rpt_json_str(&j, "org_id", e->org_id);
        rpt_json_str(&j, "label", e->label);
        jcats(&j, "categories", e->categories);
        jstrv(&j, "hostnames", &e->hostnames);
        jstrv(&j, "countries", &e->countries);
        rpt_json_int(&j, "flows", e->flows);
        rpt_json_int(&j, "bytes_toserver", e->bts);
        rpt_json_int(&j, "bytes_toclient", e->btc);
        jts(&j, "first_ts", 1, e->first_ts);
        jts(&j, "last_ts", 1, e->last_ts);
        rpt_json_obj_end(&j);
    }
    rpt_json_arr_end(&j);

    rpt_json_arr_begin(&j, "tls");
    for (size_t i = 0; i < r->n_tls; i++) {
        const rpt_rep_tls *t = &r->tls[i];
        rpt_json_obj_begin(&j, NULL);
        rpt_json_str(&j, "transport", t->transport);
        rpt_json_str(&j, "version", t->version);
        rpt_json_str(&j, "cipher", t->cipher);
        rpt_json_int(&j, "flows", t->flows);
        jstrv(&j, "hostnames", &t->hosts);
        rpt_json_obj_end(&j);
    }
    rpt_json_arr_end(&j);
    rpt_json_arr_begin(&j, "certificate_issues");
    for (size_t i = 0; i < r->n_certs; i++) {
        const rpt_rep_cert *c = &r->certs[i];
        rpt_json_obj_begin(&j, NULL);
        rpt_json_int(&j, "flow_id", c->flow_id);
        rpt_json_str(&j, "hostname", c->host);
        rpt_json_str(&j, "issue", c->issue);
        rpt_json_str(&j, "subject", c->subject);
        rpt_json_str(&j, "issuer", c->issuer);
        rpt_json_str(&j, "not_after", c->not_after);
        rpt_json_str(&j, "input", c->input_name);
        rpt_json_int(&j, "frame", c->frame);
        rpt_json_obj_end(&j);
    }
    rpt_json_arr_end(&j);
    if (r->have_country_data) {
        rpt_json_arr_begin(&j, "countries");
        for (size_t i = 0; i < r->n_countries; i++) {
            const rpt_rep_country *k = &r->countries[i];
            rpt_json_obj_begin(&j, NULL);
            rpt_json_str(&j, "country", k->cc);
            rpt_json_int(&j, "flows", k->flows);
            rpt_json_int(&j, "bytes_toserver", k->bts);
            jstrv(&j, "organisations", &k->orgs);
            rpt_json_obj_end(&j);
        }
        rpt_json_arr_end(&j);
    } else
        rpt_json_null(&j, "countries");
    if (r->have_capture_stats) {
        rpt_json_arr_begin(&j, "kernel_drops");
        for (size_t i = 0; i < r->n_drops; i++) {
            const rpt_rep_drop *d = &r->drops[i];
            rpt_json_obj_begin(&j, NULL);
            rpt_json_str(&j, "input", d->input_name);
            rpt_json_str(&j, "interface", d->interface);
            rpt_json_int(&j, "captured", d->captured);
            rpt_json_int(&j, "ps_recv", d->recv);
            rpt_json_int(&j, "ps_drop", d->drop);
            rpt_json_int(&j, "ps_ifdrop", d->ifdrop);
            rpt_json_obj_end(&j);
        }
        rpt_json_arr_end(&j);
    } else
        rpt_json_null(&j, "kernel_drops");

    /* flows_ref: where the flows behind the findings are, and which. */
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += r->findings[i].n_flow_ids;
    int64_t *ids = n ? malloc(n * sizeof(*ids)) : NULL;
    size_t k = 0;
    for (size_t i = 0; ids && i < r->n_findings; i++)
        for (size_t m = 0; m < r->findings[i].n_flow_ids; m++)
            ids[k++] = r->findings[i].flow_ids[m];
    if (k)
        qsort(ids, k, sizeof(*ids), cmp_i64);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "meetaudit flows --json --service %s %s",
             r->service, r->db_name);
    rpt_json_obj_begin(&j, "flows_ref");
    rpt_json_str(&j, "evidence_db", r->db_name);
    rpt_json_str(&j, "command", cmd);
    rpt_json_arr_begin(&j, "flow_ids");
    for (size_t i = 0; i < k; i++)
        if (!i || ids[i] != ids[i - 1])
            rpt_json_int(&j, NULL, ids[i]);
    rpt_json_arr_end(&j);
    rpt_json_obj_end(&j);
    free(ids);
    rpt_json_obj_end(&j);
    fputc('\n', o);
    return (n && !ids) || ferror(o) ? -1 : 0;
}
