/* ipinfo.c - ASN, AS organisation and country of server addresses, from
 * the optional ip-location-db datasets (CSV for ASN, MMDB for country).
 * Addresses: RFC 791, RFC 4291 (IPv4-mapped IPv6, section 2.5.5.2).
 *
 * Design
 * ------
 * Attribution asks about a few hundred to tens of thousands of distinct
 * server addresses per evidence database, in no useful order, and the same
 * handle may serve several databases.  Two designs were possible:
 *
 *   (a) load the CSV once into compact sorted arrays and binary-search
 *       each address (log2(412k) = 19 steps, a few hundred ns);
 *   (b) a batch API that takes a sorted set of addresses and streams the
 *       CSV once, holding nothing.
 *
 * (a) is used.  Its cost is fixed and small: with the 2026 files, 412k
 * IPv4 rows x 16 bytes + 103k IPv6 rows x 40 bytes + 3.2 MB of distinct
 * organisation names = 12.8 MB, loaded in about 0.3 s of CPU (0.6 s wall
 * on a small VM; the time goes into reading 30 MB of text, which (b) would
 * pay on every batch too).  A lookup then costs about 0.4 us.
 * (b) would force every caller to collect and sort its addresses first and
 * to re-read the files for each new batch; (a) answers one address at a
 * time from any number of threads.  The bound: rows are capped at
 * RPT_IPINFO_MAX_ROWS per family and names at RPT_IPINFO_MAX_POOL, so the
 * worst case is 2M x 16 + 2M x 40 + 32 MB = 144 MB (plus, only while
 * loading a file whose rows overlap, a transient 3x of that family's rows).
 *
 * Country lookups go to libmaxminddb on a memory-mapped file: no copy is
 * made and the kernel pages in only the parts of the tree that are used.
 *
 * Invariants
 * ----------
 * - Opening never fails because of the data: each dataset is either in
 *   use or absent/unusable with a reason in the status text.
 * - Tables are sorted and disjoint (ipinfo_csv.c), so a lookup is exact:
 *   the one row containing the address or none.
 * - After open nothing is written: lookups are safe from many threads.
 */
#define _DEFAULT_SOURCE
#include "ipinfo.h"

#include "datadir.h"
#include "ipinfo_csv.h"

#include <arpa/inet.h>
#include <limits.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define STATUS_MAX 4096

enum { DS_ABSENT, DS_LOADED, DS_UNUSABLE };

/* One dataset file: which path, and what became of it. */
typedef struct ds_file {
    int state;
    char path[PATH_MAX];
    char why[256]; /* DS_UNUSABLE: the reason */
} ds_file;

struct rpt_ipinfo {
    char dir[PATH_MAX];
    rpt_ipcsv_strings orgs;
    rpt_ipcsv_table t4, t6;
    ds_file f4, f6, fc;
    MMDB_s mmdb;
    int mmdb_open;
    char status[STATUS_MAX];
};

/* dir/name into buf; -1 (buf "") when it does not fit. */
static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
    int k = snprintf(buf, len, "%s/%s", dir, name);
    if (k < 0 || (size_t)k >= len) {
        buf[0] = 0;
        return -1;
    }
    return 0;
}

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* Load the first of names that exists into t.  Returns 0, or -2 when
 * memory ran out (message in err). */
static int load_family(rpt_ipinfo *h, rpt_ipcsv_table *t, ds_file *df,
                       const char *const *names, size_t nnames, char *err,
                       size_t errlen)
{
    path_join(df->path, sizeof(df->path), h->dir, names[0]);
    df->state = DS_ABSENT;
    for (size_t i = 0; i < nnames; i++) {
        char path[PATH_MAX];
        if (path_join(path, sizeof(path), h->dir, names[i]) < 0 ||
            !file_exists(path))
            continue;
        memcpy(df->path, path, sizeof(df->path));
        int rc = rpt_ipcsv_load(path, t, &h->orgs, df->why,
                                sizeof(df->why));
        if (rc == -2) {
            snprintf(err, errlen, "%s", df->why);
            return -2;
        }
        if (rc == 1)
            df->state = DS_LOADED;
        else if (rc == -1)
            df->state = DS_UNUSABLE;
        else
            continue; /* vanished between stat and open */
        return 0;
    }
    return 0;
}

static void open_country(rpt_ipinfo *h)
{
    ds_file *df = &h->fc;
    df->state = DS_ABSENT;
    if (path_join(df->path, sizeof(df->path), h->dir,
                  RPT_IPINFO_COUNTRY_FILE) < 0 ||
        !file_exists(df->path))
        return;
    int rc = MMDB_open(df->path, MMDB_MODE_MMAP, &h->mmdb);
    if (rc != MMDB_SUCCESS) {
        df->state = DS_UNUSABLE;
        snprintf(df->why, sizeof(df->why), "%s", MMDB_strerror(rc));
        return;
    }
    h->mmdb_open = 1;
    df->state = DS_LOADED;
}

/* Append printf-style text to the status buffer (silently truncated). */
static void st_add(rpt_ipinfo *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void st_add(rpt_ipinfo *h, const char *fmt, ...)
{
    size_t used = strlen(h->status);
    if (used + 1 >= sizeof(h->status))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->status + used, sizeof(h->status) - used, fmt, ap);
    va_end(ap);
}

/* " (@pkg version" for file, or " (version unknown: no VERSIONS entry". */
static void st_version(rpt_ipinfo *h, const char *path)
{
    char pkg[128], ver[64];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (rpt_data_version(h->dir, base, pkg, sizeof(pkg), ver,
                         sizeof(ver)) == 0)
        st_add(h, " (%s %s", pkg, ver);
    else
        st_add(h, " (version unknown: no entry in %s/VERSIONS", h->dir);
}

static void st_table(rpt_ipinfo *h, const char *name, const ds_file *df,
                     const rpt_ipcsv_table *t)
{
    const char *base = strrchr(df->path, '/');
    base = base ? base + 1 : df->path;
    if (df->state == DS_UNUSABLE) {
        st_add(h, "; %s unusable: %s", name, df->why);
        return;
    }
    if (df->state == DS_ABSENT) {
        st_add(h, "; %s: not installed", name);
        return;
    }
    if (t->malformed)
        st_add(h, "; %s: %zu malformed line%s skipped, first %s:%zu", name,
               t->malformed, t->malformed == 1 ? "" : "s", base,
               t->first_bad_line);
    if (t->overlaps)
        st_add(h, "; %s: %zu overlapping range%s resolved", name,
               t->overlaps, t->overlaps == 1 ? "" : "s");
    if (t->dropped)
        st_add(h, "; %s: %zu rows past the limit of %u ignored", name,
               t->dropped, RPT_IPINFO_MAX_ROWS);
}

static void build_status(rpt_ipinfo *h)
{
    h->status[0] = 0;
    /* ASN line */
    if (h->f4.state == DS_ABSENT && h->f6.state == DS_ABSENT) {
        st_add(h, "ASN data: not installed (no %s): run `make data`",
               h->f4.path);
    } else {
        const ds_file *first = h->f4.state != DS_ABSENT ? &h->f4 : &h->f6;
        st_add(h, "ASN data: ");
        if (h->f4.state != DS_ABSENT)
            st_add(h, "%s", h->f4.path);
        if (h->f4.state != DS_ABSENT && h->f6.state != DS_ABSENT)
            st_add(h, ", ");
        if (h->f6.state != DS_ABSENT)
            st_add(h, "%s", h->f6.path);
        st_version(h, first->path);
        st_add(h, "; %zu IPv4 + %zu IPv6 ranges", h->t4.n, h->t6.n);
        st_table(h, "IPv4", &h->f4, &h->t4);
        st_table(h, "IPv6", &h->f6, &h->t6);
        if (h->orgs.dropped)
            st_add(h, "; %zu AS names past the %u-byte limit dropped",
                   h->orgs.dropped, RPT_IPINFO_MAX_POOL);
        st_add(h, ")");
    }
    /* Country line */
    if (h->fc.state == DS_ABSENT) {
        st_add(h, "\nCountry data: not installed (no %s): run `make data`",
               h->fc.path);
    } else if (h->fc.state == DS_UNUSABLE) {
        st_add(h, "\nCountry data: %s unusable (%s): run "
               "`make data DATA_FORCE=1`", h->fc.path, h->fc.why);
    } else {
        st_add(h, "\nCountry data: %s", h->fc.path);
        st_version(h, h->fc.path);
        time_t built = (time_t)h->mmdb.metadata.build_epoch;
        struct tm tm;
        char day[16] = "?";
        if (gmtime_r(&built, &tm))
            strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        st_add(h, "; built %s)", day);
    }
}

rpt_ipinfo *rpt_ipinfo_open(const char *datadir, char *err, size_t errlen)
{
    static const char *const n4[] = RPT_IPINFO_ASN4_FILES;
    static const char *const n6[] = RPT_IPINFO_ASN6_FILES;
    rpt_ipinfo *h = calloc(1, sizeof(*h));

    if (errlen)
        err[0] = 0;
    if (!h) {
        snprintf(err, errlen, "ipinfo: out of memory");
        return NULL;
    }
    h->t4.ipver = 4;
    h->t6.ipver = 6;
    if (rpt_data_dir(datadir, h->dir, sizeof(h->dir)) < 0)
        snprintf(h->dir, sizeof(h->dir), "data"); /* too long: use default */
    if (load_family(h, &h->t4, &h->f4, n4, sizeof(n4) / sizeof(n4[0]), err,
                    errlen) < 0 ||
        load_family(h, &h->t6, &h->f6, n6, sizeof(n6) / sizeof(n6[0]), err,
                    errlen) < 0)
        goto fail;
    rpt_ipcsv_strings_done(&h->orgs);
    open_country(h);
    build_status(h);
    return h;
fail:
    rpt_ipinfo_free(h);
    return NULL;
}

void rpt_ipinfo_free(rpt_ipinfo *h)
{
    if (!h)
        return;
    rpt_ipcsv_table_free(&h->t4);
    rpt_ipcsv_table_free(&h->t6);
    rpt_ipcsv_strings_free(&h->orgs);
    if (h->mmdb_open)
        MMDB_close(&h->mmdb);
    free(h);
}

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2) */
static int v4_mapped(const uint8_t *a)
{
    static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(a, pfx, 12) == 0;
}

/* Special-purpose addresses that no dataset can place (RFC 6890 and the
 * IANA special-purpose registries): "this network", private (RFC 1918),
 * shared CGN space (RFC 6598), loopback, link-local, IETF protocol
 * assignments, documentation (RFC 5737, RFC 3849), benchmarking
 * (RFC 2544), multicast, reserved and broadcast; IPv6 unspecified,
 * loopback, discard-only (RFC 6666), unique local (RFC 4193), link-local
 * and multicast.  The country file places some of them (192.168.1.1 was
 * "AU" in the 2026-06 data), so they are answered "unknown" up front. */
static int special(int ipver, const uint8_t *a)
{
    if (ipver == 4) {
        uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
                     (uint32_t)a[2] << 8 | a[3];
        static const struct { uint32_t net; int len; } nets[] = {
            { 0x00000000u, 8 },  { 0x0a000000u, 8 },  { 0x64400000u, 10 },
            { 0x7f000000u, 8 },  { 0xa9fe0000u, 16 }, { 0xac100000u, 12 },
            { 0xc0000000u, 24 }, { 0xc0000200u, 24 }, { 0xc0a80000u, 16 },
            { 0xc6120000u, 15 }, { 0xc6336400u, 24 }, { 0xcb007100u, 24 },
            { 0xe0000000u, 4 },  { 0xf0000000u, 4 },
        };
        for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
            uint32_t mask = 0xffffffffu << (32 - nets[i].len);
            if ((v & mask) == nets[i].net)
                return 1;
        }
        return 0;
    }
    static const uint8_t zero[15] = { 0 };
    if (memcmp(a, zero, 15) == 0 && a[15] <= 1)
        return 1;                                  /* ::, ::1 */
    if (a[0] == 0x01 && memcmp(a + 1, zero, 7) == 0)
        return 1;                                  /* 100::/64 */
    if ((a[0] & 0xfe) == 0xfc)
        return 1;                                  /* fc00::/7 */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return 1;                                  /* fe80::/10 */
    if (a[0] == 0xff)
        return 1;                                  /* ff00::/8 */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return 1;                                  /* 2001:db8::/32 */
    return 0;
}

int rpt_ipinfo_asn(const rpt_ipinfo *h, int ipver, const uint8_t *addr,
                   uint32_t *asn, const char **as_org)
{
    uint32_t a = 0, o = RPT_IPCSV_NO_ORG;

    if (asn)
        *asn = 0;
    if (as_org)
        *as_org = NULL;
    if ((ipver != 4 && ipver != 6) || !addr)
        return -1;
    if (!h)
        return 0;
    if (ipver == 6 && v4_mapped(addr)) {
        ipver = 4;
        addr += 12;
    }
    if (special(ipver, addr))
        return 0;
    if (ipver == 4) {
        uint32_t v = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
                     (uint32_t)addr[2] << 8 | addr[3];
        const rpt_ipv4_range *r = rpt_ipcsv_find4(&h->t4, v);
        if (r) {
            a = r->asn;
            o = r->org;
        }
    } else {
        const rpt_ipv6_range *r = rpt_ipcsv_find6(&h->t6, addr);
        if (r) {
            a = r->asn;
            o = r->org;
        }
    }
    if (a == 0) /* AS 0: not routed (RFC 7607) */
        return 0;
    if (asn)
        *asn = a;
    if (as_org && o != RPT_IPCSV_NO_ORG)
        *as_org = h->orgs.pool + o;
    return 1;
}

/* Copy a 2-letter upper-case code from an MMDB string; 0 if it is not. */
static int take_cc(const MMDB_entry_data_s *d, char cc[3])
{
    if (!d->has_data || d->type != MMDB_DATA_TYPE_UTF8_STRING ||
        d->data_size != 2)
        return 0;
    const char *s = d->utf8_string;
    if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return 0;
    cc[0] = s[0];
    cc[1] = s[1];
    cc[2] = 0;
    return 1;
}

int rpt_ipinfo_country(const rpt_ipinfo *h, int ipver, const uint8_t *addr,
                       char cc[3])
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const struct sockaddr *sa;
    int mmerr = MMDB_SUCCESS;

    if (cc)
        cc[0] = 0;
    if ((ipver != 4 && ipver != 6) || !addr || !cc)
        return -1;
    if (!h || !h->mmdb_open)
        return 0;
    if (ipver == 6 && v4_mapped(addr)) {
        ipver = 4;
        addr += 12;
    }
    if (special(ipver, addr))
        return 0;
    if (ipver == 4) {
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        memcpy(&sin.sin_addr, addr, 4);
        sa = (const struct sockaddr *)&sin;
    } else {
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        memcpy(&sin6.sin6_addr, addr, 16);
        sa = (const struct sockaddr *)&sin6;
    }
    /* The MMDB_s is only read by lookups (libmaxminddb documents lookups
     * on one handle as thread-safe); its API takes a non-const pointer. */
    MMDB_s *db = (MMDB_s *)&h->mmdb;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, sa, &mmerr);
    if (mmerr != MMDB_SUCCESS || !r.found_entry)
        return 0;
    MMDB_entry_data_s d;
    /* ip-location-db: {country_code}; MaxMind-style: {country:{iso_code}} */
    if (MMDB_get_value(&r.entry, &d, "country_code", NULL) == MMDB_SUCCESS &&
        take_cc(&d, cc))
        return 1;
    if (MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL) ==
            MMDB_SUCCESS &&
        take_cc(&d, cc))
        return 1;
    return 0;
}

unsigned rpt_ipinfo_have(const rpt_ipinfo *h)
{
    unsigned m = 0;
    if (!h)
        return 0;
    if (h->f4.state == DS_LOADED && h->t4.n)
        m |= RPT_IPINFO_ASN4;
    if (h->f6.state == DS_LOADED && h->t6.n)
        m |= RPT_IPINFO_ASN6;
    if (h->mmdb_open)
        m |= RPT_IPINFO_COUNTRY;
    return m;
}

const char *rpt_ipinfo_status(const rpt_ipinfo *h)
{
    return h ? h->status
             : "ASN data: not loaded\nCountry data: not loaded";
}

void rpt_ipinfo_get_stats(const rpt_ipinfo *h, rpt_ipinfo_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!h)
        return;
    out->v4_ranges = h->t4.n;
    out->v6_ranges = h->t6.n;
    out->orgs = h->orgs.count;
    out->malformed = h->t4.malformed + h->t6.malformed;
    out->overlaps = h->t4.overlaps + h->t6.overlaps;
    out->dropped = h->t4.dropped + h->t6.dropped;
    out->bytes = h->t4.n * sizeof(rpt_ipv4_range) +
                 h->t6.n * sizeof(rpt_ipv6_range) + h->orgs.cap;
}
