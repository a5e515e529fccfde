/* ipinfo_csv.c - load ip-location-db ASN CSV files into sorted, disjoint
 * range arrays with interned organisation names.  CSV as in RFC 4180;
 * IPv4/IPv6 text forms as in RFC 4291 (parsed by inet_pton).
 *
 * Invariants
 * ----------
 * - Records are single lines.  RFC 4180 allows line breaks inside quoted
 *   fields, but the data never has them; treating a line break as the end
 *   of the record means one stray quote costs one line, never the rest of
 *   the file.  Quoted fields may contain commas and doubled quotes.
 * - A line is accepted only if it has exactly 4 fields: start and end
 *   address (decimal number, or dotted/colon text; start <= end), a decimal
 *   ASN below 2^32, and an organisation without control characters.  Any
 *   other line (too long, bad quoting, bad numbers) is counted as malformed
 *   and skipped; nothing in a file is fatal.
 * - Memory is bounded: lines by RPT_IPINFO_MAX_LINE, rows per table by
 *   RPT_IPINFO_MAX_ROWS, names by RPT_IPINFO_MAX_POOL.  Arrays are shrunk to
 *   fit after loading.  An IPv4 row is 16 bytes, an IPv6 row 40.
 * - After loading, rows are sorted by start and pairwise disjoint, so a
 *   lookup is one binary search.  The published files are sorted and (but
 *   for a handful of rows) disjoint: that is checked while reading, and
 *   only when it fails are rows sorted and overlaps resolved.  Resolution
 *   rule, deterministic for a given file: at each address the covering row
 *   with the greatest start wins (the most specific when rows nest); equal
 *   starts: the narrower; then the higher ASN; then a named organisation
 *   over none; then the name first seen later.  Every row that overlapped
 *   an earlier one is counted.
 */
#define _DEFAULT_SOURCE
#include "ipinfo_csv.h"
#include "ipinfo.h"

#include "../dissect/fnv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- interned strings ------------------------------------------------ */

/* FNV-1a, 32-bit: only to spread names over the table. */
static uint32_t str_hash(const char *s, size_t n)
{
    return dis_fnv32(DIS_FNV32_INIT, s, n);
}

static int slots_grow(rpt_ipcsv_strings *s)
{
    size_t nn = s->nslots ? s->nslots * 2 : 4096;
    uint32_t *ns = calloc(nn, sizeof(*ns));
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->nslots; i++) {
        uint32_t v = s->slots[i];
        if (!v)
            continue;
        const char *str = s->pool + (v - 1);
        size_t j = str_hash(str, strlen(str)) & (nn - 1);
        while (ns[j])
            j = (j + 1) & (nn - 1);
        ns[j] = v;
    }
    free(s->slots);
    s->slots = ns;
    s->nslots = nn;
    return 0;
}

/* The pool offset of name (n bytes), adding it if new.  RPT_IPCSV_NO_ORG
 * for the empty name or when the pool is full; -1 on allocation failure
 * (returned through *out). */
static int intern(rpt_ipcsv_strings *s, const char *name, size_t n,
                  uint32_t *out)
{
    *out = RPT_IPCSV_NO_ORG;
    if (n == 0)
        return 0;
    if ((s->count + 1) * 2 > s->nslots && slots_grow(s) < 0)
        return -1;
    size_t mask = s->nslots - 1;
    size_t j = str_hash(name, n) & mask;
    while (s->slots[j]) {
        const char *str = s->pool + (s->slots[j] - 1);
        if (strncmp(str, name, n) == 0 && str[n] == 0) {
            *out = s->slots[j] - 1;
            return 0;
        }
        j = (j + 1) & mask;
    }
    if (s->len + n + 1 > RPT_IPINFO_MAX_POOL) {
        s->dropped++;
        return 0;
    }
    if (s->len + n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 65536;
        while (nc < s->len + n + 1)
            nc *= 2;
        if (nc > RPT_IPINFO_MAX_POOL)
            nc = RPT_IPINFO_MAX_POOL;
        char *np = realloc(s->pool, nc);
        if (!np)
            return -1;
        s->pool = np;
        s->cap = nc;
    }
    memcpy(s->pool + s->len, name, n);
    s->pool[s->len + n] = 0;
    *out = (uint32_t)s->len;
    s->slots[j] = (uint32_t)s->len + 1;
    s->len += n + 1;
    s->count++;
    return 0;
}

void rpt_ipcsv_strings_done(rpt_ipcsv_strings *s)
{
    free(s->slots);
    s->slots = NULL;
    s->nslots = 0;
    if (s->pool && s->len < s->cap) {
        char *np = realloc(s->pool, s->len ? s->len : 1);
        if (np) {
            s->pool = np;
            s->cap = s->len ? s->len : 1;
        }
    }
}

void rpt_ipcsv_strings_free(rpt_ipcsv_strings *s)
{
    free(s->slots);
    free(s->pool);
    memset(s, 0, sizeof(*s));
}

void rpt_ipcsv_table_free(rpt_ipcsv_table *t)
{
    free(t->v4);
    free(t->v6);
    t->v4 = NULL;
    t->v6 = NULL;
    t->n = t->cap = 0;
}

/* ---- one line --------------------------------------------------------- */

#define NFIELDS 4

/* Split line (NUL-terminated, no line break) into fields in place,
 * removing quotes.  Returns the number of fields (at most NFIELDS + 1:
 * more is reported as NFIELDS + 1) or -1 for bad quoting. */
static int csv_split(char *line, char *f[], size_t flen[])
{
    char *p = line;
    int nf = 0;
    for (;;) {
        char *start, *w;
        if (nf > NFIELDS)
            return NFIELDS + 1;
        if (*p == '"') {
            start = w = ++p;
            for (;;) {
                if (*p == 0)
                    return -1; /* unterminated */
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (*p != ',' && *p != 0)
                return -1; /* text after the closing quote */
        } else {
            start = p;
            while (*p && *p != ',') {
                if (*p == '"')
                    return -1; /* quote inside an unquoted field */
                p++;
            }
            w = p;
        }
        if (nf < NFIELDS) {
            f[nf] = start;
            flen[nf] = (size_t)(w - start);
        }
        nf++;
        if (*p == 0)
            return nf;
        /* w <= p here, so ending the field does not clobber the comma. */
        *w = 0;
        p++; /* the comma */
    }
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Decimal (up to 128 bits) into 16 big-endian bytes; -1 on overflow. */
static int dec128(const char *s, size_t n, uint8_t out[16])
{
    memset(out, 0, 16);
    if (n <= 19) { /* fits in 64 bits: the common (IPv4) case */
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (uint64_t)(s[i] - '0');
        for (int b = 15; b >= 8; b--, v >>= 8)
            out[b] = (uint8_t)v;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned carry = (unsigned)(s[i] - '0');
        for (int b = 15; b >= 0; b--) {
            unsigned v = out[b] * 10u + carry;
            out[b] = (uint8_t)v;
            carry = v >> 8;
        }
        if (carry)
            return -1;
    }
    return 0;
}

/* An address field into 16 big-endian bytes (IPv4: the last 4, the rest
 * zero).  -1 when it is not an address of family ipver. */
static int parse_addr(const char *s, size_t n, int ipver, uint8_t out[16])
{
    char tmp[64];
    memset(out, 0, 16);
    if (all_digits(s, n)) {
        if (n > 39 || dec128(s, n, out) < 0)
            return -1;
        if (ipver == 4) {
            for (int i = 0; i < 12; i++)
                if (out[i])
                    return -1;
        }
        return 0;
    }
    if (n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (ipver == 4)
        return inet_pton(AF_INET, tmp, out + 12) == 1 ? 0 : -1;
    return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

static int parse_asn(const char *s, size_t n, uint32_t *asn)
{
    uint64_t v = 0;
    if (!all_digits(s, n) || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    if (v > UINT32_MAX)
        return -1;
    *asn = (uint32_t)v;
    return 0;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
           (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* ---- table building ---------------------------------------------------- */

static int push_row(rpt_ipcsv_table *t, const uint8_t lo[16],
                    const uint8_t hi[16], uint32_t asn, uint32_t org)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16384;
        if (nc > RPT_IPINFO_MAX_ROWS)
            nc = RPT_IPINFO_MAX_ROWS;
        if (t->ipver == 4) {
            rpt_ipv4_range *nr = realloc(t->v4, nc * sizeof(*nr));
            if (!nr)
                return -1;
            t->v4 = nr;
        } else {
            rpt_ipv6_range *nr = realloc(t->v6, nc * sizeof(*nr));
            if (!nr)
                return -1;
            t->v6 = nr;
        }
        t->cap = nc;
    }
    if (t->ipver == 4) {
        rpt_ipv4_range *r = &t->v4[t->n];
        r->lo = be32(lo + 12);
        r->hi = be32(hi + 12);
        r->asn = asn;
        r->org = org;
    } else {
        rpt_ipv6_range *r = &t->v6[t->n];
        memcpy(r->lo, lo, 16);
        memcpy(r->hi, hi, 16);
        r->asn = asn;
        r->org = org;
    }
    t->n++;
    return 0;
}

/* Add one 128-bit big-endian step (+1 or -1); the caller guarantees no
 * wrap-around. */
static void step128(uint8_t a[16], int up)
{
    for (int i = 15; i >= 0; i--) {
        if (up) {
            if (++a[i] != 0)
                return;
        } else {
            if (a[i]-- != 0)
                return;
        }
    }
}

static int cmp_rows(const void *pa, const void *pb)
{
    const rpt_ipv6_range *a = pa, *b = pb;
    int c = memcmp(a->lo, b->lo, 16);
    if (c)
        return c;
    c = memcmp(b->hi, a->hi, 16); /* wider first: the narrower wins */
    if (c)
        return c;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    if (a->org != b->org) { /* a named organisation wins over none */
        uint32_t oa = a->org + 1, ob = b->org + 1; /* NO_ORG -> 0 */
        return oa < ob ? -1 : 1;
    }
    return 0;
}

static void emit(rpt_ipv6_range *out, size_t *n, const uint8_t lo[16],
                 const uint8_t hi[16], const rpt_ipv6_range *from)
{
    rpt_ipv6_range *r = &out[(*n)++];
    memcpy(r->lo, lo, 16);
    memcpy(r->hi, hi, 16);
    r->asn = from->asn;
    r->org = from->org;
}

/* Sort a[0..n) and replace it by disjoint pieces following the rule in
 * the essay.  The covering rows form a stack whose ends strictly decrease
 * towards the top; cur is the first address the top has not yet emitted.
 * Each row is pushed once and each push or pop emits at most one piece,
 * so the output has at most 2n rows.  Returns the new array (a is freed)
 * and its length in *nout, or NULL on allocation failure (a untouched). */
static rpt_ipv6_range *resolve(rpt_ipv6_range *a, size_t n, size_t *nout,
                               size_t *overlaps)
{
    static const uint8_t maxaddr[16] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    rpt_ipv6_range *out = malloc((2 * n + 1) * sizeof(*out));
    size_t *stack = malloc((n + 1) * sizeof(*stack));
    uint8_t cur[16] = { 0 }, maxhi[16] = { 0 }, tmp[16];
    size_t no = 0, sp = 0;

    if (!out || !stack) {
        free(out);
        free(stack);
        return NULL;
    }
    qsort(a, n, sizeof(*a), cmp_rows);
    *overlaps = 0;
    for (size_t i = 0; i < n; i++) {
        const rpt_ipv6_range *r = &a[i];
        if (i > 0 && memcmp(r->lo, maxhi, 16) <= 0)
            (*overlaps)++;
        if (i == 0 || memcmp(r->hi, maxhi, 16) > 0)
            memcpy(maxhi, r->hi, 16);
        /* Rows ending before r starts are finished. */
        while (sp > 0 && memcmp(a[stack[sp - 1]].hi, r->lo, 16) < 0) {
            const rpt_ipv6_range *top = &a[stack[--sp]];
            if (memcmp(cur, top->hi, 16) <= 0)
                emit(out, &no, cur, top->hi, top);
            memcpy(cur, top->hi, 16);
            step128(cur, 1); /* top->hi < r->lo: no wrap */
        }
        /* The row under r gets the addresses before r. */
        if (sp > 0 && memcmp(cur, r->lo, 16) < 0) {
            memcpy(tmp, r->lo, 16);
            step128(tmp, 0);
            emit(out, &no, cur, tmp, &a[stack[sp - 1]]);
        }
        /* Rows ending within r are shadowed for the rest of their span. */
        while (sp > 0 && memcmp(a[stack[sp - 1]].hi, r->hi, 16) <= 0)
            sp--;
        stack[sp++] = i;
        memcpy(cur, r->lo, 16);
    }
    int done = 0;
    while (sp > 0) {
        const rpt_ipv6_range *top = &a[stack[--sp]];
        if (!done && memcmp(cur, top->hi, 16) <= 0)
            emit(out, &no, cur, top->hi, top);
        if (memcmp(top->hi, maxaddr, 16) == 0)
            done = 1;
        else {
            memcpy(cur, top->hi, 16);
            step128(cur, 1);
        }
    }
    free(stack);
    free(a);
    *nout = no;
    return out;
}

/* Make t sorted and disjoint (see the essay).  IPv4 rows are widened to
 * the 16-byte form for the purpose.  -1 on allocation failure. */
static int normalise(rpt_ipcsv_table *t)
{
    rpt_ipv6_range *a;
    size_t n = t->n, nout = 0;

    if (t->ipver == 6) {
        a = t->v6;
    } else {
        a = calloc(n ? n : 1, sizeof(*a));
        if (!a)
            return -1;
        for (size_t i = 0; i < n; i++) {
            put_be32(a[i].lo + 12, t->v4[i].lo);
            put_be32(a[i].hi + 12, t->v4[i].hi);
            a[i].asn = t->v4[i].asn;
            a[i].org = t->v4[i].org;
        }
    }
    rpt_ipv6_range *r = resolve(a, n, &nout, &t->overlaps);
    if (!r) {
        if (t->ipver == 4)
            free(a);
        return -1;
    }
    if (t->ipver == 6) {
        t->v6 = r;
        t->n = t->cap = nout;
        rpt_ipv6_range *s = realloc(r, (nout ? nout : 1) * sizeof(*s));
        if (s)
            t->v6 = s;
        return 0;
    }
    rpt_ipv4_range *v4 = malloc((nout ? nout : 1) * sizeof(*v4));
    if (!v4) {
        free(r);
        return -1;
    }
    for (size_t i = 0; i < nout; i++) {
        v4[i].lo = be32(r[i].lo + 12);
        v4[i].hi = be32(r[i].hi + 12);
        v4[i].asn = r[i].asn;
        v4[i].org = r[i].org;
    }
    free(r);
    free(t->v4);
    t->v4 = v4;
    t->n = t->cap = nout;
    return 0;
}

static void shrink(rpt_ipcsv_table *t)
{
    if (t->n == t->cap || t->n == 0)
        return;
    if (t->ipver == 4) {
        rpt_ipv4_range *s = realloc(t->v4, t->n * sizeof(*s));
        if (s)
            t->v4 = s;
    } else {
        rpt_ipv6_range *s = realloc(t->v6, t->n * sizeof(*s));
        if (s)
            t->v6 = s;
    }
    t->cap = t->n;
}

static void bad_line(rpt_ipcsv_table *t)
{
    t->malformed++;
    if (!t->first_bad_line)
        t->first_bad_line = t->lines;
}

int rpt_ipcsv_load(const char *path, rpt_ipcsv_table *t,
                   rpt_ipcsv_strings *s, char *err, size_t errlen)
{
    char line[RPT_IPINFO_MAX_LINE + 2];
    uint8_t lo[16], hi[16], prev_hi[16] = { 0 };
    int sorted_disjoint = 1;
    FILE *f = fopen(path, "r");

    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        t->lines++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = 0;
        else if (!feof(f)) { /* longer than the buffer: skip the rest */
            int c;
            while ((c = getc(f)) != EOF && c != '\n')
                ;
            bad_line(t);
            continue;
        }
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = 0;
        if (n == 0)
            continue; /* blank lines are not records */
        if (n > RPT_IPINFO_MAX_LINE || memchr(line, 0, n)) {
            bad_line(t);
            continue;
        }

        char *fv[NFIELDS];
        size_t fl[NFIELDS];
        uint32_t asn, org;
        int nf = csv_split(line, fv, fl);
        int ok = nf == NFIELDS &&
                 parse_addr(fv[0], fl[0], t->ipver, lo) == 0 &&
                 parse_addr(fv[1], fl[1], t->ipver, hi) == 0 &&
                 memcmp(lo, hi, 16) <= 0 &&
                 parse_asn(fv[2], fl[2], &asn) == 0;
        for (size_t i = 0; ok && i < fl[3]; i++)
            if ((uint8_t)fv[3][i] < 0x20 || fv[3][i] == 0x7f)
                ok = 0;
        if (!ok) {
            bad_line(t);
            continue;
        }
        if (t->n >= RPT_IPINFO_MAX_ROWS) {
            t->dropped++;
            continue;
        }
        if (intern(s, fv[3], fl[3], &org) < 0 ||
            push_row(t, lo, hi, asn, org) < 0)
            goto oom;
        if (t->n > 1 && memcmp(lo, prev_hi, 16) <= 0)
            sorted_disjoint = 0;
        memcpy(prev_hi, hi, 16);
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        fclose(f);
        rpt_ipcsv_table_free(t);
        return -1;
    }
    fclose(f);
    if (!sorted_disjoint && normalise(t) < 0)
        goto oom_closed;
    shrink(t);
    return 1;
oom:
    fclose(f);
oom_closed:
    rpt_ipcsv_table_free(t);
    snprintf(err, errlen, "%s: out of memory", path);
    return -2;
}

/* ---- lookups ------------------------------------------------------------ */

const rpt_ipv4_range *rpt_ipcsv_find4(const rpt_ipcsv_table *t,
                                      uint32_t addr)
{
    size_t lo = 0, hi = t->n; /* first row with start > addr */
    if (!t->v4)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v4[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || t->v4[lo - 1].hi < addr)
        return NULL;
    return &t->v4[lo - 1];
}

const rpt_ipv6_range *rpt_ipcsv_find6(const rpt_ipcsv_table *t,
                                      const uint8_t addr[16])
{
    size_t lo = 0, hi = t->n;
    if (!t->v6)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(t->v6[mid].lo, addr, 16) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || memcmp(t->v6[lo - 1].hi, addr, 16) < 0)
        return NULL;
    return &t->v6[lo - 1];
}
