/* verify_cmd.c - `meetaudit verify REPORT KEY.pub`: checks a report's
 * Ed25519 signature file (RFC 8032; format in sign.c), the report's
 * SHA-256 and every input file's SHA-256.
 *
 * Invariants
 * ----------
 * - Read-only: nothing is written but the lines on stdout (one per check,
 *   "ok" or "FAILED") and the first problem on stderr.
 * - Exit status 0 only when the signature verifies with the given key and
 *   every hash matches; 1 otherwise; 2 for usage errors.
 */
#include "../capture/cli.h"
#include "sign.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *o)
{
    fprintf(o,
            "usage: meetaudit verify [--sig REPORT.sig] REPORT KEY.pub\n"
            "  checks REPORT.sig (written by `meetaudit report --sign "
            "KEY.pem`) with the Ed25519\n"
            "  public key KEY.pub (PEM), the report's SHA-256 and the "
            "SHA-256 of every input\n");
}

/* `meetaudit verify` (cli.h): argv is the subcommand's own; nothing is
 * kept.  Exit status 0 all checks pass, 1 a check failed, 2 usage. */
int rpt_cmd_verify(int argc, char **argv)
{
    const char *sig = NULL;
    static const struct option lo[] = {
        { "sig", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's': sig = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    char err[1024];
    int rc = rpt_verify_report(argv[optind], sig, argv[optind + 1], stdout,
                               err, sizeof(err));
    if (fflush(stdout) != 0)
        rc = 1;
    if (rc != 0) {
        fprintf(stderr, "meetaudit: verify: %s\n", err);
        return 1;
    }
    printf("verified: %s\n", argv[optind]);
    return fflush(stdout) != 0;
}
