/* services_load.c - reading rules/services/<service>.yaml files and
 * directories, and reporting their problems.
 *
 * One file is loaded in three steps: read it whole (bounded by
 * RULE_SVC_MAX_FILE), turn it into a positioned tree (services_yaml.c),
 * then check it against the schema (services_check.c), which builds the
 * rule_service as it goes.  Every problem is collected, then reported
 * sorted by line and column (detection order breaks ties), at most
 * RULE_SVC_MAX_SHOWN per file.  A file with any problem contributes nothing
 * to the set; a directory with any problem yields no set at all.
 *
 * Memory: the tree and the service are built in a per-file arena; only
 * when the file is clean is that arena handed to the set (so the service's
 * strings simply point into the tree).  Problem messages are heap strings
 * freed after they were reported.
 */
#define _POSIX_C_SOURCE 200809L
#include "services_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef rule_vctx vctx;
typedef rule_problem problem;

/* ---- reporting ---------------------------------------------------------- */

static int prob_cmp(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Report (sorted, capped) and free v's problems; returns their number. */
static int flush(vctx *v, rule_diag_fn diag, void *ctx)
{
    int n = (int)v->pn + v->oom;
    if (v->pn)
        qsort(v->pv, v->pn, sizeof(*v->pv), prob_cmp);
    for (size_t i = 0; i < v->pn; i++) {
        if (diag && i < RULE_SVC_MAX_SHOWN)
            diag(ctx, v->pv[i].msg);
        rule_free(v->pv[i].msg);
    }
    if (diag && v->pn > RULE_SVC_MAX_SHOWN) {
        char m[600];
        snprintf(m, sizeof(m), "%s: %zu more problems not shown", v->file,
                 v->pn - RULE_SVC_MAX_SHOWN);
        diag(ctx, m);
    }
    if (diag && v->oom) {
        char m[600];
        snprintf(m, sizeof(m), "%s: out of memory", v->file);
        diag(ctx, m);
    }
    rule_free(v->pv);
    v->pv = NULL;
    v->pn = v->pcap = 0;
    v->oom = 0;
    return n;
}

/* ---- files and directories ---------------------------------------------- */
/* Read path whole into a new heap buffer (caller frees) when it is a
 * regular file within the size limit; else reports and returns NULL. */
static char *read_file(vctx *v, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    char *buf = NULL;
    if (!f) {
        rule_prob(v, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rule_prob(v, NULL, "not a regular file");
        goto fail;
    }
    if ((unsigned long long)sb.st_size > RULE_SVC_MAX_FILE) {
        rule_prob(v, NULL, "too large (%lld bytes, limit %u)",
             (long long)sb.st_size, RULE_SVC_MAX_FILE);
        goto fail;
    }
    buf = rule_alloc((size_t)sb.st_size + 1);
    if (!buf) {
        v->oom = 1;
        goto fail;
    }
    *len = fread(buf, 1, (size_t)sb.st_size + 1, f);
    if (ferror(f) || *len > RULE_SVC_MAX_FILE) {
        if (ferror(f))
            rule_prob(v, NULL, "read error");
        else
            rule_prob(v, NULL, "too large (limit %u bytes)",
                      RULE_SVC_MAX_FILE);
        rule_free(buf);
        buf = NULL;
    }
fail:
    fclose(f);
    return buf;
}

int rule_services_load_file(rule_services *set, const char *path,
                            const rpt_entities *ents, rule_diag_fn diag,
                            void *ctx)
{
    vctx v;
    rule_arena fa = { NULL };
    size_t len = 0;
    const rule_ynode *root = NULL;
    char emsg[256];
    int eline = 0, ecol = 0;

    memset(&v, 0, sizeof(v));
    v.file = path;
    v.ents = ents;
    v.a = &fa;
    char *buf = read_file(&v, path, &len);
    if (!buf)
        goto done;
    if (rule_yaml_parse(buf, len, &fa, &root, &eline, &ecol, emsg,
                        sizeof(emsg))) {
        rule_ynode at = { .line = eline, .col = ecol };
        rule_prob(&v, &at, "%s", emsg);
        goto done;
    }
    rule_service *s = rule_arena_alloc(&fa, sizeof(*s));
    char *file = rule_arena_strndup(&fa, path, strlen(path));
    if (!s || !file) {
        v.oom = 1;
        goto done;
    }
    s->file = file;
    rule_check_service(&v, root, set, s);
    if (v.pn == 0 && !v.oom) {
        if (rule_services_add(set, s) == 0)
            rule_arena_move(&set->arena, &fa);
        else
            v.oom = 1;
    }
done:
    rule_free(buf);
    rule_arena_free(&fa);
    return flush(&v, diag, ctx);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "*.yaml" names in dir (not starting with '.'), sorted; a heap array
 * of heap strings (free with free_names).  Returns -1 when dir cannot be
 * read or memory runs out (errno set). */
static int list_yaml(const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".yaml"))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            char **nn = rule_realloc(*names, cap * sizeof(*nn));
            if (!nn)
                goto oom;
            *names = nn;
        }
        if (!((*names)[*n] = rule_alloc(l + 1)))
            goto oom;
        memcpy((*names)[(*n)++], e->d_name, l + 1);
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof(**names), name_cmp);
    return 0;
oom:
    closedir(d);
    errno = ENOMEM;
    return -1;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rule_free(names[i]);
    rule_free(names);
}

int rule_services_load_dir(const char *dir, const rpt_entities *ents,
                           rule_services **out, rule_diag_fn diag, void *ctx)
{
    int problems = 0;
    char **names = NULL;
    size_t n = 0;
    char msg[600];
    rule_services *set = rule_services_create();

    if (out)
        *out = NULL;
    if (!set || list_yaml(dir, &names, &n) != 0) {
        snprintf(msg, sizeof(msg), "%s: %s", dir,
                 set ? strerror(errno) : "out of memory");
        if (diag)
            diag(ctx, msg);
        problems = 1;
        goto done;
    }
    if (n == 0) {
        snprintf(msg, sizeof(msg), "%s: no service rule files (*.yaml)", dir);
        if (diag)
            diag(ctx, msg);
        problems = 1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *path = rule_alloc(pl);
        if (!path) {
            snprintf(msg, sizeof(msg), "%s: out of memory", dir);
            if (diag)
                diag(ctx, msg);
            problems++;
            continue;
        }
        snprintf(path, pl, "%s/%s", dir, names[i]);
        problems += rule_services_load_file(set, path, ents, diag, ctx);
        rule_free(path);
    }
done:
    free_names(names, n);
    if (problems == 0 && out)
        *out = set;
    else
        rule_services_free(set);
    return problems;
}
