/* fuzz_entities.c - libFuzzer harness: the rules YAML loaders.
 * report/yamldoc.c (libyaml events -> a bounded tree), report/entities*.c
 * (rules/entities.yaml: organisations, domains, prefixes, ASNs) and, when
 * present, report/services*.c (rules/services/<service>.yaml).
 *
 * fuzz-requires: report/entities.c report/yamldoc.c
 * fuzz-options: -max_len=131072 -dict=tests/fuzz/yaml.dict
 *
 * Input format: byte 0 picks the loader (bits 0-1: 0 the YAML tree alone,
 * 1 entities, 2 services checked against no organisations, 3 services
 * checked against rules/entities.yaml loaded once at start-up; bits 2-3
 * pick the service file name zoom/meet/webex/teams, which the service
 * loader requires to match the id), the rest is the file's text.
 * tests/fuzz/mkseeds.py seeds it with rules/entities.yaml and
 * rules/services/ (all four loaders) and a few small documents.
 *
 * Files are written under a private directory in /dev/shm (or /tmp) and
 * loaded by path, as meetaudit loads them.  Checks: every tree node's
 * string is terminated with len == strlen, nesting and item counts within
 * the limits given, positions 1-based; every problem message is a
 * terminated string naming the file; a loaded entity map answers lookups
 * (host, IP, ASN, id, family, root) for odd inputs without crashing, and
 * every organisation it lists is found again by its id.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "report/entities.h"
#include "report/yamldoc.h"
#if __has_include("report/services.h")
#include "report/services.h"
#define HAVE_SERVICES 1
#endif

#include <unistd.h>

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static void cleanup(void)
{
    rmdir(dir);
}
static rpt_entities *real_ents;
static const char *const SVC[4] = { "zoom", "meet", "webex", "teams" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof(dir), "%s/meetaudit-fuzz-yaml.XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    char err[512], path[4096];
    snprintf(path, sizeof(path), "%s/rules/entities.yaml", FUZZ_ROOT);
    if (rpt_entities_load(path, &real_ents, err, sizeof(err)) != 0)
        real_ents = NULL; /* the services mode then runs without ids */
    return 0;
}

static void check_node(const rpt_ynode *n, int depth, const rpt_ydoc_limits *l)
{
    if (!n)
        abort();
    if (depth > l->max_depth + 1 || n->line < 1 || n->col < 1)
        abort();
    switch (n->kind) {
    case RPT_Y_SCALAR:
        if (!n->str || strlen(n->str) != n->len)
            abort();
        break;
    case RPT_Y_SEQ:
    case RPT_Y_MAP:
        if (n->n > l->max_items || (n->n && !n->items))
            abort();
        for (size_t i = 0; i < n->n * (n->kind == RPT_Y_MAP ? 2 : 1); i++)
            check_node(n->items[i], depth + 1, l);
        if (n->kind == RPT_Y_MAP)
            for (size_t i = 0; i < n->n; i++)
                if (n->items[2 * i]->kind != RPT_Y_SCALAR)
                    abort(); /* keys are scalars (yamldoc.h) */
        break;
    default:
        abort();
    }
}

typedef struct diag_ctx {
    const char *name;
    int n;
} diag_ctx;

static void diag(void *c, const char *msg)
{
    diag_ctx *d = c;
    d->n++;
    if (!msg || strlen(msg) > 65536 || !strstr(msg, d->name)) {
        fprintf(stderr, "fuzz_entities: bad problem message\n");
        abort();
    }
}

static void lookups(const rpt_entities *e)
{
    static const char *const hosts[] = {
        "", ".", "..", "a..b", "zoom.us", "x.zoom.us:443", "ZOOM.US.",
        "1.2.3.4", "[::1]", "::1", "*.example.com", "example.com.:",
        "xn--nxasmq6b.com", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w",
    };
    char longname[600];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
        (void)rpt_entities_by_host(e, hosts[i]);
    (void)rpt_entities_by_host(e, longname);
    static const uint8_t a4[][4] = { { 0, 0, 0, 0 }, { 255, 255, 255, 255 },
                                     { 10, 1, 2, 3 }, { 52, 202, 62, 238 } };
    for (size_t i = 0; i < 4; i++)
        (void)rpt_entities_by_ip(e, 4, a4[i]);
    uint8_t a6[16];
    memset(a6, 0, sizeof(a6));
    (void)rpt_entities_by_ip(e, 6, a6);
    memset(a6, 0xff, sizeof(a6));
    (void)rpt_entities_by_ip(e, 6, a6);
    (void)rpt_entities_by_asn(e, 0);
    (void)rpt_entities_by_asn(e, 4294967295u);
    size_t n = rpt_entities_count(e);
    for (size_t i = 0; i < n; i++) {
        const rpt_org *o = rpt_entities_at(e, i);
        if (!o || !rpt_org_id(o) || !rpt_org_name(o) ||
            rpt_entities_get(e, rpt_org_id(o)) != o || !rpt_entities_root(e, o))
            abort();
        char cats[512];
        rpt_categories_str(rpt_org_categories(o), cats, sizeof(cats));
        fz_check_str(cats, sizeof(cats));
        (void)rpt_entities_by_host(e, rpt_org_id(o));
        if (i)
            (void)rpt_entities_family(e, rpt_org_id(o),
                                      rpt_org_id(rpt_entities_at(e, i - 1)));
    }
    if (rpt_entities_at(e, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sel;
    fz_cur in;
    fz_init(&in, data, size);
    if (!fz_u8(&in, &sel))
        return 0;
    size_t n;
    const uint8_t *text = fz_take(&in, fz_left(&in), &n);
    char err[1024];

    if ((sel & 3) == 0) {
        const rpt_ydoc_limits lim = { RPT_ENT_MAX_FILE, RPT_ENT_MAX_DEPTH,
                                      RPT_ENT_MAX_ENTRIES };
        rpt_ydoc *d = NULL;
        char *buf = (char *)fz_dup(text, n);
        if (rpt_ydoc_parse("fuzz.yaml", buf, n, &lim, &d, err, sizeof(err)) ==
            0) {
            if (rpt_ydoc_root(d))
                check_node(rpt_ydoc_root(d), 0, &lim);
            (void)rpt_ynode_get(rpt_ydoc_root(d), "id");
        } else if (d || !memchr(err, 0, sizeof(err))) {
            abort();
        }
        rpt_ydoc_free(d);
        free(buf);
        return 0;
    }

    char path[512];
    const char *name = (sel & 3) == 1 ? "entities" : SVC[(sel >> 2) & 3];
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || (n && fwrite(text, 1, n, fp) != n) || fclose(fp) != 0)
        abort();
    diag_ctx dc = { name, 0 };
    if ((sel & 3) == 1) {
        rpt_entities *e = NULL;
        int problems = rpt_entities_load_diag(path, &e, diag, &dc);
        if (problems < 0 || (problems == 0) != (e != NULL) ||
            (problems > 0 && dc.n == 0))
            abort();
        if (e)
            lookups(e);
        rpt_entities_free(e);
    }
#ifdef HAVE_SERVICES
    else {
        rule_services *s = rule_services_create();
        if (!s)
            abort();
        int problems = rule_services_load_file(
            s, path, (sel & 3) == 3 ? real_ents : NULL, diag, &dc);
        if (problems < 0 || (problems > 0 && dc.n == 0))
            abort();
        size_t cnt = rule_services_count(s);
        for (size_t i = 0; i < cnt; i++) {
            const rule_service *v = rule_services_at(s, i);
            if (!v || !rule_service_id(v) || !rule_service_name(v) ||
                rule_services_get(s, rule_service_id(v)) != v)
                abort();
        }
        rule_services_free(s);
    }
#endif
    unlink(path);
    return 0;
}
