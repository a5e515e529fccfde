/* attrib.c - attribution sources and rpt_attrib_who(): organisation,
 * categories, AS and country of the far end of a flow.  Host names as in
 * RFC 1035 s.2.3.1 / RFC 1123 s.2.1; special-purpose addresses per the
 * IANA registries of RFC 6890 (IPv4 RFC 1918, 6598, 5737, 3927, 5771;
 * IPv6 RFC 4193, 4291, 3849).
 *
 * Invariants
 * ----------
 * - Our map always wins where it knows a name: Ghostery and the AS
 *   registry only fill what it lacks, and nDPI's verdict is never used for
 *   an organisation (it is kept beside the result by callers).
 * - A name decides before an address.  An address decides before Ghostery
 *   only when its organisation is not a hoster: "hosted on AWS" says less
 *   than a tracker name (attrib.h lists the order).
 * - The secondary names of a DNS chain (what the asked name led to) never
 *   decide; the first of them that our map or Ghostery knows is recorded.
 * - Every field of rpt_who is written by value into fixed buffers; the
 *   only pointers are rpt_org (owned by the map) and static strings.
 * - Special-purpose addresses are never looked up in the datasets (ipinfo
 *   refuses them as well): the country file places 192.168.1.1 in AU.
 */
#define _DEFAULT_SOURCE
#include "attrib_int.h"

#include "../capture/cli.h"
#include "datadir.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ----------------------------------------------------- */

static void copy(char *dst, size_t len, const char *src)
{
    if (!len)
        return;
    snprintf(dst, len, "%s", src ? src : "");
}

int rpt_attrib_cats_hoster(uint32_t cats)
{
    return (cats & RPT_ATTRIB_HOST_CATS) &&
           !(cats & RPT_CAT_BIT(RPT_CAT_FIRST_PARTY_SERVICE));
}

int rpt_attrib_family_hoster(const rpt_attrib_src *s, const rpt_org *o)
{
    if (!o)
        return 0;
    if (!s)
        return rpt_attrib_cats_hoster(rpt_org_categories(o));
    const rpt_org *root = rpt_entities_root(s->ents, o);
    for (size_t i = 0; i < s->n_hoster_roots; i++)
        if (s->hoster_roots[i] == root)
            return 1;
    return 0;
}

int rpt_attrib_in_family(const rpt_attrib_src *s, const rpt_org *o,
                         const char *operator_id)
{
    if (!o || !operator_id || !*operator_id)
        return 0;
    if (!strcmp(rpt_org_id(o), operator_id))
        return 1;
    return s ? rpt_entities_family(s->ents, rpt_org_id(o), operator_id) : 0;
}

static int src_is(const char *src, const char *what)
{
    return src && !strcasecmp(src, what);
}

int rpt_attrib_is_chain(const char *const *sources, int n, int i)
{
    if (!sources || i < 0 || i >= n || !sources[i])
        return 0;
    if (src_is(sources[i], "cname") || src_is(sources[i], "dns_cname"))
        return 1;
    if (!src_is(sources[i], "dns"))
        return 0;
    for (int k = 0; k < i; k++)
        if (src_is(sources[k], "dns"))
            return 1; /* a later name of the same chain */
    return 0;
}

int rpt_name_is_ip_literal(const char *name)
{
    char b[64];
    uint8_t a[16];
    if (!name || !*name)
        return 0;
    size_t n = strlen(name);
    if (n >= sizeof(b))
        return 0;
    if (name[0] == '[') { /* "[v6]" or "[v6]:port" */
        const char *e = strchr(name, ']');
        if (!e)
            return 0;
        memcpy(b, name + 1, (size_t)(e - name - 1));
        b[e - name - 1] = 0;
        return inet_pton(AF_INET6, b, a) == 1;
    }
    if (inet_pton(AF_INET6, name, a) == 1)
        return 1;
    memcpy(b, name, n + 1);
    char *colon = strchr(b, ':');
    if (colon)
        *colon = 0; /* "a.b.c.d:port" */
    return inet_pton(AF_INET, b, a) == 1;
}

/* ---- addresses --------------------------------------------------------- */

static int scope4(const uint8_t *a)
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
                 (uint32_t)a[2] << 8 | a[3];
    static const struct { uint32_t net, mask; int scope; } T[] = {
        { 0x00000000u, 0xff000000u, RPT_SCOPE_UNSPECIFIED }, /* 0/8 */
        { 0x0a000000u, 0xff000000u, RPT_SCOPE_PRIVATE },     /* 10/8 */
        { 0x64400000u, 0xffc00000u, RPT_SCOPE_RESERVED },    /* 100.64/10 */
        { 0x7f000000u, 0xff000000u, RPT_SCOPE_LOOPBACK },    /* 127/8 */
        { 0xa9fe0000u, 0xffff0000u, RPT_SCOPE_LINK_LOCAL },  /* 169.254/16 */
        { 0xac100000u, 0xfff00000u, RPT_SCOPE_PRIVATE },     /* 172.16/12 */
        { 0xc0000000u, 0xffffff00u, RPT_SCOPE_RESERVED },    /* 192.0.0/24 */
        { 0xc0000200u, 0xffffff00u, RPT_SCOPE_RESERVED },    /* 192.0.2/24 */
        { 0xc0a80000u, 0xffff0000u, RPT_SCOPE_PRIVATE },     /* 192.168/16 */
        { 0xc6120000u, 0xfffe0000u, RPT_SCOPE_RESERVED },    /* 198.18/15 */
        { 0xc6336400u, 0xffffff00u, RPT_SCOPE_RESERVED },    /* 198.51.100 */
        { 0xcb007100u, 0xffffff00u, RPT_SCOPE_RESERVED },    /* 203.0.113 */
        { 0xffffffffu, 0xffffffffu, RPT_SCOPE_BROADCAST },
        { 0xe0000000u, 0xf0000000u, RPT_SCOPE_MULTICAST },   /* 224/4 */
        { 0xf0000000u, 0xf0000000u, RPT_SCOPE_RESERVED },    /* 240/4 */
    };
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if ((v & T[i].mask) == T[i].net)
            return T[i].scope;
    return RPT_SCOPE_PUBLIC;
}

int rpt_addr_scope(int ipver, const uint8_t *a)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xff, 0xff };
    static const uint8_t zero[16];
    if (!a || (ipver != 4 && ipver != 6))
        return RPT_SCOPE_RESERVED;
    if (ipver == 4)
        return scope4(a);
    if (!memcmp(a, mapped, 12))
        return scope4(a + 12);
    if (!memcmp(a, zero, 16))
        return RPT_SCOPE_UNSPECIFIED;
    if (!memcmp(a, zero, 15) && a[15] == 1)
        return RPT_SCOPE_LOOPBACK;
    if (a[0] == 0xff)
        return RPT_SCOPE_MULTICAST;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return RPT_SCOPE_LINK_LOCAL;
    if ((a[0] & 0xfe) == 0xfc)
        return RPT_SCOPE_PRIVATE;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return RPT_SCOPE_RESERVED; /* 2001:db8::/32 documentation */
    if (!memcmp(a, zero, 8) && (a[8] | a[9] | a[10] | a[11]) == 0)
        return RPT_SCOPE_RESERVED; /* ::/96 other than :: and ::1 */
    if ((a[0] & 0xe0) != 0x20)
        return RPT_SCOPE_RESERVED; /* outside 2000::/3 global unicast */
    return RPT_SCOPE_PUBLIC;
}

int rpt_flow_remote(const rpt_flow_view *f, const uint8_t **ip,
                    unsigned *port)
{
    int cli = 0;
    if (f && f->srv_ip && f->cli_ip &&
        rpt_addr_scope(f->ipver, f->srv_ip) != RPT_SCOPE_PUBLIC &&
        rpt_addr_scope(f->ipver, f->cli_ip) == RPT_SCOPE_PUBLIC)
        cli = 1;
    if (ip)
        *ip = f ? (cli ? f->cli_ip : f->srv_ip) : NULL;
    if (port)
        *port = f ? (cli ? f->cli_port : f->srv_port) : 0;
    return cli;
}

int rpt_ndpi_is_media(const char *app, const char *master)
{
    static const char *const M[] = { "STUN", "RTP", "RTCP", "SRTP",
                                     "DTLS" };
    for (size_t i = 0; i < sizeof(M) / sizeof(M[0]); i++)
        if ((app && !strcasecmp(app, M[i])) ||
            (master && !strcasecmp(master, M[i])))
            return 1;
    return 0;
}

/* ---- open / free -------------------------------------------------------- */

static int add_hoster_roots(rpt_attrib_src *s)
{
    size_t n = rpt_entities_count(s->ents);
    s->hoster_roots = calloc(n ? n : 1, sizeof(*s->hoster_roots));
    if (!s->hoster_roots)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const rpt_org *o = rpt_entities_at(s->ents, i);
        if (!rpt_attrib_cats_hoster(rpt_org_categories(o)))
            continue;
        const rpt_org *r = rpt_entities_root(s->ents, o);
        size_t k = 0;
        while (k < s->n_hoster_roots && s->hoster_roots[k] != r)
            k++;
        if (k == s->n_hoster_roots)
            s->hoster_roots[s->n_hoster_roots++] = r;
    }
    return 0;
}

rpt_attrib_src *rpt_attrib_open(const char *rules_dir, const char *data_dir,
                                char *err, size_t errlen)
{
    char path[PATH_MAX + 32];
    rpt_attrib_src *s = calloc(1, sizeof(*s));
    if (errlen)
        err[0] = 0;
    if (!s) {
        copy(err, errlen, "out of memory");
        return NULL;
    }
    if (rules_dir && *rules_dir)
        snprintf(path, sizeof(path), "%s/entities.yaml", rules_dir);
    else
        (void)cap_rules_path(NULL, "entities.yaml", path, sizeof(path));
    if (rpt_entities_load(path, &s->ents, err, errlen) != 0)
        goto fail;
    if (add_hoster_roots(s) != 0) {
        copy(err, errlen, "out of memory");
        goto fail;
    }
    s->tdb = rpt_trackerdb_open(data_dir, err, errlen);
    if (!s->tdb)
        goto fail;
    s->ipi = rpt_ipinfo_open(data_dir, err, errlen);
    if (!s->ipi)
        goto fail;
    const char *ts = rpt_trackerdb_status(s->tdb);
    const char *is = rpt_ipinfo_status(s->ipi);
    size_t need = strlen(path) + strlen(ts) + strlen(is) + 128;
    s->status = malloc(need);
    if (!s->status) {
        copy(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(s->status, need,
             "attribution: our map %zu organisations (%s)\n%s\n%s",
             rpt_entities_count(s->ents), path, ts, is);
    return s;
fail:
    rpt_attrib_free(s);
    return NULL;
}

void rpt_attrib_free(rpt_attrib_src *s)
{
    if (!s)
        return;
    rpt_trackerdb_free(s->tdb);
    rpt_ipinfo_free(s->ipi);
    rpt_entities_free(s->ents);
    free(s->hoster_roots);
    free(s->status);
    free(s);
}

const char *rpt_attrib_status(const rpt_attrib_src *s)
{
    return s && s->status ? s->status : "attribution: not loaded";
}

const rpt_entities *rpt_attrib_entities(const rpt_attrib_src *s)
{
    return s ? s->ents : NULL;
}

int rpt_attrib_have_trackers(const rpt_attrib_src *s)
{
    return s && rpt_trackerdb_available(s->tdb);
}

int rpt_attrib_have_asn(const rpt_attrib_src *s)
{
    return s && (rpt_ipinfo_have(s->ipi) &
                 (RPT_IPINFO_ASN4 | RPT_IPINFO_ASN6)) != 0;
}

int rpt_attrib_have_country(const rpt_attrib_src *s)
{
    return s && (rpt_ipinfo_have(s->ipi) & RPT_IPINFO_COUNTRY) != 0;
}

/* ---- attribution -------------------------------------------------------- */

/* Fill the organisation fields from one of our map's organisations. */
static void set_org(const rpt_attrib_src *s, rpt_who *w, const rpt_org *o,
                    const char *by, uint32_t cats, int hoster)
{
    w->org_by = by;
    w->org_ref = o;
    copy(w->org_id, sizeof(w->org_id), rpt_org_id(o));
    copy(w->org, sizeof(w->org), rpt_org_name(o));
    copy(w->parent_org, sizeof(w->parent_org),
         rpt_org_name(rpt_entities_root(s->ents, o)));
    w->categories = cats;
    w->hoster = hoster;
}

/* Ghostery for one name; 1 and *t filled on a match. */
static int ghostery(const rpt_attrib_src *s, const char *name,
                    rpt_tracker *t)
{
    return rpt_trackerdb_lookup(s->tdb, name, t) == 1;
}

static void set_ghostery_org(const rpt_attrib_src *s, rpt_who *w,
                             const rpt_tracker *t, int idx)
{
    const rpt_org *o =
        t->company_id[0] ? rpt_entities_get(s->ents, t->company_id) : NULL;
    if (o) {
        set_org(s, w, o, "ghostery", t->categories,
                rpt_attrib_cats_hoster(t->categories));
    } else {
        const char *name = t->company[0] ? t->company : t->tracker;
        w->org_by = "ghostery";
        w->org_ref = NULL;
        snprintf(w->org_id, sizeof(w->org_id), "ghostery:%.100s",
                 t->company_id[0] ? t->company_id : t->tracker_id);
        copy(w->org, sizeof(w->org), name);
        copy(w->parent_org, sizeof(w->parent_org), name);
        w->categories = t->categories;
        w->hoster = rpt_attrib_cats_hoster(t->categories);
    }
    w->org_name_idx = idx;
    copy(w->tracker, sizeof(w->tracker), t->tracker);
    copy(w->tracker_category, sizeof(w->tracker_category), t->category);
}

static int usable(const char *const *names, int i)
{
    return names[i] && names[i][0] && !rpt_name_is_ip_literal(names[i]);
}

/* The address facts: AS, country, our map by prefix or AS. */
static void address_facts(const rpt_attrib_src *s, int ipver,
                          const uint8_t *ip, rpt_who *w)
{
    if (!ip || rpt_addr_scope(ipver, ip) != RPT_SCOPE_PUBLIC)
        return;
    const char *aso = NULL;
    uint32_t asn = 0;
    if (rpt_ipinfo_asn(s->ipi, ipver, ip, &asn, &aso) == 1) {
        w->asn = asn;
        copy(w->as_org, sizeof(w->as_org), aso);
    }
    char cc[3];
    if (rpt_ipinfo_country(s->ipi, ipver, ip, cc) == 1)
        copy(w->country, sizeof(w->country), cc);
    rpt_entity_match m = rpt_entities_by_ip(s->ents, ipver, ip);
    if (m.org) {
        w->addr_org = m.org;
        w->addr_org_by = "ip";
        w->addr_hoster = rpt_attrib_cats_hoster(rpt_org_categories(m.org));
        return;
    }
    if (w->asn) {
        m = rpt_entities_by_asn(s->ents, w->asn);
        if (m.org) {
            w->addr_org = m.org;
            w->addr_org_by = "asn";
            w->addr_hoster = rpt_attrib_family_hoster(s, m.org);
        }
    }
}

int rpt_attrib_who(const rpt_attrib_src *s, const char *const *names,
                   const char *const *sources, int n_names, int ipver,
                   const uint8_t *srv_ip, rpt_who *out)
{
    if (!out)
        return -1;
    memset(out, 0, sizeof(*out));
    out->name_idx = out->org_name_idx = -1;
    if (!s)
        return -1;
    if (!names || n_names < 0)
        n_names = 0;
    rpt_who *w = out;

    /* The best name and its registrable domain. */
    for (int i = 0; i < n_names && w->name_idx < 0; i++)
        if (usable(names, i) && !rpt_attrib_is_chain(sources, n_names, i)) {
            w->name_idx = i;
            copy(w->name, sizeof(w->name), names[i]);
            copy(w->name_source, sizeof(w->name_source),
                 sources && sources[i] ? sources[i] : "");
            (void)rpt_registrable_domain(names[i], w->domain,
                                         sizeof(w->domain));
        }

    /* 1. Our map on each primary name. */
    for (int i = 0; i < n_names && !w->org_by; i++) {
        if (!usable(names, i) || rpt_attrib_is_chain(sources, n_names, i))
            continue;
        rpt_entity_match m = rpt_entities_by_host(s->ents, names[i]);
        if (m.org) {
            set_org(s, w, m.org, "name", m.categories,
                    rpt_attrib_cats_hoster(m.categories));
            w->org_name_idx = i;
        }
    }

    address_facts(s, ipver, srv_ip, w);

    /* 2-3. The address, when its organisation is not a hoster. */
    if (!w->org_by && w->addr_org && !w->addr_hoster)
        set_org(s, w, w->addr_org, w->addr_org_by,
                rpt_org_categories(w->addr_org), 0);

    /* 4. Ghostery on each primary name (or, when our map decided, the
     * tracker of the deciding name for display). */
    rpt_tracker t;
    if (!w->org_by) {
        for (int i = 0; i < n_names && !w->org_by; i++)
            if (usable(names, i) &&
                !rpt_attrib_is_chain(sources, n_names, i) &&
                ghostery(s, names[i], &t))
                set_ghostery_org(s, w, &t, i);
    } else {
        int i = w->org_name_idx >= 0 ? w->org_name_idx : w->name_idx;
        if (i >= 0 && ghostery(s, names[i], &t)) {
            copy(w->tracker, sizeof(w->tracker), t.tracker);
            copy(w->tracker_category, sizeof(w->tracker_category),
                 t.category);
        }
    }

    /* 5. A hoster's address. */
    if (!w->org_by && w->addr_org)
        set_org(s, w, w->addr_org, w->addr_org_by,
                rpt_org_categories(w->addr_org), 1);

    /* 6. The AS registry's organisation text: weak, labelled as_org. */
    if (!w->org_by && w->as_org[0]) {
        w->org_by = "as_org";
        snprintf(w->org_id, sizeof(w->org_id), "as:%u", (unsigned)w->asn);
        copy(w->org, sizeof(w->org), w->as_org);
    }

    /* Secondary: the first chain name our map or Ghostery knows. */
    for (int i = 0; i < n_names && !w->cname[0]; i++) {
        if (!usable(names, i) || !rpt_attrib_is_chain(sources, n_names, i))
            continue;
        rpt_entity_match m = rpt_entities_by_host(s->ents, names[i]);
        int tr = ghostery(s, names[i], &t);
        if (!m.org && !tr)
            continue;
        copy(w->cname, sizeof(w->cname), names[i]);
        w->cname_org = m.org;
        w->cname_categories = m.org ? m.categories : t.categories;
        if (tr)
            copy(w->cname_tracker, sizeof(w->cname_tracker), t.tracker);
    }
    return w->org_by != NULL;
}

/* ---- party names -------------------------------------------------------- */

static const char *const PARTY[RPT_PARTY_COUNT] = {
    [RPT_PARTY_UNKNOWN] = "unknown", [RPT_PARTY_FIRST] = "first",
    [RPT_PARTY_SUPPORT] = "support", [RPT_PARTY_PEER] = "peer",
    [RPT_PARTY_THIRD] = "third",     [RPT_PARTY_LOCAL] = "local",
};

const char *rpt_party_name(int p)
{
    return p >= 0 && p < RPT_PARTY_COUNT ? PARTY[p] : NULL;
}

int rpt_party_index(const char *name)
{
    for (int i = 0; name && i < RPT_PARTY_COUNT; i++)
        if (!strcmp(PARTY[i], name))
            return i;
    return -1;
}
