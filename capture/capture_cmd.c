/* capture_cmd.c - `meetaudit capture`: options, privilege order, summary.
 *
 * Invariants
 * ----------
 * - Usage errors (exit 2) are found before anything is opened.
 * - Order: load the rules (trusted data files: nDPI protocols, the
 *   organisation map); open and activate the device and set the filter
 *   (cap_live_open, with the starting privileges); drop to the -Z user
 *   (privdrop.c); check that the user can write every output; open the
 *   store; start the first file; only then read packets.  Nothing is
 *   written anywhere while privileged, and no packet is read.
 * - Exit status: 0 when the capture ran and everything was recorded (kernel
 *   drops are reported and stored, not an error), 1 when something failed
 *   (reported on stderr), 2 for usage errors, 130 after a second interrupt.
 */
#define _DEFAULT_SOURCE
#include "cli.h"
#include "live.h"
#include "liveview.h"
#include "privdrop.h"

#include "../dissect/classify.h"
#include "../dissect/decode.h"
#include "../report/attrib.h"
#include "../report/audit.h"
#include "../report/entities.h"
#include "../report/services.h"
#include "../report/store.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit capture -i IFACE -w FILE.pcap [-o EVIDENCE.db] "
            "[-f BPF]\n"
            "                         [-s SNAPLEN] [-B BUFFER_MB] "
            "[--no-promisc] [--no-immediate]\n"
            "                         [-Z USER]"
            " [-C MB] [-G SECONDS] [--duration S] [-c COUNT] [-q]\n"
            "                         [--service NAME] [--client IP]... "
            "[--context K=V]...\n"
            "                         [--canary K=V]... [--rules DIR] "
            "[--tcp-idle S]\n"
            "                         [--udp-idle S] [--max-flows N]\n"
            "       meetaudit capture -D\n");
}

/* A positive decimal number (fractions allowed) into *v; -1 if not. */
static int num(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return (*end || end == s || !(*v > 0) || *v > 1e12) ? -1 : 0;
}

static int bad(const char *opt, const char *arg, const char *why)
{
    fprintf(stderr, "meetaudit: capture: bad %s '%s'%s%s\n", opt, arg,
            why ? ": " : "", why ? why : "");
    return 2;
}

/* Parse argv into o.  Returns 0, or the exit status to return now (2 usage
 * error, 0 for --help, -1 for -D). */
static int parse(int argc, char **argv, cap_live_opts *o, const char **user,
                 const char **rules)
{
    static const struct option lo[] = {
        { "interface", required_argument, NULL, 'i' },
        { "list-interfaces", no_argument, NULL, 'D' },
        { "filter", required_argument, NULL, 'f' },
        { "snaplen", required_argument, NULL, 's' },
        { "buffer-size", required_argument, NULL, 'B' },
        { "no-promisc", no_argument, NULL, 'p' },
        { "no-immediate", no_argument, NULL, 'I' },
        { "write", required_argument, NULL, 'w' },
        { "output", required_argument, NULL, 'o' },
        { "duration", required_argument, NULL, 'd' },
        { "count", required_argument, NULL, 'c' },
        { "user", required_argument, NULL, 'Z' },
        { "quiet", no_argument, NULL, 'q' },
        { "rules", required_argument, NULL, 'R' },
        { "tcp-idle", required_argument, NULL, 'T' },
        { "udp-idle", required_argument, NULL, 'U' },
        { "max-flows", required_argument, NULL, 'M' },
        { "service", required_argument, NULL, 1 },
        { "client", required_argument, NULL, 2 },
        { "context", required_argument, NULL, 3 },
        { "canary", required_argument, NULL, 4 },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, list = 0, have_service = 0;
    double v;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:Df:s:B:pw:o:C:G:c:Z:qh", lo,
                            NULL)) != -1) {
        switch (c) {
        case 'i': o->iface = optarg; break;
        case 'D': list = 1; break;
        case 'f': o->filter = optarg; break;
        case 's': {
            long n = strtol(optarg, &end, 10);
            if (*end || n < 64 || n > 262144)
                return bad("-s", optarg, "64 to 262144 bytes");
            o->snaplen = (int)n;
            break;
        }
        case 'B':
            if (num(optarg, &v) || v > 2047)
                return bad("-B", optarg, "MiB, more than 0 and at most 2047");
            o->buffer_mb = v;
            break;
        case 'p': o->promisc = 0; break;
        case 'I': o->immediate = 0; break;
        case 'w': o->wfile = optarg; break;
        case 'o': o->db = optarg; break;
        case 'C':
            if (num(optarg, &v))
                return bad("-C", optarg, "millions of bytes");
            o->rotate_mb = v;
            break;
        case 'G':
            if (num(optarg, &v))
                return bad("-G", optarg, "seconds");
            o->rotate_s = v;
            break;
        case 'd':
            if (num(optarg, &v))
                return bad("--duration", optarg, "seconds");
            o->duration = v;
            break;
        case 'c': {
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || n == 0 || optarg[0] == '-')
                return bad("-c", optarg, NULL);
            o->count = n;
            break;
        }
        case 'Z': *user = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'R': *rules = optarg; break;
        case 'T':
        case 'U':
            if (num(optarg, &v)) {
                fprintf(stderr, "meetaudit: bad timeout '%s'\n", optarg);
                return 2;
            }
            if (c == 'T')
                o->fo.tcp_idle_us = (int64_t)(v * 1e6);
            else
                o->fo.udp_idle_us = (int64_t)(v * 1e6);
            break;
        case 'M': {
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*end || n == 0 || optarg[0] == '-') {
                fprintf(stderr, "meetaudit: bad --max-flows '%s'\n", optarg);
                return 2;
            }
            o->fo.max_flows = (size_t)n;
            break;
        }
        case 1: case 2: case 3: case 4: {
            static const char *const names[] = { "service", "client",
                                                 "context", "canary" };
            const char *name = names[c - 1];
            if (c == 1 && have_service++)
                return bad("--service", optarg, "given twice");
            if (c == 2) {
                unsigned char buf[16];
                if (inet_pton(AF_INET, optarg, buf) != 1 &&
                    inet_pton(AF_INET6, optarg, buf) != 1)
                    return bad("--client", optarg, "not an IPv4 or IPv6 "
                                                   "address");
            }
            if ((c == 3 || c == 4) &&
                (!strchr(optarg, '=') || optarg[0] == '='))
                return bad(c == 3 ? "--context" : "--canary", optarg,
                           "expected KEY=VALUE");
            if (c == 1 && !optarg[0])
                return bad("--service", optarg, "empty");
            if (o->naudit >= CAP_MAX_AUDIT_OPTS)
                return bad(name, optarg, "too many audit options");
            o->audit[o->naudit].option = name;
            o->audit[o->naudit].value = optarg;
            o->naudit++;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "meetaudit: capture: unexpected argument '%s' (give "
                        "a filter with -f)\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (list)
        return -1;
    if (!o->iface || !o->wfile) {
        fprintf(stderr, "meetaudit: capture needs %s\n",
                !o->iface ? "-i IFACE (`meetaudit capture -D` lists them)"
                          : "-w FILE.pcap: the evidence database points to "
                            "the packets by the SHA-256 of the written file");
        usage(stderr);
        return 2;
    }
    return 0;
}

static dis_classifier *load_classifier(const char *rules)
{
    char err[512], protos[4096];
    if (cap_rules_path(rules, "ndpi/protos.txt", protos, sizeof(protos)) == 0) {
        dis_classifier *cls = dis_classifier_new(protos, err, sizeof(err));
        if (!cls)
            fprintf(stderr, "meetaudit: %s\n", err);
        return cls;
    }
    fprintf(stderr,
            "meetaudit: warning: rules/ndpi/protos.txt not found (looked in "
            "%s); classifying with nDPI's built-in protocols only (no Google "
            "Meet rules)\n",
            protos);
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    if (!cls)
        fprintf(stderr, "meetaudit: %s\n", err);
    return cls;
}

/* The organisation map for the live view, or NULL (with a notice). */
static rpt_entities *load_entities(const char *rules, int quiet)
{
    char path[4096], err[512];
    rpt_entities *ents = NULL;
    if (cap_rules_path(rules, "entities.yaml", path, sizeof(path)) != 0) {
        if (!quiet)
            fprintf(stderr, "meetaudit: note: %s not found; the live view "
                            "groups counterparties by domain\n", path);
        return NULL;
    }
    if (rpt_entities_load(path, &ents, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: warning: %s; the live view groups "
                        "counterparties by domain\n", err);
        return NULL;
    }
    return ents;
}

/* The --service value, or NULL. */
static const char *service_of(const cap_live_opts *o)
{
    for (int i = 0; i < o->naudit; i++)
        if (!strcmp(o->audit[i].option, "service"))
            return o->audit[i].value;
    return NULL;
}

/* With --service (other than "auto"): the attribution sources and the
 * service's recognise lists, so the live view can group counterparties by
 * party.  Loaded before privileges are dropped, like the other rules.
 * Returns 0 (with *src NULL when there is nothing to group by), or -1
 * for an unknown service. */
static int load_service(const char *rules, const char *service, int quiet,
                        rpt_attrib_src **src, rule_services **set,
                        rpt_service_view *view)
{
    *src = NULL;
    *set = NULL;
    if (!service || !strcmp(service, "auto"))
        return 0;
    char rdir[4096], err[512];
    rpt_rules_dir_of(rules, rdir, sizeof(rdir));
    *src = rpt_attrib_open(rdir, NULL, err, sizeof(err));
    if (!*src) {
        if (!quiet)
            fprintf(stderr, "meetaudit: warning: %s; the live view does not "
                            "group counterparties by party\n", err);
        return 0;
    }
    if (rpt_service_view_load(rdir, *src, service, set, view) != 0) {
        fprintf(stderr, "meetaudit: capture: unknown service '%s' (zoom, "
                        "meet, webex, teams or auto)\n", service);
        rpt_attrib_free(*src);
        *src = NULL;
        return -1;
    }
    return 0;
}

/* With --service: the audit of the files this run wrote, exactly as
 * `meetaudit audit --service ... DB` with the same options would run it on
 * them (same engine, same inputs), then its summary.  The store must be
 * closed (everything committed) before.  Returns 0, or 1 after a message. */
static int audit_on_stop(const cap_live_opts *o, const char *rules,
                         const cap_live_totals *t)
{
    const char *service = service_of(o);
    if (!service) {
        if (!o->quiet)
            fprintf(stderr, "meetaudit: no --service: no audit (run `meetaudit "
                            "audit --service S %s` to audit this capture)\n",
                    o->db);
        return 0;
    }
    if (!t->n_inputs) {
        fprintf(stderr, "meetaudit: nothing was recorded: no audit\n");
        return 0;
    }
    const char *clients[CAP_MAX_AUDIT_OPTS];
    const char *ck[CAP_MAX_AUDIT_OPTS], *cv[CAP_MAX_AUDIT_OPTS];
    const char *nk[CAP_MAX_AUDIT_OPTS], *nv[CAP_MAX_AUDIT_OPTS];
    char kv[CAP_MAX_AUDIT_OPTS][512];
    size_t ncl = 0, nctx = 0, ncan = 0;
    for (int i = 0; i < o->naudit; i++) {
        const cap_audit_opt *a = &o->audit[i];
        if (!strcmp(a->option, "client")) {
            clients[ncl++] = a->value;
            continue;
        }
        int ctx = !strcmp(a->option, "context");
        if (!ctx && strcmp(a->option, "canary"))
            continue;
        /* "K=V" split into a copy (the option text is argv's). */
        snprintf(kv[i], sizeof(kv[i]), "%s", a->value);
        char *eq = strchr(kv[i], '=');
        if (!eq)
            continue;
        *eq = 0;
        if (ctx) {
            ck[nctx] = kv[i];
            cv[nctx++] = eq + 1;
        } else {
            nk[ncan] = kv[i];
            nv[ncan++] = eq + 1;
        }
    }
    char rdir[4096], err[1024];
    rpt_rules_dir_of(rules, rdir, sizeof(rdir));
    rpt_audit_opts ao = {
        .service = service, .rules_dir = rdir,
        .clients = clients, .n_clients = ncl,
        .ctx_keys = ck, .ctx_values = cv, .n_ctx = nctx,
        .canary_names = nk, .canary_values = nv, .n_canaries = ncan,
        .input_ids = t->input_ids, .n_inputs = t->n_inputs,
    };
    int64_t run = 0;
    if (rpt_audit_run(o->db, &ao, &run, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: audit: %s (the capture and its evidence "
                        "are kept: `meetaudit audit` can run on %s later)\n",
                err, o->db);
        return 1;
    }
    if (!o->quiet && rpt_audit_summary(o->db, run, stdout, err,
                                       sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: audit: %s\n", err);
        return 1;
    }
    return 0;
}

/* Outputs the capturing user must be able to write, checked before the
 * capture starts. */
static int check_outputs(const cap_live_opts *o, cap_live *L,
                         const cap_identity *id)
{
    char err[1024], side[4096];
    static const char *const sfx[] = { "-wal", "-shm", "-journal" };
    if (cap_check_output(o->db, "evidence database", 0, id, err,
                         sizeof(err)) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        snprintf(side, sizeof(side), "%s%s", o->db, sfx[i]);
        if (access(side, F_OK) == 0 &&
            cap_check_output(side, "evidence database file", 0, id, err,
                             sizeof(err)) != 0)
            goto fail;
    }
    if (cap_check_output(o->wfile, "capture file", 1, id, err,
                         sizeof(err)) != 0 ||
        cap_live_check_names(L, err, sizeof(err)) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "meetaudit: %s\n", err);
    return -1;
}

int cap_cmd_capture(int argc, char **argv)
{
    cap_live_opts o;
    memset(&o, 0, sizeof(o));
    o.snaplen = 262144;
    o.promisc = 1;
    o.immediate = 1;
    o.buffer_mb = 32;
    o.db = "evidence.db";
    dis_flow_opts_default(&o.fo);
    const char *user = NULL, *rules = NULL;
    int rc = parse(argc, argv, &o, &user, &rules);
    if (rc == -1)
        return cap_live_list_devices();
    if (rc || (!o.iface && !o.wfile))
        return rc;

    char err[1024];
    int ret = 1;
    cap_live *L = NULL;
    dis_classifier *cls = NULL;
    rpt_entities *ents = NULL;
    rpt_store *st = NULL;
    cap_view *view = NULL;
    cap_identity id;
    rpt_attrib_src *src = NULL;
    rule_services *svcset = NULL;
    rpt_service_view svc;
    memset(&svc, 0, sizeof(svc));

    cls = load_classifier(rules);
    if (!cls)
        return 1;
    if (load_service(rules, service_of(&o), o.quiet, &src, &svcset,
                     &svc) != 0) {
        ret = 2;
        goto out;
    }
    if (!src)
        ents = load_entities(rules, o.quiet);
    L = cap_live_open(&o, err, sizeof(err));
    if (!L) {
        fprintf(stderr, "meetaudit: %s\n", err);
        goto out;
    }
    if (cap_privdrop(user, &id, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: cannot drop privileges: %s\n", err);
        goto out;
    }
    int dlt = cap_live_dlt(L);
    if (!dis_link_supported(dlt))
        fprintf(stderr, "meetaudit: %s: link type %s is not decoded; its "
                "packets are written and counted as skipped\n", o.iface,
                pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt)
                                               : "unknown");
    if (check_outputs(&o, L, &id) != 0)
        goto out;
    if (rpt_store_open(o.db, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", o.db, err);
        goto out;
    }
    view = cap_view_new(stderr, isatty(STDERR_FILENO), o.quiet,
                        src ? rpt_attrib_entities(src) : ents);
    if (!view) {
        fprintf(stderr, "meetaudit: out of memory\n");
        goto out;
    }
    cap_view_set_service(view, src, &svc);
    cap_live_signals(L);
    if (cap_live_start(L, st, cls, view, &id) != 0)
        goto out;
    if (!o.quiet)
        fprintf(stderr, "meetaudit: capturing on %s (link type %s, snapshot "
                "length %d bytes) as %s (uid %u, gid %u) into %s and %s\n",
                o.iface, pcap_datalink_val_to_name(dlt)
                    ? pcap_datalink_val_to_name(dlt) : "unknown",
                o.snaplen, id.name, (unsigned)id.uid, (unsigned)id.gid,
                o.wfile, o.db);
    cap_live_run(L);
    cap_live_totals t;
    ret = cap_live_finish(L, &t) ? 1 : 0;
    if (!o.quiet)
        fprintf(stderr,
                "meetaudit: capture stopped (%s) after %.1f s: %llu packets "
                "captured in %u file%s, %llu flows, %llu counterparties\n",
                t.stop_reason, t.seconds, (unsigned long long)t.packets,
                t.files, t.files == 1 ? "" : "s",
                (unsigned long long)t.flows,
                (unsigned long long)cap_view_counterparties(view));
    if (!o.quiet || t.ps_drop || t.ps_ifdrop)
        fprintf(stderr,
                "meetaudit: kernel: %llu packets received by the filter, "
                "%llu dropped by the kernel, %llu dropped by the interface\n",
                (unsigned long long)t.ps_recv, (unsigned long long)t.ps_drop,
                (unsigned long long)t.ps_ifdrop);
    if (t.ps_drop || t.ps_ifdrop)
        fprintf(stderr, "meetaudit: warning: %llu packets were dropped "
                "before meetaudit saw them: the capture is incomplete (a "
                "larger -B buffer or a narrower -f filter may help)\n",
                (unsigned long long)(t.ps_drop + t.ps_ifdrop));
    rpt_store_close(st);
    st = NULL;
    if (!t.failed && audit_on_stop(&o, rules, &t) != 0)
        ret = 1;
out:
    cap_live_free(L);
    rpt_store_close(st);
    cap_view_free(view);
    rpt_entities_free(ents);
    rule_services_free(svcset);
    rpt_attrib_free(src);
    dis_classifier_free(cls);
    return ret;
}
