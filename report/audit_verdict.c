/* audit_verdict.c - PoliCheck's verdict classes (Andow et al., "Actions
 * Speak Louder than Words: Entity-Sensitive Privacy Policy and Data Flow
 * Analysis with PoliCheck", USENIX Security 2020) as a pure function.
 *
 * Invariants
 * ----------
 * - No I/O, no allocation, no globals: the same inputs give the same
 *   decision, so the unit tests cover every class directly.
 * - An organisation is "named" when a discloses claim lists it or one of
 *   its ancestors (the caller passes the chain); "kind" when a discloses
 *   claim lists one of its categories; "denied" when a denies claim lists
 *   it, an ancestor or a category.  The first matching claim (file order)
 *   is the one cited.
 */
#include "audit.h"

#include <string.h>
#include <strings.h>

static const char *const VNAME[RPT_V_COUNT] = {
    "contradicted", "ambiguous", "omitted", "vague", "clear", "observed",
};
static const char *const VSEV[RPT_V_COUNT] = {
    "high", "medium", "medium", "low", "info", "medium",
};

const char *rpt_verdict_name(int v)
{
    return v >= 0 && v < RPT_V_COUNT ? VNAME[v] : NULL;
}

int rpt_verdict_index(const char *name)
{
    for (int i = 0; name && i < RPT_V_COUNT; i++)
        if (!strcmp(name, VNAME[i]))
            return i;
    return -1;
}

const char *rpt_verdict_severity(int v)
{
    return v >= 0 && v < RPT_V_COUNT ? VSEV[v] : NULL;
}

int rpt_severity_rank(const char *sev)
{
    static const char *const S[] = { "high", "medium", "low", "info" };
    for (int i = 0; sev && i < 4; i++)
        if (!strcmp(sev, S[i]))
            return i;
    return 4;
}

static int lists_org(const rpt_audit_claimref *c, const char *const *chain,
                     size_t n_chain)
{
    for (size_t i = 0; i < c->n_orgs; i++)
        for (size_t k = 0; k < n_chain; k++)
            if (c->orgs[i] && chain[k] && !strcasecmp(c->orgs[i], chain[k]))
                return 1;
    return 0;
}

int rpt_audit_verdict(const char *const *chain, size_t n_chain,
                      uint32_t cats, const rpt_audit_claimref *claims,
                      size_t n_claims, rpt_audit_decision *out)
{
    rpt_audit_decision d = { .verdict = RPT_V_OMITTED, .named = -1,
                             .kind = -1, .denied = -1 };
    for (size_t i = 0; i < n_claims; i++) {
        const rpt_audit_claimref *c = &claims[i];
        int by_org = lists_org(c, chain, n_chain);
        uint32_t m = c->categories & cats;
        if (c->denies) {
            if (d.denied < 0 && (by_org || m)) {
                d.denied = (int)i;
                d.denied_by_org = by_org;
                d.deny_cats = m;
            }
        } else if (by_org) {
            if (d.named < 0)
                d.named = (int)i;
        } else if (m && d.kind < 0) {
            d.kind = (int)i;
            d.kind_cats = m;
        }
    }
    if (d.denied >= 0)
        d.verdict = d.named >= 0 || d.kind >= 0 ? RPT_V_AMBIGUOUS
                                                : RPT_V_CONTRADICTED;
    else if (d.named >= 0)
        d.verdict = RPT_V_CLEAR;
    else if (d.kind >= 0)
        d.verdict = RPT_V_VAGUE;
    if (out)
        *out = d;
    return d.verdict;
}
