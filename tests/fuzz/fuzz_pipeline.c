/* fuzz_pipeline.c - libFuzzer harness: one capture's frames through the whole
 * per-packet pipeline (dis_decode -> flow table with nDPI -> our TLS, DNS
 * and HTTP dissectors) and the flow sink's readers, as capture/analyze.c
 * drives them.
 *
 * Input format (tests/fuzz/mkseeds.py writes seeds in it):
 *   byte 0      link type: index into LINKS[] (modulo its size)
 *   byte 1      options: bits 0-2 pick max_flows from MAXF[]; bit 3 stores
 *               every flow into an in-memory evidence store (report/store.c);
 *               bits 4-5 start the clock at 2020-09-13 (0), or at the ends
 *               of the range capture/pcapin.c clamps timestamps to:
 *               +1e18 us less the longest input (1), -1e18 us (2), 0 (3)
 *   then records, until the input ends:
 *     len(2, big-endian) dt(1) frame(len bytes; fewer at the very end)
 *   dt advances the capture clock by dt seconds, so idle expiry (UDP 60 s,
 *   closed TCP 10 s, TCP 300 s) and eviction by the flow cap are reachable.
 *
 * Invariants: each frame is copied into its own exact-size heap block that
 * is freed right after dis_flowtab_packet() returns, so ASan reports both a
 * read past the frame and any pointer into it kept beyond the call.  nDPI's
 * detection module is set up once (as in one meetaudit run); everything else
 * is created and freed per input, so LeakSanitizer sees per-input leaks.
 *
 * SQLite's memory (speed): opening a store runs the whole schema and
 * prepares every statement, about 5,000 SQLite allocations; through ASan's
 * allocator that was over half of this harness's time.  SQLite is given
 * its own allocator here (sqlite3_config(SQLITE_CONFIG_MALLOC) before its
 * first use): blocks are recycled from per-size free lists, first in first
 * out, and the ASan checks are kept by hand: a live block is addressable
 * for exactly the bytes asked for with at least 16 poisoned bytes after
 * them and its header before them, a free block is poisoned whole, so a
 * read past a string SQLite returned or a use after sqlite3_finalize()/
 * sqlite3_close() is still reported.  LeakSanitizer cannot see blocks the
 * pool holds, so the harness counts them instead: every block SQLite
 * allocated while handling an input must be freed by rpt_store_close()
 * (a statement left unfinalized keeps the connection and its blocks).
 * The pool has no lock: libFuzzer calls the harness from one thread and
 * nothing here starts another.
 *
 * fuzz-options: -max_len=16384
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/applayer.h"
#include "dissect/classify.h"
#include "dissect/decode.h"
#include "dissect/flow.h"
#include "report/store.h"

#include <pcap/dlt.h>
#include <sanitizer/asan_interface.h>
#include <sqlite3.h>

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

#define MAX_FRAMES 4096

static const int LINKS[] = {
    DLT_EN10MB, DLT_RAW, 12, 14, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL,
    DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP, DLT_PPP, DLT_PPP_SERIAL,
    DLT_PPP_ETHER, DLT_C_HDLC, DLT_IEEE802_11 /* unsupported */,
};
#define NLINKS (sizeof(LINKS) / sizeof(LINKS[0]))
static const size_t MAXF[8] = { 1, 2, 3, 8, 64, 1024, 100000, 1000000 };

static dis_classifier *cls;

/* ---- SQLite's allocator: size-class free lists with manual poisoning ---- */

#define SQ_MIN_SHIFT 5  /* smallest class: 32 bytes */
#define SQ_CLASSES 13   /* up to 128 KiB; larger blocks go to malloc() */
#define SQ_REDZONE 16   /* poisoned bytes after every block, at least */

typedef struct sq_hdr {
    struct sq_hdr *next; /* free-list link, while free */
    uint32_t cls;        /* class, or SQ_CLASSES for a plain malloc block */
    uint32_t n;          /* bytes asked for */
} sq_hdr;                /* 16 bytes: the block after it stays 16-aligned */

static struct {
    sq_hdr *head, *tail;
} sq_free[SQ_CLASSES];
static long long sq_live; /* blocks handed to SQLite and not yet freed */
/* Every pool block ever made: LeakSanitizer does not follow pointers
 * stored in poisoned memory (the free-list links), so this keeps the free
 * blocks reachable; they are reused, never returned. */
static sq_hdr **sq_all;
static size_t sq_nall, sq_capall;

/* The allocator is harness plumbing, not code under test: no coverage
 * feedback from it (it would only add noise and time). */
#define SQ_FN __attribute__((no_sanitize("coverage")))

/* build.sh always builds with ASan; without it the poisoning is a no-op. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQ_POISONED(p) __asan_address_is_poisoned(p)
#endif
#endif
#ifndef SQ_POISONED
#define SQ_POISONED(p) 0
#endif

SQ_FN static size_t sq_size(uint32_t cls)
{
    return (size_t)1 << (cls + SQ_MIN_SHIFT);
}

SQ_FN static void *sq_malloc(int n)
{
    if (n <= 0)
        n = 1;
    /* smallest class with room for n bytes and the red zone */
    size_t need = (size_t)n + SQ_REDZONE - 1;
    int bits = need >> SQ_MIN_SHIFT ? 64 - __builtin_clzll(need) : 0;
    uint32_t c = bits > SQ_MIN_SHIFT ? (uint32_t)(bits - SQ_MIN_SHIFT)
                                     : 0;
    if (c > SQ_CLASSES)
        c = SQ_CLASSES;
    size_t cap = c < SQ_CLASSES ? sq_size(c) : (size_t)n + SQ_REDZONE;
    sq_hdr *h = c < SQ_CLASSES ? sq_free[c].head : NULL;
    if (h) {
        ASAN_UNPOISON_MEMORY_REGION(h, sizeof(*h));
        sq_free[c].head = h->next;
        if (!sq_free[c].head)
            sq_free[c].tail = NULL;
    } else {
        if (c < SQ_CLASSES && sq_nall == sq_capall) {
            size_t nc = sq_capall ? 2 * sq_capall : 1024;
            sq_hdr **v = realloc(sq_all, nc * sizeof(*v));
            if (!v)
                return NULL;
            sq_all = v;
            sq_capall = nc;
        }
        h = malloc(sizeof(*h) + cap);
        if (!h)
            return NULL;
        if (c < SQ_CLASSES)
            sq_all[sq_nall++] = h;
    }
    h->next = NULL;
    h->cls = c;
    h->n = (uint32_t)n;
    sq_live++;
    ASAN_POISON_MEMORY_REGION(h, sizeof(*h) + cap);
    ASAN_UNPOISON_MEMORY_REGION(h + 1, (size_t)n);
    return h + 1;
}

SQ_FN static sq_hdr *sq_head(void *p)
{
    sq_hdr *h = (sq_hdr *)p - 1;
    ASAN_UNPOISON_MEMORY_REGION(h, sizeof(*h));
    return h;
}

SQ_FN static void sq_release(void *p)
{
    if (!p)
        return;
    if (SQ_POISONED(p)) {
        fprintf(stderr, "fuzz_pipeline: SQLite freed a block twice\n");
        abort();
    }
    sq_hdr *h = sq_head(p);
    uint32_t c = h->cls;
    sq_live--;
    if (c >= SQ_CLASSES) {
        free(h); /* ASan's own allocator from here on */
        return;
    }
    h->next = NULL;
    ASAN_POISON_MEMORY_REGION(h, sizeof(*h) + sq_size(c));
    if (sq_free[c].tail) {
        ASAN_UNPOISON_MEMORY_REGION(sq_free[c].tail, sizeof(sq_hdr));
        sq_free[c].tail->next = h;
        ASAN_POISON_MEMORY_REGION(sq_free[c].tail, sizeof(sq_hdr));
    } else {
        sq_free[c].head = h;
    }
    sq_free[c].tail = h;
}

SQ_FN static int sq_blksize(void *p)
{
    if (!p)
        return 0;
    sq_hdr *h = sq_head(p);
    int n = (int)h->n;
    ASAN_POISON_MEMORY_REGION(h, sizeof(*h));
    return n;
}

SQ_FN static void *sq_realloc(void *p, int n)
{
    if (!p)
        return sq_malloc(n);
    void *q = sq_malloc(n);
    if (!q)
        return NULL;
    int old = sq_blksize(p);
    memcpy(q, p, (size_t)(old < n ? old : n));
    sq_release(p);
    return q;
}

SQ_FN static int sq_roundup(int n)
{
    return n; /* no slack: SQLite may use exactly what it asked for */
}

static int sq_init(void *x)
{
    (void)x;
    return SQLITE_OK;
}

static void sq_shutdown(void *x)
{
    (void)x;
}

static const sqlite3_mem_methods SQ_METHODS = {
    sq_malloc, sq_release, sq_realloc, sq_blksize,
    sq_roundup, sq_init, sq_shutdown, NULL,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512];
    const char *rules = getenv("MEETAUDIT_RULES");
    char path[4096];
    snprintf(path, sizeof(path), "%s/ndpi/protos.txt",
             rules ? rules : FUZZ_ROOT "/rules");
    FILE *fp = fopen(path, "r");
    if (fp)
        fclose(fp);
    cls = dis_classifier_new(fp ? path : NULL, err, sizeof(err));
    if (!cls) {
        fprintf(stderr, "fuzz_pipeline: %s\n", err);
        abort();
    }
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &SQ_METHODS) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
        fprintf(stderr, "fuzz_pipeline: SQLite already initialised\n");
        abort();
    }
    /* SQLite's one-time process state (mutexes, built-in functions) is
     * allocated by its first use, not per input: do that use here. */
    rpt_store *st;
    if (rpt_store_open(":memory:", &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_pipeline: %s\n", err);
        abort();
    }
    rpt_store_close(st);
    return 0;
}

typedef struct sink_ctx {
    rpt_store *st;
    int64_t input_id;
    uint64_t flows;
} sink_ctx;

/* Abort unless s is a string (not NULL) of fewer than cap bytes. */
static void check_name(const char *what, const char *s, size_t cap)
{
    if (!s || strnlen(s, cap) >= cap) {
        fprintf(stderr, "fuzz: %s is NULL or not shorter than %zu\n", what,
                cap);
        abort();
    }
}

/* Everything analyze's sink and the exporters read from a leaving flow. */
static int sink(void *ctx, dis_flow *f)
{
    sink_ctx *c = ctx;
    char buf[DIS_DNS_NAME_MAX], cid[64], risks[4096], a[64], b[64], l4[16];
    const char *src;
    c->flows++;
    const char *h = dis_flow_hostname(f, &src, buf, sizeof(buf));
    if (h && (!src || strlen(h) >= sizeof(buf)))
        abort();
    rpt_community_id(f, cid, sizeof(cid));
    dis_classify_risks_json(f->risk, risks, sizeof(risks));
    fz_check_str(risks, sizeof(risks));
    dis_addr_str(f->ipver, f->cli_ip, a, sizeof(a));
    dis_addr_str(f->ipver, f->srv_ip, b, sizeof(b));
    dis_l4_name(f->l4, l4, sizeof(l4));
    /* nDPI's names (borrowed, never NULL) within the buffers the records
     * had before they pointed at nDPI's strings, so stored values cannot
     * have changed; the owned copies within their bound. */
    check_name("app_proto", f->app_proto, 64);
    check_name("master_proto", f->master_proto, 64);
    check_name("category", f->category, 64);
    check_name("confidence", f->confidence, 48);
    check_name("quic_sni", f->quic_sni, 256);
    check_name("ndpi_host", f->ndpi_host, 256);
    if (f->dns) {
        if (f->dns->have_query)
            check_name("dns query", f->dns->query, DIS_DNS_NAME_MAX);
        for (int i = 0; i < f->dns->n_ans && i < DIS_FLOW_MAX_DNS_ANS; i++) {
            check_name("answer query", f->dns->ans[i].query, DIS_DNS_NAME_MAX);
            check_name("answer name", f->dns->ans[i].name, DIS_DNS_NAME_MAX);
            check_name("answer data", f->dns->ans[i].data, DIS_DNS_NAME_MAX);
        }
    }
    if (f->tls) {
        const dis_tls_info *ti = dis_tls_get(f->tls);
        char v[16], cn[64];
        fz_check_str(ti->sni, DIS_TLS_SNI_MAX);
        fz_check_str(ti->ja3_raw, DIS_TLS_JA3_RAW_MAX);
        fz_check_str(ti->ja3s_raw, DIS_TLS_JA3S_RAW_MAX);
        dis_tls_version_name(ti->version, v, sizeof(v));
        dis_tls_cipher_name(ti->cipher, cn, sizeof(cn));
        if (ti->n_certs < 0 || ti->n_certs > DIS_TLS_MAX_CERTS ||
            ti->n_alpn < 0 || ti->n_alpn > DIS_TLS_MAX_ALPN)
            abort();
    }
    if (f->dns && (f->dns->n_ans < 0 || f->dns->n_ans > DIS_FLOW_MAX_DNS_ANS))
        abort();
    if (f->n_http < 0 || f->n_http > DIS_FLOW_MAX_HTTP)
        abort();
    if (c->st)
        return rpt_store_flow(c->st, c->input_id, f);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_cur in;
    uint8_t li, opt;
    fz_init(&in, data, size);
    if (!fz_u8(&in, &li) || !fz_u8(&in, &opt))
        return 0;
    int dlt = LINKS[li % NLINKS];

    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    fo.max_flows = MAXF[opt & 7];

    sink_ctx sc = { NULL, 0, 0 };
    char err[256];
    long long sq_before = sq_live;
    if (opt & 8) {
        if (rpt_store_open(":memory:", &sc.st, err, sizeof(err)) != 0)
            abort();
        rpt_input_meta m = { "fuzz", "fuzz", (int64_t)size,
                             "0000000000000000000000000000000000000000000000"
                             "000000000000000000",
                             dlt, "fuzz", "pcap" };
        if (rpt_store_input_begin(sc.st, &m, &sc.input_id) != 0)
            abort();
    }
    dis_flowtab *ft = dis_flowtab_new(&fo, cls, sink, &sc);
    if (!ft)
        abort();

    static const int64_t T0[4] = { 1600000000LL * 1000000,
                                   1000000000000000000LL -
                                       255LL * MAX_FRAMES * 1000000,
                                   -1000000000000000000LL, 0 };
    int64_t ts = T0[(opt >> 4) & 3];
    uint64_t frame = 0;
    uint16_t len;
    uint8_t dt;
    while (frame < MAX_FRAMES && fz_be16(&in, &len) && fz_u8(&in, &dt)) {
        size_t got;
        const uint8_t *raw = fz_take(&in, len, &got);
        uint8_t *pkt = fz_dup(raw, got);
        dis_pkt p;
        ts += (int64_t)dt * 1000000;
        p.frame = ++frame;
        p.ts_us = ts;
        int d = dis_decode(dlt, pkt, got, &p);
        p.wirelen = (uint32_t)got;
        if (d == DIS_OK) {
            if (p.ip_caplen > got || p.payload_len > got ||
                (p.payload && (p.payload < pkt ||
                               p.payload + p.payload_len > pkt + got)))
                abort(); /* decoder pointers must stay inside the frame */
            if (dis_flowtab_packet(ft, &p) != 0) {
                free(pkt);
                break;
            }
        }
        free(pkt);
    }
    dis_flowtab_flush_all(ft, "eof");
    dis_flow_stats fs;
    dis_flowtab_stats(ft, &fs);
    if (fs.flows != sc.flows) /* every created flow reached the sink */
        abort();
    dis_flowtab_free(ft);
    if (sc.st) {
        rpt_input_end e;
        memset(&e, 0, sizeof(e));
        e.status = "complete";
        e.flows = fs.flows;
        e.evicted = fs.evicted;
        rpt_store_input_end(sc.st, sc.input_id, &e);
        rpt_store_close(sc.st);
    }
    if (sq_live != sq_before) {
        fprintf(stderr, "fuzz_pipeline: %lld SQLite blocks not freed after "
                "rpt_store_close\n", sq_live - sq_before);
        abort();
    }
    return 0;
}
