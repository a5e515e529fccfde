/* attrib_int.h - internals shared by attrib.c (sources, attribution) and
 * attrib_party.c (party rules).  Not for other modules: use attrib.h.
 */
#ifndef MEETAUDIT_ATTRIB_INT_H
#define MEETAUDIT_ATTRIB_INT_H

#include "attrib.h"
#include "ipinfo.h"
#include "trackerdb.h"

/* Categories that make an organisation a hoster when the organisation is
 * not itself a first-party service (attrib.h). */
#define RPT_ATTRIB_HOST_CATS                                                \
    (RPT_CAT_BIT(RPT_CAT_CLOUD) | RPT_CAT_BIT(RPT_CAT_CDN))

struct rpt_attrib_src {
    rpt_entities *ents;
    rpt_trackerdb *tdb;   /* never NULL after open (may match nothing) */
    rpt_ipinfo *ipi;      /* never NULL after open (may know nothing) */
    const rpt_org **hoster_roots; /* tops of families with a hoster */
    size_t n_hoster_roots;
    char *status;
};

/* Non-zero when categories make a hoster: cloud or cdn, and not a
 * first-party service (Dropbox is "cloud" storage, not a host). */
int rpt_attrib_cats_hoster(uint32_t cats);

/* Non-zero when o's corporate family contains a hoster (Amazon: AWS;
 * Microsoft: Azure).  s may be NULL (then o's own categories decide). */
int rpt_attrib_family_hoster(const rpt_attrib_src *s, const rpt_org *o);

/* Non-zero when o is the organisation operator_id or in its family.
 * s may be NULL (then only the id itself). */
int rpt_attrib_in_family(const rpt_attrib_src *s, const rpt_org *o,
                         const char *operator_id);

/* Non-zero when names[i] is a secondary CNAME-chain name (attrib.h). */
int rpt_attrib_is_chain(const char *const *sources, int n, int i);

#endif
