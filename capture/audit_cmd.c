/* capture/audit_cmd.c - PLACEHOLDER (session 3): replaced by its owner; see /work/drafts/DESIGN-audit.md. */
#include "cli.h"
#include <stdio.h>
int cap_cmd_audit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "meetaudit: cap_cmd_audit is not built yet\n");
    return 1;
}
