/* extract_cmd.c - `meetaudit extract`: an evidence pcap holding only the
 * packets behind a finding, a flow or an organisation, re-read from the
 * original inputs (verified by SHA-256, FIPS 180-4), plus the DNS packets
 * (RFC 1035) that resolved their names.
 *
 * Invariants
 * ----------
 * - Read-only on the evidence database (prepared SELECTs only) and on the
 *   inputs.  An input is used only when its SHA-256 equals inputs.sha256:
 *   candidates are the INPUT arguments, then inputs.path as stored, then
 *   (relative paths) that path and the bare file name beside the database.
 *   A changed or missing input is an error naming the file; nothing is
 *   written then.
 * - The frames are found by packets.c (same decoder and flow table as
 *   `analyze`, key + frame range: exact, see its essay).  Every flow must
 *   give back exactly pkts_toserver + pkts_toclient frames, else nothing is
 *   written: a mismatch would mean the evidence and the file disagree.
 * - DNS: dns_answers rows of the same input whose name, query or CNAME
 *   data is one of the flows' candidate names (flow_names, flows.hostname)
 *   or whose A/AAAA data is one of the flows' addresses; their response
 *   frames and the matching queries are added (not the whole DNS flow: a
 *   resolver flow may carry unrelated lookups).  --no-dns leaves them out.
 * - Output: frames in input order (inputs by id), then frame order, with
 *   their original bytes, lengths and timestamps (nanosecond pcap, so no
 *   resolution is lost).  One pcap file cannot mix link types: inputs of
 *   another link type go to OUT with ".<LINKTYPE>" inserted before the
 *   extension (out.pcap, out.LINUX_SLL.pcap); every file is listed.  No
 *   file is ever overwritten: all names are checked first and created
 *   with O_EXCL; on a failure the files this run created are removed.
 * - --filter prints, per input, the Wireshark display filter of the
 *   selected flows (dfilter.h) instead of writing packets.
 * - Which flows (finding, organisation, DNS answers): extract_sel.c.
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "dbutil.h"
#include "../capture/pcapin.h"
#include "dfilter.h"
#include "extract_int.h"
#include "packets.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ex_input {
    int64_t id;
    char name[PATH_MAX], sha[65], path[PATH_MAX];
    int linktype;
    rpt_pkt_sel sel;
    size_t flows, dns_frames;
    int out;             /* index into outputs */
} ex_input;

typedef struct ex_arg {  /* an INPUT argument and its hash */
    const char *path;
    char sha[65];
    int ok;
} ex_arg;

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit extract (--finding N | --flow N | --org NAME) "
            "-w OUT.pcap [--run N]\n"
            "                         [--no-dns] [--rules DIR] EVIDENCE.db "
            "[INPUT...]\n"
            "       meetaudit extract (--finding N | --flow N | --org NAME) "
            "--filter EVIDENCE.db\n"
            "  writes the packets of a finding's flows, a flow (repeatable) "
            "or an organisation's\n"
            "  flows, plus the DNS packets that resolved their names, "
            "re-read from the inputs\n"
            "  (checked by SHA-256; INPUT names a moved input file); OUT is "
            "never overwritten.\n"
            "  --filter prints the Wireshark display filter per input "
            "instead.\n");
}

static const char *col(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* Copy src into dst (truncated, NUL-terminated). */
static void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1)
        return -1;
    *out = v;
    return 0;
}

/* ---- inputs ---------------------------------------------------------- */

static int load_input(sqlite3 *db, ex_input *in)
{
    sqlite3_stmt *q = NULL;
    int ret = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT path, name, sha256, linktype FROM inputs "
                           "WHERE id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, in->id);
        if (sqlite3_step(q) == SQLITE_ROW && col(q, 0) && col(q, 2)) {
            snprintf(in->path, sizeof(in->path), "%s", col(q, 0));
            snprintf(in->name, sizeof(in->name), "%s",
                     col(q, 1) ? col(q, 1) : col(q, 0));
            snprintf(in->sha, sizeof(in->sha), "%s", col(q, 2));
            in->linktype = sqlite3_column_int(q, 3);
            ret = 0;
        }
    }
    sqlite3_finalize(q);
    if (ret)
        fprintf(stderr, "meetaudit: input %lld: not in the evidence "
                        "database\n", (long long)in->id);
    return ret;
}

/* Find the file of input in (by SHA-256): see the essay.  Writes the path
 * into in->path.  0, or -1 with the reason printed. */
static int locate_input(ex_input *in, const char *db_path, ex_arg *args,
                        int nargs)
{
    if (strlen(in->sha) != 64 || strspn(in->sha, "0123456789abcdef") != 64) {
        fprintf(stderr, "meetaudit: input %lld (%s) has no SHA-256 yet (%s): "
                        "is it still being captured?\n",
                (long long)in->id, in->name, in->sha);
        return -1;
    }
    for (int i = 0; i < nargs; i++)
        if (args[i].ok && !strcmp(args[i].sha, in->sha)) {
            snprintf(in->path, sizeof(in->path), "%s", args[i].path);
            return 0;
        }
    char cand[3][PATH_MAX];
    int nc = 0;
    snprintf(cand[nc++], PATH_MAX, "%s", in->path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", db_path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        if (in->path[0] != '/' &&
            snprintf(cand[nc], PATH_MAX, "%s/%s", dir, in->path) < PATH_MAX)
            nc++;
        const char *base = strrchr(in->name, '/');
        base = base ? base + 1 : in->name;
        if (snprintf(cand[nc], PATH_MAX, "%s/%s", dir, base) < PATH_MAX)
            nc++;
    }
    char changed[PATH_MAX] = "", now[65] = "", why[512] = "";
    for (int i = 0; i < nc; i++) {
        char sha[65], err[256];
        int64_t size;
        if (cap_sha256_file(cand[i], sha, &size, err, sizeof(err)) != 0) {
            if (!why[0])
                snprintf(why, sizeof(why), "%.300s: %.200s", cand[i], err);
            continue;
        }
        if (!strcmp(sha, in->sha)) {
            copy_str(in->path, sizeof(in->path), cand[i]);
            return 0;
        }
        if (!changed[0]) {
            copy_str(changed, sizeof(changed), cand[i]);
            snprintf(now, sizeof(now), "%s", sha);
        }
    }
    if (changed[0])
        fprintf(stderr,
                "meetaudit: input %lld (%s): %s has changed since it was "
                "analysed: its SHA-256 is %s, the evidence says %s\n",
                (long long)in->id, in->name, changed, now, in->sha);
    else
        fprintf(stderr,
                "meetaudit: input %lld (%s, SHA-256 %s) is missing: %s; "
                "give the file after EVIDENCE.db\n",
                (long long)in->id, in->name, in->sha,
                why[0] ? why : in->path);
    return -1;
}

/* ---- output files ---------------------------------------------------- */

/* OUT for the first link type, OUT with ".NAME" before the extension for
 * the others. */
static void out_name(const char *out, int first, int linktype, char *buf,
                     size_t len)
{
    if (first) {
        snprintf(buf, len, "%s", out);
        return;
    }
    const char *ln = pcap_datalink_val_to_name(linktype);
    char lt[64];
    if (ln)
        snprintf(lt, sizeof(lt), "%s", ln);
    else
        snprintf(lt, sizeof(lt), "DLT_%d", linktype);
    const char *slash = strrchr(out, '/');
    const char *dot = strrchr(out, '.');
    if (dot && (!slash || dot > slash + 1))
        snprintf(buf, len, "%.*s.%s%s", (int)(dot - out), out, lt, dot);
    else
        snprintf(buf, len, "%s.%s", out, lt);
}

typedef struct ex_out {
    char path[PATH_MAX + 80];
    int linktype, snaplen;
    FILE *fp;
    pcap_t *dead;
    pcap_dumper_t *d;
    uint64_t packets;
    int created;
} ex_out;

static int out_open(ex_out *o)
{
    int fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        fprintf(stderr, "meetaudit: %s: %s%s\n", o->path, strerror(errno),
                errno == EEXIST ? " (extract never overwrites a file)" : "");
        return -1;
    }
    o->created = 1;
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        close(fd);
        fprintf(stderr, "meetaudit: %s: %s\n", o->path, strerror(errno));
        return -1;
    }
    o->dead = pcap_open_dead_with_tstamp_precision(
        o->linktype, o->snaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (!o->dead || !(o->d = pcap_dump_fopen(o->dead, o->fp))) {
        fprintf(stderr, "meetaudit: %s: %s\n", o->path,
                o->dead ? pcap_geterr(o->dead) : "out of memory");
        return -1;
    }
    o->fp = NULL; /* owned by the dumper now */
    return 0;
}

static int out_close(ex_out *o)
{
    int rc = 0;
    if (o->d) {
        if (pcap_dump_flush(o->d) != 0)
            rc = -1;
        pcap_dump_close(o->d);
        o->d = NULL;
    }
    if (o->fp && fclose(o->fp) != 0)
        rc = -1;
    o->fp = NULL;
    if (o->dead)
        pcap_close(o->dead);
    o->dead = NULL;
    return rc;
}

/* ---- the command ----------------------------------------------------- */

static int cmp_input(const void *a, const void *b)
{
    const rpt_ex_flow *x = a, *y = b;
    if (x->input_id != y->input_id)
        return x->input_id < y->input_id ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int print_filters(sqlite3 *db, rpt_ex_set *s, ex_input *ins,
                         size_t nin)
{
    int64_t *ids = malloc((s->n ? s->n : 1) * sizeof(*ids));
    if (!ids)
        return -1;
    int ret = 0;
    for (size_t i = 0; i < nin && !ret; i++) {
        size_t n = 0;
        for (size_t k = 0; k < s->n; k++)
            if (s->v[k].input_id == ins[i].id && !s->v[k].dns)
                ids[n++] = s->v[k].id;
        if (!n)
            continue;
        char *f = rpt_display_filter_flows(db, ids, n);
        if (!f) {
            fprintf(stderr, "meetaudit: cannot build the display filter "
                            "for input %lld\n", (long long)ins[i].id);
            ret = -1;
            break;
        }
        printf("%s\t%s\t%s\n", ins[i].name, ins[i].sha, f);
        free(f);
    }
    free(ids);
    return ret;
}

/* `meetaudit extract` (cli.h): argv is the subcommand's own; nothing is
 * kept.  Exit status 0 written (or filters printed), 1 error, 2 usage. */
int rpt_cmd_extract(int argc, char **argv)
{
    int64_t finding = 0, run = 0;
    int64_t *flow_ids = NULL;
    size_t n_flow_ids = 0;
    const char *org = NULL, *out = NULL, *rules = NULL;
    int filter = 0, no_dns = 0, modes = 0;
    static const struct option lo[] = {
        { "finding", required_argument, NULL, 'F' },
        { "flow", required_argument, NULL, 'f' },
        { "org", required_argument, NULL, 'o' },
        { "run", required_argument, NULL, 'R' },
        { "rules", required_argument, NULL, 'r' },
        { "filter", no_argument, NULL, 'D' },
        { "no-dns", no_argument, NULL, 'N' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, ret = 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:h", lo, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (parse_id(optarg, &finding) != 0)
                goto bad;
            modes |= 1;
            break;
        case 'f': {
            int64_t id, *nv = realloc(flow_ids, (n_flow_ids + 1) *
                                                    sizeof(*nv));
            if (!nv) {
                fprintf(stderr, "meetaudit: out of memory\n");
                ret = 1;
                goto done_args;
            }
            flow_ids = nv;
            if (parse_id(optarg, &id) != 0)
                goto bad;
            flow_ids[n_flow_ids++] = id;
            modes |= 2;
            break;
        }
        case 'o': org = optarg; modes |= 4; break;
        case 'R':
            if (parse_id(optarg, &run) != 0)
                goto bad;
            break;
        case 'r': rules = optarg; break;
        case 'w': out = optarg; break;
        case 'D': filter = 1; break;
        case 'N': no_dns = 1; break;
        case 'h': usage(stdout); ret = 0; goto done_args;
        default: goto bad;
        }
    }
    if ((modes != 1 && modes != 2 && modes != 4) || optind >= argc ||
        (!filter && !out) || (filter && out))
        goto bad;
    goto parsed;
bad:
    usage(stderr);
    ret = 2;
done_args:
    free(flow_ids);
    return ret;

parsed:;
    const char *db_path = argv[optind];
    int nargs = argc - optind - 1;
    ex_arg *args = calloc((size_t)(nargs > 0 ? nargs : 1), sizeof(*args));
    rpt_ex_set s = { 0 };
    ex_input *ins = NULL;
    ex_out *outs = NULL;
    size_t nin = 0, nout = 0;
    rpt_store *st = NULL;
    char err[1024];
    ret = 1;
    if (!args) {
        fprintf(stderr, "meetaudit: out of memory\n");
        goto done;
    }
    struct stat sb;
    if (stat(db_path, &sb) != 0) {
        fprintf(stderr, "meetaudit: %s: cannot open evidence database: %s\n",
                db_path, strerror(errno));
        goto done;
    }
    if (rpt_store_open_ro(db_path, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", db_path, err);
        goto done;
    }
    sqlite3 *db = rpt_store_db(st);
    if (run && rpt_db_has_table(db, "audit_runs")) {
        sqlite3_stmt *q = NULL;
        int found = 0;
        if (sqlite3_prepare_v2(db, "SELECT 1 FROM audit_runs WHERE id = ?1",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, run);
            found = sqlite3_step(q) == SQLITE_ROW;
        }
        sqlite3_finalize(q);
        if (!found) {
            fprintf(stderr, "meetaudit: %s: no audit run %lld\n", db_path,
                    (long long)run);
            goto done;
        }
    } else if (run) {
        fprintf(stderr, "meetaudit: %s: no audit runs (--run %lld)\n",
                db_path, (long long)run);
        goto done;
    }

    /* the flows */
    if (modes == 1 && rpt_ex_select_finding(db, finding, run, &s) != 0)
        goto done;
    for (size_t i = 0; i < n_flow_ids; i++) {
        int rc = rpt_ex_add_flow(db, &s, flow_ids[i], 0);
        if (rc == -1) {
            fprintf(stderr, "meetaudit: no flow %lld in %s\n",
                    (long long)flow_ids[i], db_path);
            goto done;
        }
        if (rc < 0)
            goto done;
        const rpt_ex_flow *f = rpt_ex_set_find(&s, flow_ids[i]);
        if (!rpt_ex_input_in_run(db, run, f->input_id)) {
            fprintf(stderr, "meetaudit: flow %lld is not in an input of "
                            "run %lld\n", (long long)flow_ids[i],
                    (long long)run);
            goto done;
        }
    }
    if (modes == 4 && rpt_ex_select_org(db, rules, org, run, &s) != 0)
        goto done;
    if (!s.n) {
        fprintf(stderr, "meetaudit: no flows to extract%s%s%s\n",
                org ? " (no flow is attributed to '" : "", org ? org : "",
                org ? "'; see `meetaudit endpoints`)" : "");
        goto done;
    }
    qsort(s.v, s.n, sizeof(*s.v), cmp_input);

    /* the inputs */
    for (size_t i = 0; i < s.n; i++)
        if (!nin || ins[nin - 1].id != s.v[i].input_id) {
            ex_input *ni = realloc(ins, (nin + 1) * sizeof(*ni));
            if (!ni) {
                fprintf(stderr, "meetaudit: out of memory\n");
                goto done;
            }
            ins = ni;
            memset(&ins[nin], 0, sizeof(ins[nin]));
            ins[nin].id = s.v[i].input_id;
            if (load_input(db, &ins[nin++]) != 0)
                goto done;
        }
    if (filter) {
        ret = print_filters(db, &s, ins, nin) == 0 ? 0 : 1;
        goto done;
    }

    size_t n_sel = s.n;
    if (!no_dns)
        for (size_t i = 0; i < nin; i++)
            if (rpt_ex_add_dns(db, &s, n_sel, ins[i].id) != 0)
                goto done;
    /* add_dns appended DNS flows: order by input again, but keep the flows
     * selected whole in front of DNS-only ones of the same flow id (never
     * both: add_dns skips flows already selected). */
    qsort(s.v, s.n, sizeof(*s.v), cmp_input);

    for (int i = 0; i < nargs; i++) {
        int64_t size;
        args[i].path = argv[optind + 1 + i];
        if (cap_sha256_file(args[i].path, args[i].sha, &size, err,
                            sizeof(err)) != 0) {
            fprintf(stderr, "meetaudit: %s: %s\n", args[i].path, err);
            goto done;
        }
        args[i].ok = 1;
    }
    for (size_t i = 0; i < nin; i++)
        if (locate_input(&ins[i], db_path, args, nargs) != 0)
            goto done;

    /* pass 1: select, check against the database */
    size_t k0 = 0;
    for (size_t i = 0; i < nin; i++) {
        size_t k1 = k0;
        while (k1 < s.n && s.v[k1].input_id == ins[i].id)
            k1++;
        rpt_pkt_key *keys = calloc(k1 - k0, sizeof(*keys));
        uint64_t *counts = calloc(k1 - k0, sizeof(*counts));
        if (!keys || !counts) {
            free(keys);
            free(counts);
            fprintf(stderr, "meetaudit: out of memory\n");
            goto done;
        }
        for (size_t k = k0; k < k1; k++) {
            keys[k - k0] = s.v[k].key;
            if (s.v[k].dns) {
                keys[k - k0].dns_frames = s.v[k].dns_frames;
                keys[k - k0].n_dns = s.v[k].n_dns;
            }
        }
        int rc = rpt_pkt_select(ins[i].path, keys, k1 - k0, &ins[i].sel,
                                counts, err, sizeof(err));
        int bad = rc != 0;
        if (rc != 0)
            fprintf(stderr, "meetaudit: %s\n", err);
        for (size_t k = k0; !bad && k < k1; k++) {
            const rpt_ex_flow *f = &s.v[k];
            if (f->dns) {
                ins[i].dns_frames += counts[k - k0];
                if (counts[k - k0] < f->n_dns)
                    fprintf(stderr, "meetaudit: warning: flow %lld: %llu of "
                                    "%zu DNS answer frames found\n",
                            (long long)f->id,
                            (unsigned long long)counts[k - k0], f->n_dns);
                continue;
            }
            ins[i].flows++;
            if ((int64_t)counts[k - k0] != f->pkts) {
                fprintf(stderr,
                        "meetaudit: flow %lld: %llu frames found in %s, the "
                        "evidence database counts %lld; nothing written\n",
                        (long long)f->id, (unsigned long long)counts[k - k0],
                        ins[i].path, (long long)f->pkts);
                bad = 1;
            }
        }
        free(keys);
        free(counts);
        if (bad)
            goto done;
        if (ins[i].sel.linktype != ins[i].linktype)
            fprintf(stderr, "meetaudit: warning: %s: link type %d, the "
                            "database says %d\n", ins[i].path,
                    ins[i].sel.linktype, ins[i].linktype);
        k0 = k1;
    }

    /* the output files: one per link type */
    outs = calloc(nin, sizeof(*outs));
    if (!outs) {
        fprintf(stderr, "meetaudit: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < nin; i++) {
        size_t o = 0;
        while (o < nout && outs[o].linktype != ins[i].sel.linktype)
            o++;
        if (o == nout) {
            outs[o].linktype = ins[i].sel.linktype;
            out_name(out, o == 0, outs[o].linktype, outs[o].path,
                     sizeof(outs[o].path));
            nout++;
        }
        if (ins[i].sel.snaplen > outs[o].snaplen)
            outs[o].snaplen = ins[i].sel.snaplen;
        ins[i].out = (int)o;
    }
    for (size_t o = 0; o < nout; o++)
        if (lstat(outs[o].path, &sb) == 0) {
            fprintf(stderr, "meetaudit: %s exists (extract never overwrites "
                            "a file)\n", outs[o].path);
            goto done;
        }
    for (size_t o = 0; o < nout; o++)
        if (out_open(&outs[o]) != 0)
            goto done;
    for (size_t i = 0; i < nin; i++) {
        ex_out *o = &outs[ins[i].out];
        if (rpt_pkt_write(ins[i].path, &ins[i].sel, o->d, err,
                          sizeof(err)) != 0) {
            fprintf(stderr, "meetaudit: %s\n", err);
            goto done;
        }
        o->packets += ins[i].sel.n;
    }
    for (size_t o = 0; o < nout; o++)
        if (out_close(&outs[o]) != 0) {
            fprintf(stderr, "meetaudit: %s: write error: %s\n", outs[o].path,
                    strerror(errno));
            goto done;
        }
    for (size_t i = 0; i < nin; i++)
        printf("%s (sha256 %s): %zu frames: %zu flows, %zu DNS frames -> "
               "%s\n",
               ins[i].path, ins[i].sha, ins[i].sel.n, ins[i].flows,
               ins[i].dns_frames, outs[ins[i].out].path);
    for (size_t o = 0; o < nout; o++) {
        const char *ln = pcap_datalink_val_to_name(outs[o].linktype);
        printf("%s: %llu packets, link type %s\n", outs[o].path,
               (unsigned long long)outs[o].packets, ln ? ln : "unknown");
    }
    ret = 0;
done:
    for (size_t o = 0; outs && o < nout; o++) {
        out_close(&outs[o]);
        if (ret != 0 && outs[o].created)
            unlink(outs[o].path);
    }
    free(outs);
    for (size_t i = 0; i < nin; i++)
        rpt_pkt_sel_free(&ins[i].sel);
    free(ins);
    rpt_ex_set_free(&s);
    free(args);
    free(flow_ids);
    rpt_store_close(st);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
}
