/* test_dns.c - unit tests for dissect/dns.c (RFC 1035 message parsing).
 *
 * Messages are assembled field by field with the small builder below, never
 * pasted from captures, so each test says exactly which bytes it exercises.
 * The last case parses the DNS payloads of a real capture and compares them
 * with values printed by tshark 4.0.
 */
#define _DEFAULT_SOURCE /* u_char etc. for pcap.h */

#include "../../dissect/dns.h"
#include "../../dissect/rd.h"
#include "tu.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TEST_DNS_PCAP
#define TEST_DNS_PCAP "/work/shared/pcaps/corpus/dns.pcap"
#endif

/* ---- message builder -------------------------------------------------- */

typedef struct mb {
    uint8_t b[8192];
    size_t n;
} mb;

static void mb_u8(mb *m, unsigned v)
{
    if (m->n < sizeof m->b)
        m->b[m->n++] = (uint8_t)v;
}

static void mb_u16(mb *m, unsigned v)
{
    mb_u8(m, v >> 8);
    mb_u8(m, v & 0xff);
}

static void mb_u32(mb *m, uint32_t v)
{
    mb_u16(m, v >> 16);
    mb_u16(m, v & 0xffff);
}

static void mb_bytes(mb *m, const void *p, size_t n)
{
    const uint8_t *q = p;
    for (size_t i = 0; i < n; i++)
        mb_u8(m, q[i]);
}

/* Labels of a dotted name, without the terminating zero octet. */
static void mb_labels(mb *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);
        mb_u8(m, (unsigned)l);
        mb_bytes(m, dotted, l);
        dotted += l;
        if (*dotted == '.')
            dotted++;
    }
}

/* A full uncompressed name (labels and the zero octet). */
static void mb_name(mb *m, const char *dotted)
{
    mb_labels(m, dotted);
    mb_u8(m, 0);
}

static void mb_ptr(mb *m, unsigned off)
{
    mb_u16(m, 0xc000 | off);
}

static void mb_header(mb *m, unsigned id, unsigned flags, unsigned qd,
                      unsigned an, unsigned ns, unsigned ar)
{
    m->n = 0;
    mb_u16(m, id);
    mb_u16(m, flags);
    mb_u16(m, qd);
    mb_u16(m, an);
    mb_u16(m, ns);
    mb_u16(m, ar);
}

/* Fixed RR fields after the owner name. */
static void mb_rr_fixed(mb *m, unsigned type, unsigned cls, uint32_t ttl,
                        unsigned rdlen)
{
    mb_u16(m, type);
    mb_u16(m, cls);
    mb_u32(m, ttl);
    mb_u16(m, rdlen);
}

static void mb_a(mb *m, unsigned a, unsigned b, unsigned c, unsigned d)
{
    mb_u8(m, a);
    mb_u8(m, b);
    mb_u8(m, c);
    mb_u8(m, d);
}

/* Header + one question "www.example.com" at offset 12. */
static void mb_std_question(mb *m, unsigned an, unsigned qtype)
{
    mb_header(m, 0x1234, 0x8180, 1, an, 0, 0);
    mb_name(m, "www.example.com");
    mb_u16(m, qtype);
    mb_u16(m, 1);
}

static dis_dns_msg msg; /* large: keep it off the stack */

/* ---- cases ------------------------------------------------------------ */

TU_TEST(query_basic)
{
    mb m;
    mb_header(&m, 0xbeef, 0x0100, 1, 0, 0, 1);
    mb_name(&m, "WWW.Example.COM");
    mb_u16(&m, 28);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.id, 0xbeef);
    TU_CHECK_INT(msg.is_response, 0);
    TU_CHECK_INT(msg.opcode, 0);
    TU_CHECK_INT(msg.rcode, 0);
    TU_CHECK_INT(msg.qdcount, 1);
    TU_CHECK_INT(msg.ancount, 0);
    TU_CHECK_STR(msg.qname, "www.example.com");
    TU_CHECK_INT(msg.qtype, 28);
    TU_CHECK_INT(msg.n_ans, 0);
}

TU_TEST(header_fields)
{
    mb m;
    /* QR=1, opcode=5 (UPDATE), rcode=3 (NXDOMAIN), no question. */
    mb_header(&m, 7, 0x8000 | (5 << 11) | 3, 0, 0, 0, 0);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.is_response, 1);
    TU_CHECK_INT(msg.opcode, 5);
    TU_CHECK_INT(msg.rcode, 3);
    TU_CHECK_STR(msg.qname, "");
    TU_CHECK_INT(msg.qtype, 0);
}

TU_TEST(root_name)
{
    mb m;
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_u8(&m, 0);
    mb_u16(&m, 2);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_STR(msg.qname, "");
    TU_CHECK_INT(msg.qtype, 2);
}

TU_TEST(truncated_header)
{
    mb m;
    mb_header(&m, 1, 0, 0, 0, 0, 0);
    for (size_t n = 0; n < 12; n++) {
        memset(&msg, 0x55, sizeof msg);
        TU_CHECK_INT(dis_dns_parse(m.b, n, &msg), -1);
        TU_CHECK_STR(msg.qname, "");
        TU_CHECK_INT(msg.n_ans, 0);
    }
    TU_CHECK_INT(dis_dns_parse(NULL, 0, &msg), -1);
    TU_CHECK_INT(dis_dns_parse(m.b, 12, &msg), 0);
}

TU_TEST(truncated_question)
{
    mb m;
    mb_std_question(&m, 0, 1);
    size_t full = m.n;
    for (size_t n = 12; n < full; n++)
        TU_CHECK_INT(dis_dns_parse(m.b, n, &msg), -1);
    TU_CHECK_INT(dis_dns_parse(m.b, full, &msg), 0);
}

TU_TEST(compression_a_aaaa)
{
    mb m;
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0x01};
    static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 0};
    mb_std_question(&m, 3, 1);
    mb_ptr(&m, 12);                       /* www.example.com */
    mb_rr_fixed(&m, 1, 1, 300, 4);
    mb_a(&m, 192, 0, 2, 1);
    mb_u8(&m, 4);                         /* "mail" + ptr to example.com */
    mb_bytes(&m, "mail", 4);
    mb_ptr(&m, 16);
    mb_rr_fixed(&m, 28, 1, 60, 16);
    mb_bytes(&m, v6, 16);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 28, 1, 0xffffffffu, 16);
    mb_bytes(&m, v6b, 16);

    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 3);
    TU_CHECK_INT(msg.ans_dropped, 0);
    TU_CHECK_STR(msg.ans[0].name, "www.example.com");
    TU_CHECK_INT(msg.ans[0].type, 1);
    TU_CHECK_INT(msg.ans[0].ttl, 300);
    TU_CHECK_STR(msg.ans[0].data, "192.0.2.1");
    TU_CHECK_STR(msg.ans[1].name, "mail.example.com");
    TU_CHECK_INT(msg.ans[1].type, 28);
    TU_CHECK_INT(msg.ans[1].ttl, 60);
    TU_CHECK_STR(msg.ans[1].data, "2001:db8::1");
    TU_CHECK_INT(msg.ans[2].ttl, 0xffffffffu);
    TU_CHECK_STR(msg.ans[2].data, "2001:db8:1::");
}

TU_TEST(cname_chain)
{
    mb m;
    mb_std_question(&m, 3, 1);            /* www.example.com at 12 */
    /* www.example.com CNAME Edge.CDN.Example.NET (uncompressed) */
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 1, 100, 22);
    size_t edge = m.n;
    mb_name(&m, "Edge.CDN.Example.NET");
    /* edge.cdn.example.net CNAME "a1" + ptr to cdn.example.net */
    mb_ptr(&m, (unsigned)edge);
    mb_rr_fixed(&m, 5, 1, 200, 5);
    size_t a1 = m.n;
    mb_u8(&m, 2);
    mb_bytes(&m, "A1", 2);
    mb_ptr(&m, (unsigned)edge + 5);
    /* a1.cdn.example.net A 198.51.100.7, owner via a pointer into RDATA */
    mb_ptr(&m, (unsigned)a1);
    mb_rr_fixed(&m, 1, 1, 300, 4);
    mb_a(&m, 198, 51, 100, 7);

    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 3);
    TU_CHECK_INT(msg.ans[0].type, 5);
    TU_CHECK_STR(msg.ans[0].name, "www.example.com");
    TU_CHECK_STR(msg.ans[0].data, "edge.cdn.example.net");
    TU_CHECK_INT(msg.ans[0].ttl, 100);
    TU_CHECK_STR(msg.ans[1].name, "edge.cdn.example.net");
    TU_CHECK_STR(msg.ans[1].data, "a1.cdn.example.net");
    TU_CHECK_STR(msg.ans[2].name, "a1.cdn.example.net");
    TU_CHECK_STR(msg.ans[2].data, "198.51.100.7");
}

TU_TEST(cname_label_past_rdata)
{
    mb m;
    mb_std_question(&m, 2, 1);
    /* RDLENGTH says 3 but the name needs 17 octets: the record is skipped
     * (its framing is intact), the following A record is still kept. */
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 1, 1, 3);
    mb_u8(&m, 1);                         /* "a", then a 7-octet label */
    mb_u8(&m, 'a');
    mb_u8(&m, 7);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 1, 1, 1, 4);
    mb_a(&m, 10, 0, 0, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 1);
    TU_CHECK_STR(msg.ans[0].data, "10.0.0.1");
}

TU_TEST(pointer_loops)
{
    mb m;
    /* Self-pointer as the question name. */
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_ptr(&m, 12);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);
    TU_CHECK_STR(msg.qname, "");

    /* Label then a pointer back to the start of the same run:
     * 12: 01 'a' c0 0c  -> a.a.a.a... */
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_u8(&m, 1);
    mb_u8(&m, 'a');
    mb_ptr(&m, 12);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);

    /* Forward pointer (to a valid name later in the message). */
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_ptr(&m, 18);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    mb_name(&m, "x");                     /* at 18 */
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);

    /* Two-pointer loop in an answer: 12 -> 14 -> 12.  The question is
     * fine, so the message parses but the answer is not kept. */
    mb_header(&m, 1, 0x8000, 1, 1, 0, 0);
    mb_name(&m, "ok");                    /* 12..15 */
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    size_t p1 = m.n;
    mb_ptr(&m, (unsigned)p1 + 2);
    mb_ptr(&m, (unsigned)p1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_STR(msg.qname, "ok");
    TU_CHECK_INT(msg.n_ans, 0);

    /* Pointer past the end of the message. */
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_ptr(&m, 0x3fff);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);
}

TU_TEST(jump_limit)
{
    /* The chain lives in the RDATA of a first record of type NULL (10,
     * skipped); the owner of the second record is the head of a chain of n
     * backward pointers ending at the name "end": n jumps.  16 are allowed. */
    mb m;
    for (int n = 15; n <= 17; n++) {
        mb_header(&m, 1, 0x8000, 1, 2, 0, 0);
        mb_u8(&m, 0);                     /* question: the root */
        mb_u16(&m, 1);
        mb_u16(&m, 1);
        mb_u8(&m, 0);                     /* record 1: root, NULL */
        mb_rr_fixed(&m, 10, 1, 0, 5 + 2 * (unsigned)(n - 1));
        size_t prev = m.n;
        mb_name(&m, "end");
        for (int i = 1; i < n; i++) {
            size_t here = m.n;
            mb_ptr(&m, (unsigned)prev);
            prev = here;
        }
        mb_ptr(&m, (unsigned)prev);       /* the owner name itself */
        mb_rr_fixed(&m, 1, 1, 5, 4);
        mb_a(&m, 127, 0, 0, 1);
        TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
        TU_CHECK_INT(msg.n_ans, n <= 16 ? 1 : 0);
        if (n <= 16)
            TU_CHECK_STR(msg.ans[0].name, "end");
    }
}

TU_TEST(name_length_limit)
{
    mb m;
    char lab63[64], lab61[62], lab62[63], name[300];
    memset(lab63, 'a', 63);
    lab63[63] = '\0';
    memset(lab61, 'b', 61);
    lab61[61] = '\0';
    memset(lab62, 'c', 62);
    lab62[62] = '\0';

    /* 3*64 + 62 + 1 = 255 octets on the wire: accepted, 253 characters. */
    snprintf(name, sizeof name, "%s.%s.%s.%s", lab63, lab63, lab63, lab61);
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_name(&m, name);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(strlen(msg.qname), 253);
    TU_CHECK_STR(msg.qname, name);

    /* 256 octets: rejected. */
    snprintf(name, sizeof name, "%s.%s.%s.%s", lab63, lab63, lab63, lab62);
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_name(&m, name);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);

    /* The limit also applies across pointers: 2*64 here + 2*64 behind the
     * pointer + 1 = 257. */
    mb_header(&m, 1, 0x8000, 1, 1, 0, 0);
    snprintf(name, sizeof name, "%s.%s", lab63, lab63);
    mb_name(&m, name);
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    mb_labels(&m, name);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 1, 1, 5, 4);
    mb_a(&m, 127, 0, 0, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 0);
}

TU_TEST(bad_label_types)
{
    mb m;
    for (unsigned t = 0x40; t <= 0x80; t += 0x40) {
        mb_header(&m, 1, 0, 1, 0, 0, 0);
        mb_u8(&m, t | 1);
        mb_u8(&m, 'a');
        mb_u8(&m, 0);
        mb_u16(&m, 1);
        mb_u16(&m, 1);
        TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), -1);
    }
}

TU_TEST(odd_characters)
{
    mb m;
    static const uint8_t lab[] = {'W', 0x01, ' ', '.', 0xff, '-', '_', '~'};
    mb_header(&m, 1, 0, 1, 0, 0, 0);
    mb_u8(&m, sizeof lab);
    mb_bytes(&m, lab, sizeof lab);
    mb_name(&m, "Com");
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_STR(msg.qname, "w???" "?-_~.com");
}

TU_TEST(truncated_answer_keeps_earlier)
{
    mb m;
    mb_std_question(&m, 3, 1);
    for (unsigned i = 1; i <= 3; i++) {
        mb_ptr(&m, 12);
        mb_rr_fixed(&m, 1, 1, i, 4);
        mb_a(&m, 10, 0, 0, i);
    }
    /* Cut inside the third record's RDATA, then inside its fixed fields. */
    TU_CHECK_INT(dis_dns_parse(m.b, m.n - 1, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 2);
    TU_CHECK_STR(msg.ans[0].data, "10.0.0.1");
    TU_CHECK_STR(msg.ans[1].data, "10.0.0.2");
    TU_CHECK_INT(dis_dns_parse(m.b, m.n - 8, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 2);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 3);
    /* ANCOUNT larger than what is present: stops quietly. */
    m.b[7] = 200;
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 3);
    TU_CHECK_INT(msg.ancount, 200);
}

TU_TEST(many_answers_dropped)
{
    mb m;
    mb_std_question(&m, 40, 1);
    for (unsigned i = 0; i < 40; i++) {
        mb_ptr(&m, 12);
        mb_rr_fixed(&m, 1, 1, 60, 4);
        mb_a(&m, 10, 1, 0, i);
    }
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, DIS_DNS_MAX_ANS);
    TU_CHECK_INT(msg.ans_dropped, 40 - DIS_DNS_MAX_ANS);
    TU_CHECK_STR(msg.ans[0].data, "10.1.0.0");
    TU_CHECK_STR(msg.ans[31].data, "10.1.0.31");
}

TU_TEST(skips_other_types_and_classes)
{
    mb m;
    mb_std_question(&m, 6, 1);
    mb_ptr(&m, 12);                       /* MX: skipped by RDLENGTH */
    mb_rr_fixed(&m, 15, 1, 1, 5);
    mb_u16(&m, 10);
    mb_ptr(&m, 12);
    mb_u8(&m, 0);                         /* (rdlen 5: pad octet) */
    mb_ptr(&m, 12);                       /* A in class CH: skipped */
    mb_rr_fixed(&m, 1, 3, 1, 4);
    mb_a(&m, 1, 2, 3, 4);
    mb_ptr(&m, 12);                       /* A of 5 octets: skipped */
    mb_rr_fixed(&m, 1, 1, 1, 5);
    mb_a(&m, 1, 2, 3, 4);
    mb_u8(&m, 5);
    mb_ptr(&m, 12);                       /* AAAA of 4 octets: skipped */
    mb_rr_fixed(&m, 28, 1, 1, 4);
    mb_a(&m, 1, 2, 3, 4);
    mb_ptr(&m, 12);                       /* mDNS cache-flush IN: kept */
    mb_rr_fixed(&m, 1, 0x8001, 120, 4);
    mb_a(&m, 169, 254, 1, 2);
    mb_name(&m, "OTHER.example");         /* plain A: kept */
    mb_rr_fixed(&m, 1, 1, 7, 4);
    mb_a(&m, 203, 0, 113, 9);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_INT(msg.n_ans, 2);
    TU_CHECK_STR(msg.ans[0].data, "169.254.1.2");
    TU_CHECK_STR(msg.ans[1].name, "other.example");
    TU_CHECK_STR(msg.ans[1].data, "203.0.113.9");
}

TU_TEST(multiple_questions)
{
    mb m;
    mb_header(&m, 1, 0x8000, 2, 1, 0, 0);
    mb_name(&m, "first.test");
    mb_u16(&m, 1);
    mb_u16(&m, 1);
    mb_name(&m, "second.test");
    mb_u16(&m, 28);
    mb_u16(&m, 1);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 1, 1, 9, 4);
    mb_a(&m, 192, 0, 2, 9);
    TU_CHECK_INT(dis_dns_parse(m.b, m.n, &msg), 0);
    TU_CHECK_STR(msg.qname, "first.test");
    TU_CHECK_INT(msg.qtype, 1);
    TU_CHECK_INT(msg.n_ans, 1);
    TU_CHECK_STR(msg.ans[0].name, "first.test");
}

TU_TEST(every_prefix_is_safe)
{
    /* Every prefix of a compressed response parses without reading past
     * its end (ASan checks the reads); answers only grow with the prefix. */
    mb m;
    mb_std_question(&m, 4, 1);
    mb_ptr(&m, 12);
    mb_rr_fixed(&m, 5, 1, 1, 6);
    size_t t = m.n;
    mb_u8(&m, 3);
    mb_bytes(&m, "cdn", 3);
    mb_ptr(&m, 16);
    mb_ptr(&m, (unsigned)t);
    mb_rr_fixed(&m, 1, 1, 1, 4);
    mb_a(&m, 10, 9, 8, 7);
    mb_ptr(&m, (unsigned)t);
    mb_rr_fixed(&m, 28, 1, 1, 16);
    for (int i = 0; i < 16; i++)
        mb_u8(&m, i);
    int prev = 0;
    for (size_t n = 0; n <= m.n; n++) {
        uint8_t *copy = malloc(n ? n : 1);  /* exact size for ASan */
        TU_CHECK(copy != NULL);
        if (!copy)
            return;
        memcpy(copy, m.b, n);
        int rc = dis_dns_parse(copy, n, &msg);
        free(copy);
        TU_CHECK(rc == 0 || rc == -1);
        TU_CHECK(msg.n_ans >= prev || rc == -1);
        if (rc == 0)
            prev = msg.n_ans;
    }
    TU_CHECK_INT(prev, 3);
    TU_CHECK_STR(msg.ans[0].data, "cdn.example.com");
    TU_CHECK_STR(msg.ans[2].data, "1:203:405:607:809:a0b:c0d:e0f");
}

TU_TEST(type_and_rcode_names)
{
    char buf[8];
    TU_CHECK_STR(dis_dns_type_name(1, buf, sizeof buf), "A");
    TU_CHECK_STR(dis_dns_type_name(5, buf, sizeof buf), "CNAME");
    TU_CHECK_STR(dis_dns_type_name(28, buf, sizeof buf), "AAAA");
    TU_CHECK_STR(dis_dns_type_name(65, buf, sizeof buf), "HTTPS");
    TU_CHECK_STR(dis_dns_type_name(64, buf, sizeof buf), "SVCB");
    TU_CHECK_STR(dis_dns_type_name(255, buf, sizeof buf), "ANY");
    TU_CHECK_STR(dis_dns_type_name(41, buf, sizeof buf), "OPT");
    TU_CHECK_STR(dis_dns_type_name(4242, buf, sizeof buf), "4242");
    TU_CHECK_STR(dis_dns_type_name(65535, buf, 3), "65");
    TU_CHECK_STR(dis_dns_type_name(4242, NULL, 0), "?");
    TU_CHECK_STR(dis_dns_rcode_name(0, buf, sizeof buf), "NOERROR");
    TU_CHECK_STR(dis_dns_rcode_name(2, buf, sizeof buf), "SERVFAIL");
    TU_CHECK_STR(dis_dns_rcode_name(3, buf, sizeof buf), "NXDOMAIN");
    TU_CHECK_STR(dis_dns_rcode_name(5, buf, sizeof buf), "REFUSED");
    TU_CHECK_STR(dis_dns_rcode_name(15, buf, sizeof buf), "15");
}

/* ---- real capture ----------------------------------------------------- */

/* Find the UDP payload of an Ethernet frame: Ethernet, any number of
 * 802.1Q/802.1ad tags, optional PPPoE session + PPP, IPv4, UDP.  Returns 0
 * and points pl at the payload (pllen bytes), or -1. */
static int udp_payload(const uint8_t *f, size_t n, const uint8_t **pl,
                       size_t *pllen)
{
    dis_rd r;
    dis_rd_init(&r, f, n);
    dis_rd_skip(&r, 12);
    uint16_t et = dis_rd_be16(&r);
    while (et == 0x8100 || et == 0x88a8) {
        dis_rd_skip(&r, 2);
        et = dis_rd_be16(&r);
    }
    if (et == 0x8864) {                   /* PPPoE session, then PPP */
        dis_rd_skip(&r, 6);
        if (dis_rd_be16(&r) != 0x0021)
            return -1;
        et = 0x0800;
    }
    if (et != 0x0800)
        return -1;
    uint8_t vihl = dis_rd_u8(&r);
    if ((vihl >> 4) != 4 || (vihl & 0x0f) < 5)
        return -1;
    dis_rd_skip(&r, 8);
    uint8_t proto = dis_rd_u8(&r);
    dis_rd_skip(&r, 2 + 8 + (size_t)((vihl & 0x0f) * 4 - 20));
    if (proto != 17)
        return -1;
    dis_rd_skip(&r, 4);
    uint16_t ulen = dis_rd_be16(&r);
    dis_rd_skip(&r, 2);
    if (!dis_rd_ok(&r) || ulen < 8)
        return -1;
    size_t want = (size_t)ulen - 8;
    size_t have = dis_rd_left(&r);
    *pllen = want < have ? want : have;
    *pl = dis_rd_ptr(&r, *pllen);
    return *pl ? 0 : -1;
}

TU_TEST(real_capture_dns_pcap)
{
    /* Expected values printed by tshark 4.0 (4.0.17):
     *   tshark -r dns.pcap -T fields -e dns.qry.name -e dns.a -e dns.aaaa \
     *          -e dns.cname
     * plus -e dns.id -e dns.flags.response -e dns.qry.type -e dns.resp.ttl.
     * The capture has no AAAA or CNAME answers (those columns were empty). */
    static const struct {
        unsigned id;
        int resp;
        const char *qname;
        unsigned qtype;
        int n_a;
    } want[] = {
        {0xdca2, 1, "www.l.google.com", 28, 0},
        {0xbc1f, 0, "www.example.com", 28, 0},
        {0xbc1f, 1, "www.example.com", 28, 0},
        {0x7843, 0, "e7.whatsapp.net", 1, 0},
        {0x7843, 1, "e7.whatsapp.net", 1, 8},
    };
    static const char *const want_a[8] = {
        "169.45.219.235", "169.47.40.142", "169.45.248.121",
        "108.168.176.234", "169.45.248.189", "169.45.248.180",
        "169.53.81.79", "169.45.219.232",
    };
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(TEST_DNS_PCAP, errbuf);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t i = 0;

    TU_CHECK(pc != NULL);
    if (!pc)
        return;
    TU_CHECK_INT(pcap_datalink(pc), DLT_EN10MB);
    while (pcap_next_ex(pc, &h, &data) == 1) {
        const uint8_t *pl = NULL;
        size_t pllen = 0;

        TU_CHECK(i < sizeof want / sizeof want[0]);
        if (i >= sizeof want / sizeof want[0])
            break;
        TU_CHECK_INT(udp_payload(data, h->caplen, &pl, &pllen), 0);
        TU_CHECK_INT(dis_dns_parse(pl, pllen, &msg), 0);
        TU_CHECK_INT(msg.id, want[i].id);
        TU_CHECK_INT(msg.is_response, want[i].resp);
        TU_CHECK_STR(msg.qname, want[i].qname);
        TU_CHECK_INT(msg.qtype, want[i].qtype);
        TU_CHECK_INT(msg.rcode, 0);
        TU_CHECK_INT(msg.n_ans, want[i].n_a);
        for (int k = 0; k < msg.n_ans && k < 8; k++) {
            TU_CHECK_STR(msg.ans[k].name, "e7.whatsapp.net");
            TU_CHECK_INT(msg.ans[k].type, 1);
            TU_CHECK_INT(msg.ans[k].ttl, 491);
            TU_CHECK_STR(msg.ans[k].data, want_a[k]);
        }
        i++;
    }
    TU_CHECK_INT(i, 5);
    pcap_close(pc);
}

int main(void)
{
    TU_RUN(query_basic);
    TU_RUN(header_fields);
    TU_RUN(root_name);
    TU_RUN(truncated_header);
    TU_RUN(truncated_question);
    TU_RUN(compression_a_aaaa);
    TU_RUN(cname_chain);
    TU_RUN(cname_label_past_rdata);
    TU_RUN(pointer_loops);
    TU_RUN(jump_limit);
    TU_RUN(name_length_limit);
    TU_RUN(bad_label_types);
    TU_RUN(odd_characters);
    TU_RUN(truncated_answer_keeps_earlier);
    TU_RUN(many_answers_dropped);
    TU_RUN(skips_other_types_and_classes);
    TU_RUN(multiple_questions);
    TU_RUN(every_prefix_is_safe);
    TU_RUN(type_and_rcode_names);
    if (access(TEST_DNS_PCAP, R_OK) == 0)
        TU_RUN(real_capture_dns_pcap);
    else
        printf("SKIP real_capture_dns_pcap: %s not readable\n", TEST_DNS_PCAP);
    return tu_finish();
}
