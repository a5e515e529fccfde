/* entities_int.h - internals shared by entities.c (lookups),
 * entities_load.c (checks across organisations, indexes, the load entry
 * points) and entities_org.c (one organisation's fields).
 *
 * Not a public header: only report/entities*.c and report/rules_cmd.c (for
 * the counts in its summary line) include it.  The layout is described in
 * entities.c's essay; the loader's invariants in entities_load.c's.
 */
#ifndef MEETAUDIT_ENTITIES_INT_H
#define MEETAUDIT_ENTITIES_INT_H

#include <libpsl.h>
#include <stddef.h>
#include <stdint.h>

#include "entities.h"
#include "yamldoc.h"

#define ENT_HOST_MAX 253 /* longest host name (RFC 1035 s.2.3.4, no dot) */

struct rpt_org {
    const char *id, *name, *parent, *country, *source;
    uint32_t cats;
    int line;          /* of the organisation's entry */
    int iline, icol;   /* of its id value, for messages */
    int pline, pcol;   /* of its parent value, for messages */
    const rpt_org *up; /* resolved parent, NULL at the top */
};

/* A domain or a host pattern (key without any leading "*."). */
typedef struct ent_name {
    const char *key;
    size_t len;
    const rpt_org *org;
    uint32_t cats;    /* patterns: their categories */
    const char *text; /* as written ("*.events.data.microsoft.com") */
    int line, col;
} ent_name;

/* Open-addressing string table over an array of ent_name (FNV-1a hash;
 * slots hold index + 1, 0 is empty, load factor kept at or below 1/2). */
typedef struct ent_htab {
    ent_name *v;
    size_t n, cap;
    uint32_t *slot;
    size_t nslot; /* a power of two */
} ent_htab;

typedef struct ent_pfx {
    uint8_t a[16]; /* network address, host bits zero; IPv4 in a[0..3] */
    int len;       /* prefix length */
    int ver;       /* 4 or 6 */
    const rpt_org *org;
    const char *text;
    int line, col;
} ent_pfx;

/* Prefixes of one IP version, sorted by (len descending, address); grp
 * gives the [start, end) slice of each length present. */
typedef struct ent_pfxset {
    ent_pfx *v;
    size_t n;
    struct {
        int len;
        size_t start, end;
    } grp[129];
    int ngrp;
} ent_pfxset;

typedef struct ent_asn {
    uint32_t asn;
    const rpt_org *org;
    const char *text; /* "AS16509" */
    int line, col;
} ent_asn;

typedef struct ent_block ent_block;

struct rpt_entities {
    rpt_org *orgs; /* file order */
    size_t norgs;
    const rpt_org **by_id; /* sorted by id */
    size_t nids;           /* entries of by_id (orgs with a valid id) */
    ent_htab doms;         /* domains */
    ent_htab pat_sub;      /* "x.y": x.y and its subdomains */
    ent_htab pat_strict;   /* "*.x.y": strict subdomains only */
    ent_pfxset p4, p6;
    ent_asn *asns; /* sorted by number */
    size_t nasns;
    ent_block *arena; /* every string above */
};

/* Copy s into h's arena; NULL on allocation failure. */
char *rpt_ent_strdup(rpt_entities *h, const char *s);

/* Find key[0..len) in t; NULL when absent. */
const ent_name *rpt_ent_htab_find(const ent_htab *t, const char *key,
                                  size_t len);

/* Add e (key owned by the arena).  Returns NULL on success, the existing
 * entry when the key is already present (nothing added), or e itself when
 * memory ran out (*oom set). */
const ent_name *rpt_ent_htab_add(ent_htab *t, const ent_name *e, int *oom);

void rpt_ent_htab_free(ent_htab *t);

/* Normalise a host name into buf (at least ENT_HOST_MAX + 1 bytes): one
 * trailing dot and a ":port" dropped, ASCII lower-cased.  Returns the
 * length, or -1 for malformed names and IP literals. */
int rpt_ent_norm_host(const char *host, char *buf, size_t len);

/* The public suffix list (loaded once, never freed; NULL if unavailable). */
const psl_ctx_t *rpt_ent_psl(void);

/* Sort p's prefixes and build its length groups. */
void rpt_ent_pfxset_index(ent_pfxset *p);

/* Compare organisations by id (for qsort/bsearch over const rpt_org *). */
int rpt_ent_org_cmp(const void *a, const void *b);

/* ---- loading (entities_load.c, entities_org.c) ---------------------- */

typedef struct ent_diag {
    int line, col;
    size_t seq;
    char *msg;
} ent_diag;

typedef struct ent_pending_pat {
    ent_name e;
    int strict;
} ent_pending_pat;

typedef struct ent_loader {
    const char *file;
    rpt_entities *h;
    ent_diag *d;
    size_t nd, capd;
    int oom;
    ent_pending_pat *pats;
    size_t npats, cappats;
    ent_pfx *pfx;
    size_t npfx, cappfx;
    ent_asn *asn;
    size_t nasn, capasn;
} ent_loader;

/* Make room for one more element of size sz in *v (n used of *cap);
 * 0, or -1 when memory ran out. */
int rpt_ent_grow(void **v, size_t *cap, size_t n, size_t sz);

/* Record a problem "file:line:column: message" (line 0: "file: message"). */
__attribute__((format(printf, 4, 5))) void
rpt_ent_problem(ent_loader *L, int line, int col, const char *fmt, ...);

/* Validate one organisation entry m into o (o->line is always set);
 * domains go straight into L->h->doms, patterns, prefixes and ASNs into
 * L's pending arrays for the checks across organisations. */
void rpt_ent_check_org(ent_loader *L, const rpt_ynode *m, rpt_org *o);

#endif
