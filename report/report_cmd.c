/* report/report_cmd.c - PLACEHOLDER (session 3): replaced by its owner; see /work/drafts/DESIGN-audit.md. */
#include "../capture/cli.h"
#include <stdio.h>
int rpt_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "meetaudit: rpt_cmd_report is not built yet\n");
    return 1;
}
