/* attrib.h - who is on the other end of a flow (organisation, categories,
 * AS, country) and which party it is relative to an audited service.
 *
 * Sources, strongest first: our organisation map (rules/entities.yaml,
 * entities.h), Ghostery's tracker database (trackerdb.h, optional) and the
 * ASN/country datasets (ipinfo.h, optional).  nDPI's verdict is evidence
 * about the protocol, never about the organisation.
 *
 * Attribution (rpt_attrib_who) looks at a flow's candidate names, best
 * first, and at the address of the far end:
 *   1. "name": the first candidate name our map knows (a DNS CNAME chain is
 *      represented by the name the client asked for; the names it led to
 *      are secondary: an organisation or tracker found on them is kept in
 *      cname_* but does not decide);
 *   2. "ip": our map's IP prefixes; 3. "asn": the AS announcing the address
 *      (ipinfo) when our map lists that AS - both only when the
 *      organisation found is not a hoster (below);
 *   4. "ghostery": the first candidate name Ghostery knows (its company is
 *      mapped onto our map when the ids agree: "google", "microsoft");
 *   5. "ip"/"asn" of a hoster;
 *   6. "as_org": the AS organisation text of ipinfo, a weak fallback.
 * A hoster is an organisation whose address says where a server is hosted
 * rather than who runs it: for a prefix, an organisation whose own
 * categories include cloud or cdn (Cloudflare's published ranges); for an
 * AS, one whose corporate family includes such an organisation (Amazon,
 * Google, Microsoft: their ASes also carry their cloud customers).  Steps
 * 2-3 and 5 differ from "prefix, then AS, then Ghostery" only there: a name
 * Ghostery knows says more than "hosted on AWS".
 *
 * Party (rpt_party) is relative to one audited service; the rules are in
 * attrib_party.c's essay and README ("Party").
 *
 * Ownership: rpt_attrib_open() returns a handle the caller frees with
 * rpt_attrib_free(); it owns the map, the datasets and every rpt_org it
 * hands out.  rpt_who is a caller-owned value with fixed buffers; its
 * rpt_org pointers and static strings (org_by, source names) stay valid
 * until rpt_attrib_free().  After open the handle is only read, but
 * rpt_attrib_who() steps Ghostery's prepared statement: call it from one
 * thread at a time per handle.  rpt_party() and the helpers are pure.
 */
#ifndef MEETAUDIT_ATTRIB_H
#define MEETAUDIT_ATTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "entities.h"

typedef struct rpt_attrib_src rpt_attrib_src;

/* Buffer sizes of rpt_who's strings (NUL-terminated, truncated). */
#define RPT_WHO_NAME 256 /* host names (DNS names are at most 253) */
#define RPT_WHO_TEXT 160 /* organisation, tracker and AS names */
#define RPT_WHO_ID 112   /* organisation ids, "ghostery:<id>", "as:<n>" */

/* What is known about the far end of one flow.  Strings are "" when
 * unknown (never NULL), pointers NULL. */
typedef struct rpt_who {
    /* The best candidate name: the first that is not an IP literal nor a
     * secondary CNAME-chain name.  name_idx indexes the caller's names[]. */
    char name[RPT_WHO_NAME];
    char name_source[16]; /* "sni", "quic", "http", "dns", "cert", ... */
    int name_idx;         /* -1 when no name */
    char domain[RPT_WHO_NAME]; /* eTLD+1 of name (rpt_registrable_domain) */

    /* The organisation.  org_by is one of "name", "ip", "asn", "ghostery",
     * "as_org" (static strings) or NULL when nothing is known.  org_ref is
     * our map's organisation (also for Ghostery companies whose id is one
     * of ours), NULL for other Ghostery companies and for as_org.
     * org_name_idx: the names[] index that decided ("name", "ghostery"),
     * else -1.  org_id: our id, "ghostery:<company id>" or "as:<asn>".
     * parent_org: the name of the top of org's family (org's own name when
     * it has no parent; the company for Ghostery; "" for as_org). */
    const char *org_by;
    const rpt_org *org_ref;
    int org_name_idx;
    char org_id[RPT_WHO_ID];
    char org[RPT_WHO_TEXT];
    char parent_org[RPT_WHO_TEXT];
    uint32_t categories; /* RPT_CAT_BIT() mask; host pattern wins */
    int hoster;          /* org is a hoster (see above) */

    /* Ghostery's tracker for the name that decided (or, when our map
     * decided, for the best name), for display; "" when none. */
    char tracker[RPT_WHO_TEXT];
    char tracker_category[48];

    /* The address: our map's organisation by prefix or AS regardless of
     * names (for "support"), the AS and country (ipinfo). */
    const rpt_org *addr_org;
    const char *addr_org_by; /* "ip", "asn" or NULL */
    int addr_hoster;
    uint32_t asn;            /* 0 when unknown */
    char as_org[RPT_WHO_TEXT];
    char country[3];         /* ISO 3166-1 alpha-2 or "" */

    /* Secondary: the first CNAME-chain name (a name the asked one led to)
     * that our map or Ghostery knows. */
    char cname[RPT_WHO_NAME];
    const rpt_org *cname_org;      /* our map's, or NULL */
    char cname_tracker[RPT_WHO_TEXT]; /* Ghostery's tracker, or "" */
    uint32_t cname_categories;
} rpt_who;

/* Open the attribution sources: rules_dir/entities.yaml (required;
 * rules_dir NULL: the rules lookup of cap_rules_path()), and Ghostery and
 * the ASN/country data in data_dir (NULL: rpt_data_dir(NULL)), both
 * optional.  Returns a new handle (caller frees with rpt_attrib_free()),
 * or NULL with a message in err when the map cannot be loaded or memory
 * runs out. */
rpt_attrib_src *rpt_attrib_open(const char *rules_dir, const char *data_dir,
                                char *err, size_t errlen);

/* Free everything the handle owns.  NULL is fine. */
void rpt_attrib_free(rpt_attrib_src *s);

/* The status text for `analyze` (owned by s, lines separated by '\n', no
 * trailing newline):
 *   attribution: our map 311 organisations (rules/entities.yaml)
 *   Tracker data: not installed (no data/trackerdb.db): run `make data`
 *   ASN data: ...
 *   Country data: ... */
const char *rpt_attrib_status(const rpt_attrib_src *s);

/* The organisation map (owned by s). */
const rpt_entities *rpt_attrib_entities(const rpt_attrib_src *s);

/* Non-zero when Ghostery / the ASN data / the country data are usable. */
int rpt_attrib_have_trackers(const rpt_attrib_src *s);
int rpt_attrib_have_asn(const rpt_attrib_src *s);
int rpt_attrib_have_country(const rpt_attrib_src *s);

/* Attribute one flow.  names/sources: n_names candidate names with their
 * sources (as in flow_names), best first: "sni", "quic", "http", "dns"
 * (the name the client asked for), "cname" or "dns_cname" (a name the
 * DNS chain led to; a "dns" entry after the first "dns" entry counts as
 * such too), "cert".  Any of them may be NULL (skipped); sources may be
 * NULL (all primary).  srv_ip: the far end's address (rpt_flow_remote()),
 * 4 or 16 bytes by ipver, or NULL.  Fills *out (always, zeroed first).
 * Returns 1 when an organisation was found, 0 when not, -1 on invalid
 * arguments (s or out NULL). */
int rpt_attrib_who(const rpt_attrib_src *s, const char *const *names,
                   const char *const *sources, int n_names, int ipver,
                   const uint8_t *srv_ip, rpt_who *out);

/* ---- party ------------------------------------------------------------ */

/* An audited service as party rules see it.  Every array and string is
 * the caller's and only read during rpt_party().
 * - operator_id: the operator's id in our map ("zoom", "google", "cisco",
 *   "microsoft"), may be NULL;
 * - domains: "x.y" covers x.y and its subdomains, "*.x.y" only strict
 *   subdomains (as in rules/services);
 * - prefixes: "170.114.0.0/16", "2603:1063::/38";
 * - ports: "udp:8801-8810", "tcp:443", "udp:3478" (as rule_service_ports);
 * - ndpi_protos: nDPI protocol names ("Zoom", "Skype_Teams"), matched
 *   case-insensitively against the app and master protocol.
 * Malformed entries never match. */
typedef struct rpt_service_view {
    const char *operator_id;
    const char *const *domains;
    int n_domains;
    const char *const *prefixes;
    int n_prefixes;
    const char *const *ports;
    int n_ports;
    const char *const *ndpi_protos;
    int n_ndpi;
} rpt_service_view;

struct rule_service; /* services.h */

/* Point *out at the recognise lists of a loaded service rule (operator,
 * domains, prefixes, ports, nDPI protocols).  The arrays stay owned by the
 * rule set: *out is valid until rule_services_free().  r NULL zeroes
 * *out. */
void rpt_service_view_from_rule(const struct rule_service *r,
                                rpt_service_view *out);

/* A minimal built-in view of service id ("zoom", "meet", "webex",
 * "teams": operator, official domains, media ports, nDPI names; no
 * prefixes - our map has them under the operator) for when the rules
 * directory has no service files.  Static storage; NULL when unknown. */
const rpt_service_view *rpt_service_view_builtin(const char *service_id);

/* One flow as party rules see it (caller-owned, only read).  cli is the
 * flow's client, srv its server as stored (src/dest); ports 0 when the
 * protocol has none; ipproto 6 TCP, 17 UDP, others as IANA numbers, 0
 * unknown; app/master: nDPI's names or NULL; names/sources as for
 * rpt_attrib_who() (the same arrays). */
typedef struct rpt_flow_view {
    int ipver;
    int ipproto;
    const uint8_t *cli_ip, *srv_ip;
    unsigned cli_port, srv_port;
    const char *app_proto, *master_proto;
    const char *const *names;
    const char *const *sources;
    int n_names;
} rpt_flow_view;

enum {
    RPT_PARTY_UNKNOWN,
    RPT_PARTY_FIRST,
    RPT_PARTY_SUPPORT,
    RPT_PARTY_PEER,
    RPT_PARTY_THIRD,
    RPT_PARTY_LOCAL,
    RPT_PARTY_COUNT
};

/* The party of flow f, whose far end who describes (rpt_attrib_who() on
 * the same names and the address rpt_flow_remote() gives), relative to
 * svc.  Returns RPT_PARTY_*; RPT_PARTY_UNKNOWN when any argument is NULL.
 * s may be NULL (no corporate families: only the operator itself). */
int rpt_party(const rpt_attrib_src *s, const rpt_service_view *svc,
              const rpt_flow_view *f, const rpt_who *who);

/* "first", "support", "peer", "third", "local", "unknown"; NULL when out
 * of range.  rpt_party_index() returns -1 for an unknown name. */
const char *rpt_party_name(int party);
int rpt_party_index(const char *name);

/* ---- addresses -------------------------------------------------------- */

enum {
    RPT_SCOPE_PUBLIC,
    RPT_SCOPE_PRIVATE,     /* RFC 1918, IPv6 ULA fc00::/7 */
    RPT_SCOPE_LOOPBACK,    /* 127/8, ::1 */
    RPT_SCOPE_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
    RPT_SCOPE_MULTICAST,   /* 224/4, ff00::/8 */
    RPT_SCOPE_BROADCAST,   /* 255.255.255.255 */
    RPT_SCOPE_UNSPECIFIED, /* 0.0.0.0/8, :: */
    RPT_SCOPE_RESERVED     /* CGN 100.64/10, documentation, 240/4, ... */
};

/* The scope of an address (ipver 4: 4 bytes, 6: 16 bytes; IPv4-mapped
 * IPv6 addresses as IPv4).  RPT_SCOPE_RESERVED for invalid arguments. */
int rpt_addr_scope(int ipver, const uint8_t *addr);

/* The far end of f: the server, unless the server's address is not public
 * and the client's is (an inbound flow, or roles guessed the other way
 * round), then the client.  Sets *ip (f's pointer) and *port (may be
 * NULL); returns 1 when the far end is f's client, 0 when its server. */
int rpt_flow_remote(const rpt_flow_view *f, const uint8_t **ip,
                    unsigned *port);

/* Non-zero when name is an IP literal ("52.114.250.152", "[2001:db8::1]:443",
 * with or without a port), which is never a host name. */
int rpt_name_is_ip_literal(const char *name);

/* Non-zero when the nDPI names denote media or its set-up: STUN, RTP,
 * RTCP, SRTP, DTLS (either may be NULL). */
int rpt_ndpi_is_media(const char *app_proto, const char *master_proto);

/* ---- shared by the exporters (report/endpoints_cmd.c) ----------------- */

/* The rules directory: dir when given, else the directory holding the
 * entities.yaml that cap_rules_path() finds.  Written into buf. */
void rpt_rules_dir_of(const char *dir, char *buf, size_t len);

struct rule_services;
/* The view of service id: from RDIR/services when those rules load, else
 * the built-in table (a warning on stderr).  *set receives the loaded rule
 * set (the view points into it: free it with rule_services_free() after
 * the last use of view; it may be NULL).  Returns 0, or -1 for an unknown
 * id. */
int rpt_service_view_load(const char *rdir, const rpt_attrib_src *src,
                          const char *id, struct rule_services **set,
                          rpt_service_view *view);

#endif
