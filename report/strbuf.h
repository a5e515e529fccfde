/* strbuf.h - a growing, NUL-terminated string built with printf formats
 * or written in place.
 *
 * The one string builder of report/ (display filters, signature files,
 * report text, the JSON lists of the TLS rows).  Errors are sticky: after an allocation or format failure
 * every later append does nothing and err stays set, so callers check
 * once at the end.
 *
 * Ownership: the caller owns the struct (zero-initialise it: {0} is an
 * empty string with no storage) and b->s, which it frees with free() or
 * rpt_sb_free().  b->s is NULL until something was appended.
 */
#ifndef MEETAUDIT_STRBUF_H
#define MEETAUDIT_STRBUF_H

#include <stddef.h>

typedef struct rpt_sbuf {
    char *s;      /* the text, NUL-terminated (NULL while empty) */
    size_t len;   /* bytes before the NUL */
    size_t cap;   /* bytes allocated */
    int err;      /* an append failed: the text is incomplete */
} rpt_sbuf;

/* Append printf(fmt, ...) to b, growing it as needed. */
void rpt_sb_printf(rpt_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Room for n more bytes and the NUL after b's text: where to write them,
 * or NULL (err set) when out of memory.  Hot paths write in place there
 * and then call rpt_sb_wrote(), instead of formatting. */
char *rpt_sb_room(rpt_sbuf *b, size_t n);

/* The caller wrote up to end (inside the room rpt_sb_room() gave):
 * terminate the text there. */
void rpt_sb_wrote(rpt_sbuf *b, char *end);

/* Append s[0..n). */
void rpt_sb_add(rpt_sbuf *b, const char *s, size_t n);

/* Free b's storage and zero it. */
void rpt_sb_free(rpt_sbuf *b);

#endif
