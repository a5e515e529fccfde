/* liveview.c - the live counterparty table and log of `meetaudit capture`.
 *
 * Invariants
 * ----------
 * - A counterparty is keyed by the flow's host name (lower case) when the
 *   pipeline reported one, else by the server address; it belongs to one
 *   party for the whole run.  At most VIEW_MAX_CPTY counterparties are kept
 *   (a scan must not exhaust memory); later ones are counted in one
 *   overflow party.
 * - Bytes sent to a party = bytes the client sent in its ended flows plus,
 *   at drawing time, what its open flows have sent so far.  Open flows are
 *   tracked by pointer from SEEN to END, so the map holds at most the flow
 *   table's open flows.  A name a flow gets after it was reported does not
 *   move its bytes (the evidence store has the final name).
 * - The table fits the terminal: every line is cut to its width and at
 *   most its height minus a margin is drawn, so redrawing (cursor up, clear
 *   to end) always erases exactly what was drawn.
 */
#define _DEFAULT_SOURCE
#include "liveview.h"
#include "pipeline.h"

#include "../dissect/decode.h"
#include "../dissect/fnv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define VIEW_MAX_CPTY 100000
#define VIEW_NEW_SECONDS 10.0
#define VIEW_SAMPLE 80

typedef struct party {
    char *label;               /* the key: display name, then "\x1f" and the
                                  party name when a service is set */
    int role;                  /* RPT_PARTY_*, or -1 without a service */
    uint64_t bytes_done;       /* sent in ended flows */
    uint64_t bytes;            /* bytes_done + open flows, at draw time */
    uint64_t flows;
    uint32_t ncp;              /* counterparties */
    char sample[VIEW_SAMPLE];  /* the first counterparties, comma-separated */
    double first_seen;         /* monotonic seconds */
} party;

typedef struct cpty {
    char *key;
    uint32_t party;
} cpty;

/* index+1 per slot, 0 = empty; keys live in the arrays. */
typedef struct strmap {
    uint32_t *slot;
    size_t cap;
} strmap;

typedef struct fslot {
    const dis_flow *f;         /* NULL = empty */
    uint32_t party;
} fslot;

struct cap_view {
    FILE *out;
    int tty, quiet;
    const rpt_entities *ents;
    party *pt;
    size_t npt, cappt;
    cpty *cp;
    size_t ncp, capcp;
    strmap ptmap, cpmap;
    fslot *open;
    size_t nopen, capopen;
    int overflow_party;        /* -1 until needed */
    const rpt_attrib_src *src; /* with svc: party per counterparty */
    const rpt_service_view *svc;
    int drawn;                 /* lines on screen */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t str_hash(const char *s)
{
    return dis_fnv32(DIS_FNV32_INIT, s, strlen(s));
}

/* Find key; returns index or -1.  get(i) gives the key of index i. */
static long sm_find(const strmap *m, const char *key, const cap_view *v,
                    const char *(*get)(const cap_view *, size_t))
{
    if (!m->cap)
        return -1;
    size_t mask = m->cap - 1;
    for (size_t i = str_hash(key) & mask;; i = (i + 1) & mask) {
        if (!m->slot[i])
            return -1;
        if (!strcmp(get(v, m->slot[i] - 1), key))
            return (long)m->slot[i] - 1;
    }
}

/* Insert index idx (its key via get); n is the count after insertion. */
static int sm_add(strmap *m, size_t idx, size_t n, const cap_view *v,
                  const char *(*get)(const cap_view *, size_t))
{
    if (n * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        uint32_t *ns = calloc(nc, sizeof(*ns));
        if (!ns)
            return -1;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slot[i])
                continue;
            size_t j = str_hash(get(v, m->slot[i] - 1)) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = m->slot[i];
        }
        free(m->slot);
        m->slot = ns;
        m->cap = nc;
    }
    size_t j = str_hash(get(v, idx)) & (m->cap - 1);
    while (m->slot[j])
        j = (j + 1) & (m->cap - 1);
    m->slot[j] = (uint32_t)idx + 1;
    return 0;
}

static const char *pt_key(const cap_view *v, size_t i) { return v->pt[i].label; }
static const char *cp_key(const cap_view *v, size_t i) { return v->cp[i].key; }

static size_t ptr_hash(const dis_flow *f, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)f;
    x ^= x >> 17;
    x *= 0x9e3779b97f4a7c15ULL;
    return (size_t)(x >> 20) & (cap - 1);
}

static long open_find(const cap_view *v, const dis_flow *f)
{
    if (!v->capopen)
        return -1;
    size_t mask = v->capopen - 1;
    for (size_t i = ptr_hash(f, v->capopen);; i = (i + 1) & mask) {
        if (!v->open[i].f)
            return -1;
        if (v->open[i].f == f)
            return (long)i;
    }
}

static int open_add(cap_view *v, const dis_flow *f, uint32_t party)
{
    if ((v->nopen + 1) * 2 > v->capopen) {
        size_t nc = v->capopen ? v->capopen * 2 : 256;
        fslot *ns = calloc(nc, sizeof(*ns));
        if (!ns)
            return -1;
        for (size_t i = 0; i < v->capopen; i++) {
            if (!v->open[i].f)
                continue;
            size_t j = ptr_hash(v->open[i].f, nc);
            while (ns[j].f)
                j = (j + 1) & (nc - 1);
            ns[j] = v->open[i];
        }
        free(v->open);
        v->open = ns;
        v->capopen = nc;
    }
    size_t j = ptr_hash(f, v->capopen);
    while (v->open[j].f)
        j = (j + 1) & (v->capopen - 1);
    v->open[j].f = f;
    v->open[j].party = party;
    v->nopen++;
    return 0;
}

/* Linear probing deletion by shifting later entries back. */
static void open_del(cap_view *v, size_t i)
{
    size_t mask = v->capopen - 1;
    v->open[i].f = NULL;
    v->nopen--;
    for (size_t j = (i + 1) & mask; v->open[j].f; j = (j + 1) & mask) {
        size_t k = ptr_hash(v->open[j].f, v->capopen);
        int move = i <= j ? (k <= i || k > j) : (k <= i && k > j);
        if (move) {
            v->open[i] = v->open[j];
            v->open[j].f = NULL;
            i = j;
        }
    }
}

cap_view *cap_view_new(FILE *out, int tty, int quiet,
                       const rpt_entities *ents)
{
    cap_view *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->out = out;
    v->tty = tty;
    v->quiet = quiet;
    v->ents = ents;
    v->overflow_party = -1;
    return v;
}

void cap_view_set_service(cap_view *v, const rpt_attrib_src *src,
                          const rpt_service_view *svc)
{
    v->src = src;
    v->svc = src ? svc : NULL;
}

void cap_view_free(cap_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->npt; i++)
        free(v->pt[i].label);
    for (size_t i = 0; i < v->ncp; i++)
        free(v->cp[i].key);
    free(v->pt);
    free(v->cp);
    free(v->ptmap.slot);
    free(v->cpmap.slot);
    free(v->open);
    free(v);
}

/* The party index for label, created when new; -1 on allocation failure. */
static long party_get(cap_view *v, const char *label, int role)
{
    long i = sm_find(&v->ptmap, label, v, pt_key);
    if (i >= 0)
        return i;
    if (v->npt == v->cappt) {
        size_t nc = v->cappt ? v->cappt * 2 : 32;
        party *np = realloc(v->pt, nc * sizeof(*np));
        if (!np)
            return -1;
        v->pt = np;
        v->cappt = nc;
    }
    party *p = &v->pt[v->npt];
    memset(p, 0, sizeof(*p));
    p->label = strdup(label);
    if (!p->label)
        return -1;
    p->role = role;
    p->first_seen = mono();
    if (sm_add(&v->ptmap, v->npt, v->npt + 1, v, pt_key) != 0) {
        free(p->label);
        return -1;
    }
    return (long)v->npt++;
}

/* The party label of a new counterparty. */
static void party_label(const cap_view *v, const dis_flow *f,
                        const char *name, const char *addr, char *out,
                        size_t len)
{
    if (v->ents) {
        rpt_entity_match m = { 0 };
        if (name)
            m = rpt_entities_by_host(v->ents, name);
        if (!m.org)
            m = rpt_entities_by_ip(v->ents, f->ipver, f->srv_ip);
        if (m.org) {
            snprintf(out, len, "%s", rpt_org_name(m.org));
            return;
        }
    }
    if (name && rpt_registrable_domain(name, out, len) == 0)
        return;
    snprintf(out, len, "%s", name ? name : addr);
}

/* With a service: the organisation (or domain, or address) of f's far end
 * and its party relative to the service, as `endpoints` computes them. */
static int party_of(const cap_view *v, const dis_flow *f, const char *name,
                    const char *source, const char *addr, char *out,
                    size_t len)
{
    const char *names[1] = { name }, *sources[1] = { source };
    rpt_flow_view fv = {
        .ipver = f->ipver, .ipproto = f->l4, .cli_ip = f->cli_ip,
        .srv_ip = f->srv_ip, .cli_port = f->cli_port,
        .srv_port = f->srv_port,
        .app_proto = f->app_proto[0] ? f->app_proto : NULL,
        .master_proto = f->master_proto[0] ? f->master_proto : NULL,
        .names = names, .sources = sources, .n_names = name ? 1 : 0,
    };
    const uint8_t *far = NULL;
    rpt_flow_remote(&fv, &far, NULL);
    rpt_who who;
    rpt_attrib_who(v->src, names, sources, fv.n_names, f->ipver, far, &who);
    if (who.org[0])
        snprintf(out, len, "%s", who.org);
    else if (who.domain[0])
        snprintf(out, len, "%s", who.domain);
    else
        snprintf(out, len, "%s", name ? name : addr);
    return rpt_party(v->src, v->svc, &fv, &who);
}

/* The display part of a party key. */
static int label_len(const char *label)
{
    const char *sep = strchr(label, '\x1f');
    return sep ? (int)(sep - label) : (int)strlen(label);
}

static void log_new(cap_view *v, const dis_flow *f, const char *key,
                    const char *label, int role, const char *source)
{
    char ts[32], cli[64], srv[64], l4b[16];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    dis_addr_str(f->ipver, f->cli_ip, cli, sizeof(cli));
    dis_addr_str(f->ipver, f->srv_ip, srv, sizeof(srv));
    const char *l4 = dis_l4_name(f->l4, l4b, sizeof(l4b));
    int v6 = f->ipver == 6, ll = label_len(label);
    int same = (size_t)ll == strlen(key) && !strncmp(key, label, (size_t)ll);
    fprintf(v->out, "%s counterparty %s%s%.*s%s%s%s %s%s: %s %s%s%s%u -> %s%s%s%u\n",
            ts, key, same ? "" : " [", same ? 0 : ll, label, same ? "" : "]",
            role >= 0 ? " party " : "", role >= 0 ? rpt_party_name(role) : "",
            source ? "via " : "(no name)", source ? source : "", l4,
            v6 ? "[" : "", cli, v6 ? "]:" : ":", (unsigned)f->cli_port,
            v6 ? "[" : "", srv, v6 ? "]:" : ":", (unsigned)f->srv_port);
    fflush(v->out);
}

/* The party of f's counterparty (created and announced when new); -1 when
 * memory ran out. */
static long identify(cap_view *v, const dis_flow *f, const char *name,
                     const char *source)
{
    char addr[64], key[DIS_DNS_NAME_MAX], label[DIS_DNS_NAME_MAX];
    dis_addr_str(f->ipver, f->srv_ip, addr, sizeof(addr));
    if (name) {
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof(key); i++)
            key[i] = (char)tolower((unsigned char)name[i]);
        key[i] = 0;
    } else {
        snprintf(key, sizeof(key), "%s", addr);
    }
    long c = sm_find(&v->cpmap, key, v, cp_key);
    if (c >= 0)
        return v->cp[c].party;
    if (v->ncp >= VIEW_MAX_CPTY) {
        if (v->overflow_party < 0)
            v->overflow_party =
                (int)party_get(v, "(more counterparties, not listed)", -1);
        return v->overflow_party;
    }
    int role = -1;
    if (v->svc) {
        char org[DIS_DNS_NAME_MAX];
        role = party_of(v, f, name ? key : NULL, source, addr, org,
                        sizeof(org));
        snprintf(label, sizeof(label), "%.200s\x1f%s", org,
                 rpt_party_name(role) ? rpt_party_name(role) : "unknown");
    } else {
        party_label(v, f, name ? key : NULL, addr, label, sizeof(label));
    }
    long p = party_get(v, label, role);
    if (p < 0)
        return -1;
    if (v->ncp == v->capcp) {
        size_t nc = v->capcp ? v->capcp * 2 : 64;
        cpty *ncp = realloc(v->cp, nc * sizeof(*ncp));
        if (!ncp)
            return -1;
        v->cp = ncp;
        v->capcp = nc;
    }
    v->cp[v->ncp].key = strdup(key);
    v->cp[v->ncp].party = (uint32_t)p;
    if (!v->cp[v->ncp].key ||
        sm_add(&v->cpmap, v->ncp, v->ncp + 1, v, cp_key) != 0) {
        free(v->cp[v->ncp].key);
        return -1;
    }
    v->ncp++;
    party *pp = &v->pt[p];
    pp->ncp++;
    size_t sl = strlen(pp->sample);
    int full = sl >= 3 && !strcmp(pp->sample + sl - 3, "...");
    if (!full && sl + strlen(key) + 8 < sizeof(pp->sample))
        snprintf(pp->sample + sl, sizeof(pp->sample) - sl, "%s%s",
                 sl ? ", " : "", key);
    else if (!full)
        snprintf(pp->sample + sl, sizeof(pp->sample) - sl, ", ...");
    if (!v->quiet && !v->tty)
        log_new(v, f, key, label, role, source);
    return p;
}

void cap_view_flow(void *ctx, int event, const dis_flow *f, const char *name,
                   const char *source)
{
    cap_view *v = ctx;
    if (event == CAP_FLOW_SEEN) {
        long p = identify(v, f, name, source);
        if (p < 0)
            return;
        v->pt[p].flows++;
        open_add(v, f, (uint32_t)p); /* on failure: counted at END */
        return;
    }
    long i = open_find(v, f);
    long p;
    if (i >= 0) {
        p = v->open[i].party;
        open_del(v, (size_t)i);
    } else {
        p = identify(v, f, name, source);
        if (p < 0)
            return;
        v->pt[p].flows++;
    }
    v->pt[p].bytes_done += f->d[0].bytes;
}

uint64_t cap_view_counterparties(const cap_view *v) { return v->ncp; }
uint64_t cap_view_parties(const cap_view *v) { return v->npt; }

static void fmt_bytes(uint64_t b, char *out, size_t len)
{
    if (b < 1000)
        snprintf(out, len, "%llu B", (unsigned long long)b);
    else if (b < 1000000)
        snprintf(out, len, "%.1f kB", b / 1e3);
    else if (b < 1000000000)
        snprintf(out, len, "%.1f MB", b / 1e6);
    else
        snprintf(out, len, "%.2f GB", b / 1e9);
}

typedef struct ordent {
    int rank;                  /* party order; 0 without a service */
    uint64_t bytes;
    double first_seen;
    uint32_t i;
} ordent;

/* Display order of the parties: the service's own, then who it relies on,
 * then peers, then everybody else - third parties first among those. */
static int role_rank(int role)
{
    switch (role) {
    case RPT_PARTY_FIRST: return 0;
    case RPT_PARTY_SUPPORT: return 1;
    case RPT_PARTY_PEER: return 2;
    case RPT_PARTY_THIRD: return 3;
    case RPT_PARTY_UNKNOWN: return 4;
    case RPT_PARTY_LOCAL: return 5;
    default: return 6;
    }
}

/* By party, then most bytes first; ties by first seen. */
static int by_bytes(const void *a, const void *b)
{
    const ordent *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return x->first_seen < y->first_seen ? -1 : x->first_seen > y->first_seen;
}

/* One line cut to cols characters (ASCII assumed for the cut). */
static void put_line(cap_view *v, const char *s, int cols, int bold)
{
    fprintf(v->out, "%s%.*s%s\n", bold ? "\033[1;33m" : "", cols, s,
            bold ? "\033[0m" : "");
}

/* Draw header and parties; returns the number of lines written. */
static int draw(cap_view *v, const cap_view_status *st, int max_lines,
                int cols, int highlight)
{
    char line[512], sent[32];
    unsigned el = (unsigned)(st->elapsed > 0 ? st->elapsed : 0);
    snprintf(line, sizeof(line),
             "%s%s%s %02u:%02u:%02u  packets %llu  kernel drops %llu  "
             "flows %llu (%llu open)  counterparties %llu",
             st->iface ? st->iface : "", st->file ? " -> " : "",
             st->file ? st->file : "", el / 3600, el / 60 % 60, el % 60,
             (unsigned long long)st->packets,
             (unsigned long long)st->kernel_drops,
             (unsigned long long)st->flows,
             (unsigned long long)st->open_flows,
             (unsigned long long)v->ncp);
    put_line(v, line, cols, 0);
    int n = 1;
    if (!v->npt)
        return n;
    for (size_t i = 0; i < v->npt; i++)
        v->pt[i].bytes = v->pt[i].bytes_done;
    for (size_t i = 0; i < v->capopen; i++)
        if (v->open[i].f)
            v->pt[v->open[i].party].bytes += v->open[i].f->d[0].bytes;
    ordent *ord = malloc(v->npt * sizeof(*ord));
    if (!ord)
        return n;
    for (size_t i = 0; i < v->npt; i++) {
        ord[i].rank = v->svc ? role_rank(v->pt[i].role) : 0;
        ord[i].bytes = v->pt[i].bytes;
        ord[i].first_seen = v->pt[i].first_seen;
        ord[i].i = (uint32_t)i;
    }
    qsort(ord, v->npt, sizeof(*ord), by_bytes);
    if (v->svc)
        snprintf(line, sizeof(line), "  %-8s %-34s %10s %6s  %s", "party",
                 "organisation", "sent", "flows", "counterparties");
    else
        snprintf(line, sizeof(line), "  %-34s %10s %6s  %s", "party",
                 "sent", "flows", "counterparties");
    put_line(v, line, cols, 0);
    n++;
    double now = mono();
    size_t shown = 0;
    for (size_t k = 0; k < v->npt && n < max_lines - 1; k++, shown++) {
        const party *p = &v->pt[ord[k].i];
        int fresh = highlight && now - p->first_seen < VIEW_NEW_SECONDS;
        /* With a service only new third (or unidentified) parties are
         * news; the service's own servers come and go all the time. */
        if (v->svc && p->role != RPT_PARTY_THIRD &&
            p->role != RPT_PARTY_UNKNOWN)
            fresh = 0;
        fmt_bytes(p->bytes, sent, sizeof(sent));
        int ll = label_len(p->label);
        if (v->svc)
            snprintf(line, sizeof(line), "%c %-8s %-34.*s %10s %6llu  %s",
                     fresh ? '+' : ' ',
                     p->role >= 0 && rpt_party_name(p->role)
                         ? rpt_party_name(p->role) : "",
                     ll > 34 ? 34 : ll, p->label, sent,
                     (unsigned long long)p->flows, p->sample);
        else
            snprintf(line, sizeof(line), "%c %-34.*s %10s %6llu  %s",
                     fresh ? '+' : ' ', ll > 34 ? 34 : ll, p->label, sent,
                     (unsigned long long)p->flows, p->sample);
        put_line(v, line, cols, fresh);
        n++;
    }
    if (shown < v->npt) {
        snprintf(line, sizeof(line), "  ... %zu more parties",
                 v->npt - shown);
        put_line(v, line, cols, 0);
        n++;
    }
    free(ord);
    return n;
}

static void term_size(int *rows, int *cols)
{
    struct winsize ws;
    *rows = 24;
    *cols = 100;
    if (ioctl(fileno(stderr), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4 &&
        ws.ws_col > 20) {
        *rows = ws.ws_row;
        *cols = ws.ws_col - 1;
    }
}

static void erase(cap_view *v)
{
    if (v->drawn)
        fprintf(v->out, "\r\033[%dA\033[J", v->drawn);
    v->drawn = 0;
}

void cap_view_tick(cap_view *v, const cap_view_status *st)
{
    if (v->quiet || !v->tty)
        return;
    int rows, cols;
    term_size(&rows, &cols);
    erase(v);
    v->drawn = draw(v, st, rows - 2, cols, 1);
    fflush(v->out);
}

void cap_view_clear(cap_view *v)
{
    if (v && v->tty && !v->quiet) {
        erase(v);
        fflush(v->out);
    }
}

void cap_view_finish(cap_view *v, const cap_view_status *st)
{
    if (v->quiet || !v->tty)
        return;
    erase(v);
    draw(v, st, 1000, 4096, 0); /* printed once: long lines may wrap */
    fflush(v->out);
}
