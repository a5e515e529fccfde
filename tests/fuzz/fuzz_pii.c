/* fuzz_pii.c - libFuzzer harness: the personal-data detectors of
 * report/pii.c (rpt_pii_create, rpt_pii_scan) over hostile cleartext.
 * RFC 5322 (addr-spec), RFC 3986 (percent-encoding), RFC 4648 (base64).
 *
 * fuzz-requires: report/pii.c
 * fuzz-options: -max_len=65536
 *
 * Input format (tests/fuzz/mkseeds.py writes seeds in it):
 *   byte 0    bits 0-2: number of canaries (mod 5); bits 3-7: index into
 *             KMAX[] of the hit-array size for the second scan
 *   canaries: nlen(1) name(nlen) vlen(1) value(vlen), each handed over as
 *             a C string (an embedded NUL ends it early)
 *   the rest  the bytes scanned (cleartext as the store would give it)
 *
 * Checks beyond "no crash": the scanned bytes are an exact-size heap copy
 * (a read past them is reported); the hit count is at most the array
 * size; hits come in increasing offset order and lie inside the buffer;
 * type, encoding and excerpt are NUL-terminated inside their arrays and
 * the excerpt is printable ASCII; no "canary:" hit without canaries;
 * nothing is written past the array size given; and pii.h's promise
 * that a full array keeps the first max hits by offset: a second scan
 * with a smaller array gives the same offsets as the start of the first
 * (when the first was not itself cut short).  Scanning is read-only on
 * the handle, so the second scan must not differ for any other reason.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "report/pii.h"

#define MAX_CANARIES 4
#define HITS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t KMAX[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20,
                                 24, 32, 48, 64, 1, 2, 3, 4, 1, 2, 1, 2, 3,
                                 8, 16, 1, 2, 4, 128 };

static rpt_pii_hit hits[HITS + 1], hits2[HITS + 1]; /* +1: a guard slot */

/* A C string from the next len(1) bytes(len) of the input; NULL when the
 * input ends first.  The caller frees it. */
static char *take_str(fz_cur *in)
{
    uint8_t n;
    if (!fz_u8(in, &n))
        return NULL;
    size_t got;
    const uint8_t *p = fz_take(in, n, &got);
    char *s = malloc(got + 1);
    if (!s)
        abort();
    memcpy(s, p, got);
    s[got] = 0;
    return s;
}

static void check_hits(const rpt_pii_hit *h, size_t n, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        fz_check_str(h[i].type, sizeof(h[i].type));
        fz_check_str(h[i].encoding, sizeof(h[i].encoding));
        fz_check_str(h[i].excerpt, sizeof(h[i].excerpt));
        fz_check_printable("excerpt", h[i].excerpt);
        if (!h[i].type[0] || !h[i].encoding[0] || h[i].len == 0 ||
            h[i].offset > len || h[i].len > len - h[i].offset) {
            fprintf(stderr, "fuzz_pii: hit %zu (%s/%s at %zu+%zu) outside "
                    "the %zu scanned bytes\n", i, h[i].type, h[i].encoding,
                    h[i].offset, h[i].len, len);
            abort();
        }
        if (i > 0 && h[i].offset < h[i - 1].offset) {
            fprintf(stderr, "fuzz_pii: hits out of offset order (%zu < %zu)\n",
                    h[i].offset, h[i - 1].offset);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_cur in;
    uint8_t sel;
    fz_init(&in, data, size);
    if (!fz_u8(&in, &sel))
        return 0;
    size_t nc = (size_t)(sel & 7) % (MAX_CANARIES + 1), k = KMAX[sel >> 3];
    char *names[MAX_CANARIES] = { 0 }, *values[MAX_CANARIES] = { 0 };
    size_t have = 0;
    while (have < nc) {
        char *nm = take_str(&in);
        if (!nm)
            break;
        char *v = take_str(&in);
        if (!v) {
            free(nm);
            break;
        }
        names[have] = nm;
        values[have] = v;
        have++;
    }
    rpt_pii *p = rpt_pii_create((const char *const *)names,
                                (const char *const *)values, have);
    if (!p)
        abort(); /* only ENOMEM may fail, and inputs are small */
    size_t len;
    const uint8_t *raw = fz_take(&in, fz_left(&in), &len);
    uint8_t *buf = fz_dup(raw, len);

    memset(hits, 0x5a, sizeof(hits));
    size_t n = rpt_pii_scan(p, buf, len, hits, HITS);
    if (n > HITS || hits[HITS].type[0] != 0x5a)
        abort(); /* wrote past the array it was given */
    check_hits(hits, n, len);
    for (size_t i = 0; i < n; i++)
        if (strncmp(hits[i].type, "canary:", 7) == 0 && have == 0)
            abort(); /* a canary hit without canaries */

    if (k < n && n < HITS) {
        memset(hits2, 0x5a, sizeof(hits2));
        size_t n2 = rpt_pii_scan(p, buf, len, hits2, k);
        if (n2 != k || hits2[k].type[0] != 0x5a)
            abort();
        check_hits(hits2, n2, len);
        for (size_t i = 0; i < n2; i++)
            if (hits2[i].offset != hits[i].offset) {
                fprintf(stderr, "fuzz_pii: with room for %zu hits, hit %zu is "
                        "at %zu; with room for %d it is at %zu\n", k, i,
                        hits2[i].offset, HITS, hits[i].offset);
                abort();
            }
    }
    (void)rpt_pii_scan(p, buf, len, hits2, 0);
    (void)rpt_pii_scan(NULL, buf, len, hits2, 4);

    free(buf);
    rpt_pii_free(p);
    for (size_t i = 0; i < have; i++) {
        free(names[i]);
        free(values[i]);
    }
    return 0;
}
