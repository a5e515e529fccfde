/* fuzz_dns.c - libFuzzer harness: one DNS message through dis_dns_parse()
 * (dissect/dns.c).  RFC 1035 (message format, name compression), RFC 3596
 * (AAAA), RFC 6891 (EDNS).
 *
 * Input format: the DNS message itself (a UDP payload), as the seeds that
 * tests/fuzz/mkseeds.py cuts from the fixtures' port-53/5353/5355 packets.
 *
 * Checks beyond "no crash": every name and datum is NUL-terminated inside
 * its buffer, n_ans stays within DIS_DNS_MAX_ANS, and the same bytes parsed
 * as the payload of a DNS-over-TCP message walk (2-byte length prefixes, as
 * dissect/applayer.c walks a TCP segment) hold no surprise either.
 *
 * fuzz-options: -max_len=4096
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dis_dns_msg msg; /* large: keep it off the stack */

static void check(const dis_dns_msg *m)
{
    char b[32];
    fz_check_str(m->qname, sizeof(m->qname));
    if (m->n_ans < 0 || m->n_ans > DIS_DNS_MAX_ANS || m->ans_dropped < 0)
        abort();
    for (int i = 0; i < m->n_ans; i++) {
        fz_check_str(m->ans[i].name, sizeof(m->ans[i].name));
        fz_check_str(m->ans[i].data, sizeof(m->ans[i].data));
        dis_dns_type_name(m->ans[i].type, b, sizeof(b));
    }
    dis_dns_type_name(m->qtype, b, sizeof(b));
    dis_dns_rcode_name(m->rcode, b, sizeof(b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* data is libFuzzer's exact-size copy: a read past it is reported. */
    dis_dns_parse(data, size, &msg);
    check(&msg);

    /* The TCP framing: messages with 2-byte length prefixes. */
    fz_cur in;
    uint16_t mlen;
    fz_init(&in, data, size);
    while (fz_be16(&in, &mlen)) {
        size_t got;
        const uint8_t *m = fz_take(&in, mlen, &got);
        if (got < mlen)
            break;
        uint8_t *copy = fz_dup(m, got);
        dis_dns_parse(copy, got, &msg);
        check(&msg);
        free(copy);
    }
    return 0;
}
