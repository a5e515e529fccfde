/* ipinfo_csv.h - private to ipinfo.c: the ip-location-db ASN CSV loader
 * and the range tables it builds.  Not for other modules: use ipinfo.h.
 *
 * Ownership: a table owns its row array, a string set owns its pool; both
 * are caller-allocated structs zeroed before first use and released with
 * their _free function.  Rows refer to organisations by pool offset.
 */
#ifndef MEETAUDIT_IPINFO_CSV_H
#define MEETAUDIT_IPINFO_CSV_H

#include <stddef.h>
#include <stdint.h>

#define RPT_IPCSV_NO_ORG UINT32_MAX

/* Inclusive ranges, host order for IPv4, big-endian bytes for IPv6. */
typedef struct rpt_ipv4_range {
    uint32_t lo, hi, asn, org;
} rpt_ipv4_range;

typedef struct rpt_ipv6_range {
    uint8_t lo[16], hi[16];
    uint32_t asn, org;
} rpt_ipv6_range;

/* Interned organisation names: one NUL-terminated copy of each in pool,
 * found through an open-addressing table of pool offsets + 1 (0 = empty).
 * The table is only needed while loading. */
typedef struct rpt_ipcsv_strings {
    char *pool;
    size_t len, cap;
    uint32_t *slots;
    size_t nslots, count;
    size_t dropped; /* names not stored: pool limit reached */
} rpt_ipcsv_strings;

/* One address family's table: after a successful load the rows are sorted
 * by lo and pairwise disjoint. */
typedef struct rpt_ipcsv_table {
    int ipver;                 /* 4 or 6, set by the caller */
    rpt_ipv4_range *v4;        /* ipver 4 */
    rpt_ipv6_range *v6;        /* ipver 6 */
    size_t n, cap;
    size_t lines;              /* lines read */
    size_t malformed;          /* lines skipped */
    size_t first_bad_line;     /* 1-based, 0 when none */
    size_t overlaps;           /* rows overlapping an earlier one */
    size_t dropped;            /* rows past RPT_IPINFO_MAX_ROWS */
} rpt_ipcsv_table;

/* Load the CSV file at path into t (t->ipver set, the rest zero).
 * Returns 1 when the file was read (even if every line was malformed),
 * 0 when it does not exist, -1 when it cannot be read (message in err),
 * -2 when memory ran out (t is then freed). */
int rpt_ipcsv_load(const char *path, rpt_ipcsv_table *t,
                   rpt_ipcsv_strings *s, char *err, size_t errlen);

/* Release the lookup-time-only part of s (the hash table). */
void rpt_ipcsv_strings_done(rpt_ipcsv_strings *s);
void rpt_ipcsv_strings_free(rpt_ipcsv_strings *s);
void rpt_ipcsv_table_free(rpt_ipcsv_table *t);

/* The row containing addr, or NULL. */
const rpt_ipv4_range *rpt_ipcsv_find4(const rpt_ipcsv_table *t,
                                      uint32_t addr);
const rpt_ipv6_range *rpt_ipcsv_find6(const rpt_ipcsv_table *t,
                                      const uint8_t addr[16]);

#endif
