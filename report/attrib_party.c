/* attrib_party.c - which party a flow's far end is, relative to one audited
 * service: first, support, peer, third, local or unknown.  Addresses and
 * prefixes per RFC 4291 / RFC 4632; host names per RFC 1035 s.2.3.1.
 *
 * Why this is careful
 * -------------------
 * A policy letter that calls a flow "third party" accuses the service of
 * sharing data it may not have shared; that is the worst mistake this tool
 * can make.  So "third" needs an identified organisation that is not the
 * service's, and any doubt - evidence pointing both ways, or only weak
 * evidence - gives "unknown".  nDPI's verdict is evidence about the
 * protocol, never about the organisation: nDPI 4.2 calls some Google Meet
 * STUN flows "FacebookVoip", and a flow the service's own rules recognise
 * stays first/support whatever nDPI says (callers print nDPI's label
 * beside the party).
 *
 * Evidence
 * --------
 * R is the far end (rpt_flow_remote(): the server, or the client of an
 * inbound flow).  From the service view: svc_name - a candidate name
 * (including the names a DNS chain led to) under the service's domains;
 * svc_addr - R in the service's prefixes; svc_port - R's port in one of
 * the service's port ranges while the local port is not in that same
 * range (8801 from an ephemeral port is Zoom's server; 50000-50059 on both
 * ends is two Teams clients); svc_ndpi - nDPI's app or master protocol is
 * one the service lists.  From rpt_who: the organisation decided by a name
 * (our map or Ghostery) and the organisation of the address (our map's
 * prefixes, or its ASes through ipinfo), each with "family" (the operator
 * or its corporate family) and "hoster" (cloud/CDN; attrib.h).
 *
 * Rules, in order (the first that applies wins)
 * ----------------------------------------------
 * 1. local: R is not a public address (private, ULA, loopback,
 *    link-local, multicast, broadcast, unspecified, reserved), or the flow
 *    is DNS (TCP/UDP port 53) - the resolver is the device's or network's
 *    choice, not the service's.
 * 2. The service's own name, unless a known organisation's name came
 *    before it (a better source such as the SNI names someone else):
 *    support when the address (or an earlier hoster name) belongs to a
 *    cloud/CDN outside the operator's family (*.zoom.us on AWS), else
 *    first.
 * 3. A name's organisation: first when in the operator's family (support
 *    on a foreign hoster's address, as in 2); a hoster's own name
 *    (d1.cloudfront.net) is support when the service's address, port or
 *    nDPI protocol is also seen, else third; any other organisation is
 *    third - unless R is in the service's prefixes, where the evidence
 *    disagrees: unknown.
 * 4. R in the service's prefixes: first (no name is needed).
 * 5. The address's organisation (no name identified one): the operator's
 *    family is first; a hoster is support when the service's port or nDPI
 *    protocol is seen, else unknown (it hosts someone we cannot name); any
 *    other organisation is third when found by our map's prefixes, and by
 *    an AS only when no service evidence contradicts it (else unknown).
 * 6. Nothing identified R: the service's port (not one of the ports many
 *    services share: 3478-3481, 5004-5005, 5060-5061, 19302-19309, unless
 *    nDPI also names the service; ports from 49152 up are dynamic ports
 *    anyone may use and count for nothing) is first; a shared port alone is
 *    unknown; media - STUN, RTP, RTCP, SRTP, DTLS, UDP that nDPI gives to
 *    the service, or UDP between two ports of one service range - is peer
 *    (another participant's address, e.g. learnt through STUN); a non-UDP
 *    flow nDPI gives to the service is first; anything else is unknown.
 * The AS registry's organisation text (org_by "as_org") never decides.
 */
#define _DEFAULT_SOURCE
#include "attrib_int.h"
#include "services.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the service view --------------------------------------------------- */

/* Lower-case name without one trailing dot and a ":port" suffix. */
static int norm(const char *in, char *out, size_t len)
{
    size_t n = 0;
    if (!in)
        return -1;
    for (; in[n] && in[n] != ':'; n++) {
        if (n + 1 >= len)
            return -1;
        out[n] = (char)tolower((unsigned char)in[n]);
    }
    if (n && out[n - 1] == '.')
        n--;
    out[n] = 0;
    return n ? (int)n : -1;
}

/* rules/services domain semantics: "x.y" = x.y and subdomains, "*.x.y" =
 * strict subdomains only. */
static int domain_match(const char *pat, const char *host)
{
    char h[RPT_WHO_NAME], p[RPT_WHO_NAME];
    int strict = 0;
    if (!pat)
        return 0;
    if (pat[0] == '*' && pat[1] == '.') {
        strict = 1;
        pat += 2;
    }
    int hn = norm(host, h, sizeof(h)), pn = norm(pat, p, sizeof(p));
    if (hn < 0 || pn < 0 || hn < pn)
        return 0;
    if (hn == pn)
        return !strict && !strcmp(h, p);
    return h[hn - pn - 1] == '.' && !strcmp(h + hn - pn, p);
}

static int svc_name_idx(const rpt_service_view *v, const rpt_flow_view *f)
{
    for (int i = 0; f->names && i < f->n_names; i++) {
        if (!f->names[i] || rpt_name_is_ip_literal(f->names[i]))
            continue;
        for (int k = 0; v->domains && k < v->n_domains; k++)
            if (domain_match(v->domains[k], f->names[i]))
                return i;
    }
    return -1;
}

/* "a/len" contains ip (ipver 4/6)? */
static int prefix_match(const char *pfx, int ipver, const uint8_t *ip)
{
    char b[64];
    uint8_t net[16];
    const char *slash = pfx ? strchr(pfx, '/') : NULL;
    if (!slash || !ip || (size_t)(slash - pfx) >= sizeof(b))
        return 0;
    memcpy(b, pfx, (size_t)(slash - pfx));
    b[slash - pfx] = 0;
    int v6 = strchr(b, ':') != NULL;
    if ((v6 ? 6 : 4) != ipver ||
        inet_pton(v6 ? AF_INET6 : AF_INET, b, net) != 1)
        return 0;
    char *end;
    long len = strtol(slash + 1, &end, 10);
    int max = v6 ? 128 : 32;
    if (end == slash + 1 || *end || len < 0 || len > max)
        return 0;
    int full = (int)len / 8, rest = (int)len % 8;
    if (memcmp(net, ip, (size_t)full))
        return 0;
    if (rest) {
        uint8_t m = (uint8_t)(0xff << (8 - rest));
        if ((net[full] & m) != (ip[full] & m))
            return 0;
    }
    return 1;
}

static int svc_addr(const rpt_service_view *v, int ipver, const uint8_t *ip)
{
    for (int k = 0; v->prefixes && k < v->n_prefixes; k++)
        if (prefix_match(v->prefixes[k], ipver, ip))
            return 1;
    return 0;
}

/* "udp:8801-8810", "tcp:443", "8801" (any transport). */
static int parse_ports(const char *s, int *proto, unsigned *lo, unsigned *hi)
{
    *proto = 0;
    if (!s)
        return -1;
    if (!strncasecmp(s, "udp:", 4)) {
        *proto = 17;
        s += 4;
    } else if (!strncasecmp(s, "tcp:", 4)) {
        *proto = 6;
        s += 4;
    } else if (!strncasecmp(s, "sctp:", 5)) {
        *proto = 132;
        s += 5;
    }
    char *end;
    long a = strtol(s, &end, 10), b = a;
    if (end == s)
        return -1;
    if (*end == '-') {
        const char *t = end + 1;
        b = strtol(t, &end, 10);
        if (end == t)
            return -1;
    }
    if (*end || a < 1 || b > 65535 || a > b)
        return -1;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return 0;
}

enum { PORT_NONE, PORT_SHARED, PORT_OWN, PORT_BOTH_ENDS };

static int shared_port(unsigned p)
{
    return (p >= 3478 && p <= 3481) || p == 5004 || p == 5005 ||
           p == 5060 || p == 5061 || (p >= 19302 && p <= 19309);
}

/* How the far end's port relates to the service's ports. */
static int svc_port(const rpt_service_view *v, int ipproto, unsigned rport,
                    unsigned lport)
{
    int best = PORT_NONE;
    for (int k = 0; v->ports && k < v->n_ports && rport; k++) {
        int proto;
        unsigned lo, hi;
        if (parse_ports(v->ports[k], &proto, &lo, &hi) != 0 ||
            (proto && proto != ipproto) || rport < lo || rport > hi)
            continue;
        if (lport >= lo && lport <= hi) {
            if (best == PORT_NONE)
                best = PORT_BOTH_ENDS;
            continue;
        }
        if (rport >= 49152)
            continue; /* RFC 6335 dynamic ports: anyone's */
        int r = shared_port(rport) ? PORT_SHARED : PORT_OWN;
        if (best == PORT_NONE || best == PORT_BOTH_ENDS || r == PORT_OWN)
            best = r;
    }
    return best;
}

/* nDPI names as "TLS.Zoom" pieces: either field may be a dotted verdict. */
static int ndpi_field_match(const char *field, const char *want)
{
    if (!field || !want || !*want)
        return 0;
    size_t wl = strlen(want);
    for (const char *p = field; *p;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == wl && !strncasecmp(p, want, l))
            return 1;
        if (!dot)
            break;
        p = dot + 1;
    }
    return 0;
}

static int svc_ndpi(const rpt_service_view *v, const rpt_flow_view *f)
{
    for (int k = 0; v->ndpi_protos && k < v->n_ndpi; k++)
        if (ndpi_field_match(f->app_proto, v->ndpi_protos[k]) ||
            ndpi_field_match(f->master_proto, v->ndpi_protos[k]))
            return 1;
    return 0;
}

/* ---- views from rules --------------------------------------------------- */

void rpt_service_view_from_rule(const struct rule_service *r,
                                rpt_service_view *out)
{
    memset(out, 0, sizeof(*out));
    if (!r)
        return;
    out->operator_id = rule_service_operator(r);
    out->n_domains = (int)rule_service_domains(r, &out->domains);
    out->n_prefixes = (int)rule_service_prefixes(r, &out->prefixes);
    out->n_ports = (int)rule_service_ports(r, &out->ports);
    out->n_ndpi = (int)rule_service_ndpi(r, &out->ndpi_protos);
}

/* policy-facts.md: Zoom KB0060561; Google "Prepare your network for Meet";
 * Webex WBX000028782; Microsoft 365 URLs and IP address ranges. */
static const char *const ZOOM_D[] = { "zoom.us", "zoom.com", "zoomgov.com" };
static const char *const ZOOM_P[] = { "tcp:8801-8802", "udp:8801-8810",
                                      "udp:3478-3479" };
static const char *const ZOOM_N[] = { "Zoom" };
static const char *const MEET_D[] = { "meet.google.com",
                                      "meetings.googleapis.com",
                                      "meetings.clients6.google.com",
                                      "hangouts.googleapis.com" };
static const char *const MEET_P[] = { "udp:3478", "udp:19302-19309" };
static const char *const MEET_N[] = { "GoogleMeet" };
static const char *const WEBEX_D[] = { "webex.com", "wbx2.com",
                                       "ciscospark.com", "webexapis.com",
                                       "webexcontent.com" };
static const char *const WEBEX_P[] = { "udp:5004", "udp:9000" };
static const char *const WEBEX_N[] = { "Webex" };
static const char *const TEAMS_D[] = { "teams.microsoft.com", "*.lync.com",
                                       "*.skype.com", "*.mstea.ms" };
static const char *const TEAMS_P[] = { "udp:3478-3481" };
static const char *const TEAMS_N[] = { "Teams", "Skype_Teams" };

#define N_(a) (int)(sizeof(a) / sizeof(a[0]))
static const struct {
    const char *id;
    rpt_service_view v;
} BUILTIN[] = {
    { "zoom", { "zoom", ZOOM_D, N_(ZOOM_D), NULL, 0, ZOOM_P, N_(ZOOM_P),
                ZOOM_N, N_(ZOOM_N) } },
    { "meet", { "google", MEET_D, N_(MEET_D), NULL, 0, MEET_P, N_(MEET_P),
                MEET_N, N_(MEET_N) } },
    { "webex", { "cisco", WEBEX_D, N_(WEBEX_D), NULL, 0, WEBEX_P,
                 N_(WEBEX_P), WEBEX_N, N_(WEBEX_N) } },
    { "teams", { "microsoft", TEAMS_D, N_(TEAMS_D), NULL, 0, TEAMS_P,
                 N_(TEAMS_P), TEAMS_N, N_(TEAMS_N) } },
};

const rpt_service_view *rpt_service_view_builtin(const char *id)
{
    for (int i = 0; id && i < N_(BUILTIN); i++)
        if (!strcmp(BUILTIN[i].id, id))
            return &BUILTIN[i].v;
    return NULL;
}

/* ---- the rules ---------------------------------------------------------- */

int rpt_party(const rpt_attrib_src *s, const rpt_service_view *svc,
              const rpt_flow_view *f, const rpt_who *who)
{
    if (!svc || !f || !who)
        return RPT_PARTY_UNKNOWN;
    const uint8_t *rip = NULL;
    unsigned rport = 0;
    int inbound = rpt_flow_remote(f, &rip, &rport);
    unsigned lport = inbound ? f->srv_port : f->cli_port;
    const char *op = svc->operator_id;

    /* 1. local */
    if (!rip || rpt_addr_scope(f->ipver, rip) != RPT_SCOPE_PUBLIC)
        return RPT_PARTY_LOCAL;
    if ((f->ipproto == 6 || f->ipproto == 17) && rport == 53)
        return RPT_PARTY_LOCAL;

    int sname = svc_name_idx(svc, f);
    int saddr = svc_addr(svc, f->ipver, rip);
    int sport = svc_port(svc, f->ipproto, rport, lport);
    int sndpi = svc_ndpi(svc, f);
    int nidx = who->org_by && who->org_name_idx >= 0 ? who->org_name_idx
                                                       : -1;
    const rpt_org *norg = nidx >= 0 ? who->org_ref : NULL;
    int nfam = nidx >= 0 && rpt_attrib_in_family(s, norg, op);
    int nhost = nidx >= 0 && who->hoster && !nfam;
    int afam = rpt_attrib_in_family(s, who->addr_org, op);
    int ahost = who->addr_org && who->addr_hoster && !afam;

    /* 2. the service's own name */
    if (sname >= 0 && (nidx < 0 || sname <= nidx || nfam || nhost))
        return ahost || (nhost && nidx < sname) ? RPT_PARTY_SUPPORT
                                                : RPT_PARTY_FIRST;
    /* 3. a name's organisation */
    if (nidx >= 0) {
        if (nfam)
            return ahost ? RPT_PARTY_SUPPORT : RPT_PARTY_FIRST;
        if (nhost)
            return saddr || sndpi || sport == PORT_OWN ||
                           sport == PORT_SHARED
                       ? RPT_PARTY_SUPPORT
                       : RPT_PARTY_THIRD;
        return saddr ? RPT_PARTY_UNKNOWN : RPT_PARTY_THIRD;
    }
    /* 4. the service's address */
    if (saddr)
        return RPT_PARTY_FIRST;
    /* 5. the address's organisation */
    int sig = sndpi || sport == PORT_OWN || sport == PORT_SHARED;
    if (who->addr_org) {
        if (afam)
            return RPT_PARTY_FIRST;
        if (ahost)
            return sig ? RPT_PARTY_SUPPORT : RPT_PARTY_UNKNOWN;
        if (who->addr_org_by && !strcmp(who->addr_org_by, "ip"))
            return RPT_PARTY_THIRD;
        return sig ? RPT_PARTY_UNKNOWN : RPT_PARTY_THIRD;
    }
    /* 6. nothing identified the far end */
    if (sport == PORT_OWN || (sport == PORT_SHARED && sndpi))
        return RPT_PARTY_FIRST;
    if (sport == PORT_SHARED)
        return RPT_PARTY_UNKNOWN;
    if (rpt_ndpi_is_media(f->app_proto, f->master_proto) ||
        (f->ipproto == 17 && (sndpi || sport == PORT_BOTH_ENDS)))
        return RPT_PARTY_PEER;
    if (sndpi)
        return RPT_PARTY_FIRST;
    return RPT_PARTY_UNKNOWN;
}
