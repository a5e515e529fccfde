/* analyze.h - analysing capture files into an evidence database, shared by
 * `analyze` and `audit` (which analyses its pcap inputs and a baseline
 * capture the same way).
 *
 * Ownership: every argument is the caller's and only read during the call;
 * input_ids, when not NULL, has n elements and is written.
 */
#ifndef MEETAUDIT_ANALYZE_H
#define MEETAUDIT_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

/* Analyse paths[0..n) into the database out exactly as `analyze` does
 * (default flow options; rules NULL: the usual rules lookup; inputs
 * already stored are skipped).  input_ids[i] receives file i's input id
 * (0 when it could not be read).  Returns 0 when every file was analysed,
 * 1 otherwise (messages on stderr name the file). */
int cap_analyze_files(const char *out, const char *rules,
                      const char *const *paths, size_t n, int quiet,
                      int64_t *input_ids);

#endif
