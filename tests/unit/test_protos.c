/* test_protos.c - checks that rules/ndpi/protos.txt loads into nDPI 4.2 and
 * that each of its rules takes effect.
 *
 * Runs from the repository root (paths below are relative to it).  nDPI's
 * loader returns 0 for any readable file, even when a rule is malformed or
 * ignored, so the return code alone proves little.  This test therefore also
 * re-reads the file and checks every rule through the public 4.2 API:
 * host rules with ndpi_match_host_subprotocol(), IPv4 rules with
 * ndpi_network_ptree_match(), port rules with
 * ndpi_guess_undetected_protocol().  It rejects IPv6 in "ip:" rules, which
 * 4.2 would turn into a garbage IPv4 entry without any error.  Finally it
 * runs the TLS flow of pcaps/google_meet.pcapng (SNI meet.google.com)
 * through nDPI with and without the file: "Google" before, "GoogleMeet"
 * after.
 *
 * nDPI 4.2 has no ndpi_get_proto_by_name(); ndpi_get_protocol_id() is the
 * by-name lookup.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>
#include <ndpi/ndpi_api.h>

#include "tu.h"

#define PROTOS_PATH "rules/ndpi/protos.txt"
#define MISSING_PATH "rules/ndpi/no-such-file.txt"
#define MEET_PCAP "pcaps/google_meet.pcapng"
/* The one TCP flow in MEET_PCAP: 192.168.88.231:43268 -> 173.194.73.101:443. */
#define MEET_TLS_FILTER "ip and tcp and port 43268"
#define ETH_HDR_LEN 14u
#define LINE_MAX_LEN 512

/* TEST-NET addresses (RFC 5737, host byte order): unknown to nDPI, so a
 * guess made for them can only come from the port. */
#define TEST_NET_1 0xC0000201u /* 192.0.2.1 */
#define TEST_NET_2 0xC6336401u /* 198.51.100.1 */

static struct ndpi_detection_module_struct *make_ndpi(const char *protos, int *load_rc)
{
    NDPI_PROTOCOL_BITMASK all;
    struct ndpi_detection_module_struct *n;

    *load_rc = 0;
    n = ndpi_init_detection_module(ndpi_no_prefs);
    if (!n)
        return NULL;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(n, &all);
    if (protos)
        *load_rc = ndpi_load_protocols_file(n, protos);
    ndpi_finalize_initialization(n);
    return n;
}

static int proto_id(struct ndpi_detection_module_struct *n, const char *name)
{
    char buf[64];
    size_t len = strlen(name);

    if (len >= sizeof buf)
        return -1;
    memcpy(buf, name, len + 1); /* the 4.2 API takes a non-const char * */
    return ndpi_get_protocol_id(n, buf);
}

static int host_proto(struct ndpi_detection_module_struct *n, const char *host)
{
    char buf[256];
    size_t len = strlen(host);
    struct ndpi_flow_struct *flow;
    ndpi_protocol_match_result match;
    int p;

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, host, len + 1);
    flow = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
    if (!flow)
        return -1;
    memset(flow, 0, SIZEOF_FLOW_STRUCT);
    memset(&match, 0, sizeof match);
    p = ndpi_match_host_subprotocol(n, flow, buf, (u_int)len, &match, NDPI_PROTOCOL_TLS);
    ndpi_flow_free(flow);
    return p;
}

static int ip_proto(struct ndpi_detection_module_struct *n, const char *ip)
{
    struct in_addr a;

    if (inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    return ndpi_network_ptree_match(n, &a);
}

static int port_proto(struct ndpi_detection_module_struct *n, u_int8_t l4, unsigned port)
{
    ndpi_protocol g = ndpi_guess_undetected_protocol(n, NULL, l4, TEST_NET_1, 61000,
                                                     TEST_NET_2, (u_int16_t)port);
    return g.app_protocol;
}

TU_TEST(load_returns_zero_and_defines_googlemeet)
{
    int rc, id;
    struct ndpi_detection_module_struct *n = make_ndpi(PROTOS_PATH, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    TU_CHECK_INT(rc, 0);
    id = proto_id(n, "GoogleMeet");
    /* custom protocols are numbered after the built-in ones */
    TU_CHECK(id >= NDPI_MAX_SUPPORTED_PROTOCOLS);
    if (id >= 0)
        TU_CHECK_STR(ndpi_get_proto_name(n, (u_int16_t)id), "GoogleMeet");
    ndpi_exit_detection_module(n);
}

TU_TEST(googlemeet_absent_without_file)
{
    int rc;
    struct ndpi_detection_module_struct *n = make_ndpi(NULL, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    TU_CHECK_INT(proto_id(n, "GoogleMeet"), -1);
    TU_CHECK_INT(host_proto(n, "meet.google.com"), NDPI_PROTOCOL_GOOGLE);
    ndpi_exit_detection_module(n);
}

TU_TEST(missing_file_fails)
{
    int rc = 0, saved, devnull;
    struct ndpi_detection_module_struct *n;

    /* nDPI 4.2 prints "Unable to open file" on stdout; keep our output to
     * PASS/FAIL lines. */
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    devnull = open("/dev/null", O_WRONLY);
    if (saved >= 0 && devnull >= 0)
        dup2(devnull, STDOUT_FILENO);
    n = make_ndpi(MISSING_PATH, &rc);
    fflush(stdout);
    if (saved >= 0 && devnull >= 0)
        dup2(saved, STDOUT_FILENO);
    if (devnull >= 0)
        close(devnull);
    if (saved >= 0)
        close(saved);
    TU_CHECK(n != NULL);
    TU_CHECK_INT(rc, -1);
    if (n)
        ndpi_exit_detection_module(n);
}

TU_TEST(meet_hosts_resolve_to_googlemeet)
{
    static const char *const meet_hosts[] = {
        "meet.google.com",        "meetings.googleapis.com", "meetings.clients6.google.com",
        "hangouts.googleapis.com", "stream.meet.google.com", "workspace.turns.goog",
        "meet.turns.goog",
    };
    int rc, id;
    size_t i;
    struct ndpi_detection_module_struct *n = make_ndpi(PROTOS_PATH, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    id = proto_id(n, "GoogleMeet");
    TU_CHECK(id > 0);
    for (i = 0; i < sizeof meet_hosts / sizeof meet_hosts[0]; i++) {
        if (host_proto(n, meet_hosts[i]) != id)
            TU_FAILF("%s -> %d, expected GoogleMeet (%d)", meet_hosts[i],
                     host_proto(n, meet_hosts[i]), id);
    }
    /* the rest of Google stays Google */
    TU_CHECK_INT(host_proto(n, "google.com"), NDPI_PROTOCOL_GOOGLE);
    TU_CHECK_INT(host_proto(n, "www.google.com"), NDPI_PROTOCOL_GOOGLE);
    /* rules match the end of the name, not a substring in the middle */
    TU_CHECK(host_proto(n, "meet.google.com.example.org") != id);
    ndpi_exit_detection_module(n);
}

TU_TEST(meet_ipv4_and_ports)
{
    int rc, id;
    struct ndpi_detection_module_struct *n = make_ndpi(PROTOS_PATH, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    id = proto_id(n, "GoogleMeet");
    TU_CHECK_INT(ip_proto(n, "74.125.250.1"), id);
    TU_CHECK_INT(ip_proto(n, "74.125.250.254"), id);
    TU_CHECK_INT(ip_proto(n, "74.125.247.128"), id);
    TU_CHECK_INT(ip_proto(n, "142.250.82.77"), id);
    /* neighbours keep nDPI's own label */
    TU_CHECK_INT(ip_proto(n, "74.125.247.129"), NDPI_PROTOCOL_GOOGLE);
    TU_CHECK_INT(ip_proto(n, "74.125.251.1"), NDPI_PROTOCOL_GOOGLE);
    TU_CHECK_INT(port_proto(n, IPPROTO_UDP, 19303), id);
    TU_CHECK_INT(port_proto(n, IPPROTO_UDP, 19309), id);
    /* deliberately not claimed: public Google STUN and the shared STUN port */
    TU_CHECK(port_proto(n, IPPROTO_UDP, 19302) != id);
    TU_CHECK_INT(port_proto(n, IPPROTO_UDP, 3478), NDPI_PROTOCOL_STUN);
    ndpi_exit_detection_module(n);
}

/* Checks one "kind:value" element of a rule for protocol `want`; returns a
 * static description of the problem, or NULL if the rule takes effect. */
static const char *check_element(struct ndpi_detection_module_struct *n, char *elem, int want)
{
    if (strncmp(elem, "host:\"", 6) == 0) {
        char *host = elem + 6;
        size_t len = strlen(host);

        if (len < 2 || host[len - 1] != '"')
            return "host value not quoted";
        host[len - 1] = '\0';
        return host_proto(n, host) == want ? NULL : "host rule has no effect";
    }
    if (strncmp(elem, "ip:", 3) == 0) {
        char *addr = elem + 3, *slash = strchr(addr, '/');
        struct in_addr a;

        if (slash) {
            char *end;
            long bits = strtol(slash + 1, &end, 10);

            if (*end != '\0' || bits < 0 || bits > 32)
                return "bad prefix length (or a port, which we do not use)";
            *slash = '\0';
        }
        if (inet_pton(AF_INET, addr, &a) != 1)
            return "not an IPv4 address (nDPI 4.2 cannot load IPv6 here)";
        return ndpi_network_ptree_match(n, &a) == want ? NULL : "ip rule has no effect";
    }
    if (strncmp(elem, "tcp:", 4) == 0 || strncmp(elem, "udp:", 4) == 0) {
        u_int8_t l4 = elem[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
        char *end;
        long lo = strtol(elem + 4, &end, 10), hi = lo;

        if (*end == '-')
            hi = strtol(end + 1, &end, 10);
        if (*end != '\0' || lo < 1 || hi < lo || hi > 65535)
            return "bad port or port range";
        if (port_proto(n, l4, (unsigned)lo) != want || port_proto(n, l4, (unsigned)hi) != want)
            return "port rule has no effect";
        return NULL;
    }
    return "unknown rule kind";
}

TU_TEST(every_rule_takes_effect)
{
    char line[LINE_MAX_LEN];
    int rc, lineno = 0, rules = 0;
    FILE *f = NULL;
    struct ndpi_detection_module_struct *n = make_ndpi(PROTOS_PATH, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    f = fopen(PROTOS_PATH, "r");
    TU_CHECK(f != NULL);
    if (!f)
        goto done;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        char *at, *elem, *save = NULL;
        int want;

        lineno++;
        if (len == 0 || line[len - 1] != '\n') {
            TU_FAILF("line %d: too long or no final newline (nDPI drops the last char)", lineno);
            break;
        }
        line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r') {
            TU_FAILF("line %d: trailing blank would become part of the name", lineno);
            continue;
        }
        at = strrchr(line, '@');
        if (!at) {
            TU_FAILF("line %d: no @Protocol", lineno);
            continue;
        }
        *at = '\0';
        want = proto_id(n, at + 1);
        if (want <= 0) {
            TU_FAILF("line %d: protocol %s unknown after loading", lineno, at + 1);
            continue;
        }
        for (elem = strtok_r(line, ",", &save); elem; elem = strtok_r(NULL, ",", &save)) {
            const char *why = check_element(n, elem, want);

            rules++;
            if (why)
                TU_FAILF("line %d: %s: %s (want %s)", lineno, elem, why, at + 1);
        }
    }
    TU_CHECK(!ferror(f));
    TU_CHECK(rules >= 10); /* the file is not silently empty */
done:
    if (f)
        fclose(f);
    ndpi_exit_detection_module(n);
}

/* Feeds the TLS flow of MEET_PCAP to a fresh nDPI module (loading `protos`
 * if non-NULL) and stores the last result in *out.  Returns the number of
 * packets fed, or -1 on error. */
static int classify_meet_tls_flow(const char *protos, ndpi_protocol *out)
{
    char err[PCAP_ERRBUF_SIZE];
    struct bpf_program prog;
    int have_prog = 0, rc, r, pkts = 0, ret = -1;
    pcap_t *p = NULL;
    struct ndpi_detection_module_struct *n = NULL;
    struct ndpi_flow_struct *flow = NULL;
    struct pcap_pkthdr *h;
    const u_char *data;

    memset(out, 0, sizeof *out);
    p = pcap_open_offline(MEET_PCAP, err);
    if (!p)
        goto fail;
    if (pcap_datalink(p) != DLT_EN10MB)
        goto fail;
    /* The filter matches untagged Ethernet/IPv4 only, so the IP header
     * starts right after the 14-byte Ethernet header; nDPI parses the rest. */
    if (pcap_compile(p, &prog, MEET_TLS_FILTER, 1, PCAP_NETMASK_UNKNOWN) != 0)
        goto fail;
    have_prog = 1;
    if (pcap_setfilter(p, &prog) != 0)
        goto fail;
    n = make_ndpi(protos, &rc);
    if (!n || rc != 0)
        goto fail;
    flow = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
    if (!flow)
        goto fail;
    memset(flow, 0, SIZEOF_FLOW_STRUCT);
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        u_int64_t ms;

        if (h->caplen <= ETH_HDR_LEN || h->caplen - ETH_HDR_LEN > USHRT_MAX)
            continue;
        ms = (u_int64_t)h->ts.tv_sec * 1000u + (u_int64_t)h->ts.tv_usec / 1000u;
        *out = ndpi_detection_process_packet(n, flow, data + ETH_HDR_LEN,
                                             (unsigned short)(h->caplen - ETH_HDR_LEN), ms);
        pkts++;
    }
    if (r != PCAP_ERROR_BREAK) /* -2: end of file */
        goto fail;
    ret = pkts;
fail:
    if (flow)
        ndpi_flow_free(flow);
    if (n)
        ndpi_exit_detection_module(n);
    if (have_prog)
        pcap_freecode(&prog);
    if (p)
        pcap_close(p);
    return ret;
}

TU_TEST(meet_pcap_tls_flow_before_and_after)
{
    ndpi_protocol before, after;
    int id, rc;
    struct ndpi_detection_module_struct *n = make_ndpi(PROTOS_PATH, &rc);

    TU_CHECK(n != NULL);
    if (!n)
        return;
    id = proto_id(n, "GoogleMeet");
    ndpi_exit_detection_module(n);

    TU_CHECK_INT(classify_meet_tls_flow(NULL, &before), 6);
    TU_CHECK_INT(before.master_protocol, NDPI_PROTOCOL_TLS);
    TU_CHECK_INT(before.app_protocol, NDPI_PROTOCOL_GOOGLE);

    TU_CHECK_INT(classify_meet_tls_flow(PROTOS_PATH, &after), 6);
    TU_CHECK_INT(after.master_protocol, NDPI_PROTOCOL_TLS);
    TU_CHECK_INT(after.app_protocol, id);
}

int main(void)
{
    TU_RUN(load_returns_zero_and_defines_googlemeet);
    TU_RUN(googlemeet_absent_without_file);
    TU_RUN(missing_file_fails);
    TU_RUN(meet_hosts_resolve_to_googlemeet);
    TU_RUN(meet_ipv4_and_ports);
    TU_RUN(every_rule_takes_effect);
    TU_RUN(meet_pcap_tls_flow_before_and_after);
    return tu_finish();
}
