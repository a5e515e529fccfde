/* rules_cmd.c - `meetaudit rules check|list [DIR]`: validate and show the
 * rules directory (rules/entities.yaml, rules/services/NAME.yaml).
 *
 * Invariants
 * ----------
 * - Read-only: nothing under DIR is written.
 * - `check` prints every problem as "file:line:column: message" on stderr
 *   (sorted by line, at most 100 per file, then a count) and exits 1; with
 *   no problem it prints one summary line per file on stdout and exits 0.
 *   Usage errors exit 2.
 * - Service rule files (services/NAME.yaml) are validated by their own
 *   loader (report/services_load.c), against the organisation map when it
 *   loaded, so that the organisation ids they name are checked too.
 */
#define _DEFAULT_SOURCE
#include "../capture/cli.h"
#include "entities_int.h"
#include "services.h"

#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit rules check [DIR]   validate DIR/entities.yaml "
            "(and DIR/services/*.yaml)\n"
            "       meetaudit rules list [DIR]    list the organisations\n"
            "DIR defaults to $MEETAUDIT_RULES, else rules/ beside the binary, "
            "else the installed rules.\n");
}

typedef struct counter {
    int n;
} counter;

static void print_problem(void *ctx, const char *msg)
{
    ((counter *)ctx)->n++;
    fprintf(stderr, "%s\n", msg);
}

/* Resolve DIR/entities.yaml into path; returns 0 when it exists. */
static int entities_path(const char *dir, char *path, size_t len)
{
    return cap_rules_path(dir, "entities.yaml", path, len);
}

/* Validate DIR/services/NAME.yaml with the service-rule loader (ents, when
 * loaded, checks the organisation ids they name).  Returns the number of
 * problems; prints a summary line when there are none. */
static int check_services(const char *epath, const rpt_entities *ents)
{
    char dir[PATH_MAX + 16], pat[PATH_MAX + 32];
    const char *slash = strrchr(epath, '/');
    int dl = slash ? (int)(slash - epath) : 1;
    glob_t g;
    rule_services *set = NULL;
    counter c = {0};

    snprintf(dir, sizeof(dir), "%.*s/services", dl, slash ? epath : ".");
    snprintf(pat, sizeof(pat), "%s/*.yaml", dir);
    if (glob(pat, 0, NULL, &g) != 0)
        return 0; /* no service files: nothing to check */
    globfree(&g);
    int n = rule_services_load_dir(dir, ents, &set, print_problem, &c);
    if (n == 0)
        printf("%s: %zu services: ok\n", dir, rule_services_count(set));
    /* (the service loader prints its own "N more problems not shown") */
    rule_services_free(set);
    return n;
}

static int cmd_check(const char *dir)
{
    char path[PATH_MAX];
    rpt_entities *h = NULL;
    counter c = {0};

    if (entities_path(dir, path, sizeof(path)) < 0) {
        fprintf(stderr, "meetaudit: %s: no such file\n", path);
        return 1;
    }
    int n = rpt_entities_load_diag(path, &h, print_problem, &c);
    if (n == 0) {
        size_t np = h->p4.n + h->p6.n;
        printf("%s: %zu organisations, %zu domains, %zu prefixes, %zu ASNs: "
               "ok\n",
               path, rpt_entities_count(h), h->doms.n, np, h->nasns);
    } else if (n > c.n) {
        fprintf(stderr, "%s: %d more problems not shown\n", path, n - c.n);
    }
    n += check_services(path, h);
    rpt_entities_free(h);
    if (n) {
        fprintf(stderr, "%d problem%s\n", n, n == 1 ? "" : "s");
        return 1;
    }
    return 0;
}

static int cmd_list(const char *dir)
{
    char path[PATH_MAX], err[1024], cats[256];
    rpt_entities *h = NULL;

    if (entities_path(dir, path, sizeof(path)) < 0) {
        fprintf(stderr, "meetaudit: %s: no such file\n", path);
        return 1;
    }
    if (rpt_entities_load(path, &h, err, sizeof(err)) < 0) {
        fprintf(stderr,
                "%s\n(run 'meetaudit rules check' for every "
                "problem)\n",
                err);
        return 1;
    }
    printf("%-24s %-44s %-16s %s\n", "ID", "NAME", "PARENT", "CATEGORIES");
    for (size_t i = 0; i < rpt_entities_count(h); i++) {
        const rpt_org *o = rpt_entities_at(h, i);
        rpt_categories_str(rpt_org_categories(o), cats, sizeof(cats));
        printf("%-24s %-44s %-16s %s\n", rpt_org_id(o), rpt_org_name(o),
               rpt_org_parent(o) ? rpt_org_parent(o) : "-", cats);
    }
    rpt_entities_free(h);
    return 0;
}

/* Entry point of `meetaudit rules`; argv[0] is "rules".  Returns the exit
 * status (0 ok, 1 problems found, 2 usage). */
int rpt_cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc < 2 || argc > 3 || argv[argc - 1][0] == '-') {
        usage(stderr);
        return 2;
    }
    const char *dir = argc == 3 ? argv[2] : NULL;
    if (!strcmp(argv[1], "check"))
        return cmd_check(dir);
    if (!strcmp(argv[1], "list"))
        return cmd_list(dir);
    fprintf(stderr, "meetaudit rules: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
