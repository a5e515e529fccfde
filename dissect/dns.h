/* dns.h - our own DNS message dissector (RFC 1035, RFC 3596 AAAA, RFC 6891).
 *
 * Parses one DNS message (UDP payload, or one TCP message without its 2-byte
 * length prefix) into a fixed-size dis_dns_msg: the first question and every
 * A/AAAA/CNAME answer up to DIS_DNS_MAX_ANS.  Names are decompressed with a
 * bound on pointer jumps and on total length.  The caller owns the message
 * struct; nothing is allocated.
 */
#ifndef MEETAUDIT_DNS_H
#define MEETAUDIT_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DIS_DNS_MAX_ANS 32
#define DIS_DNS_NAME_MAX 256

typedef struct dis_dns_rr {
    char name[DIS_DNS_NAME_MAX];  /* owner name, lower-case, no trailing dot */
    uint16_t type;                /* 1 = A, 28 = AAAA, 5 = CNAME */
    uint32_t ttl;
    char data[DIS_DNS_NAME_MAX];  /* "192.0.2.1", "2001:db8::1" or target */
} dis_dns_rr;

typedef struct dis_dns_msg {
    uint16_t id;
    int is_response;              /* QR bit */
    uint8_t opcode;
    uint8_t rcode;                /* low 4 bits of the header */
    uint16_t qdcount, ancount;
    char qname[DIS_DNS_NAME_MAX]; /* first question, lower-case, "" if none */
    uint16_t qtype;
    int n_ans;                    /* A/AAAA/CNAME answers kept */
    int ans_dropped;              /* such answers beyond DIS_DNS_MAX_ANS */
    dis_dns_rr ans[DIS_DNS_MAX_ANS];
} dis_dns_msg;

/* Parse p[0..len).  Returns 0 on success (header and question parsed; answer
 * parsing stops quietly at the first malformed record, keeping what came
 * before), -1 when the header or question is malformed.  out is always
 * initialised, except ans[] past n_ans, which is left as it was. */
int dis_dns_parse(const uint8_t *p, size_t len, dis_dns_msg *out);

/* "A", "AAAA", "CNAME", "HTTPS", ... or the decimal number into buf. */
const char *dis_dns_type_name(uint16_t type, char *buf, size_t buflen);

/* "NOERROR", "NXDOMAIN", ... or the decimal number into buf. */
const char *dis_dns_rcode_name(uint8_t rcode, char *buf, size_t buflen);

#endif
