/* services.h - service rules: what Zoom, Meet, Webex and Teams say they do,
 * as machine-checkable claims, and how to recognise their own traffic.
 *
 * rules/services/<service>.yaml (one file per service, parsed with libyaml;
 * schema in rules/README.md, "Service rules") gives a service's operator
 * (an organisation id of rules/entities.yaml), the nDPI protocols, domains,
 * IP prefixes and ports of its own flows, the documents its claims are
 * quoted from, and the claims.  A claim carries one assertion that the audit
 * can test against traffic: which third parties the documents disclose,
 * which they deny, the transport security they promise, and where servers
 * may or may not be.
 *
 * Invariants of a loaded set (rule_services_load_dir() returned 0):
 * - every service id is one of zoom, meet, webex, teams and matches its file
 *   name; no service appears twice;
 * - claim ids are unique within their service; every claim's source names a
 *   document of the same service; every claim has exactly one assertion;
 * - topics, statuses and categories are known names; organisation ids exist
 *   in the rpt_entities given to the loader (when one was given); country
 *   codes are ISO 3166-1 alpha-2; prefixes have no host bits set; port
 *   ranges have lo <= hi, both in 1..65535.
 * The set is read-only after loading, so it can be shared by threads.
 *
 * Ownership: a rule_services owns every service, document, claim and string
 * it hands out; pointers stay valid until rule_services_free().  Callers own
 * nothing they did not allocate.
 */
#ifndef MEETAUDIT_SERVICES_H
#define MEETAUDIT_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "entities.h"

/* Limits enforced by the loader (problems, not crashes, when exceeded). */
#define RULE_SVC_MAX_FILE (1024u * 1024) /* bytes per file */
#define RULE_SVC_MAX_DEPTH 8             /* nested collections */
#define RULE_SVC_MAX_ITEMS 10000         /* items of one list or mapping */
#define RULE_SVC_MAX_QUOTE 500           /* bytes of one quote */
#define RULE_SVC_MAX_SHOWN 100           /* problems reported per file */

typedef struct rule_services rule_services;
typedef struct rule_service rule_service;
typedef struct rule_doc rule_doc;
typedef struct rule_claim rule_claim;

/* Topics: Consumer Reports' ten videoconferencing topics (letter of
 * 30 April 2020, as listed in The Digital Standard's case study), then two
 * of ours.  rule_topic_name() gives the YAML spelling. */
typedef enum {
    RULE_TOPIC_PERSONAL_DATA_LEAK,          /* 1 Personal Data Leak */
    RULE_TOPIC_FIRST_PARTY_DATA_COLLECTION, /* 2 First Party Data Collection */
    RULE_TOPIC_DATA_ENHANCEMENT,            /* 3 Data Enhancement */
    RULE_TOPIC_THIRD_PARTY_ACCESS,          /* 4 Third Party Access */
    RULE_TOPIC_EMPLOYER_SCHOOL_SPONSORSHIP, /* 5 Employer or School ... */
    RULE_TOPIC_DATA_DELETION_RETENTION,     /* 6 Data Deletion and Retention */
    RULE_TOPIC_HOST_VS_PARTICIPANT,         /* 7 Hosts Versus Participants */
    RULE_TOPIC_PRODUCT_DEVELOPMENT,         /* 8 Product Development */
    RULE_TOPIC_DATA_SALE_SHARING,           /* 9 Sold or Shared ... */
    RULE_TOPIC_ML_AI_HUMAN_REVIEW,          /* 10 ML, AI or Human Review */
    RULE_TOPIC_TRANSPORT_SECURITY,          /* ours */
    RULE_TOPIC_DATA_LOCATION,               /* ours */
    RULE_TOPIC_COUNT
} rule_topic;

/* How the fact sheet marks a claim's text: read verbatim in the service's
 * own document, secondary (press, repost, third-party list), unverified. */
typedef enum {
    RULE_STATUS_VERBATIM,
    RULE_STATUS_SECONDARY,
    RULE_STATUS_UNVERIFIED,
    RULE_STATUS_COUNT
} rule_status;

typedef enum {
    RULE_ASSERT_DISCLOSES, /* organisations and/or categories are named */
    RULE_ASSERT_DENIES,    /* organisations and/or categories are excluded */
    RULE_ASSERT_TRANSPORT, /* minimum TLS version and/or no cleartext */
    RULE_ASSERT_LOCATION   /* countries named, or countries excluded */
} rule_assert;

typedef enum {
    RULE_CLEARTEXT_UNSPECIFIED,
    RULE_CLEARTEXT_FORBIDDEN,
    RULE_CLEARTEXT_ALLOWED
} rule_cleartext;

/* Called once per problem with "file:line:column: message" (1-based; I/O
 * and size problems are "file: message").  msg is valid only during the
 * call. */
typedef void (*rule_diag_fn)(void *ctx, const char *msg);

/* An empty set.  Returns NULL on allocation failure; the caller owns the
 * result and frees it with rule_services_free(). */
rule_services *rule_services_create(void);

/* Free a set and everything it handed out.  NULL is fine. */
void rule_services_free(rule_services *s);

/* Load and validate every "*.yaml" file in dir (in name order).  ents, when
 * not NULL, is used to check organisation ids (it is only read during the
 * call and not kept).  Every problem is passed to diag (may be NULL),
 * sorted by line within each file, at most RULE_SVC_MAX_SHOWN per file.
 * Returns the number of problems (a directory without service files, an
 * unreadable file and an allocation failure each count as one).  *out (out
 * may be NULL to validate only) receives a new set, owned by the caller,
 * only when the return value is 0; otherwise it is set to NULL. */
int rule_services_load_dir(const char *dir, const rpt_entities *ents,
                           rule_services **out, rule_diag_fn diag,
                           void *ctx);

/* Load and validate one file into s (not NULL; s keeps the service only
 * when the file has no problems; path is copied).  The file name must be
 * <service>.yaml.  Returns the number of problems, reported as for
 * rule_services_load_dir(). */
int rule_services_load_file(rule_services *s, const char *path,
                            const rpt_entities *ents, rule_diag_fn diag,
                            void *ctx);

/* Services in load order; NULL past the end or when not found. */
size_t rule_services_count(const rule_services *s);
const rule_service *rule_services_at(const rule_services *s, size_t i);
const rule_service *rule_services_get(const rule_services *s,
                                      const char *service_id);

/* Service accessors; strings are owned by the set. */
const char *rule_service_id(const rule_service *v);       /* "zoom" */
const char *rule_service_name(const rule_service *v);     /* "Zoom" */
const char *rule_service_operator(const rule_service *v); /* org id */
const char *rule_service_file(const rule_service *v);     /* as loaded */

/* The recognise lists as written in the file.  Each returns the count and
 * stores a pointer to the set-owned array in *items (when items != NULL).
 * Port items read "udp:8801-8810", prefixes "170.114.0.0/16". */
size_t rule_service_ndpi(const rule_service *v, const char *const **items);
size_t rule_service_domains(const rule_service *v,
                            const char *const **items);
size_t rule_service_prefixes(const rule_service *v,
                             const char *const **items);
size_t rule_service_ports(const rule_service *v, const char *const **items);

/* Recognisers for the audit.  Each returns the matching rule entry as
 * written (owned by the set) or NULL when nothing matches.
 * - ndpi: name is an nDPI protocol name; a dotted verdict ("TLS.Zoom") is
 *   matched component by component; case-insensitive.
 * - host: a domain entry "x.y" matches x.y and its subdomains, "*.x.y" only
 *   strict subdomains; case-insensitive; one trailing dot and a ":port"
 *   suffix are ignored; IP literals never match.
 * - ip: the longest prefix containing the address (ipver 4 or 6, addr 4 or
 *   16 bytes in network order); ip_str takes text ("2603:1063::1").
 * - port: ipproto 6 (TCP) or 17 (UDP); the first range containing port.
 *   Ports are weak evidence: some (3478, 5004) are shared by services. */
const char *rule_service_recognises_ndpi(const rule_service *v,
                                         const char *name);
const char *rule_service_recognises_host(const rule_service *v,
                                         const char *host);
const char *rule_service_recognises_ip(const rule_service *v, int ipver,
                                       const void *addr);
const char *rule_service_recognises_ip_str(const rule_service *v,
                                           const char *ip);
const char *rule_service_recognises_port(const rule_service *v, int ipproto,
                                         unsigned port);

/* Documents of a service, in file order; by id; NULL when absent. */
size_t rule_service_doc_count(const rule_service *v);
const rule_doc *rule_service_doc_at(const rule_service *v, size_t i);
const rule_doc *rule_service_doc_get(const rule_service *v, const char *id);

/* Document accessors (owned by the set).  date is "YYYY-MM-DD", "YYYY-MM",
 * "YYYY" or "undated"; retrieved the same or "unknown"; url "http(s)://..."
 * or "unknown"; note is NULL when absent. */
const char *rule_doc_id(const rule_doc *d);
const char *rule_doc_title(const rule_doc *d);
const char *rule_doc_url(const rule_doc *d);
const char *rule_doc_date(const rule_doc *d);
const char *rule_doc_retrieved(const rule_doc *d);
const char *rule_doc_note(const rule_doc *d);

/* Claims of a service, in file order; by id; NULL when absent. */
size_t rule_service_claim_count(const rule_service *v);
const rule_claim *rule_service_claim_at(const rule_service *v, size_t i);
const rule_claim *rule_service_claim_get(const rule_service *v,
                                         const char *id);

/* Claim accessors (strings owned by the set; note and source_section are
 * NULL when absent). */
const rule_service *rule_claim_service(const rule_claim *c);
const char *rule_claim_id(const rule_claim *c);
rule_topic rule_claim_topic(const rule_claim *c);
const char *rule_claim_quote(const rule_claim *c);
const rule_doc *rule_claim_source(const rule_claim *c);
const char *rule_claim_source_section(const rule_claim *c);
rule_status rule_claim_status(const rule_claim *c);
const char *rule_claim_note(const rule_claim *c);
int rule_claim_line(const rule_claim *c); /* 1-based line of the claim */
rule_assert rule_claim_assert(const rule_claim *c);

/* discloses/denies: organisation ids (count; array in *ids) and the
 * categories as RPT_CAT_BIT() mask.  Empty for the other assertions. */
size_t rule_claim_orgs(const rule_claim *c, const char *const **ids);
uint32_t rule_claim_categories(const rule_claim *c);

/* transport: minimum TLS version as the wire code (0x0301 = TLS 1.0 ...
 * 0x0304 = TLS 1.3), 0 when not stated; and the cleartext rule. */
unsigned rule_claim_min_tls(const rule_claim *c);
rule_cleartext rule_claim_cleartext(const rule_claim *c);

/* location: the country codes (count; array in *cc); *excluded (when not
 * NULL) is 1 for not_countries, 0 for countries. */
size_t rule_claim_countries(const rule_claim *c, const char *const **cc,
                            int *excluded);

/* when: the context conditions as parallel key/value arrays (count). */
size_t rule_claim_when(const rule_claim *c, const char *const **keys,
                       const char *const **values);

/* Non-zero when every `when` condition of c is met by the run's context
 * labels (n parallel key/value strings; a key missing from the context
 * fails its condition).  A claim without `when` always applies. */
int rule_claim_applies(const rule_claim *c, const char *const *keys,
                       const char *const *values, size_t n);

/* YAML names: topic, status, assertion kind; NULL when out of range.
 * rule_topic_title() is CR's wording ("Third Party Access").
 * rule_topic_index() returns -1 for an unknown name. */
const char *rule_topic_name(rule_topic t);
const char *rule_topic_title(rule_topic t);
int rule_topic_index(const char *name);
const char *rule_status_name(rule_status st);
const char *rule_assert_name(rule_assert a);

/* Test hook: make the n-th allocation from now on fail (n >= 1), or 0 to
 * stop failing.  Only the unit tests call it. */
void rule_services_fail_alloc_at(long n);

#endif
