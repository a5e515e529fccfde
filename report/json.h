/* json.h - a minimal streaming JSON writer for exports (RFC 8259).
 *
 * The writer tracks nesting so callers only say what to emit; keys and
 * values are escaped, invalid UTF-8 is replaced by U+FFFD.  The FILE is
 * borrowed.
 */
#ifndef MEETAUDIT_JSON_H
#define MEETAUDIT_JSON_H

#include <stdint.h>
#include <stdio.h>

#define RPT_JSON_DEPTH 16

typedef struct rpt_json {
    FILE *o;
    int depth;
    int count[RPT_JSON_DEPTH];
} rpt_json;

void rpt_json_init(rpt_json *j, FILE *o);
/* key is NULL inside arrays and at top level. */
void rpt_json_obj_begin(rpt_json *j, const char *key);
void rpt_json_obj_end(rpt_json *j);
void rpt_json_arr_begin(rpt_json *j, const char *key);
void rpt_json_arr_end(rpt_json *j);
/* val NULL writes null. */
void rpt_json_str(rpt_json *j, const char *key, const char *val);
void rpt_json_int(rpt_json *j, const char *key, int64_t val);
void rpt_json_null(rpt_json *j, const char *key);
void rpt_json_bool(rpt_json *j, const char *key, int val);
/* Write pre-serialised JSON (must be valid) as a value. */
void rpt_json_raw(rpt_json *j, const char *key, const char *json);
/* Write s as a JSON string literal (quotes included). */
void rpt_json_write_string(FILE *o, const char *s);

#endif
