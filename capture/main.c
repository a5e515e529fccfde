/* main.c - the meetaudit binary: subcommand dispatch.
 *
 * The data flow is capture -> dissect -> report; subcommands are thin
 * front-ends over those modules.  No subcommand keeps global state, so
 * dispatch is a table lookup.
 */
#define _DEFAULT_SOURCE
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEETAUDIT_VERSION
#define MEETAUDIT_VERSION "0.1.0"
#endif
#ifndef MEETAUDIT_SHAREDIR
#define MEETAUDIT_SHAREDIR "/usr/local/share/meetaudit"
#endif

const char cap_version[] = MEETAUDIT_VERSION;

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cap_rules_path(const char *dir, const char *rel, char *buf, size_t len)
{
    if (!dir)
        dir = getenv("MEETAUDIT_RULES");
    if (dir && *dir) {
        snprintf(buf, len, "%s/%s", dir, rel);
        return exists(buf) ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, len, "%s/rules/%s", exe, rel);
            if (exists(buf))
                return 0;
        }
    }
    snprintf(buf, len, "%s/rules/%s", MEETAUDIT_SHAREDIR, rel);
    return exists(buf) ? 0 : -1;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} CMDS[] = {
    { "analyze", cap_cmd_analyze, "read pcap/pcapng files into an evidence "
                                  "database" },
    { "flows", rpt_cmd_flows, "list the flows of an evidence database "
                              "(table or --json)" },
};

static void usage(FILE *o)
{
    fprintf(o, "usage: meetaudit COMMAND [OPTIONS] ...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
        fprintf(o, "  %-10s %s\n", CMDS[i].name, CMDS[i].help);
    fprintf(o, "\n'meetaudit COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("meetaudit %s\n", cap_version);
        return 0;
    }
    for (size_t i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
        if (!strcmp(argv[1], CMDS[i].name))
            return CMDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "meetaudit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
