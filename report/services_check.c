/* services_check.c - the schema walk over a service rule file's tree
 * (rules/README.md, "Service rules").  Countries are ISO 3166-1 alpha-2;
 * prefixes RFC 4632 / RFC 4291 s.2.3; TLS versions the wire codes of
 * RFC 8446 s.4.2.1.
 *
 * rule_check_service() visits every node the schema knows, fills the
 * rule_service as it goes and records every problem with the line and
 * column of the node at fault - it never stops at the first, so `meetaudit
 * rules check` can show them all.  A value that fails a check is left out of
 * the service; the caller discards a service with any problem, so partial
 * services never escape.  Documents are checked before claims whatever
 * their order in the file, so a claim's source can always be resolved.
 *
 * Memory: strings of the service point into the tree (same arena); arrays
 * are allocated in v->a; problem messages are heap strings owned by v.
 */
#define _POSIX_C_SOURCE 200809L
#include "services_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef rule_vctx vctx;
typedef rule_problem problem;
typedef const rule_ynode node;

/* ---- problems ----------------------------------------------------------- */

static void vprob(vctx *v, node *at, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (v->pn == v->pcap) {
        size_t cap = v->pcap ? 2 * v->pcap : 16;
        problem *np = rule_realloc(v->pv, cap * sizeof(*np));
        if (!np) {
            v->oom = 1;
            return;
        }
        v->pv = np;
        v->pcap = cap;
    }
    int line = at ? at->line : 0, col = at ? at->col : 0;
    size_t need = strlen(v->file) + strlen(msg) + 32;
    char *s = rule_alloc(need);
    if (!s) {
        v->oom = 1;
        return;
    }
    if (at)
        snprintf(s, need, "%s:%d:%d: %s", v->file, line, col, msg);
    else
        snprintf(s, need, "%s: %s", v->file, msg);
    v->pv[v->pn] = (problem){ line, col, v->pn, s };
    v->pn++;
}

static void prob(vctx *v, node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprob(v, at, fmt, ap);
    va_end(ap);
}

void rule_prob(rule_vctx *v, const rule_ynode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprob(v, at, fmt, ap);
    va_end(ap);
}

/* ---- tree helpers ------------------------------------------------------- */

static const char *kind_name(node *n)
{
    return n->kind == RULE_Y_SCALAR ? "a string"
           : n->kind == RULE_Y_SEQ  ? "a list"
                                    : "a mapping";
}

static const char *const KIND_NAMES[] = { "a string", "a list", "a mapping" };

/* Non-zero when n has kind k; else reports it against key. */
static int want(vctx *v, node *n, rule_ykind k, const char *key)
{
    if (n->kind == k)
        return 1;
    prob(v, n, "expected %s for \"%s\", found %s", KIND_NAMES[k], key,
         kind_name(n));
    return 0;
}

/* The value of key in map (first occurrence), or NULL. */
static node *get(node *map, const char *key)
{
    for (size_t i = 0; map && map->kind == RULE_Y_MAP && i < map->n; i++)
        if (!strcmp(map->items[2 * i]->str, key))
            return map->items[2 * i + 1];
    return NULL;
}

/* Absent, or an empty list (other kinds are reported elsewhere). */
static int absent_or_empty(node *n)
{
    return !n || (n->kind == RULE_Y_SEQ && n->n == 0);
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

/* Unknown and duplicate keys, then missing required ones (at the map). */
static void check_keys(vctx *v, node *map, const char *what,
                       const char *const *allowed,
                       const char *const *required)
{
    for (size_t i = 0; i < map->n; i++) {
        node *k = map->items[2 * i];
        if (!in_list(k->str, allowed)) {
            prob(v, k, "unknown key \"%s\" in %s", k->str, what);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(map->items[2 * j]->str, k->str)) {
                prob(v, k, "duplicate key \"%s\"", k->str);
                break;
            }
    }
    for (; required && *required; required++)
        if (!get(map, *required))
            prob(v, map, "missing key \"%s\" in %s", *required, what);
}

/* The string value of key in map: NULL (reported) when it is not a string
 * or is empty; NULL (silently) when absent - check_keys() reports that. */
static const char *str_at(vctx *v, node *map, const char *key)
{
    node *n = get(map, key);
    if (!n || !want(v, n, RULE_Y_SCALAR, key))
        return NULL;
    if (n->len == 0) {
        prob(v, n, "empty value for \"%s\"", key);
        return NULL;
    }
    return n->str;
}

/* The items of the list at key: their number, or 0 when absent or not a
 * list (reported). */
static size_t list_at(vctx *v, node *map, const char *key,
                      rule_ynode *const **items)
{
    node *n = get(map, key);
    *items = NULL;
    if (!n || !want(v, n, RULE_Y_SEQ, key))
        return 0;
    *items = n->items;
    return n->n;
}

/* Lower-case letters, digits, '_', '-', '.'; 1..64 characters. */
static int id_valid(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

/* A list of strings at key, each checked by ok (which reports); the good
 * ones are stored in a new arena array.  Returns their number. */
typedef int (*item_check)(vctx *v, node *item, const char *key);

static size_t str_list(vctx *v, node *map, const char *key, item_check ok,
                       const char ***out)
{
    rule_ynode *const *it;
    size_t n = list_at(v, map, key, &it), k = 0;
    *out = NULL;
    if (n == 0)
        return 0;
    const char **arr = rule_arena_alloc(v->a, n * sizeof(*arr));
    if (!arr) {
        v->oom = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (it[i]->kind != RULE_Y_SCALAR) {
            prob(v, it[i], "expected a string in \"%s\", found %s", key,
                 kind_name(it[i]));
            continue;
        }
        if (ok(v, it[i], key))
            arr[k++] = it[i]->str;
    }
    *out = arr;
    return k;
}

/* ---- item checks -------------------------------------------------------- */

static int ok_ndpi(vctx *v, node *n, const char *key)
{
    (void)key;
    size_t len = n->len;
    if (len && len < 64 &&
        strspn(n->str, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_") == len)
        return 1;
    prob(v, n, "bad nDPI protocol name \"%s\"", n->str);
    return 0;
}

static int ok_domain(vctx *v, node *n, const char *key)
{
    (void)key;
    if (rule_domain_valid(n->str))
        return 1;
    prob(v, n, "bad domain \"%s\"", n->str);
    return 0;
}

static int ok_org(vctx *v, node *n, const char *key)
{
    (void)key;
    if (!id_valid(n->str)) {
        prob(v, n, "bad organisation id \"%s\"", n->str);
        return 0;
    }
    if (v->ents && !rpt_entities_get(v->ents, n->str)) {
        prob(v, n, "unknown organisation \"%s\"", n->str);
        return 0;
    }
    return 1;
}

static int ok_category(vctx *v, node *n, const char *key)
{
    (void)key;
    if (rpt_category_index(n->str) >= 0)
        return 1;
    prob(v, n, "unknown category \"%s\"", n->str);
    return 0;
}

static int ok_country(vctx *v, node *n, const char *key)
{
    (void)key;
    if (rpt_country_valid(n->str))
        return 1;
    prob(v, n, "bad country code \"%s\" (ISO 3166-1 alpha-2)", n->str);
    return 0;
}

/* YYYY, YYYY-MM or YYYY-MM-DD with a plausible month and day. */
static int date_valid(const char *s)
{
    size_t n = strlen(s);
    if ((n != 4 && n != 7 && n != 10) || strspn(s, "0123456789") < 4)
        return 0;
    if (n == 4)
        return 1;
    if (s[4] != '-' || strspn(s + 5, "0123456789") < 2)
        return 0;
    int mon = (s[5] - '0') * 10 + (s[6] - '0');
    if (mon < 1 || mon > 12)
        return 0;
    if (n == 7)
        return 1;
    if (s[7] != '-' || strspn(s + 8, "0123456789") != 2)
        return 0;
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return day >= 1 && day <= 31;
}

/* "N" or "N-M", 1 <= N <= M <= 65535, no leading zeros or signs. */
static int port_range(const char *s, unsigned *lo, unsigned *hi)
{
    unsigned v[2] = { 0, 0 };
    int k = 0;
    for (const char *p = s;; p++) {
        size_t nd = strspn(p, "0123456789");
        if (nd == 0 || nd > 5 || (nd > 1 && p[0] == '0'))
            return 0;
        for (size_t i = 0; i < nd; i++)
            v[k] = v[k] * 10 + (unsigned)(p[i] - '0');
        p += nd;
        if (*p == 0)
            break;
        if (*p != '-' || k == 1)
            return 0;
        k = 1;
    }
    if (k == 0)
        v[1] = v[0];
    if (v[0] < 1 || v[1] > 65535 || v[0] > v[1])
        return 0;
    *lo = v[0];
    *hi = v[1];
    return 1;
}

/* ---- recognise ---------------------------------------------------------- */

static const char *const RECOG_KEYS[] = { "ndpi", "domains", "prefixes",
                                          "ports", NULL };
static const char *const PORT_KEYS[] = { "proto", "ports", NULL };

static void parse_prefixes(vctx *v, node *rec, rule_service *s)
{
    rule_ynode *const *it;
    size_t n = list_at(v, rec, "prefixes", &it);
    if (!n)
        return;
    s->pfx = rule_arena_alloc(v->a, n * sizeof(*s->pfx));
    s->pfx_text = rule_arena_alloc(v->a, n * sizeof(*s->pfx_text));
    if (!s->pfx || !s->pfx_text) {
        v->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (it[i]->kind != RULE_Y_SCALAR) {
            prob(v, it[i], "expected a string in \"prefixes\", found %s",
                 kind_name(it[i]));
            continue;
        }
        int r = rule_parse_prefix(it[i]->str, &s->pfx[s->npfx]);
        if (r == -2)
            prob(v, it[i], "bad IP prefix \"%s\" (host bits set)",
                 it[i]->str);
        else if (r < 0)
            prob(v, it[i], "bad IP prefix \"%s\"", it[i]->str);
        else
            s->pfx_text[s->npfx++] = it[i]->str;
    }
}

static void parse_ports(vctx *v, node *rec, rule_service *s)
{
    rule_ynode *const *it;
    size_t n = list_at(v, rec, "ports", &it);
    if (!n)
        return;
    s->ports = rule_arena_alloc(v->a, n * sizeof(*s->ports));
    s->port_text = rule_arena_alloc(v->a, n * sizeof(*s->port_text));
    if (!s->ports || !s->port_text) {
        v->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!want(v, it[i], RULE_Y_MAP, "ports"))
            continue;
        check_keys(v, it[i], "port range", PORT_KEYS, PORT_KEYS);
        const char *proto = str_at(v, it[i], "proto");
        const char *range = str_at(v, it[i], "ports");
        int ipproto = 0;
        unsigned lo = 0, hi = 0;
        if (proto && !strcmp(proto, "tcp"))
            ipproto = 6;
        else if (proto && !strcmp(proto, "udp"))
            ipproto = 17;
        else if (proto)
            prob(v, get(it[i], "proto"), "unknown protocol \"%s\" (tcp or udp)",
                 proto);
        if (range && !port_range(range, &lo, &hi)) {
            prob(v, get(it[i], "ports"), "bad port range \"%s\"", range);
            range = NULL;
        }
        if (!ipproto || !range)
            continue;
        size_t tl = strlen(range) + 5;
        char *t = rule_arena_alloc(v->a, tl);
        if (!t) {
            v->oom = 1;
            return;
        }
        snprintf(t, tl, "%s:%s", proto, range);
        s->ports[s->nports] = (rule_portrange){ ipproto, lo, hi };
        s->port_text[s->nports++] = t;
    }
}

static void parse_recognise(vctx *v, node *rec, rule_service *s)
{
    if (!want(v, rec, RULE_Y_MAP, "recognise"))
        return;
    check_keys(v, rec, "recognise", RECOG_KEYS, NULL);
    s->nndpi = str_list(v, rec, "ndpi", ok_ndpi, &s->ndpi);
    s->ndomains = str_list(v, rec, "domains", ok_domain, &s->domains);
    parse_prefixes(v, rec, s);
    parse_ports(v, rec, s);
    if (absent_or_empty(get(rec, "ndpi")) &&
        absent_or_empty(get(rec, "domains")) &&
        absent_or_empty(get(rec, "prefixes")))
        prob(v, rec, "recognise names no nDPI protocol, domain or prefix");
}

/* ---- documents ---------------------------------------------------------- */

static const char *const DOC_KEYS[] = { "id", "title", "url", "date",
                                        "retrieved", "note", NULL };
static const char *const DOC_REQ[] = { "id", "title", "url", "date",
                                       "retrieved", NULL };

static void parse_documents(vctx *v, node *top, rule_service *s)
{
    rule_ynode *const *it;
    size_t n = list_at(v, top, "documents", &it);
    if (!n) {
        if (get(top, "documents") && get(top, "documents")->kind == RULE_Y_SEQ)
            prob(v, get(top, "documents"), "no documents");
        return;
    }
    s->docs = rule_arena_alloc(v->a, n * sizeof(*s->docs));
    if (!s->docs) {
        v->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!want(v, it[i], RULE_Y_MAP, "documents"))
            continue;
        rule_doc *d = &s->docs[s->ndocs];
        check_keys(v, it[i], "document", DOC_KEYS, DOC_REQ);
        d->id = str_at(v, it[i], "id");
        d->title = str_at(v, it[i], "title");
        d->url = str_at(v, it[i], "url");
        d->date = str_at(v, it[i], "date");
        d->retrieved = str_at(v, it[i], "retrieved");
        d->note = get(it[i], "note") ? str_at(v, it[i], "note") : NULL;
        d->line = it[i]->line;
        if (d->id && !id_valid(d->id)) {
            prob(v, get(it[i], "id"), "bad id \"%s\"", d->id);
            d->id = NULL;
        }
        for (size_t j = 0; d->id && j < s->ndocs; j++)
            if (!strcmp(s->docs[j].id, d->id)) {
                prob(v, get(it[i], "id"),
                     "duplicate document id \"%s\" (first on line %d)",
                     d->id, s->docs[j].line);
                d->id = NULL;
            }
        if (d->url && strcmp(d->url, "unknown") &&
            strncmp(d->url, "https://", 8) && strncmp(d->url, "http://", 7))
            prob(v, get(it[i], "url"),
                 "bad URL \"%s\" (http://, https:// or unknown)", d->url);
        if (d->date && strcmp(d->date, "undated") && !date_valid(d->date))
            prob(v, get(it[i], "date"),
                 "bad date \"%s\" (YYYY-MM-DD, YYYY-MM, YYYY or undated)",
                 d->date);
        if (d->retrieved && strcmp(d->retrieved, "unknown") &&
            !date_valid(d->retrieved))
            prob(v, get(it[i], "retrieved"),
                 "bad date \"%s\" (YYYY-MM-DD, YYYY-MM, YYYY or unknown)",
                 d->retrieved);
        if (d->id)
            s->ndocs++;
    }
}

/* ---- claims ------------------------------------------------------------- */

static const char *const CLAIM_KEYS[] = {
    "id", "topic", "quote", "source", "status", "note", "discloses",
    "denies", "transport", "location", "when", NULL
};
static const char *const CLAIM_REQ[] = { "id", "topic", "quote", "source",
                                         "status", NULL };
static const char *const ASSERT_KEYS[] = { "discloses", "denies",
                                           "transport", "location", NULL };
static const char *const SOURCE_KEYS[] = { "document", "section", NULL };
static const char *const SOURCE_REQ[] = { "document", NULL };
static const char *const PARTY_KEYS[] = { "organisations", "categories",
                                          NULL };
static const char *const TRANSPORT_KEYS[] = { "min_tls", "cleartext", NULL };
static const char *const LOCATION_KEYS[] = { "countries", "not_countries",
                                             NULL };
static const char *const WHEN_KEYS[] = { "context", NULL };

static void parse_parties(vctx *v, node *n, const char *what, rule_claim *c)
{
    const char **cats;
    if (!want(v, n, RULE_Y_MAP, what))
        return;
    check_keys(v, n, what, PARTY_KEYS, NULL);
    c->norgs = str_list(v, n, "organisations", ok_org, &c->orgs);
    size_t nc = str_list(v, n, "categories", ok_category, &cats);
    for (size_t i = 0; i < nc; i++)
        c->cats |= RPT_CAT_BIT(rpt_category_index(cats[i]));
    if (absent_or_empty(get(n, "organisations")) &&
        absent_or_empty(get(n, "categories")))
        prob(v, n, "%s names no organisation or category", what);
}

static void parse_transport(vctx *v, node *n, rule_claim *c)
{
    static const char *const TLS[] = { "1.0", "1.1", "1.2", "1.3" };
    if (!want(v, n, RULE_Y_MAP, "transport"))
        return;
    check_keys(v, n, "transport", TRANSPORT_KEYS, NULL);
    const char *tls = str_at(v, n, "min_tls");
    const char *clear = str_at(v, n, "cleartext");
    if (tls) {
        for (unsigned i = 0; i < 4; i++)
            if (!strcmp(tls, TLS[i]))
                c->min_tls = 0x0301 + i;
        if (!c->min_tls)
            prob(v, get(n, "min_tls"),
                 "unknown TLS version \"%s\" (1.0, 1.1, 1.2 or 1.3)", tls);
    }
    if (clear && !strcmp(clear, "forbidden"))
        c->cleartext = RULE_CLEARTEXT_FORBIDDEN;
    else if (clear && !strcmp(clear, "allowed"))
        c->cleartext = RULE_CLEARTEXT_ALLOWED;
    else if (clear)
        prob(v, get(n, "cleartext"),
             "unknown cleartext value \"%s\" (forbidden or allowed)", clear);
    if (!get(n, "min_tls") && !get(n, "cleartext"))
        prob(v, n, "transport states neither min_tls nor cleartext");
}

static void parse_location(vctx *v, node *n, rule_claim *c)
{
    if (!want(v, n, RULE_Y_MAP, "location"))
        return;
    check_keys(v, n, "location", LOCATION_KEYS, NULL);
    node *in = get(n, "countries"), *out = get(n, "not_countries");
    if (in && out) {
        prob(v, out, "location takes countries or not_countries, not both");
        return;
    }
    c->excluded = out != NULL;
    if (absent_or_empty(out ? out : in))
        prob(v, n, "location names no countries");
    else
        c->ncountries = str_list(v, n, out ? "not_countries" : "countries",
                                 ok_country, &c->countries);
}

static void parse_when(vctx *v, node *n, rule_claim *c)
{
    if (!want(v, n, RULE_Y_MAP, "when"))
        return;
    check_keys(v, n, "when", WHEN_KEYS, WHEN_KEYS);
    node *ctx = get(n, "context");
    if (!ctx || !want(v, ctx, RULE_Y_MAP, "context"))
        return;
    if (ctx->n == 0) {
        prob(v, ctx, "empty context");
        return;
    }
    c->wkeys = rule_arena_alloc(v->a, ctx->n * sizeof(*c->wkeys));
    c->wvals = rule_arena_alloc(v->a, ctx->n * sizeof(*c->wvals));
    if (!c->wkeys || !c->wvals) {
        v->oom = 1;
        return;
    }
    for (size_t i = 0; i < ctx->n; i++) {
        node *k = ctx->items[2 * i], *val = ctx->items[2 * i + 1];
        if (!id_valid(k->str)) {
            prob(v, k, "bad context key \"%s\"", k->str);
            continue;
        }
        if (!want(v, val, RULE_Y_SCALAR, k->str))
            continue;
        if (val->len == 0) {
            prob(v, val, "empty value for \"%s\"", k->str);
            continue;
        }
        c->wkeys[c->nwhen] = k->str;
        c->wvals[c->nwhen++] = val->str;
    }
}

/* Exactly one assertion: reports none or a second one; returns the index
 * in ASSERT_KEYS of the first, -1 when none. */
static int one_assertion(vctx *v, node *cm, const char *id)
{
    int first = -1;
    const char *fname = NULL;
    for (size_t i = 0; i < cm->n; i++) {
        node *k = cm->items[2 * i];
        for (int a = 0; ASSERT_KEYS[a]; a++) {
            if (strcmp(k->str, ASSERT_KEYS[a]))
                continue;
            if (first < 0) {
                first = a;
                fname = k->str;
            } else if (strcmp(k->str, fname)) {
                prob(v, k, "more than one assertion in claim \"%s\" "
                           "(\"%s\" and \"%s\")", id ? id : "?", fname,
                     k->str);
            }
        }
    }
    if (first < 0)
        prob(v, cm, "no assertion in claim \"%s\" (discloses, denies, "
                    "transport or location)", id ? id : "?");
    return first;
}

static void parse_claim(vctx *v, node *cm, rule_service *s, rule_claim *c)
{
    check_keys(v, cm, "claim", CLAIM_KEYS, CLAIM_REQ);
    c->svc = s;
    c->line = cm->line;
    c->id = str_at(v, cm, "id");
    if (c->id && !id_valid(c->id)) {
        prob(v, get(cm, "id"), "bad id \"%s\"", c->id);
        c->id = NULL;
    }
    for (size_t j = 0; c->id && j < s->nclaims; j++)
        if (!strcmp(s->claims[j].id, c->id)) {
            prob(v, get(cm, "id"),
                 "duplicate claim id \"%s\" (first on line %d)", c->id,
                 s->claims[j].line);
            c->id = NULL;
        }

    const char *topic = str_at(v, cm, "topic");
    if (topic && rule_topic_index(topic) < 0)
        prob(v, get(cm, "topic"), "unknown topic \"%s\"", topic);
    else if (topic)
        c->topic = (rule_topic)rule_topic_index(topic);

    node *q = get(cm, "quote");
    if (q && want(v, q, RULE_Y_SCALAR, "quote")) {
        if (strspn(q->str, " \t\r\n") == q->len)
            prob(v, q, "empty quote");
        else if (q->len > RULE_SVC_MAX_QUOTE)
            prob(v, q, "quote longer than %d bytes", RULE_SVC_MAX_QUOTE);
        else
            c->quote = q->str;
    }

    node *src = get(cm, "source");
    if (src && want(v, src, RULE_Y_MAP, "source")) {
        check_keys(v, src, "source", SOURCE_KEYS, SOURCE_REQ);
        const char *doc = str_at(v, src, "document");
        c->section = get(src, "section") ? str_at(v, src, "section") : NULL;
        if (doc && !(c->source = rule_service_doc_get(s, doc)))
            prob(v, get(src, "document"),
                 "source document \"%s\" is not in documents", doc);
    }

    const char *status = str_at(v, cm, "status");
    int st = -1;
    for (int i = 0; status && i < RULE_STATUS_COUNT; i++)
        if (!strcmp(status, rule_status_name((rule_status)i)))
            st = i;
    if (status && st < 0)
        prob(v, get(cm, "status"),
             "unknown status \"%s\" (verbatim, secondary or unverified)",
             status);
    c->status = st < 0 ? RULE_STATUS_UNVERIFIED : (rule_status)st;
    c->note = get(cm, "note") ? str_at(v, cm, "note") : NULL;

    int a = one_assertion(v, cm, c->id);
    if (a >= 0) {
        node *an = get(cm, ASSERT_KEYS[a]);
        c->kind = (rule_assert)a;
        if (a <= RULE_ASSERT_DENIES)
            parse_parties(v, an, ASSERT_KEYS[a], c);
        else if (a == RULE_ASSERT_TRANSPORT)
            parse_transport(v, an, c);
        else
            parse_location(v, an, c);
    }
    if (get(cm, "when"))
        parse_when(v, get(cm, "when"), c);
}

static void parse_claims(vctx *v, node *top, rule_service *s)
{
    rule_ynode *const *it;
    size_t n = list_at(v, top, "claims", &it);
    if (!n) {
        if (get(top, "claims") && get(top, "claims")->kind == RULE_Y_SEQ)
            prob(v, get(top, "claims"), "no claims");
        return;
    }
    s->claims = rule_arena_alloc(v->a, n * sizeof(*s->claims));
    if (!s->claims) {
        v->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!want(v, it[i], RULE_Y_MAP, "claims"))
            continue;
        rule_claim *c = &s->claims[s->nclaims];
        parse_claim(v, it[i], s, c);
        if (c->id)
            s->nclaims++;
        else
            memset(c, 0, sizeof(*c));
    }
}

/* ---- a file ------------------------------------------------------------- */

static const char *const TOP_KEYS[] = { "service", "name", "operator",
                                        "recognise", "documents", "claims",
                                        NULL };
static const char *const SERVICES[] = { "zoom", "meet", "webex", "teams",
                                        NULL };

static void parse_top(vctx *v, node *top, const rule_services *set,
                      rule_service *s)
{
    const char *base = strrchr(v->file, '/');
    base = base ? base + 1 : v->file;
    check_keys(v, top, "the service file", TOP_KEYS, TOP_KEYS);
    s->id = str_at(v, top, "service");
    if (s->id) {
        size_t il = strlen(s->id);
        if (!in_list(s->id, SERVICES))
            prob(v, get(top, "service"),
                 "unknown service \"%s\" (zoom, meet, webex or teams)", s->id);
        else if (strncmp(base, s->id, il) || strcmp(base + il, ".yaml"))
            prob(v, get(top, "service"),
                 "service \"%s\" does not match the file name \"%s\"", s->id,
                 base);
        else if (rule_services_get(set, s->id))
            prob(v, get(top, "service"), "service \"%s\" is already loaded",
                 s->id);
    }
    s->name = str_at(v, top, "name");
    s->op = str_at(v, top, "operator");
    if (s->op)
        ok_org(v, get(top, "operator"), "operator");
    if (get(top, "recognise"))
        parse_recognise(v, get(top, "recognise"), s);
    if (get(top, "documents"))
        parse_documents(v, top, s);
    if (get(top, "claims"))
        parse_claims(v, top, s);
}

void rule_check_service(rule_vctx *v, const rule_ynode *root,
                        const rule_services *set, rule_service *s)
{
    rule_ynode start = { .line = 1, .col = 1 };
    if (!root)
        prob(v, &start, "empty file");
    else if (root->kind != RULE_Y_MAP)
        prob(v, root, "expected a mapping at the top level, found %s",
             kind_name(root));
    else
        parse_top(v, root, set, s);
}
