/* dns.c - DNS message dissector: header, first question, A/AAAA/CNAME answers.
 *
 * References: RFC 1035 (message format, sections 4.1.1-4.1.4 and 3.1 name
 * compression), RFC 3596 (AAAA), RFC 6891 (EDNS/OPT, type 41), RFC 6895
 * (RCODE and TYPE registries), RFC 2181 section 11 (names and labels),
 * RFC 9460 (SVCB/HTTPS type numbers).
 *
 * Invariants
 * ----------
 * Every packet byte is read through dis_rd (rd.h).  The message is never
 * copied; all outputs go into the caller's fixed-size dis_dns_msg, so memory
 * is bounded by sizeof(dis_dns_msg) whatever the packet says.
 *
 * Names are read by dns_name().  The reader passed to it always has the
 * message start as its base, so its cursor is an absolute message offset;
 * a compression pointer is followed with a fresh reader over the whole
 * message skipped to the target.  Termination is guaranteed three ways:
 *   1. a pointer must point strictly before the first byte of the label run
 *      that contains it, so successive run starts strictly decrease and no
 *      loop (even a self-pointer) can be followed;
 *   2. at most DNS_MAX_JUMPS pointers per name;
 *   3. the wire length of the name (length octets, labels and the final zero)
 *      may not exceed 255 octets (RFC 1035 section 3.1).
 * Label types 01 and 10 (RFC 6891 section 5 retired extended labels) are
 * errors.  Since the wire form is at most 255 octets, the dotted text form is
 * at most 253 characters and always fits DIS_DNS_NAME_MAX with its NUL.
 *
 * Text form: labels joined by '.', no trailing dot, the root is "".  A-Z are
 * lower-cased.  Printable ASCII other than space and '.' (0x21..0x7e) is kept;
 * every other byte (controls, space, 8-bit bytes, and '.' inside a label,
 * which would otherwise forge an extra label) becomes '?'.  This is a
 * deliberate simplification: tshark shows such bytes as \DDD escapes, but
 * '?' keeps the string one byte per label byte, cannot be mistaken for a
 * valid host name, and is safe in every export format.
 *
 * Error policy: a short header or a malformed first question makes the whole
 * message malformed (-1).  After that, parsing is best effort: a record whose
 * framing (owner, fixed fields, RDLENGTH) does not fit stops answer parsing
 * and keeps what came before; a record with well-framed but bad RDATA (an A
 * record of 5 octets, a CNAME target that does not decompress) is skipped by
 * RDLENGTH and parsing goes on.  Only class IN records are kept (the mDNS
 * cache-flush bit, RFC 6762 section 10.2, is ignored).
 */
#define _POSIX_C_SOURCE 200809L

#include "dns.h"
#include "decode.h"
#include "rd.h"

#include <stdio.h>
#include <string.h>

#define DNS_MAX_JUMPS 16
#define DNS_MAX_WIRE_NAME 255

#define DNS_T_A 1
#define DNS_T_CNAME 5
#define DNS_T_AAAA 28
#define DNS_C_IN 1

static char dns_text_char(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    if (c > 0x20 && c < 0x7f && c != '.')
        return (char)c;
    return '?';
}

/* Read a possibly compressed name at r's cursor into out (outsz must be at
 * least DIS_DNS_NAME_MAX).  r's base must be msg, so r->off is an absolute
 * offset; r is advanced past the in-place part of the name.  Returns 0, or
 * -1 on any malformation (out then holds "" and r is in error). */
static int dns_name(const uint8_t *msg, size_t msglen, dis_rd *r,
                    char *out, size_t outsz)
{
    dis_rd jr;                 /* reader used after the first jump */
    dis_rd *cur = r;           /* reader currently walking labels */
    size_t run_start = r->off; /* first byte of the current label run */
    size_t wire = 1;           /* octets so far, counting the final zero */
    size_t o = 0;              /* characters written to out */
    int jumps = 0;

    if (outsz < DIS_DNS_NAME_MAX)
        goto fail;
    out[0] = '\0';
    for (;;) {
        uint8_t len = dis_rd_u8(cur);

        if (!dis_rd_ok(cur))
            goto fail;
        if (len == 0)
            break;
        if ((len & 0xc0) == 0xc0) {
            size_t target = ((size_t)(len & 0x3f) << 8) | dis_rd_u8(cur);

            if (!dis_rd_ok(cur) || ++jumps > DNS_MAX_JUMPS)
                goto fail;
            /* Strictly backwards from the start of this run (see above). */
            if (target >= run_start)
                goto fail;
            dis_rd_init(&jr, msg, msglen);
            if (!dis_rd_skip(&jr, target))
                goto fail;
            cur = &jr;
            run_start = target;
            continue;
        }
        if (len & 0xc0)        /* 01 and 10: extended / reserved labels */
            goto fail;
        wire += 1 + (size_t)len;
        if (wire > DNS_MAX_WIRE_NAME)
            goto fail;
        const uint8_t *lab = dis_rd_ptr(cur, len);
        if (!lab)
            goto fail;
        /* wire <= 255 implies o + len + 1 <= 254 < outsz: never truncates. */
        if (o > 0)
            out[o++] = '.';
        for (size_t i = 0; i < len; i++)
            out[o++] = dns_text_char(lab[i]);
        out[o] = '\0';
    }
    return 0;
fail:
    out[0] = '\0';
    r->err = 1;
    return -1;
}

/* Parse one resource record at r's cursor; on a kept record append it to
 * out.  Returns 0 to continue, -1 when the framing is broken. */
static int dns_answer(const uint8_t *msg, size_t msglen, dis_rd *r,
                      dis_dns_msg *out)
{
    dis_dns_rr rr;

    memset(&rr, 0, sizeof rr);
    if (dns_name(msg, msglen, r, rr.name, sizeof rr.name) < 0)
        return -1;
    rr.type = dis_rd_be16(r);
    uint16_t cls = dis_rd_be16(r);
    rr.ttl = dis_rd_be32(r);
    uint16_t rdlen = dis_rd_be16(r);
    size_t rdstart = r->off;
    dis_rd rdata = dis_rd_sub(r, rdlen);

    if (!dis_rd_ok(r))
        return -1;
    if ((cls & 0x7fff) != DNS_C_IN)
        return 0;
    if (rr.type == DNS_T_A || rr.type == DNS_T_AAAA) {
        size_t alen = rr.type == DNS_T_A ? 4 : 16;
        uint8_t addr[16];

        if (rdlen != alen || !dis_rd_copy(&rdata, addr, alen))
            return 0;
        /* rr.data holds any address: dis_addr_str() cannot fail here. */
        dis_addr_str(rr.type == DNS_T_A ? 4 : 6, addr, rr.data,
                     sizeof rr.data);
    } else if (rr.type == DNS_T_CNAME) {
        /* Labels must lie inside RDATA; pointers may reach earlier bytes. */
        dis_rd nr;

        dis_rd_init(&nr, msg, rdstart + rdlen);
        if (!dis_rd_skip(&nr, rdstart) ||
            dns_name(msg, msglen, &nr, rr.data, sizeof rr.data) < 0)
            return 0;
    } else {
        return 0;
    }
    if (out->n_ans >= DIS_DNS_MAX_ANS) {
        out->ans_dropped++;
        return 0;
    }
    out->ans[out->n_ans++] = rr;
    return 0;
}

/* The caller owns p (read only, not retained) and out (every field but the
 * answer slots past n_ans overwritten; nothing in it points into p).  See dns.h for the return contract. */
int dis_dns_parse(const uint8_t *p, size_t len, dis_dns_msg *out)
{
    dis_rd r;
    char skipname[DIS_DNS_NAME_MAX];

    if (!out)
        return -1;
    /* Not the answer slots: 16 KB a message was 3% of the packet thread;
     * only ans[0..n_ans) is ever written or read. */
    memset(out, 0, offsetof(dis_dns_msg, ans));
    dis_rd_init(&r, p, len);

    out->id = dis_rd_be16(&r);
    uint16_t flags = dis_rd_be16(&r);
    out->qdcount = dis_rd_be16(&r);
    out->ancount = dis_rd_be16(&r);
    (void)dis_rd_be16(&r); /* NSCOUNT */
    (void)dis_rd_be16(&r); /* ARCOUNT */
    if (!dis_rd_ok(&r))
        goto fail;
    out->is_response = (flags >> 15) & 1;
    out->opcode = (uint8_t)((flags >> 11) & 0x0f);
    out->rcode = (uint8_t)(flags & 0x0f);

    if (out->qdcount > 0) {
        if (dns_name(p, len, &r, out->qname, sizeof out->qname) < 0)
            goto fail;
        out->qtype = dis_rd_be16(&r);
        (void)dis_rd_be16(&r); /* QCLASS */
        if (!dis_rd_ok(&r))
            goto fail;
    }
    /* Further questions are only skipped; a bad one ends parsing quietly. */
    for (unsigned i = 1; i < out->qdcount; i++) {
        if (dns_name(p, len, &r, skipname, sizeof skipname) < 0 ||
            !dis_rd_skip(&r, 4))
            return 0;
    }
    for (unsigned i = 0; i < out->ancount; i++) {
        if (dns_answer(p, len, &r, out) < 0)
            break;
    }
    return 0;
fail:
    out->qname[0] = '\0';
    out->qtype = 0;
    return -1;
}

struct dns_code_name {
    uint16_t code;
    const char *name;
};

static const struct dns_code_name dns_types[] = {
    {1, "A"},        {2, "NS"},        {5, "CNAME"},   {6, "SOA"},
    {12, "PTR"},     {13, "HINFO"},    {15, "MX"},     {16, "TXT"},
    {28, "AAAA"},    {33, "SRV"},      {35, "NAPTR"},  {39, "DNAME"},
    {41, "OPT"},     {43, "DS"},       {46, "RRSIG"},  {47, "NSEC"},
    {48, "DNSKEY"},  {50, "NSEC3"},    {51, "NSEC3PARAM"},
    {52, "TLSA"},    {64, "SVCB"},     {65, "HTTPS"},  {99, "SPF"},
    {251, "IXFR"},   {252, "AXFR"},    {255, "ANY"},   {257, "CAA"},
};

static const struct dns_code_name dns_rcodes[] = {
    {0, "NOERROR"},  {1, "FORMERR"},   {2, "SERVFAIL"}, {3, "NXDOMAIN"},
    {4, "NOTIMP"},   {5, "REFUSED"},   {6, "YXDOMAIN"}, {7, "YXRRSET"},
    {8, "NXRRSET"},  {9, "NOTAUTH"},   {10, "NOTZONE"}, {11, "DSOTYPENI"},
};

static const char *dns_lookup(const struct dns_code_name *t, size_t n,
                              unsigned code, char *buf, size_t buflen)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    if (!buf || buflen == 0)
        return "?";
    snprintf(buf, buflen, "%u", code);
    return buf;
}

/* Returns a static string, or buf (caller-owned) holding the number. */
const char *dis_dns_type_name(uint16_t type, char *buf, size_t buflen)
{
    return dns_lookup(dns_types, sizeof dns_types / sizeof dns_types[0],
                      type, buf, buflen);
}

/* Returns a static string, or buf (caller-owned) holding the number. */
const char *dis_dns_rcode_name(uint8_t rcode, char *buf, size_t buflen)
{
    return dns_lookup(dns_rcodes, sizeof dns_rcodes / sizeof dns_rcodes[0],
                      rcode, buf, buflen);
}
