/* entities.c - the organisation map: lookups by host name, IP address and
 * ASN, corporate families, categories, countries and registrable domains.
 * References: RFC 1035 s.2.3.4 (name limits), RFC 4632 (CIDR), RFC 4291
 * (IPv6 addressing), ISO 3166-1 alpha-2, the Public Suffix List (via libpsl).
 *
 * Design and invariants
 * ---------------------
 * - A map is built once by entities_load.c and never changes afterwards:
 *   every function here only reads it (the PSL context is loaded once under
 *   pthread_once), so lookups are safe from any number of threads.
 * - Every string the map hands out lives in its arena (a chain of blocks
 *   freed in one go by rpt_entities_free()); organisations live in one
 *   array in file order.  No lookup allocates.
 * - Domains: one hash table keyed by the domain.  A host is matched by
 *   walking its suffixes at label boundaries from the full name to the
 *   top-level label; the first hit is the longest matching domain.
 * - Host patterns: two tables, "x.y" (the name and its subdomains) and
 *   "*.x.y" (strict subdomains); both are keyed without "*.".  Only the
 *   patterns of the organisation the domain walk found are considered, the
 *   longest first.  The loader guarantees each pattern lies under one of its
 *   own organisation's domains and is not shadowed by another's.
 * - Prefixes: per IP version, sorted by (length descending, address) with
 *   one slice per length, so a longest-prefix match is a binary search per
 *   length present, longest first.  Prefixes of different organisations
 *   never overlap (the loader rejects it), so the answer does not depend on
 *   ties.
 * - Parent chains are acyclic (the loader rejects cycles), so walking to
 *   the root terminates.
 */
#define _POSIX_C_SOURCE 200809L
#include "entities_int.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ------------------------------------------------------------ */

struct ent_block {
    ent_block *next;
    size_t used, cap;
    char data[];
};

/* Copy s into the arena of h; the copy lives until rpt_entities_free(h).
 * NULL when memory runs out. */
char *rpt_ent_strdup(rpt_entities *h, const char *s)
{
    size_t n = strlen(s) + 1;
    ent_block *b = h->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->next = h->arena;
        b->used = 0;
        b->cap = cap;
        h->arena = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    b->used += n;
    return p;
}

/* ---- string table ------------------------------------------------------ */

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t x = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        x ^= (unsigned char)s[i];
        x *= 0x100000001b3ull;
    }
    return x;
}

/* Look key[0..len) up; the entry returned is owned by t. */
const ent_name *rpt_ent_htab_find(const ent_htab *t, const char *key,
                                  size_t len)
{
    if (!t->nslot)
        return NULL;
    size_t mask = t->nslot - 1, i = (size_t)fnv1a(key, len) & mask;
    for (; t->slot[i]; i = (i + 1) & mask) {
        const ent_name *e = &t->v[t->slot[i] - 1];
        if (e->len == len && !memcmp(e->key, key, len))
            return e;
    }
    return NULL;
}

static int htab_rehash(ent_htab *t, size_t nslot)
{
    uint32_t *s = calloc(nslot, sizeof(*s));
    if (!s)
        return -1;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)fnv1a(t->v[k].key, t->v[k].len) & (nslot - 1);
        while (s[i])
            i = (i + 1) & (nslot - 1);
        s[i] = (uint32_t)(k + 1);
    }
    free(t->slot);
    t->slot = s;
    t->nslot = nslot;
    return 0;
}

/* Insert a copy of *e (its strings stay owned by the arena); see
 * entities_int.h for the return convention. */
const ent_name *rpt_ent_htab_add(ent_htab *t, const ent_name *e, int *oom)
{
    const ent_name *old = rpt_ent_htab_find(t, e->key, e->len);
    if (old)
        return old;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        ent_name *nv = realloc(t->v, nc * sizeof(*nv));
        if (!nv)
            goto oom;
        t->v = nv;
        t->cap = nc;
    }
    t->v[t->n++] = *e;
    if (t->n * 2 > t->nslot) {
        if (htab_rehash(t, t->nslot ? t->nslot * 2 : 128) < 0) {
            t->n--;
            goto oom;
        }
    } else {
        size_t mask = t->nslot - 1, i = (size_t)fnv1a(e->key, e->len) & mask;
        while (t->slot[i])
            i = (i + 1) & mask;
        t->slot[i] = (uint32_t)t->n;
    }
    return NULL;
oom:
    *oom = 1;
    return e;
}

/* Free the table's arrays (not the strings, which the arena owns). */
void rpt_ent_htab_free(ent_htab *t)
{
    free(t->v);
    free(t->slot);
    memset(t, 0, sizeof(*t));
}

/* ---- create / free / accessors ---------------------------------------- */

rpt_entities *rpt_entities_create(void)
{
    return calloc(1, sizeof(rpt_entities));
}

void rpt_entities_free(rpt_entities *h)
{
    if (!h)
        return;
    free(h->orgs);
    free(h->by_id);
    rpt_ent_htab_free(&h->doms);
    rpt_ent_htab_free(&h->pat_sub);
    rpt_ent_htab_free(&h->pat_strict);
    free(h->p4.v);
    free(h->p6.v);
    free(h->asns);
    while (h->arena) {
        ent_block *n = h->arena->next;
        free(h->arena);
        h->arena = n;
    }
    free(h);
}

size_t rpt_entities_count(const rpt_entities *h)
{
    return h ? h->norgs : 0;
}

const rpt_org *rpt_entities_at(const rpt_entities *h, size_t i)
{
    return h && i < h->norgs ? &h->orgs[i] : NULL;
}

/* qsort/bsearch order of organisations by id. */
int rpt_ent_org_cmp(const void *a, const void *b)
{
    const rpt_org *x = *(const rpt_org *const *)a;
    const rpt_org *y = *(const rpt_org *const *)b;
    return strcmp(x->id, y->id);
}

const rpt_org *rpt_entities_get(const rpt_entities *h, const char *id)
{
    if (!h || !id || !h->by_id)
        return NULL;
    rpt_org key = {.id = id};
    const rpt_org *kp = &key;
    const rpt_org *const *r =
        bsearch(&kp, h->by_id, h->nids, sizeof(*h->by_id), rpt_ent_org_cmp);
    return r ? *r : NULL;
}

const char *rpt_org_id(const rpt_org *o)
{
    return o ? o->id : NULL;
}
const char *rpt_org_name(const rpt_org *o)
{
    return o ? o->name : NULL;
}
const char *rpt_org_parent(const rpt_org *o)
{
    return o ? o->parent : NULL;
}
const char *rpt_org_country(const rpt_org *o)
{
    return o ? o->country : NULL;
}
const char *rpt_org_source(const rpt_org *o)
{
    return o ? o->source : NULL;
}
uint32_t rpt_org_categories(const rpt_org *o)
{
    return o ? o->cats : 0;
}
int rpt_org_line(const rpt_org *o)
{
    return o ? o->line : 0;
}

const rpt_org *rpt_entities_root(const rpt_entities *h, const rpt_org *o)
{
    (void)h;
    if (!o)
        return NULL;
    while (o->up)
        o = o->up;
    return o;
}

int rpt_entities_family(const rpt_entities *h, const char *id_a,
                        const char *id_b)
{
    const rpt_org *a = rpt_entities_get(h, id_a);
    const rpt_org *b = rpt_entities_get(h, id_b);
    if (!a || !b)
        return 0;
    return rpt_entities_root(h, a) == rpt_entities_root(h, b);
}

/* ---- categories and countries ----------------------------------------- */

static const char *const CAT_NAMES[RPT_CAT_COUNT] = {
    [RPT_CAT_ADVERTISING] = "advertising",
    [RPT_CAT_ANALYTICS] = "analytics",
    [RPT_CAT_CRASH_REPORTING] = "crash_reporting",
    [RPT_CAT_TELEMETRY] = "telemetry",
    [RPT_CAT_SOCIAL_MEDIA] = "social_media",
    [RPT_CAT_PUSH] = "push",
    [RPT_CAT_CUSTOMER_SUPPORT] = "customer_support",
    [RPT_CAT_AI_SERVICE] = "ai_service",
    [RPT_CAT_AUTH] = "auth",
    [RPT_CAT_CLOUD] = "cloud",
    [RPT_CAT_CDN] = "cdn",
    [RPT_CAT_OS_SERVICES] = "os_services",
    [RPT_CAT_FIRST_PARTY_SERVICE] = "first_party_service",
    [RPT_CAT_UNKNOWN] = "unknown",
};

const char *rpt_category_name(int i)
{
    return i >= 0 && i < RPT_CAT_COUNT ? CAT_NAMES[i] : NULL;
}

int rpt_category_index(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < RPT_CAT_COUNT; i++)
        if (!strcmp(CAT_NAMES[i], name))
            return i;
    return -1;
}

size_t rpt_categories_str(uint32_t mask, char *buf, size_t len)
{
    char all[RPT_CAT_COUNT * 24]; /* every name and a comma each */
    size_t n = 0;
    for (int i = 0; i < RPT_CAT_COUNT; i++) {
        if (!(mask & RPT_CAT_BIT(i)))
            continue;
        size_t sl = strlen(CAT_NAMES[i]);
        if (n)
            all[n++] = ',';
        memcpy(all + n, CAT_NAMES[i], sl);
        n += sl;
    }
    all[n] = 0;
    if (len)
        snprintf(buf, len, "%s", all);
    return n;
}

/* ISO 3166-1 alpha-2, the 249 officially assigned codes (as shipped in
 * Debian 12's iso-codes 4.15 iso_3166-1.json), sorted. */
static const char COUNTRIES[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI "
    "BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN "
    "CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

int rpt_country_valid(const char *cc)
{
    if (!cc || strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' ||
        cc[1] > 'Z')
        return 0;
    for (size_t i = 0; i + 1 < sizeof(COUNTRIES); i += 3)
        if (COUNTRIES[i] == cc[0] && COUNTRIES[i + 1] == cc[1])
            return 1;
    return 0;
}

/* ---- host names and the public suffix list ----------------------------- */

int rpt_ent_norm_host(const char *host, char *buf, size_t len)
{
    if (!host || !*host || host[0] == '[' || len < ENT_HOST_MAX + 1)
        return -1;
    size_t n = strlen(host);
    const char *colon = strchr(host, ':');
    if (colon) {
        if (strchr(colon + 1, ':'))
            return -1; /* an IPv6 literal */
        size_t pl = n - (size_t)(colon - host) - 1;
        if (pl < 1 || pl > 5 || strspn(colon + 1, "0123456789") != pl)
            return -1;
        n = (size_t)(colon - host);
    }
    if (n && host[n - 1] == '.')
        n--;
    if (n < 1 || n > ENT_HOST_MAX)
        return -1;
    size_t label = 0, last = 0;
    int digits_only = 1;
    for (size_t i = 0; i < n; i++) {
        char c = host[i];
        if (c == '.') {
            if (label == 0)
                return -1;
            label = 0;
            last = i + 1;
            digits_only = 1;
            buf[i] = c;
            continue;
        }
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_'))
            return -1;
        if (!(c >= '0' && c <= '9'))
            digits_only = 0;
        if (++label > 63)
            return -1;
        buf[i] = c;
    }
    (void)last;
    if (label == 0 || digits_only)
        return -1; /* empty last label, or numeric: 192.0.2.1, 1.2.3 */
    buf[n] = 0;
    return (int)n;
}

static const psl_ctx_t *g_psl;
static pthread_once_t g_psl_once = PTHREAD_ONCE_INIT;

static void psl_init(void)
{
    g_psl = psl_latest(NULL);
    if (!g_psl)
        g_psl = psl_builtin();
}

/* The process-wide PSL context, loaded once; never freed (libpsl owns
 * the built-in one, and the loaded one lives as long as the process). */
const psl_ctx_t *rpt_ent_psl(void)
{
    pthread_once(&g_psl_once, psl_init);
    return g_psl;
}

/* See entities.h; out is the caller's buffer. */
int rpt_registrable_domain(const char *host, char *out, size_t len)
{
    char b[ENT_HOST_MAX + 1];
    const psl_ctx_t *psl = rpt_ent_psl();
    if (len)
        out[0] = 0;
    int n = rpt_ent_norm_host(host, b, sizeof(b));
    if (n < 0 || !psl)
        return -1;
    const char *tld = strrchr(b, '.');
    tld = tld ? tld + 1 : b;
    if (!psl_is_public_suffix2(psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return -1; /* localhost, lan, local, ... */
    const char *r = psl_registrable_domain(psl, b);
    if (!r || strlen(r) + 1 > len)
        return -1;
    memcpy(out, r, strlen(r) + 1);
    return 0;
}

/* ---- lookups ----------------------------------------------------------- */

rpt_entity_match rpt_entities_by_host(const rpt_entities *h,
                                      const char *hostname)
{
    rpt_entity_match m = {0};
    char b[ENT_HOST_MAX + 1];
    if (!h || rpt_ent_norm_host(hostname, b, sizeof(b)) < 0)
        return m;
    size_t n = strlen(b);
    const ent_name *d = NULL;
    for (size_t off = 0; off < n && !d;) {
        d = rpt_ent_htab_find(&h->doms, b + off, n - off);
        const char *dot = memchr(b + off, '.', n - off);
        if (!dot)
            break;
        off = (size_t)(dot - b) + 1;
    }
    if (!d)
        return m;
    m.org = d->org;
    m.categories = d->org->cats;
    m.matched = d->text;
    /* The organisation's longest host pattern, if any. */
    for (size_t off = 0; off < n;) {
        const ent_name *p = rpt_ent_htab_find(&h->pat_sub, b + off, n - off);
        if (p && p->org == d->org) {
            m.categories = p->cats;
            m.matched = p->text;
            m.by_pattern = 1;
            break;
        }
        if (off > 0) {
            p = rpt_ent_htab_find(&h->pat_strict, b + off, n - off);
            if (p && p->org == d->org) {
                m.categories = p->cats;
                m.matched = p->text;
                m.by_pattern = 1;
                break;
            }
        }
        const char *dot = memchr(b + off, '.', n - off);
        if (!dot)
            break;
        off = (size_t)(dot - b) + 1;
    }
    return m;
}

static void mask_addr(uint8_t *a, int nbytes, int len)
{
    for (int i = 0; i < nbytes; i++) {
        int bits = len - 8 * i;
        if (bits >= 8)
            continue;
        a[i] = bits <= 0 ? 0 : (uint8_t)(a[i] & (0xFF00u >> bits));
    }
}

static int pfx_addr_cmp(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 16);
}

static int pfx_sort_cmp(const void *x, const void *y)
{
    const ent_pfx *a = x, *b = y;
    if (a->len != b->len)
        return a->len > b->len ? -1 : 1;
    int c = pfx_addr_cmp(a->a, b->a);
    if (c)
        return c;
    return a->line - b->line;
}

/* Sort p->v in place and fill p->grp (p owns its array). */
void rpt_ent_pfxset_index(ent_pfxset *p)
{
    if (p->n)
        qsort(p->v, p->n, sizeof(*p->v), pfx_sort_cmp);
    p->ngrp = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->ngrp == 0 || p->grp[p->ngrp - 1].len != p->v[i].len) {
            p->grp[p->ngrp].len = p->v[i].len;
            p->grp[p->ngrp].start = i;
            p->ngrp++;
        }
        p->grp[p->ngrp - 1].end = i + 1;
    }
}

rpt_entity_match rpt_entities_by_ip(const rpt_entities *h, int ipver,
                                    const void *addr)
{
    rpt_entity_match m = {0};
    if (!h || !addr || (ipver != 4 && ipver != 6))
        return m;
    const ent_pfxset *p = ipver == 4 ? &h->p4 : &h->p6;
    int nbytes = ipver == 4 ? 4 : 16;
    for (int g = 0; g < p->ngrp; g++) {
        uint8_t k[16] = {0};
        memcpy(k, addr, (size_t)nbytes);
        mask_addr(k, nbytes, p->grp[g].len);
        size_t lo = p->grp[g].start, hi = p->grp[g].end;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = pfx_addr_cmp(p->v[mid].a, k);
            if (c == 0) {
                m.org = p->v[mid].org;
                m.categories = m.org->cats;
                m.matched = p->v[mid].text;
                return m;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return m;
}

rpt_entity_match rpt_entities_by_asn(const rpt_entities *h, uint32_t asn)
{
    rpt_entity_match m = {0};
    if (!h)
        return m;
    size_t lo = 0, hi = h->nasns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->asns[mid].asn == asn) {
            m.org = h->asns[mid].org;
            m.categories = m.org->cats;
            m.matched = h->asns[mid].text;
            return m;
        }
        if (h->asns[mid].asn < asn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return m;
}
