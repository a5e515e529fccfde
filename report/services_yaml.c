/* services_yaml.c - a service rule file as a tree of positioned nodes, built
 * from libyaml's event API (YAML 1.1, https://yaml.org/spec/1.1/).
 *
 * libyaml does the parsing; this file only stacks its events into a tree of
 * scalars, sequences and mappings, each node keeping the 1-based line and
 * column of its first character so every later message can say
 * file:line:column.  A rule file is untrusted input, so limits are enforced
 * while the events arrive (nothing is built past them): nesting depth
 * RULE_SVC_MAX_DEPTH and RULE_SVC_MAX_ITEMS per collection (the caller has
 * already bounded the file size).  Aliases are refused (no expansion
 * attacks), anchors and tags ignored, a second document refused, and every
 * scalar kept as a string: no YAML 1.1 typing, so `NO` stays "NO".
 *
 * Invariant: every node and string lives in the caller's arena; the
 * temporary child lists of open collections are freed on every path.
 */
#include "services_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

typedef struct frame {
    rule_ynode *node;
    rule_ynode **kids;
    size_t n, cap;
} frame;

typedef struct builder {
    rule_arena *a;
    frame st[RULE_SVC_MAX_DEPTH];
    int depth;
    const rule_ynode *root;
    int eline, ecol;
    char *emsg;
    size_t emsglen;
} builder;

static int fail(builder *b, yaml_mark_t m, const char *fmt, ...)
{
    va_list ap;
    b->eline = (int)m.line + 1;
    b->ecol = (int)m.column + 1;
    va_start(ap, fmt);
    vsnprintf(b->emsg, b->emsglen, fmt, ap);
    va_end(ap);
    return -1;
}

static rule_ynode *new_node(builder *b, rule_ykind k, yaml_mark_t m)
{
    rule_ynode *n = rule_arena_alloc(b->a, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = k;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    return n;
}

/* Attach a finished node to the open collection, or make it the root. */
static int attach(builder *b, rule_ynode *n, yaml_mark_t m)
{
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    frame *f = &b->st[b->depth - 1];
    size_t limit = f->node->kind == RULE_Y_MAP ? 2 * RULE_SVC_MAX_ITEMS
                                               : RULE_SVC_MAX_ITEMS;
    if (f->n >= limit)
        return fail(b, m, "more than %d items in one %s", RULE_SVC_MAX_ITEMS,
                    f->node->kind == RULE_Y_MAP ? "mapping" : "list");
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        rule_ynode **k = rule_realloc(f->kids, cap * sizeof(*k));
        if (!k)
            return fail(b, m, "out of memory");
        f->kids = k;
        f->cap = cap;
    }
    f->kids[f->n++] = n;
    return 0;
}

/* A key position in an open mapping must hold a scalar. */
static int key_slot(const builder *b)
{
    if (b->depth == 0)
        return 0;
    const frame *f = &b->st[b->depth - 1];
    return f->node->kind == RULE_Y_MAP && f->n % 2 == 0;
}

static int on_start(builder *b, rule_ykind k, yaml_mark_t m)
{
    if (key_slot(b))
        return fail(b, m, "mapping keys must be strings");
    if (b->depth == RULE_SVC_MAX_DEPTH)
        return fail(b, m, "nesting deeper than %d levels", RULE_SVC_MAX_DEPTH);
    rule_ynode *n = new_node(b, k, m);
    if (!n)
        return fail(b, m, "out of memory");
    frame *f = &b->st[b->depth++];
    f->node = n;
    f->kids = NULL;
    f->n = f->cap = 0;
    return 0;
}

static int on_end(builder *b, yaml_mark_t m)
{
    frame *f = &b->st[b->depth - 1];
    rule_ynode *n = f->node;
    if (f->n) {
        n->items = rule_arena_alloc(b->a, f->n * sizeof(*n->items));
        if (!n->items)
            return fail(b, m, "out of memory");
        memcpy(n->items, f->kids, f->n * sizeof(*n->items));
    }
    n->n = n->kind == RULE_Y_MAP ? f->n / 2 : f->n;
    rule_free(f->kids);
    f->kids = NULL;
    b->depth--;
    return attach(b, n, m);
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, 0, len))
        return fail(b, ev->start_mark, "NUL character in a string");
    rule_ynode *n = new_node(b, RULE_Y_SCALAR, ev->start_mark);
    if (!n || !(n->str = rule_arena_strndup(b->a, v, len)))
        return fail(b, ev->start_mark, "out of memory");
    n->len = len;
    return attach(b, n, ev->start_mark);
}

/* Position of byte offset off in buf (for reader errors, which carry an
 * offset but no mark). */
static yaml_mark_t mark_at(const char *buf, size_t len, size_t off)
{
    yaml_mark_t m = { 0, 0, 0 };
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

static int parser_error(builder *b, const yaml_parser_t *p, const char *buf,
                        size_t len)
{
    if (p->error == YAML_MEMORY_ERROR)
        return fail(b, p->problem_mark, "out of memory");
    if (p->error == YAML_READER_ERROR)
        return fail(b, mark_at(buf, len, p->problem_offset),
                    "unreadable text: %s",
                    p->problem ? p->problem : "bad encoding");
    return fail(b, p->problem_mark, "YAML syntax error: %s%s%s",
                p->problem ? p->problem : "malformed",
                p->context ? " " : "", p->context ? p->context : "");
}

int rule_yaml_parse(const char *buf, size_t len, rule_arena *a,
                    const rule_ynode **root, int *eline, int *ecol,
                    char *emsg, size_t emsglen)
{
    builder b;
    yaml_parser_t p;
    yaml_event_t ev;
    int rc = -1, docs = 0, done = 0;

    memset(&b, 0, sizeof(b));
    b.a = a;
    b.emsg = emsg;
    b.emsglen = emsglen;
    *root = NULL;
    if (!yaml_parser_initialize(&p)) {
        yaml_mark_t m = { 0, 0, 0 };
        fail(&b, m, "out of memory");
        goto out;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            parser_error(&b, &p, buf, len);
            goto fail;
        }
        int r = 0;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                r = fail(&b, ev.start_mark, "more than one YAML document");
            break;
        case YAML_ALIAS_EVENT:
            r = fail(&b, ev.start_mark, "aliases are not allowed");
            break;
        case YAML_SCALAR_EVENT:
            r = on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            r = on_start(&b, RULE_Y_SEQ, ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            r = on_start(&b, RULE_Y_MAP, ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            r = on_end(&b, ev.start_mark);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (r)
            goto fail;
    }
    *root = b.root;
    rc = 0;
fail:
    while (b.depth > 0)
        rule_free(b.st[--b.depth].kids);
    yaml_parser_delete(&p);
out:
    if (rc == 0 && eline)
        *eline = *ecol = 0;
    else if (eline) {
        *eline = b.eline;
        *ecol = b.ecol;
    }
    return rc;
}
