/* strbuf.c - a growing string built with printf formats or in place
 * (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At least need bytes allocated: 0, or -1 (err set). */
static int grow(rpt_sbuf *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < need)
        nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns) {
        b->err = 1;
        return -1;
    }
    b->s = ns;
    b->cap = nc;
    return 0;
}

void rpt_sb_printf(rpt_sbuf *b, const char *fmt, ...)
{
    if (b->err)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL,
                          b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->err = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (grow(b, b->len + (size_t)n + 1) < 0)
            return;
    }
}

char *rpt_sb_room(rpt_sbuf *b, size_t n)
{
    if (b->err || grow(b, b->len + n + 1) < 0)
        return NULL;
    return b->s + b->len;
}

void rpt_sb_wrote(rpt_sbuf *b, char *end)
{
    *end = '\0';
    b->len = (size_t)(end - b->s);
}

void rpt_sb_add(rpt_sbuf *b, const char *s, size_t n)
{
    char *o = rpt_sb_room(b, n);
    if (!o)
        return;
    memcpy(o, s, n);
    rpt_sb_wrote(b, o + n);
}

void rpt_sb_free(rpt_sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
