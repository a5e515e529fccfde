/* services_int.h - internals shared by services.c (accessors, recognisers),
 * services_load.c (validation) and services_yaml.c (libyaml -> tree).
 *
 * Not a public header: only report/services*.c include it.
 * services_check.c is the schema walk; services_load.c reads files and
 * reports problems.  Everything a set owns lives in its arena, so freeing a
 * set is freeing the arena.
 */
#ifndef MEETAUDIT_SERVICES_INT_H
#define MEETAUDIT_SERVICES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "services.h"

/* ---- allocation ---------------------------------------------------------
 * Every allocation of the module goes through rule_alloc()/rule_free() so
 * the tests can make any one of them fail (rule_services_fail_alloc_at()).
 */
void *rule_alloc(size_t n);
void *rule_realloc(void *p, size_t n);
void rule_free(void *p);

/* A bump allocator: chunks are freed together by rule_arena_free(). */
typedef struct rule_arena_chunk rule_arena_chunk;
typedef struct rule_arena {
    rule_arena_chunk *head;
} rule_arena;

/* n zeroed bytes aligned for any object, or NULL on allocation failure. */
void *rule_arena_alloc(rule_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n), or NULL on allocation failure. */
char *rule_arena_strndup(rule_arena *a, const char *s, size_t n);
/* Give every chunk of src to dst (src is left empty). */
void rule_arena_move(rule_arena *dst, rule_arena *src);
void rule_arena_free(rule_arena *a);

/* ---- YAML tree (services_yaml.c) ---------------------------------------- */

typedef enum { RULE_Y_SCALAR, RULE_Y_SEQ, RULE_Y_MAP } rule_ykind;

typedef struct rule_ynode rule_ynode;
struct rule_ynode {
    rule_ykind kind;
    int line, col;        /* 1-based position of the first character */
    const char *str;      /* scalars: the value (no NUL inside) */
    size_t len;           /* scalars: strlen(str) */
    rule_ynode **items;   /* SEQ: n items; MAP: 2n nodes, key then value */
    size_t n;             /* SEQ: items; MAP: pairs */
};

/* Parse buf into a tree allocated in a.  Returns 0 and stores the root
 * (NULL for an empty document), or -1 and writes the position and message
 * of the problem (syntax error, alias, depth or item limit, second
 * document, allocation failure). */
int rule_yaml_parse(const char *buf, size_t len, rule_arena *a,
                    const rule_ynode **root, int *eline, int *ecol,
                    char *emsg, size_t emsglen);

/* ---- validation (services_check.c) -------------------------------------- */

typedef struct rule_problem {
    int line, col; /* 0 for file-level problems */
    size_t seq;    /* detection order, for a stable sort */
    char *msg;     /* "file:line:column: message", heap, owned by the ctx */
} rule_problem;

/* One file being validated: where it is, what to check organisation ids
 * against (may be NULL), the arena the service is built in, and the
 * problems found so far (oom is set when one could not be recorded). */
typedef struct rule_vctx {
    const char *file;
    const rpt_entities *ents;
    rule_arena *a;
    rule_problem *pv;
    size_t pn, pcap;
    int oom;
} rule_vctx;

/* Record a problem at node at ("file: message" when at is NULL). */
void rule_prob(rule_vctx *v, const rule_ynode *at, const char *fmt, ...);

/* Check the tree root (NULL for an empty document) of v->file against the
 * schema, filling s (allocated by the caller in v->a) as it goes; set is
 * only read (to refuse a service loaded twice). */
void rule_check_service(rule_vctx *v, const rule_ynode *root,
                        const rule_services *set, rule_service *s);

/* ---- the loaded model ---------------------------------------------------- */

typedef struct rule_pfx {
    uint8_t a[16]; /* network address, host bits zero */
    int len;       /* prefix length */
    int ver;       /* 4 or 6 */
} rule_pfx;

typedef struct rule_portrange {
    int proto;          /* 6 or 17 */
    unsigned lo, hi;
} rule_portrange;

struct rule_doc {
    const char *id, *title, *url, *date, *retrieved, *note;
    int line;
};

struct rule_claim {
    const rule_service *svc;
    const char *id, *quote, *section, *note;
    const rule_doc *source;
    rule_topic topic;
    rule_status status;
    rule_assert kind;
    int line;
    const char **orgs;
    size_t norgs;
    uint32_t cats;
    unsigned min_tls;
    rule_cleartext cleartext;
    const char **countries;
    size_t ncountries;
    int excluded;
    const char **wkeys, **wvals;
    size_t nwhen;
};

struct rule_service {
    const char *id, *name, *op, *file;
    const char **ndpi;
    size_t nndpi;
    const char **domains;
    size_t ndomains;
    const char **pfx_text;
    rule_pfx *pfx;
    size_t npfx;
    const char **port_text;
    rule_portrange *ports;
    size_t nports;
    rule_doc *docs;
    size_t ndocs;
    rule_claim *claims;
    size_t nclaims;
};

struct rule_services {
    rule_arena arena;
    rule_service **v;
    size_t n, cap;
};

/* Append v (allocated in s->arena) to s.  Returns 0, or -1 on allocation
 * failure. */
int rule_services_add(rule_services *s, rule_service *v);

/* Parse "a.b.c.d/n" or "x:y::/n" (a bare address is /32 or /128).
 * Returns 0 and fills p, -1 when malformed, -2 when host bits are set. */
int rule_parse_prefix(const char *text, rule_pfx *p);

/* Checks shared by the loader and the recognisers. */
int rule_domain_valid(const char *d);   /* "x.y" or "*.x.y", lower case */

#endif
