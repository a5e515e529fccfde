/* audit_third.c - third-party verdicts per organisation (PoliCheck's
 * classes, audit_verdict.c) and the first-party check (a denies claim
 * naming the operator's own categories).
 *
 * Invariants
 * ----------
 * - Only client-originated flows whose party, relative to the audited
 *   service, is "third" make a third-party finding; first and support
 *   flows are held only against denies claims (kind first_party).  Peer,
 *   local and unknown flows raise nothing here.
 * - One finding per counterparty key (organisation id, else registrable
 *   domain, else AS, else address): finding_key "third_party|<key>".
 * - The reason says "observed during the session" without a baseline and
 *   "sent by the app" only when a baseline was given and did not show the
 *   counterparty; background counterparties are severity info.
 */
#define _DEFAULT_SOURCE
#include "audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_MAX 10

/* The organisation id and its ancestors (our map's parent chain). */
static size_t org_chain(const au_run *r, const char *id,
                        const char **chain)
{
    size_t n = 0;
    const rpt_entities *e = rpt_attrib_entities(r->src);
    const rpt_org *o = id && *id ? rpt_entities_get(e, id) : NULL;
    if (!o) {
        if (id && *id)
            chain[n++] = id;
        return n;
    }
    while (o && n < CHAIN_MAX) {
        chain[n++] = rpt_org_id(o);
        const char *p = rpt_org_parent(o);
        o = p ? rpt_entities_get(e, p) : NULL;
    }
    return n;
}

static void cats_text(uint32_t m, char *b, size_t len)
{
    rpt_categories_str(m, b, len);
    for (char *p = b; *p; p++)
        if (*p == ',')
            *p = '/';
    if (!*b)
        snprintf(b, len, "no known category");
}

/* The refs of the applicable discloses/denies claims (parallel to
 * r->claims; others have no orgs and no categories). */
static rpt_audit_claimref *claim_refs(const au_run *r)
{
    rpt_audit_claimref *v = calloc(r->n_claims ? r->n_claims : 1,
                                   sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->n_claims; i++) {
        const rule_claim *c = r->claims[i];
        rule_assert a = rule_claim_assert(c);
        v[i].id = rule_claim_id(c);
        if (a != RULE_ASSERT_DISCLOSES && a != RULE_ASSERT_DENIES)
            continue;
        v[i].denies = a == RULE_ASSERT_DENIES;
        v[i].n_orgs = rule_claim_orgs(c, &v[i].orgs);
        v[i].categories = rule_claim_categories(c);
    }
    return v;
}

static void who_text(const au_finding *f, char *b, size_t len)
{
    if (f->org && f->org[0])
        snprintf(b, len, "%s", f->org);
    else if (f->n_names)
        snprintf(b, len, "%s", f->names[0]);
    else
        snprintf(b, len, "%s", f->ckey);
}

static int decide(au_run *r, au_finding *f, const rpt_audit_claimref *refs)
{
    const char *chain[CHAIN_MAX];
    size_t nc = org_chain(r, f->org_id, chain);
    rpt_audit_decision d;
    int v = rpt_audit_verdict(chain, nc, f->categories, refs, r->n_claims,
                              &d);
    int bg = au_is_background(r, f->ckey);
    au_finding_set(f, "third_party", NULL, v,
                   bg ? "info" : rpt_verdict_severity(v));
    if (bg) {
        f->scope = "background";
        f->attribution = "background";
    }
    int cite = v == RPT_V_CONTRADICTED ? d.denied
               : v == RPT_V_CLEAR      ? d.named
               : v == RPT_V_VAGUE      ? d.kind
               : v == RPT_V_AMBIGUOUS  ? (d.named >= 0 ? d.named : d.kind)
                                       : -1;
    f->claim = cite >= 0 ? r->claims[cite] : NULL;
    if (v == RPT_V_AMBIGUOUS)
        f->other_claims = au_strdup(r, refs[d.denied].id);
    char who[RPT_WHO_TEXT + RPT_WHO_NAME], cats[256], kc[256], dc[256];
    who_text(f, who, sizeof(who));
    cats_text(f->categories, cats, sizeof(cats));
    cats_text(d.kind_cats, kc, sizeof(kc));
    cats_text(d.deny_cats, dc, sizeof(dc));
    const char *seen =
        bg ? "was contacted during the session but also in the baseline "
             "without the app (background, not charged to the service)"
        : r->o->baseline_db
            ? "received data sent by the app (not seen in the baseline)"
            : "received data from the client, observed during the session";
    char why[1024];
    switch (v) {
    case RPT_V_CLEAR:
        snprintf(why, sizeof(why), "claim %s names it",
                 refs[d.named].id);
        break;
    case RPT_V_VAGUE:
        snprintf(why, sizeof(why),
                 "claim %s names only its kind (%s), not the organisation",
                 refs[d.kind].id, kc);
        break;
    case RPT_V_CONTRADICTED:
        if (d.denied_by_org)
            snprintf(why, sizeof(why), "claim %s denies sharing with it",
                     refs[d.denied].id);
        else
            snprintf(why, sizeof(why),
                     "claim %s denies sharing with %s recipients",
                     refs[d.denied].id, dc);
        break;
    case RPT_V_AMBIGUOUS:
        snprintf(why, sizeof(why),
                 "claim %s discloses it%s%s%s but claim %s denies %s",
                 refs[d.named >= 0 ? d.named : d.kind].id,
                 d.named >= 0 ? "" : " by kind (", d.named >= 0 ? "" : kc,
                 d.named >= 0 ? "" : ")", refs[d.denied].id,
                 d.denied_by_org ? "it" : dc);
        break;
    default:
        snprintf(why, sizeof(why),
                 "no applicable claim names it or its kind (%s)", cats);
        break;
    }
    char reason[2048];
    snprintf(reason, sizeof(reason), "%s (%s) %s; %s.", who, cats, seen, why);
    f->reason = au_strdup(r, reason);
    return 0;
}

static int fill_org(au_run *r, au_finding *f, const au_flow *fl,
                    const char *party)
{
    f->org_id = au_strdup(r, fl->org_id);
    f->org = au_strdup(r, fl->org);
    f->parent_org = au_strdup(r, fl->parent_org);
    f->ckey = au_strdup(r, fl->ckey);
    f->party = party;
    memcpy(f->country, fl->country, 3);
    return r->oom ? -1 : 0;
}

/* First-party check: an applicable denies claim covering the operator's
 * own flow (by organisation or category) contradicts it. */
static int check_first(au_run *r, const au_flow *fl,
                       const rpt_audit_claimref *refs)
{
    const char *chain[CHAIN_MAX];
    size_t nc = org_chain(r, fl->org_id, chain);
    for (size_t i = 0; i < r->n_claims; i++) {
        if (!refs[i].denies)
            continue;
        rpt_audit_decision d;
        int v = rpt_audit_verdict(chain, nc, fl->categories, &refs[i], 1,
                                  &d);
        if (v != RPT_V_CONTRADICTED)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "first_party|%s|%s", refs[i].id,
                 fl->ckey);
        int created;
        au_finding *f = au_finding_get(r, key, &created);
        if (!f)
            return -1;
        if (created) {
            const char *party = rpt_party_name(fl->party[r->svc_idx]);
            if (fill_org(r, f, fl, party) != 0)
                return -1;
            au_finding_set(f, "first_party", NULL, RPT_V_CONTRADICTED,
                           "high");
            f->claim = r->claims[i];
            char cats[256], reason[1024];
            cats_text(d.deny_cats, cats, sizeof(cats));
            snprintf(reason, sizeof(reason),
                     "%s's own flow (%s party) carries %s traffic, which "
                     "claim %s denies.",
                     fl->org[0] ? fl->org : fl->ckey, party, cats,
                     refs[i].id);
            f->reason = au_strdup(r, reason);
        }
        if (au_finding_add_flow(r, f, fl) != 0)
            return -1;
    }
    return 0;
}

int au_check_third(au_run *r)
{
    rpt_audit_claimref *refs = claim_refs(r);
    if (!refs)
        return -1;
    int ret = -1;
    for (size_t i = 0; i < r->n_flows; i++) {
        const au_flow *fl = &r->flows[i];
        if (!fl->counted)
            continue;
        int p = fl->party[r->svc_idx];
        if (p == RPT_PARTY_FIRST || p == RPT_PARTY_SUPPORT) {
            if (check_first(r, fl, refs) != 0)
                goto done;
            continue;
        }
        if (p != RPT_PARTY_THIRD)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "third_party|%s", fl->ckey);
        int created;
        au_finding *f = au_finding_get(r, key, &created);
        if (!f)
            goto done;
        if (created && fill_org(r, f, fl, "third") != 0)
            goto done;
        if (au_finding_add_flow(r, f, fl) != 0)
            goto done;
    }
    for (size_t i = 0; i < r->n_fnd; i++)
        if (!r->fnd[i]->kind && decide(r, r->fnd[i], refs) != 0)
            goto done;
    ret = r->oom ? -1 : 0;
done:
    free(refs);
    return ret;
}
