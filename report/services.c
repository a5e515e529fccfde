/* services.c - service rules: the loaded set, its accessors and the
 * recognisers the audit uses to tell a service's own flows from the rest.
 * Prefix matching follows RFC 4632 (IPv4 CIDR) and RFC 4291 s.2.3 (IPv6
 * prefixes); host names are compared as RFC 1035 labels.
 *
 * A rule_services is an arena plus an array of services: every string,
 * array, document and claim of every service was copied into the arena by
 * the loader (services_load.c), so the set is immutable after loading and
 * rule_services_free() is one arena release.  Recognisers are linear scans:
 * a service lists tens of entries, and the audit asks once per flow.
 *
 * Allocation: rule_alloc() is the module's single entry to malloc, with a
 * countdown the unit tests use to fail the n-th allocation and check that
 * every path cleans up (ASan reports the leaks if one does not).
 */
#define _POSIX_C_SOURCE 200809L
#include "services_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- allocation --------------------------------------------------------- */

static long fail_countdown; /* 0: never fail; n: the n-th call fails */

void rule_services_fail_alloc_at(long n) { fail_countdown = n > 0 ? n : 0; }

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    return --fail_countdown == 0;
}

void *rule_alloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *rule_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void rule_free(void *p) { free(p); }

struct rule_arena_chunk {
    rule_arena_chunk *next;
    size_t used, size;
    max_align_t data[]; /* size bytes */
};

#define ARENA_CHUNK 16384u

void *rule_arena_alloc(rule_arena *a, size_t n)
{
    const size_t al = sizeof(max_align_t);
    rule_arena_chunk *c = a->head;
    if (n > SIZE_MAX / 2)
        return NULL;
    n = n ? (n + al - 1) / al * al : al;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = rule_alloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *rule_arena_strndup(rule_arena *a, const char *s, size_t n)
{
    char *d = rule_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

void rule_arena_move(rule_arena *dst, rule_arena *src)
{
    rule_arena_chunk **tail = &src->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = dst->head;
    dst->head = src->head;
    src->head = NULL;
}

void rule_arena_free(rule_arena *a)
{
    while (a->head) {
        rule_arena_chunk *c = a->head;
        a->head = c->next;
        rule_free(c);
    }
}

/* ---- the set ------------------------------------------------------------ */

rule_services *rule_services_create(void)
{
    rule_services *s = rule_alloc(sizeof(*s));
    if (s)
        memset(s, 0, sizeof(*s));
    return s;
}

void rule_services_free(rule_services *s)
{
    if (!s)
        return;
    rule_arena_free(&s->arena);
    rule_free(s->v);
    rule_free(s);
}

int rule_services_add(rule_services *s, rule_service *v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4;
        rule_service **nv = rule_realloc(s->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return 0;
}

size_t rule_services_count(const rule_services *s) { return s ? s->n : 0; }

const rule_service *rule_services_at(const rule_services *s, size_t i)
{
    return s && i < s->n ? s->v[i] : NULL;
}

const rule_service *rule_services_get(const rule_services *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->n; i++)
        if (!strcmp(s->v[i]->id, id))
            return s->v[i];
    return NULL;
}

/* ---- names -------------------------------------------------------------- */

static const struct {
    const char *name, *title;
} TOPICS[RULE_TOPIC_COUNT] = {
    { "personal_data_leak", "Personal Data Leak" },
    { "first_party_data_collection", "First Party Data Collection" },
    { "data_enhancement", "Data Enhancement" },
    { "third_party_access", "Third Party Access" },
    { "employer_school_sponsorship",
      "Implications of Employer or School Sponsorship of Service" },
    { "data_deletion_retention", "Data Deletion and Retention" },
    { "host_vs_participant", "Differentiation Between Data Collected from "
                             "Hosts Versus from Participants" },
    { "product_development", "Information Used for Product Development" },
    { "data_sale_sharing", "Data that Can be Sold or Shared as Part of a "
                           "Transaction" },
    { "ml_ai_human_review", "Access to Data for Machine Learning, AI "
                            "Analysis, or Human Review" },
    { "transport_security", "Transport Security" },
    { "data_location", "Data Location" },
};

static const char *const STATUSES[RULE_STATUS_COUNT] = {
    "verbatim", "secondary", "unverified"
};

static const char *const ASSERTS[] = {
    "discloses", "denies", "transport", "location"
};

const char *rule_topic_name(rule_topic t)
{
    return (unsigned)t < RULE_TOPIC_COUNT ? TOPICS[t].name : NULL;
}

const char *rule_topic_title(rule_topic t)
{
    return (unsigned)t < RULE_TOPIC_COUNT ? TOPICS[t].title : NULL;
}

int rule_topic_index(const char *name)
{
    for (int i = 0; name && i < RULE_TOPIC_COUNT; i++)
        if (!strcmp(TOPICS[i].name, name))
            return i;
    return -1;
}

const char *rule_status_name(rule_status st)
{
    return (unsigned)st < RULE_STATUS_COUNT ? STATUSES[st] : NULL;
}

const char *rule_assert_name(rule_assert a)
{
    return (unsigned)a < sizeof(ASSERTS) / sizeof(ASSERTS[0]) ? ASSERTS[a]
                                                              : NULL;
}

/* ---- service, document and claim accessors ------------------------------ */

const char *rule_service_id(const rule_service *v) { return v->id; }
const char *rule_service_name(const rule_service *v) { return v->name; }
const char *rule_service_operator(const rule_service *v) { return v->op; }
const char *rule_service_file(const rule_service *v) { return v->file; }

#define LIST_ACCESSOR(fn, arr, cnt)                                         \
    size_t fn(const rule_service *v, const char *const **items)             \
    {                                                                       \
        if (items)                                                          \
            *items = (const char *const *)v->arr;                           \
        return v->cnt;                                                      \
    }
LIST_ACCESSOR(rule_service_ndpi, ndpi, nndpi)
LIST_ACCESSOR(rule_service_domains, domains, ndomains)
LIST_ACCESSOR(rule_service_prefixes, pfx_text, npfx)
LIST_ACCESSOR(rule_service_ports, port_text, nports)

size_t rule_service_doc_count(const rule_service *v) { return v->ndocs; }

const rule_doc *rule_service_doc_at(const rule_service *v, size_t i)
{
    return i < v->ndocs ? &v->docs[i] : NULL;
}

const rule_doc *rule_service_doc_get(const rule_service *v, const char *id)
{
    for (size_t i = 0; id && i < v->ndocs; i++)
        if (!strcmp(v->docs[i].id, id))
            return &v->docs[i];
    return NULL;
}

const char *rule_doc_id(const rule_doc *d) { return d->id; }
const char *rule_doc_title(const rule_doc *d) { return d->title; }
const char *rule_doc_url(const rule_doc *d) { return d->url; }
const char *rule_doc_date(const rule_doc *d) { return d->date; }
const char *rule_doc_retrieved(const rule_doc *d) { return d->retrieved; }
const char *rule_doc_note(const rule_doc *d) { return d->note; }

size_t rule_service_claim_count(const rule_service *v) { return v->nclaims; }

const rule_claim *rule_service_claim_at(const rule_service *v, size_t i)
{
    return i < v->nclaims ? &v->claims[i] : NULL;
}

const rule_claim *rule_service_claim_get(const rule_service *v,
                                         const char *id)
{
    for (size_t i = 0; id && i < v->nclaims; i++)
        if (!strcmp(v->claims[i].id, id))
            return &v->claims[i];
    return NULL;
}

const rule_service *rule_claim_service(const rule_claim *c) { return c->svc; }
const char *rule_claim_id(const rule_claim *c) { return c->id; }
rule_topic rule_claim_topic(const rule_claim *c) { return c->topic; }
const char *rule_claim_quote(const rule_claim *c) { return c->quote; }
const rule_doc *rule_claim_source(const rule_claim *c) { return c->source; }
const char *rule_claim_source_section(const rule_claim *c)
{
    return c->section;
}
rule_status rule_claim_status(const rule_claim *c) { return c->status; }
const char *rule_claim_note(const rule_claim *c) { return c->note; }
int rule_claim_line(const rule_claim *c) { return c->line; }
rule_assert rule_claim_assert(const rule_claim *c) { return c->kind; }
uint32_t rule_claim_categories(const rule_claim *c) { return c->cats; }
unsigned rule_claim_min_tls(const rule_claim *c) { return c->min_tls; }
rule_cleartext rule_claim_cleartext(const rule_claim *c)
{
    return c->cleartext;
}

size_t rule_claim_orgs(const rule_claim *c, const char *const **ids)
{
    if (ids)
        *ids = (const char *const *)c->orgs;
    return c->norgs;
}

size_t rule_claim_countries(const rule_claim *c, const char *const **cc,
                            int *excluded)
{
    if (cc)
        *cc = (const char *const *)c->countries;
    if (excluded)
        *excluded = c->excluded;
    return c->ncountries;
}

size_t rule_claim_when(const rule_claim *c, const char *const **keys,
                       const char *const **values)
{
    if (keys)
        *keys = (const char *const *)c->wkeys;
    if (values)
        *values = (const char *const *)c->wvals;
    return c->nwhen;
}

int rule_claim_applies(const rule_claim *c, const char *const *keys,
                       const char *const *values, size_t n)
{
    for (size_t i = 0; i < c->nwhen; i++) {
        int met = 0;
        for (size_t j = 0; j < n && !met; j++)
            met = keys[j] && values[j] && !strcmp(keys[j], c->wkeys[i]) &&
                  !strcmp(values[j], c->wvals[i]);
        if (!met)
            return 0;
    }
    return 1;
}

/* ---- prefixes and names ------------------------------------------------- */

int rule_parse_prefix(const char *text, rule_pfx *p)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    if (alen == 0 || alen >= sizeof(addr))
        return -1;
    memcpy(addr, text, alen);
    addr[alen] = 0;
    memset(p, 0, sizeof(*p));
    if (inet_pton(AF_INET, addr, p->a) == 1)
        p->ver = 4;
    else if (inet_pton(AF_INET6, addr, p->a) == 1)
        p->ver = 6;
    else
        return -1;
    int max = p->ver == 4 ? 32 : 128;
    p->len = max;
    if (slash) {
        const char *d = slash + 1;
        size_t nd = strspn(d, "0123456789");
        if (nd == 0 || nd > 3 || d[nd] || (nd > 1 && d[0] == '0'))
            return -1;
        p->len = atoi(d);
        if (p->len > max)
            return -1;
    }
    for (int bit = p->len; bit < max; bit++)
        if (p->a[bit / 8] & (0x80u >> (bit % 8)))
            return -2;
    return 0;
}

int rule_domain_valid(const char *d)
{
    size_t n = strlen(d), label = 0, labels = 0;
    if (n >= 2 && d[0] == '*' && d[1] == '.') {
        d += 2;
        n -= 2;
    }
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        char ch = d[i];
        if (ch == '.' || ch == 0) {
            if (label == 0 || label > 63 || d[i - 1] == '-')
                return 0;
            labels++;
            label = 0;
            continue;
        }
        if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) ||
              (ch == '-' && label > 0) || ch == '_'))
            return 0;
        label++;
    }
    return labels >= 2;
}

/* ---- recognisers -------------------------------------------------------- */

const char *rule_service_recognises_ndpi(const rule_service *v,
                                         const char *name)
{
    if (!name)
        return NULL;
    for (const char *part = name; *part;) {
        size_t len = strcspn(part, ".");
        for (size_t i = 0; i < v->nndpi; i++)
            if (strlen(v->ndpi[i]) == len &&
                !strncasecmp(v->ndpi[i], part, len))
                return v->ndpi[i];
        part += len;
        if (*part == '.')
            part++;
    }
    return NULL;
}

/* Lower-case host into out without one trailing dot or a ":port"; 0 when it
 * is empty, too long, or an IP literal. */
static int norm_host(const char *host, char *out, size_t outlen)
{
    size_t n = strlen(host);
    const char *colon = strchr(host, ':');
    if (colon && !strchr(colon + 1, ':')) {
        size_t pl = strlen(colon + 1);
        if (pl == 0 || strspn(colon + 1, "0123456789") != pl)
            return 0;
        n = (size_t)(colon - host);
    } else if (colon) {
        return 0; /* several colons: an IPv6 literal */
    }
    if (n && host[n - 1] == '.')
        n--;
    if (n == 0 || n >= outlen || host[0] == '[')
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    out[n] = 0;
    unsigned char tmp[16];
    return inet_pton(AF_INET, out, tmp) != 1;
}

const char *rule_service_recognises_host(const rule_service *v,
                                         const char *host)
{
    char h[256];
    if (!host || !norm_host(host, h, sizeof(h)))
        return NULL;
    size_t hl = strlen(h);
    for (size_t i = 0; i < v->ndomains; i++) {
        const char *d = v->domains[i];
        int strict = d[0] == '*';
        if (strict)
            d += 2;
        size_t dl = strlen(d);
        if (hl == dl && !strict && !strcmp(h, d))
            return v->domains[i];
        if (hl > dl && h[hl - dl - 1] == '.' && !strcmp(h + hl - dl, d))
            return v->domains[i];
    }
    return NULL;
}

static int in_prefix(const rule_pfx *p, const uint8_t *a)
{
    int full = p->len / 8, rest = p->len % 8;
    if (memcmp(p->a, a, (size_t)full))
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
    return (a[full] & mask) == p->a[full];
}

const char *rule_service_recognises_ip(const rule_service *v, int ipver,
                                       const void *addr)
{
    const char *best = NULL;
    int best_len = -1;
    if (!addr || (ipver != 4 && ipver != 6))
        return NULL;
    for (size_t i = 0; i < v->npfx; i++)
        if (v->pfx[i].ver == ipver && v->pfx[i].len > best_len &&
            in_prefix(&v->pfx[i], addr)) {
            best = v->pfx_text[i];
            best_len = v->pfx[i].len;
        }
    return best;
}

const char *rule_service_recognises_ip_str(const rule_service *v,
                                           const char *ip)
{
    uint8_t a[16];
    if (!ip)
        return NULL;
    if (inet_pton(AF_INET, ip, a) == 1)
        return rule_service_recognises_ip(v, 4, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return rule_service_recognises_ip(v, 6, a);
    return NULL;
}

const char *rule_service_recognises_port(const rule_service *v, int ipproto,
                                         unsigned port)
{
    for (size_t i = 0; i < v->nports; i++)
        if (v->ports[i].proto == ipproto && port >= v->ports[i].lo &&
            port <= v->ports[i].hi)
            return v->port_text[i];
    return NULL;
}
