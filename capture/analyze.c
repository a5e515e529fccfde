/* analyze.c - `meetaudit analyze`: capture files -> flows -> evidence store.
 *
 * Invariants
 * ----------
 * - Inputs are independent: each gets its own flow table and frame numbers
 *   starting at 1; a failing input never stops the others, and whatever an
 *   input yielded before its fault is flushed and committed.
 * - An input already in the store with the same SHA-256 and a finished
 *   status is skipped; one left "analysing" by an interrupted run is redone.
 * - Exit status: 0 when every input was analysed (a truncated last record is
 *   a warning), 1 when any input could not be read, 2 for usage errors.
 */
#define _DEFAULT_SOURCE
#include "analyze.h"
#include "cli.h"
#include "pcapin.h"
#include "pipeline.h"

#include "../dissect/classify.h"
#include "../dissect/decode.h"
#include "../dissect/flow.h"
#include "../report/store.h"
#include "../report/store_capture.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void skipped_msg(const char *path, const char *sha,
                        const char *status, int quiet)
{
    if (!quiet)
        fprintf(stderr,
                "meetaudit: %s: already in the evidence store (sha256 "
                "%.16s..., status %s): skipped\n",
                path, sha, status);
}

/* The message for a pipeline error rc into msg. */
static void pipe_msg(const cap_pipeline *pl, int rc, char *msg, size_t len)
{
    if (rc == CAP_PIPE_EHASH)
        snprintf(msg, len, "%s", cap_pipeline_errmsg(pl));
    else
        snprintf(msg, len, "evidence store: %s", cap_pipeline_errmsg(pl));
}

/* Analyse one file.  Returns 0 on success (incl. truncated), 1 on error. */
static int analyze_one(const char *path, rpt_store *st, dis_classifier *cls,
                       const dis_flow_opts *fo, int quiet, int progress,
                       int64_t *id_out)
{
    char err[512];
    char sha[65];
    int64_t size = 0;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "meetaudit: %s: is a directory, not a capture file\n",
                path);
        return 1;
    }
    /* The hash identifies the input.  When the store may already hold this
     * file (a finished input of the same size), hash it first and skip it
     * if so; otherwise the pipeline's writer thread hashes it while the
     * packets are analysed. */
    size = (int64_t)sb.st_size;
    int maybe_repeat = rpt_store_input_size_known(st, size) != 0;
    sha[0] = 0;
    if (maybe_repeat) {
        if (cap_sha256_file(path, sha, &size, err, sizeof(err)) != 0) {
            fprintf(stderr, "meetaudit: %s: %s\n", path, err);
            return 1;
        }
        int64_t old_id;
        char status[32];
        if (rpt_store_input_find(st, sha, &old_id, status, sizeof(status)) ==
                1 &&
            strcmp(status, "analysing") != 0) {
            skipped_msg(path, sha, status, quiet);
            if (id_out)
                *id_out = old_id;
            return 0;
        }
    }
    cap_file *cf = NULL;
    if (cap_open(path, &cf, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", path, err);
        return 1;
    }
    int dlt = cap_linktype(cf);
    if (!dis_link_supported(dlt))
        fprintf(stderr,
                "meetaudit: %s: link type %s is not decoded; its packets are "
                "counted as skipped\n",
                path, cap_linktype_name(cf));

    rpt_input_meta m = { path, base_name(path), size,
                         maybe_repeat ? sha : NULL, dlt,
                         cap_linktype_name(cf), cap_format(cf) };
    cap_pipeline *pl = NULL;
    int rc = cap_pipeline_begin(st, cls, fo, &m, dlt, &pl);
    if (rc == CAP_PIPE_ESTORE) {
        fprintf(stderr, "meetaudit: %s: evidence store: %s\n", path,
                rpt_store_errmsg(st));
        cap_close(cf);
        return 1;
    }
    if (rc != CAP_PIPE_OK) {
        fprintf(stderr, "meetaudit: %s: out of memory\n", path);
        cap_close(cf);
        return 1;
    }

    const char *in_status = "complete";
    const char *error = NULL;
    const rpt_input_end *e = cap_pipeline_counts(pl);
    const uint8_t *data;
    size_t caplen, wirelen;
    int64_t ts;
    double t0 = now_s(), last_prog = t0;
    int ret = 0;
    char msg[600] = "";
    for (;;) {
        int r = cap_next(cf, &data, &caplen, &wirelen, &ts);
        if (r == CAP_EOF)
            break;
        if (r == CAP_TRUNCATED) {
            snprintf(msg, sizeof(msg), "%s", cap_error(cf));
            fprintf(stderr,
                    "meetaudit: %s: warning: file ends inside a packet "
                    "record after %llu packets (%s); the packets before it "
                    "are kept\n",
                    path, (unsigned long long)e->packets, msg);
            in_status = "truncated";
            error = msg;
            break;
        }
        if (r == CAP_ERROR) {
            snprintf(msg, sizeof(msg), "%s", cap_error(cf));
            fprintf(stderr,
                    "meetaudit: %s: error after %llu packets: %s; the "
                    "packets before it are kept\n",
                    path, (unsigned long long)e->packets, msg);
            in_status = "error";
            error = msg;
            ret = 1;
            break;
        }
        int prc = cap_pipeline_packet(pl, data, caplen, wirelen, ts);
        if (prc == CAP_PIPE_EDUP)
            break;
        if (prc != 0) {
            pipe_msg(pl, prc, msg, sizeof(msg));
            fprintf(stderr, "meetaudit: %s: %s\n", path, msg);
            in_status = "error";
            error = msg;
            ret = 1;
            break;
        }
        if (progress && (e->packets & 1023) == 0) {
            double t = now_s();
            if (t - last_prog >= 0.5) {
                int64_t off = cap_offset(cf);
                fprintf(stderr,
                        "\r%s: %.1f / %.1f MB, %llu packets, %.0f packets/s ",
                        base_name(path), off > 0 ? off / 1e6 : 0.0,
                        size / 1e6, (unsigned long long)e->packets,
                        e->packets / (t - t0));
                last_prog = t;
            }
        }
    }
    if (progress && last_prog != t0)
        fprintf(stderr, "\n");
    int frc = cap_pipeline_flush(pl);
    int64_t dup_id;
    if (cap_pipeline_duplicate(pl, &dup_id)) {
        skipped_msg(path, cap_pipeline_sha256(pl), "finished", quiet);
        if (id_out)
            *id_out = dup_id;
        cap_pipeline_free(pl);
        cap_close(cf);
        return 0;
    }
    if (frc != 0 && ret == 0) {
        pipe_msg(pl, frc, msg, sizeof(msg));
        fprintf(stderr, "meetaudit: %s: %s\n", path, msg);
        in_status = "error";
        error = msg;
        ret = 1;
    }
    if (!maybe_repeat)
        snprintf(sha, sizeof(sha), "%s", cap_pipeline_sha256(pl));
    cap_pipeline_warn_withheld(pl, path);
    e = cap_pipeline_counts(pl);
    if (id_out)
        *id_out = cap_pipeline_input_id(pl);
    uint64_t packets = e->packets, skipped = e->skipped, flows = e->flows;
    cap_close(cf);
    int erc = cap_pipeline_end(pl, in_status, error);
    if (erc == CAP_PIPE_EHASH)
        return 1; /* already said by the flush */
    if (erc != 0) {
        fprintf(stderr, "meetaudit: %s: evidence store: %s\n", path,
                rpt_store_errmsg(st));
        return 1;
    }
    if (!quiet)
        fprintf(stderr,
                "%s: %llu packets (%llu not decoded), %llu flows, sha256 %s\n",
                path, (unsigned long long)packets,
                (unsigned long long)skipped, (unsigned long long)flows, sha);
    rpt_coverage cov;
    rpt_store_coverage(st, &cov);
    if (!quiet && cov.flows)
        fprintf(stderr,
                "%s: names for %llu of %llu flows to public addresses (DNS aside) "
                "(%.1f%%, %.1f%% of the bytes sent); nDPI alone: %llu "
                "(%.1f%%)\n",
                path, (unsigned long long)cov.named_flows,
                (unsigned long long)cov.flows,
                100.0 * cov.named_flows / cov.flows,
                cov.bytes_toserver
                    ? 100.0 * cov.named_bytes_toserver / cov.bytes_toserver
                    : 0.0,
                (unsigned long long)cov.ndpi_named_flows,
                100.0 * cov.ndpi_named_flows / cov.flows);
    return ret;
}

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit analyze [-q] [-o EVIDENCE.db] [--rules DIR]\n"
            "                         [--tcp-idle S] [--udp-idle S] "
            "[--max-flows N] FILE...\n");
}

int cap_cmd_analyze(int argc, char **argv)
{
    const char *out = "evidence.db";
    const char *rules = NULL;
    int quiet = 0;
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    static const struct option lo[] = {
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "rules", required_argument, NULL, 'R' },
        { "tcp-idle", required_argument, NULL, 'T' },
        { "udp-idle", required_argument, NULL, 'U' },
        { "max-flows", required_argument, NULL, 'M' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'R': rules = optarg; break;
        case 'T':
        case 'U': {
            double v = strtod(optarg, &end);
            if (*end || v <= 0) {
                fprintf(stderr, "meetaudit: bad timeout '%s'\n", optarg);
                return 2;
            }
            if (c == 'T')
                fo.tcp_idle_us = (int64_t)(v * 1e6);
            else
                fo.udp_idle_us = (int64_t)(v * 1e6);
            break;
        }
        case 'M': {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || v == 0) {
                fprintf(stderr, "meetaudit: bad --max-flows '%s'\n", optarg);
                return 2;
            }
            fo.max_flows = (size_t)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    char err[512];
    char protos[4096];
    dis_classifier *cls = NULL;
    if (cap_rules_path(rules, "ndpi/protos.txt", protos, sizeof(protos)) == 0) {
        cls = dis_classifier_new(protos, err, sizeof(err));
        if (!cls) {
            fprintf(stderr, "meetaudit: %s\n", err);
            return 1;
        }
    } else {
        fprintf(stderr,
                "meetaudit: warning: rules/ndpi/protos.txt not found (looked "
                "in %s); classifying with nDPI's built-in protocols only (no "
                "Google Meet rules)\n",
                protos);
        cls = dis_classifier_new(NULL, err, sizeof(err));
        if (!cls) {
            fprintf(stderr, "meetaudit: %s\n", err);
            return 1;
        }
    }
    rpt_store *st = NULL;
    if (rpt_store_open(out, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", out, err);
        dis_classifier_free(cls);
        return 1;
    }
    int progress = !quiet && isatty(STDERR_FILENO);
    int ret = 0;
    for (int i = optind; i < argc; i++)
        if (analyze_one(argv[i], st, cls, &fo, quiet, progress, NULL))
            ret = 1;
    rpt_store_close(st);
    dis_classifier_free(cls);
    return ret;
}

/* Analyse paths[0..n) into the evidence database out exactly as `analyze`
 * does (default flow options; rules NULL: the usual rules lookup).
 * input_ids (may be NULL) receives each file's input id (0 when it could
 * not be read).  Returns 0 when every file was analysed, 1 otherwise
 * (messages on stderr name the file). */
int cap_analyze_files(const char *out, const char *rules,
                      const char *const *paths, size_t n, int quiet,
                      int64_t *input_ids)
{
    char err[512], protos[4096];
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    int have = cap_rules_path(rules, "ndpi/protos.txt", protos,
                              sizeof(protos)) == 0;
    dis_classifier *cls = dis_classifier_new(have ? protos : NULL, err,
                                             sizeof(err));
    if (!cls) {
        fprintf(stderr, "meetaudit: %s\n", err);
        return 1;
    }
    if (!have)
        fprintf(stderr,
                "meetaudit: warning: rules/ndpi/protos.txt not found (looked "
                "in %s); classifying with nDPI's built-in protocols only\n",
                protos);
    rpt_store *st = NULL;
    if (rpt_store_open(out, &st, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s: %s\n", out, err);
        dis_classifier_free(cls);
        return 1;
    }
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        if (input_ids)
            input_ids[i] = 0;
        if (analyze_one(paths[i], st, cls, &fo, quiet, 0,
                        input_ids ? &input_ids[i] : NULL))
            ret = 1;
    }
    rpt_store_close(st);
    dis_classifier_free(cls);
    return ret;
}
