/* audit_location.c - location findings: a first-party or support server in
 * a country an applicable claim excludes (`location: {not_countries}`).
 * Countries are ISO 3166-1 alpha-2 codes from rpt_attrib_who() (the
 * country dataset of ipinfo.h, by address).
 *
 * Invariants
 * ----------
 * - Only client-originated first/support flows count; a server elsewhere
 *   than a `countries` list is "not named", never a finding.
 * - No country data, no location finding: the summary says the data is
 *   missing (attribution status) instead of guessing.
 * - One finding per (claim, country): "location|excluded_country|<claim>|<CC>".
 */
#define _DEFAULT_SOURCE
#include "audit_int.h"

#include <stdio.h>
#include <string.h>

int au_check_location(au_run *r)
{
    for (size_t i = 0; i < r->n_flows; i++) {
        const au_flow *fl = &r->flows[i];
        int p = fl->party[r->svc_idx];
        if (!fl->counted || !fl->country[0] ||
            (p != RPT_PARTY_FIRST && p != RPT_PARTY_SUPPORT))
            continue;
        for (size_t k = 0; k < r->n_claims; k++) {
            const rule_claim *c = r->claims[k];
            const char *const *cc;
            int excluded = 0;
            if (rule_claim_assert(c) != RULE_ASSERT_LOCATION)
                continue;
            size_t n = rule_claim_countries(c, &cc, &excluded);
            size_t j = 0;
            while (j < n && strcmp(cc[j], fl->country))
                j++;
            if (!excluded || j == n)
                continue;
            char key[256];
            snprintf(key, sizeof(key), "location|excluded_country|%s|%s",
                     rule_claim_id(c), fl->country);
            int created;
            au_finding *f = au_finding_get(r, key, &created);
            if (!f)
                return -1;
            if (created) {
                au_finding_set(f, "location", "excluded_country",
                               RPT_V_CONTRADICTED, "high");
                f->claim = c;
                f->org_id = au_strdup(r, fl->org_id);
                f->org = au_strdup(r, fl->org);
                f->parent_org = au_strdup(r, fl->parent_org);
                f->ckey = au_strdup(r, fl->ckey);
                f->party = rpt_party_name(p);
                memcpy(f->country, fl->country, 3);
                char reason[512], detail[128];
                snprintf(reason, sizeof(reason),
                         "A %s-party server of the service (%s) is in %s, "
                         "a country claim %s excludes.",
                         f->party, fl->org[0] ? fl->org : fl->ckey,
                         fl->country, rule_claim_id(c));
                snprintf(detail, sizeof(detail), "{\"country\":\"%s\"}",
                         fl->country);
                f->reason = au_strdup(r, reason);
                f->detail = au_strdup(r, detail);
                if (r->oom)
                    return -1;
            }
            if (au_finding_add_flow(r, f, fl) != 0)
                return -1;
        }
    }
    return 0;
}
