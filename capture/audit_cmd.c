/* audit_cmd.c - `meetaudit audit`: analyse capture files (or take an
 * evidence database), run the audit engine (report/audit.h) and print its
 * summary.
 *
 * Invariants
 * ----------
 * - INPUTs are either capture files (pcap/pcapng, analysed into -o exactly
 *   as `analyze` does, and only those inputs are audited) or one evidence
 *   database (recognised by the SQLite header, every input in it is
 *   audited).  Mixing both is a usage error.
 * - A baseline capture is analysed into a temporary database that is
 *   removed afterwards (with its -wal/-shm files), whatever happens.
 * - Exit status: 0 audited, 1 a reported failure (the message names the
 *   file), 2 usage.
 */
#define _DEFAULT_SOURCE
#include "analyze.h"
#include "cli.h"
#include "pcapin.h"

#include "../report/audit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ITEMS 64

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit audit [--service zoom|meet|webex|teams|auto] "
            "[--rules DIR]\n"
            "         [--client IP]... [--baseline F] [--context k=v]... "
            "[--canary k=v]...\n"
            "         [-o EVIDENCE.db] [-q] INPUT...\n"
            "  INPUT: pcap/pcapng files (analysed into -o, default "
            "evidence.db) or one evidence DB\n");
}

/* 1 when path starts with the SQLite header, 0 when not, -1 unreadable. */
static int is_sqlite(const char *path)
{
    char b[16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(b, 1, sizeof(b), f);
    fclose(f);
    return n == 16 && !memcmp(b, "SQLite format 3", 16);
}

static int split_kv(char *arg, const char *opt, const char **k,
                    const char **v)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "meetaudit: %s '%s': expected key=value\n", opt, arg);
        return -1;
    }
    *eq = 0;
    *k = arg;
    *v = eq + 1;
    return 0;
}

static void remove_db(const char *p)
{
    char b[4200];
    unlink(p);
    snprintf(b, sizeof(b), "%s-wal", p);
    unlink(b);
    snprintf(b, sizeof(b), "%s-shm", p);
    unlink(b);
}

int cap_cmd_audit(int argc, char **argv)
{
    const char *service = "auto", *rules = NULL, *out = "evidence.db";
    const char *baseline = NULL;
    const char *clients[MAX_ITEMS], *ck[MAX_ITEMS], *cv[MAX_ITEMS];
    const char *nk[MAX_ITEMS], *nv[MAX_ITEMS];
    size_t n_cl = 0, n_ctx = 0, n_can = 0;
    int quiet = 0;
    static const struct option lo[] = {
        { "service", required_argument, NULL, 's' },
        { "rules", required_argument, NULL, 'R' },
        { "client", required_argument, NULL, 'c' },
        { "baseline", required_argument, NULL, 'b' },
        { "context", required_argument, NULL, 'x' },
        { "canary", required_argument, NULL, 'k' },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", lo, NULL)) != -1) {
        switch (c) {
        case 's': service = optarg; break;
        case 'R': rules = optarg; break;
        case 'b': baseline = optarg; break;
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'c':
            if (n_cl == MAX_ITEMS)
                goto too_many;
            clients[n_cl++] = optarg;
            break;
        case 'x':
            if (n_ctx == MAX_ITEMS)
                goto too_many;
            if (split_kv(optarg, "--context", &ck[n_ctx], &cv[n_ctx]))
                return 2;
            n_ctx++;
            break;
        case 'k':
            if (n_can == MAX_ITEMS)
                goto too_many;
            if (split_kv(optarg, "--canary", &nk[n_can], &nv[n_can]))
                return 2;
            n_can++;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    static const char *const SVC[] = { "zoom", "meet", "webex", "teams",
                                       "auto" };
    size_t si = 0;
    while (si < 5 && strcmp(service, SVC[si]))
        si++;
    if (si == 5) {
        fprintf(stderr,
                "meetaudit: unknown service '%s' (zoom, meet, webex, teams "
                "or auto)\n",
                service);
        return 2;
    }
    int n_in = argc - optind;
    if (n_in <= 0) {
        usage(stderr);
        return 2;
    }
    int n_db = 0;
    for (int i = optind; i < argc; i++) {
        int s = is_sqlite(argv[i]);
        if (s < 0) {
            fprintf(stderr, "meetaudit: %s: cannot open\n", argv[i]);
            return 1;
        }
        n_db += s;
    }
    if (n_db && (n_db != 1 || n_in != 1)) {
        fprintf(stderr, "meetaudit: audit takes capture files or one "
                        "evidence database, not both\n");
        usage(stderr);
        return 2;
    }
    int ret = 1;
    char tmpdb[4096] = "";
    int64_t *ids = calloc((size_t)n_in, sizeof(*ids));
    if (!ids) {
        fprintf(stderr, "meetaudit: out of memory\n");
        return 1;
    }
    const char *db = out;
    if (n_db)
        db = argv[optind];
    else if (cap_analyze_files(out, rules, (const char *const *)argv + optind,
                               (size_t)n_in, quiet, ids) != 0) {
        fprintf(stderr, "meetaudit: %s: not every input could be analysed; "
                        "no audit\n", out);
        goto done;
    }
    const char *bl_db = NULL;
    if (baseline) {
        int s = is_sqlite(baseline);
        if (s < 0) {
            fprintf(stderr, "meetaudit: %s: cannot open baseline\n",
                    baseline);
            goto done;
        }
        if (s) {
            bl_db = baseline;
        } else {
            const char *t = getenv("TMPDIR");
            snprintf(tmpdb, sizeof(tmpdb), "%s/meetaudit-baseline.XXXXXX",
                     t && *t ? t : "/tmp");
            int fd = mkstemp(tmpdb);
            if (fd < 0) {
                fprintf(stderr, "meetaudit: %s: cannot create a temporary "
                                "database\n", tmpdb);
                tmpdb[0] = 0;
                goto done;
            }
            close(fd);
            unlink(tmpdb); /* the store creates it afresh */
            const char *bp[1] = { baseline };
            if (cap_analyze_files(tmpdb, rules, bp, 1, 1, NULL) != 0) {
                fprintf(stderr, "meetaudit: %s: baseline could not be "
                                "analysed\n", baseline);
                goto done;
            }
            bl_db = tmpdb;
        }
    }
    rpt_audit_opts o = {
        .service = service, .rules_dir = rules, .clients = clients,
        .n_clients = n_cl, .baseline_db = bl_db, .baseline_path = baseline,
        .ctx_keys = ck, .ctx_values = cv, .n_ctx = n_ctx,
        .canary_names = nk, .canary_values = nv, .n_canaries = n_can,
        .input_ids = n_db ? NULL : ids, .n_inputs = n_db ? 0 : (size_t)n_in,
    };
    char err[1024];
    int64_t run;
    if (rpt_audit_run(db, &o, &run, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s\n", err);
        goto done;
    }
    if (rpt_audit_summary(db, run, stdout, err, sizeof(err)) != 0) {
        fprintf(stderr, "meetaudit: %s\n", err);
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "meetaudit: audit run %lld stored in %s\n",
                (long long)run, db);
    ret = 0;
done:
    if (tmpdb[0])
        remove_db(tmpdb);
    free(ids);
    if (fflush(stdout) != 0)
        ret = 1;
    return ret;
too_many:
    fprintf(stderr, "meetaudit: at most %d --client, --context and "
                    "--canary options each\n", MAX_ITEMS);
    return 2;
}
