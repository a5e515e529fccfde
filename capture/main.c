/* main.c - the meetaudit binary: subcommand dispatch.
 *
 * The data flow is capture -> dissect -> report; subcommands are thin
 * front-ends over those modules.  No subcommand keeps global state, so
 * dispatch is a table lookup.
 */
#define _DEFAULT_SOURCE
#include "cli.h"
#include "prefault.h"
#include "../report/store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MEETAUDIT_VERSION
#define MEETAUDIT_VERSION "0.1.0"
#endif


static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} CMDS[] = {
    { "analyze", cap_cmd_analyze, "read pcap/pcapng files into an evidence "
                                  "database" },
    { "audit", cap_cmd_audit, "audit captures or an evidence database "
                              "against a service's policy claims" },
    { "capture", cap_cmd_capture, "capture live from an interface into pcap "
                                  "files and an evidence database" },
    { "diff", rpt_cmd_diff, "counterparties and findings in one audit and "
                            "not the other" },
    { "endpoints", rpt_cmd_endpoints, "the counterparties: organisation, host "
      "name, party (table or --json)" },
    { "extract", rpt_cmd_extract, "write the packets behind a finding, "
                                  "flow or organisation to a pcap" },
    { "findings", rpt_cmd_findings, "list the findings of an audit "
                                    "(table or --json)" },
    { "flows", rpt_cmd_flows, "list the flows of an evidence database "
                              "(table or --json)" },
    { "report", rpt_cmd_report, "write the evidence report (md, html, "
                                "json, csv)" },
    { "rules", rpt_cmd_rules, "check or list the rules (rules check|list "
                              "[DIR])" },
    { "verify", rpt_cmd_verify, "check a signed report and its inputs" },
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
    rpt_store_global_init();
    cap_prefault_setup();
    (void)cap_prefault_reserve();
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
