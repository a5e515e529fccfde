/* entities_load.c - read rules/entities.yaml, validate it and build the
 * lookup indexes of an rpt_entities map.
 * References: RFC 4632 (CIDR), RFC 4291 (IPv6), RFC 1035 s.2.3.4 (names),
 * RFC 6793 / 5398 / 6996 / 7300 (reserved and private ASNs), ISO 3166-1.
 *
 * Invariants
 * ----------
 * - The file is parsed by yamldoc.c into a positioned tree; the validator
 *   walks the tree once in file order and never stops at the first
 *   problem: every problem becomes a diagnostic "file:line:column: message"
 *   placed on the node at fault (for a conflict, the later of the two, with
 *   the earlier one's line in the message).  Diagnostics are sorted by
 *   (line, column, discovery order) before they are reported.
 * - A map is handed out only when there were no problems at all; otherwise
 *   everything built so far is freed.  So every handed-out map satisfies
 *   the guarantees entities.c relies on: unique ids, existing parents, no
 *   parent cycles, each domain claimed once, no overlapping prefixes of
 *   different organisations, each ASN claimed once, and each host pattern
 *   under a domain of its own organisation.
 * - Organisations are stored in an array sized before the walk, so
 *   pointers to them taken during the walk stay valid.
 */
#define _POSIX_C_SOURCE 200809L
#include "entities_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORTED 100
#define AT(n) (n)->line, (n)->col

/* ---- checks across organisations ---------------------------------------- */

static int id_line_cmp(const void *a, const void *b)
{
    int c = rpt_ent_org_cmp(a, b);
    if (c)
        return c;
    return (*(const rpt_org *const *)a)->iline -
           (*(const rpt_org *const *)b)->iline;
}

/* Sort ids into h->by_id and report duplicates. */
static void check_ids(ent_loader *L)
{
    rpt_entities *h = L->h;
    size_t n = 0;
    h->by_id = calloc(h->norgs ? h->norgs : 1, sizeof(*h->by_id));
    if (!h->by_id) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < h->norgs; i++)
        if (h->orgs[i].id)
            h->by_id[n++] = &h->orgs[i];
    qsort(h->by_id, n, sizeof(*h->by_id), id_line_cmp);
    h->nids = n;
    for (size_t i = 1; i < n; i++) {
        const rpt_org *a = h->by_id[i - 1], *b = h->by_id[i];
        if (!strcmp(a->id, b->id))
            rpt_ent_problem(L, b->iline, b->icol,
                            "duplicate organisation id '%s' (first at line %d)",
                            b->id, a->iline);
    }
}

static void check_parents(ent_loader *L)
{
    rpt_entities *h = L->h;
    for (size_t i = 0; i < h->norgs; i++) {
        rpt_org *o = &h->orgs[i];
        if (!o->parent)
            continue;
        o->up = rpt_entities_get(h, o->parent);
        if (!o->up)
            rpt_ent_problem(L, o->pline, o->pcol, "unknown parent '%s'",
                            o->parent);
    }
    /* Cycles: follow each chain; state 1 = on the current path. */
    unsigned char *st = calloc(h->norgs ? h->norgs : 1, 1);
    const rpt_org **path = calloc(h->norgs ? h->norgs : 1, sizeof(*path));
    if (!st || !path) {
        L->oom = 1;
        goto out;
    }
    for (size_t i = 0; i < h->norgs; i++) {
        size_t np = 0;
        const rpt_org *o = &h->orgs[i];
        while (o && st[o - h->orgs] == 0) {
            st[o - h->orgs] = 1;
            path[np++] = o;
            o = o->up;
        }
        if (o && st[o - h->orgs] == 1) {
            /* o is on the path: the cycle is path[k..np). */
            size_t k = 0, lo;
            while (path[k] != o)
                k++;
            lo = k;
            for (size_t j = k; j < np; j++)
                if (path[j]->line < path[lo]->line)
                    lo = j;
            char msg[512];
            size_t ml = 0, cl = np - k;
            for (size_t j = 0; j <= cl && ml < sizeof(msg); j++) {
                const rpt_org *c = path[k + (lo - k + j) % cl];
                ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml, "%s%s",
                                       j ? " -> " : "", c->id);
            }
            rpt_ent_problem(L, path[lo]->pline, path[lo]->pcol,
                            "parent cycle: %s", msg);
            ((rpt_org *)path[lo])->up = NULL; /* keep later walks finite */
        }
        for (size_t j = 0; j < np; j++)
            st[path[j] - h->orgs] = 2;
    }
out:
    free(st);
    free(path);
}

/* The entry of the longest domain containing name, or NULL. */
static const ent_name *longest_domain(const rpt_entities *h, const char *name)
{
    size_t n = strlen(name);
    for (size_t off = 0; off < n;) {
        const ent_name *d = rpt_ent_htab_find(&h->doms, name + off, n - off);
        if (d)
            return d;
        const char *dot = memchr(name + off, '.', n - off);
        if (!dot)
            break;
        off = (size_t)(dot - name) + 1;
    }
    return NULL;
}

static void check_patterns(ent_loader *L)
{
    for (size_t i = 0; i < L->npats; i++) {
        ent_pending_pat *p = &L->pats[i];
        const ent_name *d = longest_domain(L->h, p->e.key);
        if (!d) {
            rpt_ent_problem(L, p->e.line, p->e.col,
                            "host pattern '%s' is not under any domain of '%s'",
                            p->e.text, p->e.org->id ? p->e.org->id : "?");
            continue;
        }
        if (d->org != p->e.org) {
            rpt_ent_problem(
                L, p->e.line, p->e.col,
                "host pattern '%s' is under domain '%s' of '%s' (line "
                "%d), so it would never apply",
                p->e.text, d->text, d->org->id ? d->org->id : "?", d->line);
            continue;
        }
        ent_htab *t = p->strict ? &L->h->pat_strict : &L->h->pat_sub;
        const ent_name *old = rpt_ent_htab_add(t, &p->e, &L->oom);
        if (old && old != &p->e)
            rpt_ent_problem(L, p->e.line, p->e.col,
                            "duplicate host pattern '%s' (line %d)", p->e.text,
                            old->line);
    }
}

static int pfx_sweep_cmp(const void *x, const void *y)
{
    const ent_pfx *a = *(const ent_pfx *const *)x;
    const ent_pfx *b = *(const ent_pfx *const *)y;
    if (a->ver != b->ver)
        return a->ver - b->ver;
    int c = memcmp(a->a, b->a, 16);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len - b->len;
    return a->line != b->line ? a->line - b->line : a->col - b->col;
}

/* The last address of p (all host bits set). */
static void pfx_end(const ent_pfx *p, uint8_t *e)
{
    int nbytes = p->ver == 4 ? 4 : 16;
    memcpy(e, p->a, 16);
    for (int i = 0; i < nbytes; i++) {
        int bits = p->len - 8 * i;
        if (bits < 8)
            e[i] |= bits <= 0 ? 0xFF : (uint8_t)(0xFFu >> bits);
    }
}

static int later(const ent_pfx *a, const ent_pfx *b)
{
    return a->line != b->line ? a->line > b->line : a->col > b->col;
}

/* Sorted by address then length, prefixes nest like brackets: the stack
 * holds every earlier prefix that contains the current one. */
static void check_prefixes(ent_loader *L)
{
    const ent_pfx **v = calloc(L->npfx ? L->npfx : 1, sizeof(*v));
    const ent_pfx **stack = calloc(L->npfx ? L->npfx : 1, sizeof(*stack));
    size_t ns = 0;
    if (!v || !stack) {
        L->oom = 1;
        goto out;
    }
    for (size_t i = 0; i < L->npfx; i++)
        v[i] = &L->pfx[i];
    qsort(v, L->npfx, sizeof(*v), pfx_sweep_cmp);
    for (size_t i = 0; i < L->npfx; i++) {
        const ent_pfx *p = v[i];
        uint8_t end[16];
        while (ns) {
            const ent_pfx *t = stack[ns - 1];
            pfx_end(t, end);
            if (t->ver == p->ver && memcmp(end, p->a, 16) >= 0)
                break;
            ns--;
        }
        for (size_t j = 0; j < ns; j++) {
            const ent_pfx *s = stack[j];
            const ent_pfx *a = later(p, s) ? p : s, *b = a == p ? s : p;
            if (s->org != p->org)
                rpt_ent_problem(
                    L, a->line, a->col,
                    "prefix '%s' of '%s' overlaps '%s' of '%s' (line %d)",
                    a->text, a->org->id ? a->org->id : "?", b->text,
                    b->org->id ? b->org->id : "?", b->line);
            else if (s->len == p->len)
                rpt_ent_problem(L, a->line, a->col,
                                "duplicate prefix '%s' (line %d)", a->text,
                                b->line);
        }
        stack[ns++] = p;
    }
out:
    free(v);
    free(stack);
}

static int asn_cmp(const void *x, const void *y)
{
    const ent_asn *a = x, *b = y;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    return a->line != b->line ? a->line - b->line : a->col - b->col;
}

static void check_asns(ent_loader *L)
{
    if (L->nasn)
        qsort(L->asn, L->nasn, sizeof(*L->asn), asn_cmp);
    for (size_t i = 1; i < L->nasn; i++) {
        const ent_asn *a = &L->asn[i - 1], *b = &L->asn[i];
        if (a->asn != b->asn)
            continue;
        if (a->org == b->org)
            rpt_ent_problem(L, b->line, b->col, "duplicate ASN %u (line %d)",
                            (unsigned)b->asn, a->line);
        else
            rpt_ent_problem(
                L, b->line, b->col, "AS%u is already claimed by '%s' (line %d)",
                (unsigned)b->asn, a->org->id ? a->org->id : "?", a->line);
    }
}

/* Move the checked prefixes and ASNs into the map. */
static int finish(ent_loader *L)
{
    rpt_entities *h = L->h;
    size_t n4 = 0, n6 = 0;
    for (size_t i = 0; i < L->npfx; i++)
        if (L->pfx[i].ver == 4)
            n4++;
        else
            n6++;
    h->p4.v = calloc(n4 ? n4 : 1, sizeof(ent_pfx));
    h->p6.v = calloc(n6 ? n6 : 1, sizeof(ent_pfx));
    if (!h->p4.v || !h->p6.v)
        return -1;
    for (size_t i = 0; i < L->npfx; i++) {
        ent_pfxset *s = L->pfx[i].ver == 4 ? &h->p4 : &h->p6;
        s->v[s->n++] = L->pfx[i];
    }
    rpt_ent_pfxset_index(&h->p4);
    rpt_ent_pfxset_index(&h->p6);
    h->asns = L->asn;
    h->nasns = L->nasn;
    L->asn = NULL;
    return 0;
}

/* ---- top level ---------------------------------------------------------- */

static void check_doc(ent_loader *L, const rpt_ynode *root)
{
    const rpt_ynode *orgs = NULL, *ver = NULL;
    if (!root) {
        rpt_ent_problem(
            L, 1, 1, "empty file (expected 'version: 1' and 'organisations:')");
        return;
    }
    if (root->kind != RPT_Y_MAP) {
        rpt_ent_problem(L, AT(root),
                        "the top level must be a mapping with 'version' and "
                        "'organisations', not %s",
                        rpt_ynode_kind_name(root));
        return;
    }
    for (size_t i = 0; i < root->n; i++) {
        const rpt_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
        const rpt_ynode **slot = !strcmp(k->str, "version")         ? &ver
                                 : !strcmp(k->str, "organisations") ? &orgs
                                                                    : NULL;
        if (!slot)
            rpt_ent_problem(L, AT(k), "unknown key '%s'", k->str);
        else if (*slot)
            rpt_ent_problem(L, AT(k), "duplicate key '%s' (line %d)", k->str,
                            (*slot)->line);
        else
            *slot = v;
    }
    if (!ver)
        rpt_ent_problem(L, AT(root), "missing 'version: 1'");
    else if (ver->kind != RPT_Y_SCALAR || strcmp(ver->str, "1"))
        rpt_ent_problem(L, AT(ver),
                        "unsupported version '%s' (this meetaudit reads "
                        "version 1)",
                        ver->kind == RPT_Y_SCALAR ? ver->str : "...");
    if (!orgs) {
        rpt_ent_problem(L, AT(root), "missing 'organisations'");
        return;
    }
    if (orgs->kind != RPT_Y_SEQ) {
        rpt_ent_problem(L, AT(orgs), "'organisations' must be a list, not %s",
                        rpt_ynode_kind_name(orgs));
        return;
    }
    L->h->orgs = calloc(orgs->n ? orgs->n : 1, sizeof(rpt_org));
    if (!L->h->orgs) {
        L->oom = 1;
        return;
    }
    L->h->norgs = orgs->n;
    for (size_t i = 0; i < orgs->n && !L->oom; i++)
        rpt_ent_check_org(L, orgs->items[i], &L->h->orgs[i]);
    if (L->oom)
        return;
    check_ids(L);
    check_parents(L);
    check_patterns(L);
    check_prefixes(L);
    check_asns(L);
}

static int diag_cmp(const void *x, const void *y)
{
    const ent_diag *a = x, *b = y;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* See entities.h: the caller owns *out; messages are only valid during
 * the callback. */
int rpt_entities_load_diag(const char *path, rpt_entities **out,
                           rpt_entities_diag_fn fn, void *ctx)
{
    ent_loader L = {.file = path};
    rpt_ydoc *doc = NULL;
    char err[1024];
    const rpt_ydoc_limits lim = {RPT_ENT_MAX_FILE, RPT_ENT_MAX_DEPTH,
                                 RPT_ENT_MAX_ENTRIES};
    int count;

    if (out)
        *out = NULL;
    L.h = rpt_entities_create();
    if (!L.h) {
        if (fn)
            fn(ctx, "out of memory");
        return 1;
    }
    if (rpt_ydoc_load(path, &lim, &doc, err, sizeof(err)) < 0) {
        if (fn)
            fn(ctx, err);
        rpt_entities_free(L.h);
        return 1;
    }
    check_doc(&L, rpt_ydoc_root(doc));
    if (L.oom)
        rpt_ent_problem(&L, 0, 0, "out of memory");
    if (L.nd == 0 && finish(&L) < 0)
        rpt_ent_problem(&L, 0, 0, "out of memory");
    if (L.nd)
        qsort(L.d, L.nd, sizeof(*L.d), diag_cmp);
    for (size_t i = 0; i < L.nd; i++) {
        if (fn && i < MAX_REPORTED)
            fn(ctx, L.d[i].msg);
        free(L.d[i].msg);
    }
    count = L.nd > (size_t)0x7fffffff ? 0x7fffffff : (int)L.nd;
    if (count == 0 && out) {
        *out = L.h;
        L.h = NULL;
    }
    rpt_entities_free(L.h);
    rpt_ydoc_free(doc);
    free(L.d);
    free(L.pats);
    free(L.pfx);
    free(L.asn);
    return count;
}

typedef struct first_ctx {
    char *err;
    size_t len;
    int seen;
} first_ctx;

static void keep_first(void *ctx, const char *msg)
{
    first_ctx *f = ctx;
    if (!f->seen++ && f->len)
        snprintf(f->err, f->len, "%s", msg);
}

/* See entities.h: the first (lowest-line) problem goes to err. */
int rpt_entities_load(const char *path, rpt_entities **out, char *err,
                      size_t errlen)
{
    first_ctx f = {err, errlen, 0};
    if (errlen)
        err[0] = 0;
    return rpt_entities_load_diag(path, out, keep_first, &f) ? -1 : 0;
}
