/* entities_org.c - validate one organisation of rules/entities.yaml: its
 * keys, types, id, country, categories, domains, host patterns, prefixes
 * and ASNs.
 * References: RFC 4632 (CIDR), RFC 4291 (IPv6), RFC 1035 s.2.3.4 (names),
 * RFC 6793 / 5398 / 6996 / 7300 (reserved and private ASNs), ISO 3166-1.
 *
 * Every problem is reported on the node at fault and the walk goes on, so
 * one run shows every mistake of an entry.  Values that fail a check are
 * left NULL/0 in the organisation (the map is discarded anyway).
 */
#define _POSIX_C_SOURCE 200809L
#include "entities_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grow *v (element size sz, owned by the caller) so that one more element
 * fits; 0, or -1 when memory ran out (*v unchanged). */
int rpt_ent_grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

/* Record one problem; the loader owns the formatted copy (freed after
 * reporting).  Running out of memory sets L->oom instead. */
void rpt_ent_problem(ent_loader *L, int line, int col, const char *fmt, ...)
{
    char msg[600], full[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(full, sizeof(full), "%s:%d:%d: %s", L->file, line, col, msg);
    else
        snprintf(full, sizeof(full), "%s: %s", L->file, msg);
    char *s = strdup(full);
    if (!s ||
        rpt_ent_grow((void **)&L->d, &L->capd, L->nd, sizeof(*L->d)) < 0) {
        free(s);
        L->oom = 1;
        return;
    }
    L->d[L->nd] = (ent_diag){line, col, L->nd, s};
    L->nd++;
}

#define AT(n) (n)->line, (n)->col

/* ---- field checks ------------------------------------------------------ */

static const char *want_str(ent_loader *L, const rpt_ynode *v, const char *key)
{
    if (v->kind != RPT_Y_SCALAR) {
        rpt_ent_problem(L, AT(v), "'%s' must be a string, not %s", key,
                        rpt_ynode_kind_name(v));
        return NULL;
    }
    if (v->len == 0) {
        rpt_ent_problem(L, AT(v), "'%s' is empty", key);
        return NULL;
    }
    return v->str;
}

static int want_list(ent_loader *L, const rpt_ynode *v, const char *key)
{
    if (v->kind == RPT_Y_SEQ)
        return 0;
    rpt_ent_problem(L, AT(v), "'%s' must be a list, not %s", key,
                    rpt_ynode_kind_name(v));
    return -1;
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64 ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

/* A lower-case host name with at least two labels. */
static int valid_domain(const char *s)
{
    char b[ENT_HOST_MAX + 1];
    return rpt_ent_norm_host(s, b, sizeof(b)) >= 0 && !strcmp(b, s) &&
           strchr(s, '.') != NULL;
}

/* Categories from a list node; 0 after reporting when invalid. */
static uint32_t categories(ent_loader *L, const rpt_ynode *v, const char *key)
{
    uint32_t mask = 0;
    int bad = 0;
    if (want_list(L, v, key) < 0)
        return 0;
    if (v->n == 0) {
        rpt_ent_problem(L, AT(v), "'%s' is empty", key);
        return 0;
    }
    for (size_t i = 0; i < v->n; i++) {
        const rpt_ynode *c = v->items[i];
        const char *s = want_str(L, c, "a category");
        int k = s ? rpt_category_index(s) : -1;
        if (s && k < 0)
            rpt_ent_problem(L, AT(c), "unknown category '%s'", s);
        if (k < 0)
            bad = 1;
        else
            mask |= RPT_CAT_BIT(k);
    }
    return bad ? 0 : mask;
}

static void add_domain(ent_loader *L, rpt_org *o, const rpt_ynode *v)
{
    const char *s = want_str(L, v, "a domain");
    if (!s)
        return;
    if (!strncmp(s, "*.", 2)) {
        rpt_ent_problem(L, AT(v),
                        "domain '%s': write it without '*.' (a domain already "
                        "covers its subdomains)",
                        s);
        return;
    }
    if (!valid_domain(s)) {
        rpt_ent_problem(
            L, AT(v),
            "invalid domain '%s' (expected a lower-case host name such "
            "as example.com)",
            s);
        return;
    }
    const psl_ctx_t *psl = rpt_ent_psl();
    if (psl &&
        psl_is_public_suffix2(psl, s, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) {
        rpt_ent_problem(L, AT(v), "domain '%s' is a public suffix", s);
        return;
    }
    ent_name e = {.key = rpt_ent_strdup(L->h, s),
                  .org = o,
                  .line = v->line,
                  .col = v->col};
    if (!e.key) {
        L->oom = 1;
        return;
    }
    e.len = strlen(e.key);
    e.text = e.key;
    const ent_name *old = rpt_ent_htab_add(&L->h->doms, &e, &L->oom);
    if (old && old != &e) {
        if (old->org == o)
            rpt_ent_problem(L, AT(v), "duplicate domain '%s' (line %d)", s,
                            old->line);
        else
            rpt_ent_problem(L, AT(v),
                            "domain '%s' is already claimed by '%s' (line %d)",
                            s, old->org->id, old->line);
    }
}

static void add_pattern(ent_loader *L, rpt_org *o, const rpt_ynode *k,
                        const rpt_ynode *v)
{
    const char *s = k->str;
    int strict = !strncmp(s, "*.", 2);
    const char *base = strict ? s + 2 : s;
    if (!valid_domain(base)) {
        rpt_ent_problem(
            L, AT(k),
            "invalid host pattern '%s' (expected host.example.com or "
            "*.example.com)",
            s);
        return;
    }
    uint32_t cats = categories(L, v, s);
    if (!cats)
        return;
    if (rpt_ent_grow((void **)&L->pats, &L->cappats, L->npats,
                     sizeof(*L->pats)) < 0) {
        L->oom = 1;
        return;
    }
    ent_pending_pat *p = &L->pats[L->npats];
    p->e = (ent_name){.key = rpt_ent_strdup(L->h, base),
                      .org = o,
                      .cats = cats,
                      .text = rpt_ent_strdup(L->h, s),
                      .line = k->line,
                      .col = k->col};
    p->strict = strict;
    if (!p->e.key || !p->e.text) {
        L->oom = 1;
        return;
    }
    p->e.len = strlen(p->e.key);
    L->npats++;
}

/* Parse "addr/len" into p; 0 on success, else reports and returns -1. */
static int parse_prefix(ent_loader *L, const rpt_ynode *v, ent_pfx *p)
{
    const char *s = want_str(L, v, "a prefix");
    char a[INET6_ADDRSTRLEN + 8];
    if (!s)
        return -1;
    const char *slash = strchr(s, '/');
    size_t al = slash ? (size_t)(slash - s) : 0;
    int ver = strchr(s, ':') ? 6 : 4, max = ver == 4 ? 32 : 128;
    if (!slash || al == 0 || al >= sizeof(a) || slash[1] == 0 ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
        strlen(slash + 1) > 3)
        goto bad;
    memcpy(a, s, al);
    a[al] = 0;
    memset(p, 0, sizeof(*p));
    if (inet_pton(ver == 4 ? AF_INET : AF_INET6, a, p->a) != 1)
        goto bad;
    p->len = atoi(slash + 1);
    p->ver = ver;
    if (p->len > max) {
        rpt_ent_problem(L, AT(v),
                        "prefix length out of range in '%s' (at most %d)", s,
                        max);
        return -1;
    }
    int nbytes = ver == 4 ? 4 : 16;
    for (int i = 0; i < nbytes; i++) {
        int bits = p->len - 8 * i;
        uint8_t keep = bits >= 8   ? 0xFF
                       : bits <= 0 ? 0
                                   : (uint8_t)(0xFF00u >> bits);
        if (p->a[i] & (uint8_t)~keep) {
            uint8_t net[16];
            char ns[INET6_ADDRSTRLEN];
            memcpy(net, p->a, sizeof(net));
            for (int j = 0; j < nbytes; j++) {
                int bb = p->len - 8 * j;
                net[j] &= bb >= 8   ? 0xFF
                          : bb <= 0 ? 0
                                    : (uint8_t)(0xFF00u >> bb);
            }
            inet_ntop(ver == 4 ? AF_INET : AF_INET6, net, ns, sizeof(ns));
            rpt_ent_problem(L, AT(v),
                            "host bits set in prefix '%s' (the network is "
                            "%s/%d)",
                            s, ns, p->len);
            return -1;
        }
    }
    p->text = rpt_ent_strdup(L->h, s);
    p->line = v->line;
    p->col = v->col;
    if (!p->text) {
        L->oom = 1;
        return -1;
    }
    return 0;
bad:
    rpt_ent_problem(
        L, AT(v),
        "invalid prefix '%s' (expected CIDR such as 192.0.2.0/24 or "
        "2001:db8::/32)",
        s);
    return -1;
}

static int reserved_asn(uint32_t a)
{
    return a == 0 || a == 23456 || (a >= 64496 && a <= 131071) ||
           a >= 4200000000u;
}

static void add_asn(ent_loader *L, rpt_org *o, const rpt_ynode *v)
{
    char t[16];
    if (v->kind != RPT_Y_SCALAR || !v->plain || v->len < 1 || v->len > 10 ||
        strspn(v->str, "0123456789") != v->len ||
        strtoull(v->str, NULL, 10) > 0xFFFFFFFFull) {
        rpt_ent_problem(L, AT(v),
                        "invalid ASN '%s' (expected an unquoted number such "
                        "as 16509)",
                        v->kind == RPT_Y_SCALAR ? v->str : "...");
        return;
    }
    uint32_t a = (uint32_t)strtoull(v->str, NULL, 10);
    if (reserved_asn(a)) {
        rpt_ent_problem(L, AT(v), "ASN %s is reserved or private", v->str);
        return;
    }
    if (rpt_ent_grow((void **)&L->asn, &L->capasn, L->nasn, sizeof(*L->asn)) <
        0) {
        L->oom = 1;
        return;
    }
    snprintf(t, sizeof(t), "AS%u", (unsigned)a);
    L->asn[L->nasn] = (ent_asn){a, o, rpt_ent_strdup(L->h, t), v->line, v->col};
    if (!L->asn[L->nasn].text)
        L->oom = 1;
    else
        L->nasn++;
}

/* ---- one organisation -------------------------------------------------- */

enum {
    K_ID,
    K_NAME,
    K_PARENT,
    K_COUNTRY,
    K_CATS,
    K_DOMAINS,
    K_HOSTS,
    K_PREFIXES,
    K_ASNS,
    K_SOURCE,
    K_N
};
static const char *const ORG_KEYS[K_N] = {
    "id",      "name",  "parent",   "country", "categories",
    "domains", "hosts", "prefixes", "asns",    "source",
};

static const char *dup_str(ent_loader *L, const char *s)
{
    const char *r = s ? rpt_ent_strdup(L->h, s) : NULL;
    if (s && !r)
        L->oom = 1;
    return r;
}

/* Validate one organisation entry (see entities_int.h); strings are
 * copied into the map's arena, nodes stay owned by the document. */
void rpt_ent_check_org(ent_loader *L, const rpt_ynode *m, rpt_org *o)
{
    const rpt_ynode *f[K_N] = {0};
    o->line = m->line;
    if (m->kind != RPT_Y_MAP) {
        rpt_ent_problem(L, AT(m), "an organisation must be a mapping, not %s",
                        rpt_ynode_kind_name(m));
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        const rpt_ynode *k = m->items[2 * i], *v = m->items[2 * i + 1];
        int idx = -1;
        for (int j = 0; j < K_N; j++)
            if (!strcmp(k->str, ORG_KEYS[j]))
                idx = j;
        if (idx < 0)
            rpt_ent_problem(L, AT(k), "unknown key '%s'", k->str);
        else if (f[idx])
            rpt_ent_problem(L, AT(k), "duplicate key '%s' (line %d)", k->str,
                            f[idx]->line);
        else
            f[idx] = v;
    }

    const char *id = f[K_ID] ? want_str(L, f[K_ID], "id") : NULL;
    if (id && !valid_id(id)) {
        rpt_ent_problem(
            L, AT(f[K_ID]),
            "invalid id '%s' (lower-case letters, digits, '.', '-', "
            "'_')",
            id);
        id = NULL;
    }
    if (!f[K_ID])
        rpt_ent_problem(L, AT(m), "organisation has no 'id'");
    o->id = dup_str(L, id);
    if (f[K_ID]) {
        o->iline = f[K_ID]->line;
        o->icol = f[K_ID]->col;
    }
    static const int required[] = {K_NAME, K_COUNTRY, K_CATS, K_SOURCE};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!f[required[i]])
            rpt_ent_problem(L, AT(m), "organisation '%s' has no '%s'",
                            id ? id : "?", ORG_KEYS[required[i]]);

    if (f[K_NAME])
        o->name = dup_str(L, want_str(L, f[K_NAME], "name"));
    if (f[K_SOURCE])
        o->source = dup_str(L, want_str(L, f[K_SOURCE], "source"));
    if (f[K_PARENT]) {
        const char *p = want_str(L, f[K_PARENT], "parent");
        if (p && !valid_id(p)) {
            rpt_ent_problem(L, AT(f[K_PARENT]), "invalid parent id '%s'", p);
            p = NULL;
        }
        o->parent = dup_str(L, p);
        o->pline = f[K_PARENT]->line;
        o->pcol = f[K_PARENT]->col;
    }
    if (f[K_COUNTRY]) {
        const char *c = want_str(L, f[K_COUNTRY], "country");
        if (c && !rpt_country_valid(c)) {
            rpt_ent_problem(
                L, AT(f[K_COUNTRY]),
                "'%s' is not an ISO 3166-1 alpha-2 country code%s", c,
                !strcmp(c, "UK") ? " (the United Kingdom is GB)" : "");
            c = NULL;
        }
        o->country = dup_str(L, c);
    }
    if (f[K_CATS])
        o->cats = categories(L, f[K_CATS], "categories");
    if (f[K_DOMAINS] && want_list(L, f[K_DOMAINS], "domains") == 0)
        for (size_t i = 0; i < f[K_DOMAINS]->n; i++)
            add_domain(L, o, f[K_DOMAINS]->items[i]);
    if (f[K_HOSTS]) {
        const rpt_ynode *hm = f[K_HOSTS];
        if (hm->kind != RPT_Y_MAP)
            rpt_ent_problem(L, AT(hm),
                            "'hosts' must be a mapping of host pattern to "
                            "categories, not %s",
                            rpt_ynode_kind_name(hm));
        else
            for (size_t i = 0; i < hm->n; i++)
                add_pattern(L, o, hm->items[2 * i], hm->items[2 * i + 1]);
    }
    if (f[K_PREFIXES] && want_list(L, f[K_PREFIXES], "prefixes") == 0)
        for (size_t i = 0; i < f[K_PREFIXES]->n; i++) {
            ent_pfx p;
            if (parse_prefix(L, f[K_PREFIXES]->items[i], &p) < 0)
                continue;
            if (rpt_ent_grow((void **)&L->pfx, &L->cappfx, L->npfx,
                             sizeof(*L->pfx)) < 0) {
                L->oom = 1;
                return;
            }
            p.org = o;
            L->pfx[L->npfx++] = p;
        }
    if (f[K_ASNS] && want_list(L, f[K_ASNS], "asns") == 0)
        for (size_t i = 0; i < f[K_ASNS]->n; i++)
            add_asn(L, o, f[K_ASNS]->items[i]);
}
