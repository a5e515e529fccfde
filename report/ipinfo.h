/* ipinfo.h - autonomous system and country of an IP address, from the
 * optional datasets `make data` installs (README.md, "Data sources and
 * licences").
 *
 * ASN + AS organisation: ip-location-db "asn" CSV files (CC-BY-4.0:
 * RouteViews, DB-IP, NRO), rows "range_start,range_end,asn,organisation"
 * with inclusive ranges, read once by rpt_ipinfo_open() into sorted arrays.
 * Country: ip-location-db geo-whois-asn-country MMDB, read with
 * libmaxminddb (memory-mapped).
 *
 * Every dataset is optional.  A missing or unusable file is not an error:
 * the handle then answers "unknown" for it, and rpt_ipinfo_status() says
 * which datasets are absent and how to get them.
 *
 * Ownership: rpt_ipinfo_open() returns a handle the caller frees with
 * rpt_ipinfo_free(); every string the handle returns (AS organisations,
 * the status text) is owned by it and valid until then.  After open the
 * handle is read-only: lookups may run concurrently from several threads.
 */
#ifndef MEETAUDIT_IPINFO_H
#define MEETAUDIT_IPINFO_H

#include <stddef.h>
#include <stdint.h>

/* File names looked up in the data directory, first found wins. */
#define RPT_IPINFO_ASN4_FILES { "asn-ipv4-num.csv", "asn-ipv4.csv" }
#define RPT_IPINFO_ASN6_FILES { "asn-ipv6.csv", "asn-ipv6-num.csv" }
#define RPT_IPINFO_COUNTRY_FILE "geo-whois-asn-country.mmdb"

/* Bounds on what a CSV file may make us hold (see ipinfo.c).  Lines longer
 * than RPT_IPINFO_MAX_LINE bytes are malformed; rows past
 * RPT_IPINFO_MAX_ROWS per address family are ignored (and reported);
 * AS organisation text beyond RPT_IPINFO_MAX_POOL bytes in total is
 * dropped (the ASN is kept, the organisation becomes unknown). */
#define RPT_IPINFO_MAX_LINE 1024
#define RPT_IPINFO_MAX_ROWS (2u * 1000 * 1000)
#define RPT_IPINFO_MAX_POOL (32u * 1024 * 1024)

/* Bits of rpt_ipinfo_have(). */
#define RPT_IPINFO_ASN4 1u    /* an IPv4 ASN table is loaded */
#define RPT_IPINFO_ASN6 2u    /* an IPv6 ASN table is loaded */
#define RPT_IPINFO_COUNTRY 4u /* the country MMDB is open */

typedef struct rpt_ipinfo rpt_ipinfo;

/* What loading found, for status lines and tests. */
typedef struct rpt_ipinfo_stats {
    size_t v4_ranges, v6_ranges; /* rows in the lookup tables */
    size_t orgs;                 /* distinct AS organisation strings */
    size_t malformed;            /* CSV lines skipped, both files */
    size_t overlaps;             /* rows that overlapped an earlier row */
    size_t dropped;              /* rows past RPT_IPINFO_MAX_ROWS */
    size_t bytes;                /* heap held by the tables and strings */
} rpt_ipinfo_stats;

/* Open the datasets in datadir (NULL: rpt_data_dir(NULL), i.e.
 * $MEETAUDIT_DATA or data/ beside the binary).  Missing, unreadable or
 * corrupt files are not errors (see rpt_ipinfo_status()).  Returns NULL
 * only when memory runs out, with a message in err.  Loading both ASN CSV
 * files takes about 0.3 s of CPU and 13 MB with the 2026 data. */
rpt_ipinfo *rpt_ipinfo_open(const char *datadir, char *err, size_t errlen);

/* Free the handle and everything it returned.  NULL is fine. */
void rpt_ipinfo_free(rpt_ipinfo *h);

/* The autonomous system announcing addr (ipver 4: 4 bytes, 6: 16 bytes,
 * network order; IPv4-mapped IPv6 addresses ::ffff:a.b.c.d are looked up
 * as IPv4).  Returns 1 and sets *asn (and *as_org, owned by h, NULL when
 * the data has no name) when found; 0 when unknown (no data, no covering
 * range, AS 0, or a special-purpose address: private, loopback,
 * link-local, CGN, documentation, multicast, reserved - see ipinfo.c),
 * setting *asn = 0 and *as_org = NULL; -1 when ipver or addr is invalid.
 * h may be NULL (unknown); asn and as_org may be NULL. */
int rpt_ipinfo_asn(const rpt_ipinfo *h, int ipver, const uint8_t *addr,
                   uint32_t *asn, const char **as_org);

/* The ISO 3166-1 alpha-2 country of addr, as in rpt_ipinfo_asn().  Returns
 * 1 and writes cc ("US"); 0 when unknown (cc = ""); -1 on invalid
 * arguments (cc = "" when cc is not NULL). */
int rpt_ipinfo_country(const rpt_ipinfo *h, int ipver, const uint8_t *addr,
                       char cc[3]);

/* RPT_IPINFO_* bits of the datasets in use (0 for NULL). */
unsigned rpt_ipinfo_have(const rpt_ipinfo *h);

/* Two lines (no trailing newline) for `analyze` and README, e.g.
 *   ASN data: data/asn-ipv4-num.csv, data/asn-ipv6.csv (@ip-location-db/asn
 *     2.3.2026061719; 411961 IPv4 + 103197 IPv6 ranges; IPv4: 1
 *     overlapping range resolved)
 *   Country data: not installed (no data/geo-whois-asn-country.mmdb):
 *     run `make data`
 * Malformed lines, overlaps and unusable files are mentioned.  Owned by h. */
const char *rpt_ipinfo_status(const rpt_ipinfo *h);

/* Fill *out with what loading found (zeros for NULL). */
void rpt_ipinfo_get_stats(const rpt_ipinfo *h, rpt_ipinfo_stats *out);

#endif
