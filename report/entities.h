/* entities.h - the organisation map: who is on the other end of a flow.
 *
 * rules/entities.yaml (data only, parsed with libyaml) lists organisations:
 * id, name, optional parent, country, categories, domains, optional
 * host-level category overrides, IP prefixes and ASNs, and the source of
 * those facts.  rpt_entities_load() reads and validates the whole file and
 * builds the lookup indexes; afterwards the handle is read-only, so lookups
 * may run from any number of threads.
 *
 * Ownership: an rpt_entities owns every organisation and every string it
 * hands out; pointers returned by lookups and accessors stay valid until
 * rpt_entities_free().  Callers own nothing they did not allocate.
 *
 * Matching rules
 * - A domain matches itself and its subdomains; the longest matching domain
 *   wins (gate.hockeyapp.net -> hockeyapp even if microsoft claims a
 *   shorter suffix).  No domain is claimed by two organisations.
 * - A host pattern "x.y" of an organisation overrides its categories for
 *   x.y and its subdomains; "*.x.y" only for strict subdomains.  The longest
 *   pattern of the matched organisation wins.
 * - An IP address matches the longest prefix that contains it.  Prefixes of
 *   different organisations never overlap (the validator rejects it).
 */
#ifndef MEETAUDIT_ENTITIES_H
#define MEETAUDIT_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

/* Limits enforced by the loader. */
#define RPT_ENT_MAX_FILE (4u * 1024 * 1024) /* bytes */
#define RPT_ENT_MAX_DEPTH 8                 /* nested collections */
#define RPT_ENT_MAX_ENTRIES 100000          /* orgs, and list items */

/* Categories, one bit each (bit i is rpt_category_name(i)). */
enum {
    RPT_CAT_ADVERTISING,
    RPT_CAT_ANALYTICS,
    RPT_CAT_CRASH_REPORTING,
    RPT_CAT_TELEMETRY,
    RPT_CAT_SOCIAL_MEDIA,
    RPT_CAT_PUSH,
    RPT_CAT_CUSTOMER_SUPPORT,
    RPT_CAT_AI_SERVICE,
    RPT_CAT_AUTH,
    RPT_CAT_CLOUD,
    RPT_CAT_CDN,
    RPT_CAT_OS_SERVICES,
    RPT_CAT_FIRST_PARTY_SERVICE,
    RPT_CAT_UNKNOWN,
    RPT_CAT_COUNT
};
#define RPT_CAT_BIT(c) (1u << (c))

typedef struct rpt_entities rpt_entities;
typedef struct rpt_org rpt_org;

/* The result of a lookup.  org is NULL when nothing matched; the other
 * fields then are 0/NULL.  All pointers are owned by the handle. */
typedef struct rpt_entity_match {
    const rpt_org *org;
    uint32_t categories; /* the host pattern's when one matched, else org's */
    const char *matched; /* the domain, host pattern or prefix that matched */
    int by_pattern;      /* 1 when a host pattern supplied the categories */
} rpt_entity_match;

/* Called once per problem with "file:line:column: message" (lines and
 * columns 1-based; I/O problems are "file: message").  The string is only
 * valid during the call. */
typedef void (*rpt_entities_diag_fn)(void *ctx, const char *msg);

/* An empty map (every lookup misses).  Returns NULL on allocation failure;
 * the caller owns the result and frees it with rpt_entities_free(). */
rpt_entities *rpt_entities_create(void);

/* Free a map and everything it handed out.  NULL is fine. */
void rpt_entities_free(rpt_entities *h);

/* Load and validate path.  On success returns 0 and stores a new map in
 * *out (caller frees).  On any problem returns -1, stores NULL and writes
 * the first problem (lowest line) as "file:line:column: message" to err. */
int rpt_entities_load(const char *path, rpt_entities **out, char *err,
                      size_t errlen);

/* The same, reporting every problem (sorted by line, at most 100) through
 * fn.  Returns the number of problems; *out is set only when it is 0.
 * out may be NULL to validate only. */
int rpt_entities_load_diag(const char *path, rpt_entities **out,
                           rpt_entities_diag_fn fn, void *ctx);

/* Number of organisations, and the i-th in file order (NULL past the end). */
size_t rpt_entities_count(const rpt_entities *h);
const rpt_org *rpt_entities_at(const rpt_entities *h, size_t i);

/* The organisation with this id, or NULL. */
const rpt_org *rpt_entities_get(const rpt_entities *h, const char *id);

/* Best match for a host name (case-insensitive, one trailing dot and a
 * ":port" suffix ignored).  IP literals and malformed names never match. */
rpt_entity_match rpt_entities_by_host(const rpt_entities *h,
                                      const char *hostname);

/* Longest-prefix match.  ipver is 4 or 6; addr points to 4 or 16 bytes in
 * network order. */
rpt_entity_match rpt_entities_by_ip(const rpt_entities *h, int ipver,
                                    const void *addr);

/* The organisation announcing this autonomous system number. */
rpt_entity_match rpt_entities_by_asn(const rpt_entities *h, uint32_t asn);

/* Non-zero when both ids exist and share an ancestor (the same corporate
 * family: hockeyapp and skype are both under microsoft). */
int rpt_entities_family(const rpt_entities *h, const char *id_a,
                        const char *id_b);

/* The top of o's parent chain (o itself when it has no parent). */
const rpt_org *rpt_entities_root(const rpt_entities *h, const rpt_org *o);

/* Accessors; strings are owned by the map.  parent is NULL when none. */
const char *rpt_org_id(const rpt_org *o);
const char *rpt_org_name(const rpt_org *o);
const char *rpt_org_parent(const rpt_org *o);
const char *rpt_org_country(const rpt_org *o);
const char *rpt_org_source(const rpt_org *o);
uint32_t rpt_org_categories(const rpt_org *o);
int rpt_org_line(const rpt_org *o); /* 1-based line of its entry */

/* Category i's name ("crash_reporting"), NULL when out of range; and the
 * index of a name, -1 when unknown. */
const char *rpt_category_name(int i);
int rpt_category_index(const char *name);

/* Write the names of the bits in mask, comma-separated in enum order, to
 * buf (always NUL-terminated when len > 0).  Returns the length needed. */
size_t rpt_categories_str(uint32_t mask, char *buf, size_t len);

/* Non-zero when cc is an ISO 3166-1 alpha-2 code ("GB", not "UK"). */
int rpt_country_valid(const char *cc);

/* The registrable domain (eTLD+1) of host by the Public Suffix List:
 * a.b.example.co.uk -> example.co.uk, user.github.io -> user.github.io.
 * Uses psl_latest(NULL) - the newer of libpsl's built-in list and the
 * system list of Debian's publicsuffix package - falling back to
 * psl_builtin().  Returns 0 and writes out, or -1 (out = "") when there is
 * none: IP literals, public suffixes themselves, names whose top-level
 * label is not in the list (localhost, lan, local), or out too small. */
int rpt_registrable_domain(const char *host, char *out, size_t len);

#endif
