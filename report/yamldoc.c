/* yamldoc.c - libyaml events -> a positioned node tree (YAML 1.1 via libyaml).
 *
 * Invariants
 * ----------
 * - Every node is allocated once, recorded in doc->all and freed only by
 *   rpt_ydoc_free(); the tree is complete or not returned at all.
 * - The open-collection stack never exceeds lim->max_depth, a collection
 *   never holds more than lim->max_items items (pairs for mappings), and the
 *   input never exceeds lim->max_bytes, so memory is bounded by the limits.
 * - Positions come from libyaml's marks (0-based) and are stored 1-based.
 *   For reader errors (bad UTF-8) libyaml gives only a byte offset; the
 *   line and column are recomputed from the buffer.
 * - Exactly one document per stream; aliases are refused.
 */
#define _POSIX_C_SOURCE 200809L
#include "yamldoc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct rpt_ydoc {
    rpt_ynode *root;
    rpt_ynode **all; /* every node, for freeing */
    size_t nall, capall;
};

typedef struct builder {
    rpt_ydoc *doc;
    const rpt_ydoc_limits *lim;
    const char *name;
    rpt_ynode *stack[64];
    size_t cap[64];  /* allocated slots of stack[i]->items */
    size_t used[64]; /* filled slots of stack[i]->items */
    int depth;
    char *err;
    size_t errlen;
} builder;

static void set_err(builder *b, int line, int col, const char *fmt,
                    const char *a1)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, a1 ? a1 : "");
    if (line > 0)
        snprintf(b->err, b->errlen, "%s:%d:%d: %s", b->name, line, col, msg);
    else
        snprintf(b->err, b->errlen, "%s: %s", b->name, msg);
}

static void free_node(rpt_ynode *n)
{
    if (!n)
        return;
    free((char *)n->str);
    free(n->items);
    free(n);
}

void rpt_ydoc_free(rpt_ydoc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nall; i++)
        free_node(d->all[i]);
    free(d->all);
    free(d);
}

static rpt_ynode *new_node(builder *b, rpt_ykind kind, const yaml_mark_t *m)
{
    rpt_ydoc *d = b->doc;
    if (d->nall == d->capall) {
        size_t nc = d->capall ? d->capall * 2 : 256;
        rpt_ynode **na = realloc(d->all, nc * sizeof(*na));
        if (!na)
            return NULL;
        d->all = na;
        d->capall = nc;
    }
    rpt_ynode *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    d->all[d->nall++] = n;
    return n;
}

/* Append n to the open collection on top of the stack (or make it the
 * root).  Returns 0, or -1 with the error set. */
static int attach(builder *b, rpt_ynode *n)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return 0;
    }
    int d = b->depth - 1;
    rpt_ynode *top = b->stack[d];
    size_t used = b->used[d];
    if (top->kind == RPT_Y_MAP && (used & 1) == 0 && n->kind != RPT_Y_SCALAR) {
        set_err(b, n->line, n->col, "mapping keys must be plain strings%s",
                NULL);
        return -1;
    }
    size_t limit =
        top->kind == RPT_Y_MAP ? b->lim->max_items * 2 : b->lim->max_items;
    if (used >= limit) {
        char lim[32];
        snprintf(lim, sizeof(lim), "%zu", b->lim->max_items);
        set_err(b, n->line, n->col, "more than %s items in one collection",
                lim);
        return -1;
    }
    if (used == b->cap[d]) {
        size_t nc = b->cap[d] ? b->cap[d] * 2 : 8;
        rpt_ynode **na = realloc(top->items, nc * sizeof(*na));
        if (!na) {
            set_err(b, 0, 0, "out of memory%s", NULL);
            return -1;
        }
        top->items = na;
        b->cap[d] = nc;
    }
    top->items[used] = n;
    b->used[d] = ++used;
    top->n = top->kind == RPT_Y_MAP ? used / 2 : used;
    return 0;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    if (memchr(ev->data.scalar.value, 0, len)) {
        set_err(b, (int)m->line + 1, (int)m->column + 1,
                "NUL character in a string%s", NULL);
        return -1;
    }
    rpt_ynode *n = new_node(b, RPT_Y_SCALAR, m);
    char *s = n ? malloc(len + 1) : NULL;
    if (!s) {
        set_err(b, 0, 0, "out of memory%s", NULL);
        return -1;
    }
    memcpy(s, ev->data.scalar.value, len);
    s[len] = 0;
    n->str = s;
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(b, n);
}

static int on_open(builder *b, const yaml_event_t *ev, rpt_ykind kind)
{
    const yaml_mark_t *m = &ev->start_mark;
    if (b->depth >= b->lim->max_depth ||
        b->depth >= (int)(sizeof(b->stack) / sizeof(b->stack[0]))) {
        char d[16];
        snprintf(d, sizeof(d), "%d", b->lim->max_depth);
        set_err(b, (int)m->line + 1, (int)m->column + 1,
                "nested deeper than %s levels", d);
        return -1;
    }
    rpt_ynode *n = new_node(b, kind, m);
    if (!n) {
        set_err(b, 0, 0, "out of memory%s", NULL);
        return -1;
    }
    if (attach(b, n) < 0)
        return -1;
    b->stack[b->depth] = n;
    b->cap[b->depth] = 0;
    b->used[b->depth] = 0;
    b->depth++;
    return 0;
}

/* Line and column (1-based) of byte offset off in buf. */
static void offset_pos(const char *buf, size_t len, size_t off, int *line,
                       int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void parser_err(builder *b, const yaml_parser_t *p, const char *buf,
                       size_t len)
{
    char msg[512];
    int line, col;
    if (p->error == YAML_MEMORY_ERROR) {
        set_err(b, 0, 0, "out of memory%s", NULL);
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        offset_pos(buf, len, p->problem_offset, &line, &col);
        snprintf(msg, sizeof(msg), "%s",
                 p->problem ? p->problem : "cannot read the input");
        set_err(b, line, col, "syntax error: %s", msg);
        return;
    }
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
    if (p->context)
        snprintf(msg, sizeof(msg), "%s (%s at line %d, column %d)",
                 p->problem ? p->problem : "malformed YAML", p->context,
                 (int)p->context_mark.line + 1,
                 (int)p->context_mark.column + 1);
    else
        snprintf(msg, sizeof(msg), "%s",
                 p->problem ? p->problem : "malformed YAML");
    set_err(b, line, col, "syntax error: %s", msg);
}

int rpt_ydoc_parse(const char *name, const char *buf, size_t len,
                   const rpt_ydoc_limits *lim, rpt_ydoc **out, char *err,
                   size_t errlen)
{
    yaml_parser_t p;
    yaml_event_t ev;
    builder b;
    int rc = -1, ndocs = 0, done = 0;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    b.lim = lim;
    b.name = name;
    b.err = err;
    b.errlen = errlen;
    if (errlen)
        err[0] = 0;
    if (len > lim->max_bytes) {
        char l[32];
        snprintf(l, sizeof(l), "%zu", lim->max_bytes);
        set_err(&b, 0, 0, "larger than the limit of %s bytes", l);
        return -1;
    }
    b.doc = calloc(1, sizeof(*b.doc));
    if (!b.doc) {
        set_err(&b, 0, 0, "out of memory%s", NULL);
        return -1;
    }
    if (!yaml_parser_initialize(&p)) {
        set_err(&b, 0, 0, "out of memory%s", NULL);
        rpt_ydoc_free(b.doc);
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            parser_err(&b, &p, buf, len);
            goto fail;
        }
        int r = 0;
        const yaml_mark_t *m = &ev.start_mark;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++ndocs > 1) {
                set_err(&b, (int)m->line + 1, (int)m->column + 1,
                        "more than one YAML document in the file%s", NULL);
                r = -1;
            }
            break;
        case YAML_ALIAS_EVENT:
            set_err(&b, (int)m->line + 1, (int)m->column + 1,
                    "aliases (*%s) are not supported",
                    (const char *)ev.data.alias.anchor);
            r = -1;
            break;
        case YAML_SCALAR_EVENT:
            r = on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            r = on_open(&b, &ev, RPT_Y_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            r = on_open(&b, &ev, RPT_Y_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (b.depth > 0)
                b.depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (r < 0)
            goto fail;
    }
    *out = b.doc;
    b.doc = NULL;
    rc = 0;
fail:
    yaml_parser_delete(&p);
    rpt_ydoc_free(b.doc);
    return rc;
}

int rpt_ydoc_load(const char *path, const rpt_ydoc_limits *lim, rpt_ydoc **out,
                  char *err, size_t errlen)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0;
    int rc = -1;
    struct stat sb;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int have_st = fstat(fileno(f), &sb) == 0;
    if (have_st && !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto fail;
    }
    /* Read at most max_bytes + 1 so an oversized file is detected even if
     * its size changes while we read; the buffer starts at the size fstat
     * gave (+1, to see growth) and doubles only if the file grew. */
    size_t limit = lim->max_bytes + 1, cap = limit;
    if (have_st && sb.st_size >= 0 && (uintmax_t)sb.st_size < lim->max_bytes)
        cap = (size_t)sb.st_size + 1;
    buf = malloc(cap);
    for (;;) {
        if (!buf) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto fail;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f)) {
            snprintf(err, errlen, "%s: read error", path);
            goto fail;
        }
        if (n < cap || cap == limit)
            break;
        size_t grown = cap > limit / 2 ? limit : 2 * cap;
        char *nb = realloc(buf, grown);
        if (!nb) {
            free(buf);
            buf = NULL;
            continue; /* reports out of memory */
        }
        buf = nb;
        cap = grown;
    }
    rc = rpt_ydoc_parse(path, buf, n, lim, out, err, errlen);
fail:
    free(buf);
    fclose(f);
    return rc;
}

const rpt_ynode *rpt_ydoc_root(const rpt_ydoc *d)
{
    return d ? d->root : NULL;
}

const rpt_ynode *rpt_ynode_get(const rpt_ynode *map, const char *key)
{
    if (!map || map->kind != RPT_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (!strcmp(map->items[2 * i]->str, key))
            return map->items[2 * i + 1];
    return NULL;
}

const char *rpt_ynode_kind_name(const rpt_ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case RPT_Y_SCALAR:
        return "a string";
    case RPT_Y_SEQ:
        return "a list";
    default:
        return "a mapping";
    }
}
