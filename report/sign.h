/* sign.h - Ed25519 signatures over a report, its manifest and its inputs
 * (RFC 8032 through OpenSSL EVP; SHA-256 per FIPS 180-4).
 *
 * The signature file REPORT.sig is a text file of lines (format in
 * sign.c's essay and README "Signing"):
 *   meetaudit-signature 1
 *   report-sha256 HEX
 *   manifest-sha256 HEX
 *   input HEX PATH          (one per input of the evidence database)
 *   public-key BASE64       (the raw 32-byte Ed25519 public key)
 *   signature BASE64        (Ed25519 over every byte before this line)
 */
#ifndef MEETAUDIT_SIGN_H
#define MEETAUDIT_SIGN_H

#include <stddef.h>
#include <stdio.h>

/* Sign the report at report_path: writes report_path + ".sig" (replaced
 * when it exists: it belongs to the report just written).  manifest_json is
 * the report's manifest text (hashed as given; NULL hashes ""), db_path the
 * evidence database whose inputs are listed, key_path an Ed25519 private
 * key in PEM (`openssl genpkey -algorithm ed25519`).  Nothing is owned or
 * kept.  Returns 0, or -1 with a message in err. */
int rpt_sign_report(const char *report_path, const char *manifest_json,
                    const char *db_path, const char *key_path, char *err,
                    size_t errlen);

/* Verify report_path against sig_path (NULL: report_path + ".sig") with
 * the Ed25519 public key in PEM at pub_path: the signature, the report's
 * SHA-256 and the SHA-256 of every listed input file.  Each check is
 * printed as a line on out (may be NULL).  Returns 0 when everything
 * matches, 1 when something does not (err says the first problem). */
int rpt_verify_report(const char *report_path, const char *sig_path,
                      const char *pub_path, FILE *out, char *err,
                      size_t errlen);

#endif
