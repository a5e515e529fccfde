/* fuzz_cleartext.c - libFuzzer harness: the cleartext capture of
 * dissect/cleartext.c (client bytes in TCP order through dis_tcpreasm,
 * HTTP/1.x framing: heads, Content-Length, chunked coding, CONNECT and
 * Upgrade; UDP payload prefixes), and report/pii.c over every chunk it
 * keeps.  RFC 9112 (message framing), RFC 9293 (sequence order).
 *
 * Input format: byte 0: bit 0 = UDP instead of TCP.  Then records
 *   flags(1) rel_seq(2) len(2) payload(len): flags bit 0 = server
 *   direction, bit 1 = SYN; rel_seq is added to an ISN just below 2^32,
 *   so sequence numbers wrap within the first segments.
 *
 * Checks beyond "no crash": every chunk respects the caps of cleartext.h
 * (row, flow, payload, row count), has 1 <= frame <= last_frame <= the
 * last frame fed, and is a kind the store knows; the PII hits over it lie
 * inside it, in offset order, with NUL-terminated printable strings.
 * Every payload handed over is a heap copy of exactly its length (fz_dup),
 * so a read past it is an ASan report.
 *
 * fuzz-requires: dissect/cleartext.c report/pii.c
 * fuzz-options: -max_len=20000
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/cleartext.h"
#include "dissect/flow.h"
#include "report/pii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ENCS[] = { "plain", "url", "base64", "md5", "sha1",
                                    "sha256" };
static const char *const TYPES[] = { "email", "ad_id", "imei", "phone",
                                     "device_key" };

static void check_hits(const rpt_pii_hit *h, size_t n, size_t max,
                       size_t len)
{
    if (n > max)
        abort();
    for (size_t i = 0; i < n; i++) {
        fz_check_str(h[i].type, sizeof(h[i].type));
        fz_check_str(h[i].encoding, sizeof(h[i].encoding));
        fz_check_str(h[i].excerpt, sizeof(h[i].excerpt));
        fz_check_printable("excerpt", h[i].excerpt);
        fz_check_printable("type", h[i].type);
        if (h[i].len == 0 || h[i].offset > len || h[i].len > len - h[i].offset)
            abort();
        if (i && h[i].offset < h[i - 1].offset)
            abort();
        int known = !strncmp(h[i].type, "canary:", 7);
        for (size_t k = 0; k < sizeof(TYPES) / sizeof(TYPES[0]); k++)
            known |= !strcmp(h[i].type, TYPES[k]);
        int enc = 0;
        for (size_t k = 0; k < sizeof(ENCS) / sizeof(ENCS[0]); k++)
            enc |= !strcmp(h[i].encoding, ENCS[k]);
        if (!known || !enc)
            abort();
    }
}

static void scan_buf(const rpt_pii *p, const uint8_t *b, size_t n,
                     size_t max)
{
    static rpt_pii_hit hits[64];
    uint8_t *d = fz_dup(b, n);
    memset(hits, 0x41, sizeof(hits));
    size_t k = rpt_pii_scan(p, d, n, hits, max);
    check_hits(hits, k, max, n);
    free(d);
}

static void clear_mode(uint8_t sel, fz_cur *in)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        abort();
    f->ipver = 4;
    f->l4 = (sel & 1) ? 17 : 6;
    f->quic_no = 1;
    f->isn_valid[0] = 1;
    f->isn[0] = 0xfffffff0u;          /* wraps inside the first segments */
    uint64_t frame = 0;
    uint8_t fl;
    uint16_t rel, len;
    while (fz_u8(in, &fl) && fz_be16(in, &rel) && fz_be16(in, &len)) {
        size_t got;
        const uint8_t *pl = fz_take(in, len, &got);
        uint8_t *d = fz_dup(pl, got);
        dis_pkt p;
        memset(&p, 0, sizeof(p));
        p.frame = ++frame;
        p.l4 = f->l4;
        p.seq = f->isn[0] + rel;
        p.tcp_flags = (fl & 2) ? 0x02 : 0x10;
        p.payload = d;
        p.payload_len = got;
        if (dis_clear_packet(f, &p, fl & 1) != 0)
            abort();                  /* no OOM expected under the fuzzer */
        free(d);
    }
    dis_clear_chunk ch[DIS_CLEAR_MAX_ROWS + 1];
    int n = dis_clear_chunks(f, ch, DIS_CLEAR_MAX_ROWS + 1);
    size_t total = 0;
    if (n < 0 || n > DIS_CLEAR_MAX_ROWS)
        abort();
    for (int i = 0; i < n; i++) {
        int http = !strcmp(ch[i].kind, "http_request");
        if (!http && strcmp(ch[i].kind, "payload"))
            abort();
        if (!ch[i].len || ch[i].len > DIS_CLEAR_ROW_MAX ||
            (!http && ch[i].len > DIS_CLEAR_PAYLOAD_MAX) ||
            ch[i].frame > ch[i].last_frame || ch[i].last_frame > frame ||
            ch[i].frame < 1)
            abort();
        total += ch[i].len;
        scan_buf(NULL, ch[i].data, ch[i].len, 16);
    }
    if (total > DIS_CLEAR_FLOW_MAX)
        abort();
    dis_flow_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_cur in;
    uint8_t sel;
    fz_init(&in, data, size);
    if (!fz_u8(&in, &sel))
        return 0;
    clear_mode(sel, &in);
    return 0;
}
