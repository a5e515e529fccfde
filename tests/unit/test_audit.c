/* test_audit.c - unit tests for report/audit_verdict.c: PoliCheck's verdict
 * classes as a pure function, on hand-made claims and on the real rule
 * files (rules/services, rules/entities.yaml), including `when` contexts
 * and corporate-family ancestors. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "../../report/audit.h"
#include "../../report/entities.h"
#include "../../report/services.h"
#include "tu.h"

#define C(b) RPT_CAT_BIT(RPT_CAT_##b)

static const char *const ORG_GOOGLE[] = { "google" };
static const char *const ORG_ALPHABET[] = { "alphabet" };
static const char *const ORG_AWS[] = { "aws" };

/* ---- hand-made claims ---------------------------------------------------- */

TU_TEST(names_and_severities)
{
    for (int v = 0; v < RPT_V_COUNT; v++)
        TU_CHECK_INT(rpt_verdict_index(rpt_verdict_name(v)), v);
    TU_CHECK_INT(rpt_verdict_index("incorrect"), -1);
    TU_CHECK(rpt_verdict_name(RPT_V_COUNT) == NULL);
    TU_CHECK_STR(rpt_verdict_severity(RPT_V_CONTRADICTED), "high");
    TU_CHECK_STR(rpt_verdict_severity(RPT_V_OMITTED), "medium");
    TU_CHECK_STR(rpt_verdict_severity(RPT_V_AMBIGUOUS), "medium");
    TU_CHECK_STR(rpt_verdict_severity(RPT_V_VAGUE), "low");
    TU_CHECK_STR(rpt_verdict_severity(RPT_V_CLEAR), "info");
    TU_CHECK(rpt_severity_rank("high") < rpt_severity_rank("medium"));
    TU_CHECK(rpt_severity_rank("low") < rpt_severity_rank("info"));
    TU_CHECK_INT(rpt_severity_rank("bogus"), 4);
}

TU_TEST(clear_by_name)
{
    const char *chain[] = { "google" };
    rpt_audit_claimref c[] = {
        { "kinds", 0, NULL, 0, C(CLOUD) },
        { "names", 0, ORG_GOOGLE, 1, 0 },
    };
    rpt_audit_decision d;
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(ANALYTICS), c, 2, &d),
                 RPT_V_CLEAR);
    TU_CHECK_INT(d.named, 1);
    TU_CHECK_INT(d.kind, -1);
    TU_CHECK_INT(d.denied, -1);
}

TU_TEST(clear_by_ancestor)
{
    /* doubleclick -> google -> alphabet: naming the root covers it */
    const char *chain[] = { "doubleclick", "google", "alphabet" };
    rpt_audit_claimref c[] = { { "parent", 0, ORG_ALPHABET, 1, 0 } };
    TU_CHECK_INT(rpt_audit_verdict(chain, 3, C(ADVERTISING), c, 1, NULL),
                 RPT_V_CLEAR);
    /* ... but naming a child does not cover the parent */
    const char *up[] = { "alphabet" };
    rpt_audit_claimref g[] = { { "child", 0, ORG_GOOGLE, 1, 0 } };
    TU_CHECK_INT(rpt_audit_verdict(up, 1, C(ADVERTISING), g, 1, NULL),
                 RPT_V_OMITTED);
}

TU_TEST(vague_by_category)
{
    const char *chain[] = { "segment", "twilio" };
    rpt_audit_claimref c[] = {
        { "aws", 0, ORG_AWS, 1, C(CLOUD) },
        { "ads", 0, NULL, 0, C(ADVERTISING) | C(ANALYTICS) },
    };
    rpt_audit_decision d;
    TU_CHECK_INT(rpt_audit_verdict(chain, 2, C(ANALYTICS), c, 2, &d),
                 RPT_V_VAGUE);
    TU_CHECK_INT(d.kind, 1);
    TU_CHECK_INT((long long)d.kind_cats, (long long)C(ANALYTICS));
}

TU_TEST(omitted)
{
    const char *chain[] = { "dropbox" };
    rpt_audit_claimref c[] = {
        { "aws", 0, ORG_AWS, 1, C(CLOUD) },
        { "noads", 1, NULL, 0, C(ADVERTISING) },
    };
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(CRASH_REPORTING), c, 2, NULL),
                 RPT_V_OMITTED);
    /* no claims at all, no categories, no chain */
    TU_CHECK_INT(rpt_audit_verdict(NULL, 0, 0, NULL, 0, NULL),
                 RPT_V_OMITTED);
}

TU_TEST(contradicted_by_category_and_by_org)
{
    const char *chain[] = { "google" };
    rpt_audit_claimref c[] = { { "noads", 1, NULL, 0, C(ADVERTISING) } };
    rpt_audit_decision d;
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(ADVERTISING) | C(ANALYTICS),
                                   c, 1, &d),
                 RPT_V_CONTRADICTED);
    TU_CHECK_INT(d.denied, 0);
    TU_CHECK_INT(d.denied_by_org, 0);
    TU_CHECK_INT((long long)d.deny_cats, (long long)C(ADVERTISING));
    rpt_audit_claimref o[] = { { "nogoogle", 1, ORG_ALPHABET, 1, 0 } };
    const char *fam[] = { "google", "alphabet" };
    TU_CHECK_INT(rpt_audit_verdict(fam, 2, 0, o, 1, &d), RPT_V_CONTRADICTED);
    TU_CHECK_INT(d.denied_by_org, 1);
}

TU_TEST(ambiguous_both_ways)
{
    const char *chain[] = { "google" };
    rpt_audit_claimref c[] = {
        { "noads", 1, NULL, 0, C(ADVERTISING) },
        { "ads", 0, NULL, 0, C(ADVERTISING) | C(ANALYTICS) },
    };
    rpt_audit_decision d;
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(ADVERTISING), c, 2, &d),
                 RPT_V_AMBIGUOUS);
    TU_CHECK_INT(d.denied, 0);
    TU_CHECK_INT(d.kind, 1);
    /* named and denied is ambiguous too */
    rpt_audit_claimref n[] = {
        { "names", 0, ORG_GOOGLE, 1, 0 },
        { "noads", 1, NULL, 0, C(ADVERTISING) },
    };
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(ADVERTISING), n, 2, &d),
                 RPT_V_AMBIGUOUS);
    TU_CHECK_INT(d.named, 0);
    /* a denial of another category does not make it ambiguous */
    rpt_audit_claimref k[] = {
        { "names", 0, ORG_GOOGLE, 1, 0 },
        { "noai", 1, NULL, 0, C(AI_SERVICE) },
    };
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(ADVERTISING), k, 2, NULL),
                 RPT_V_CLEAR);
}

TU_TEST(first_matching_claim_is_cited)
{
    const char *chain[] = { "aws" };
    rpt_audit_claimref c[] = {
        { "a", 0, NULL, 0, C(CDN) },
        { "b", 0, NULL, 0, C(CLOUD) },
        { "c", 0, NULL, 0, C(CLOUD) },
        { "d", 0, ORG_AWS, 1, 0 },
        { "e", 0, ORG_AWS, 1, 0 },
    };
    rpt_audit_decision d;
    TU_CHECK_INT(rpt_audit_verdict(chain, 1, C(CLOUD), c, 5, &d),
                 RPT_V_CLEAR);
    TU_CHECK_INT(d.named, 3);
    TU_CHECK_INT(d.kind, 1);
}

/* ---- the real rules ------------------------------------------------------- */

static rpt_entities *g_ents;
static rule_services *g_rules;

/* The applicable discloses/denies claims of service id under the context
 * (n_ctx pairs) as refs; returns the count. */
static size_t refs_of(const char *id, const char *const *keys,
                      const char *const *vals, size_t n_ctx,
                      rpt_audit_claimref *out, size_t max)
{
    const rule_service *s = rule_services_get(g_rules, id);
    size_t n = 0;
    for (size_t i = 0; s && i < rule_service_claim_count(s) && n < max; i++) {
        const rule_claim *c = rule_service_claim_at(s, i);
        rule_assert a = rule_claim_assert(c);
        if ((a != RULE_ASSERT_DISCLOSES && a != RULE_ASSERT_DENIES) ||
            !rule_claim_applies(c, keys, vals, n_ctx))
            continue;
        out[n].id = rule_claim_id(c);
        out[n].denies = a == RULE_ASSERT_DENIES;
        out[n].n_orgs = rule_claim_orgs(c, &out[n].orgs);
        out[n].categories = rule_claim_categories(c);
        n++;
    }
    return n;
}

/* The verdict of organisation id (its own categories and parent chain in
 * the real map) under service svc. */
static int real_verdict(const char *svc, const char *org, uint32_t cats,
                        const char *const *keys, const char *const *vals,
                        size_t n_ctx, rpt_audit_decision *d)
{
    rpt_audit_claimref refs[128];
    size_t n = refs_of(svc, keys, vals, n_ctx, refs, 128);
    const char *chain[10];
    size_t nc = 0;
    const rpt_org *o = rpt_entities_get(g_ents, org);
    while (o && nc < 10) {
        chain[nc++] = rpt_org_id(o);
        o = rpt_org_parent(o) ? rpt_entities_get(g_ents, rpt_org_parent(o))
                              : NULL;
    }
    if (!cats && nc)
        cats = rpt_org_categories(rpt_entities_get(g_ents, org));
    return rpt_audit_verdict(chain, nc, cats, refs, n, d);
}

TU_TEST(real_rules_load)
{
    char err[512];
    TU_CHECK_INT(rpt_entities_load("rules/entities.yaml", &g_ents, err,
                                   sizeof(err)),
                 0);
    TU_CHECK_INT(rule_services_load_dir("rules/services", g_ents, &g_rules,
                                        NULL, NULL),
                 0);
    TU_CHECK(g_rules && rule_services_get(g_rules, "zoom"));
}

TU_TEST(real_zoom_google_tag_manager_is_ambiguous)
{
    if (!g_rules)
        TU_FAILF("rules not loaded");
    else {
        /* Tag Manager's host pattern: analytics + advertising */
        rpt_audit_decision d;
        int v = real_verdict("zoom", "google", C(ADVERTISING) | C(ANALYTICS),
                             NULL, NULL, 0, &d);
        TU_CHECK_INT(v, RPT_V_AMBIGUOUS);
        TU_CHECK(v != RPT_V_CLEAR);
        TU_CHECK(d.denied >= 0 && d.kind >= 0 && d.named < 0);
    }
}

TU_TEST(real_zoom_aws_is_clear)
{
    if (g_rules) {
        rpt_audit_decision d;
        TU_CHECK_INT(real_verdict("zoom", "aws", 0, NULL, NULL, 0, &d),
                     RPT_V_CLEAR);
    }
}

TU_TEST(real_teams_dropbox_is_vague)
{
    if (g_rules) {
        /* Dropbox: cloud + first_party_service; Teams names cloud
         * sub-processors only by kind */
        TU_CHECK_INT(real_verdict("teams", "dropbox", 0, NULL, NULL, 0,
                                  NULL),
                     RPT_V_VAGUE);
    }
}

TU_TEST(real_zoom_when_context)
{
    if (g_rules) {
        /* An AI service: Zoom denies it only with ai_features=off */
        static const char *const k[] = { "ai_features" };
        static const char *const off[] = { "off" }, *const on[] = { "on" };
        TU_CHECK_INT(real_verdict("zoom", "x", C(AI_SERVICE), NULL, NULL, 0,
                                  NULL),
                     RPT_V_OMITTED);
        TU_CHECK_INT(real_verdict("zoom", "x", C(AI_SERVICE), k, on, 1,
                                  NULL),
                     RPT_V_OMITTED);
        TU_CHECK_INT(real_verdict("zoom", "x", C(AI_SERVICE), k, off, 1,
                                  NULL),
                     RPT_V_CONTRADICTED);
    }
}

int main(void)
{
    TU_RUN(names_and_severities);
    TU_RUN(clear_by_name);
    TU_RUN(clear_by_ancestor);
    TU_RUN(vague_by_category);
    TU_RUN(omitted);
    TU_RUN(contradicted_by_category_and_by_org);
    TU_RUN(ambiguous_both_ways);
    TU_RUN(first_matching_claim_is_cited);
    TU_RUN(real_rules_load);
    TU_RUN(real_zoom_google_tag_manager_is_ambiguous);
    TU_RUN(real_zoom_aws_is_clear);
    TU_RUN(real_teams_dropbox_is_vague);
    TU_RUN(real_zoom_when_context);
    rule_services_free(g_rules);
    rpt_entities_free(g_ents);
    return tu_finish();
}
