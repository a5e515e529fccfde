/* cli.h - the subcommands of the meetaudit binary and shared CLI helpers.
 *
 * Each cmd function takes the subcommand's own argv (argv[0] is the
 * subcommand name) and returns the process exit status: 0 success, 1 a
 * failure that was reported on stderr, 2 a usage error.
 */
#ifndef MEETAUDIT_CLI_H
#define MEETAUDIT_CLI_H

#include <stddef.h>

int cap_cmd_analyze(int argc, char **argv);
int cap_cmd_capture(int argc, char **argv);
int rpt_cmd_flows(int argc, char **argv);
int rpt_cmd_endpoints(int argc, char **argv);
int rpt_cmd_rules(int argc, char **argv);
int cap_cmd_audit(int argc, char **argv);
int rpt_cmd_findings(int argc, char **argv);
int rpt_cmd_diff(int argc, char **argv);
int rpt_cmd_report(int argc, char **argv);
int rpt_cmd_extract(int argc, char **argv);
int rpt_cmd_verify(int argc, char **argv);

/* Resolve a file inside the rules directory: dir if given, else
 * $MEETAUDIT_RULES, else "rules" beside the executable, else the installed
 * share directory.  Writes the path into buf (the last candidate tried when
 * none exists) and returns 0 if the file exists, -1 if not. */
int cap_rules_path(const char *dir, const char *rel, char *buf, size_t len);

/* The meetaudit version string. */
extern const char cap_version[];

#endif
