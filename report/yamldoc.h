/* yamldoc.h - a YAML file as a small read-only tree with source positions.
 *
 * Rule files (rules/entities.yaml, rules/services/NAME.yaml) are data with
 * positions: every problem a validator finds must say file:line:column.
 * libyaml's event parser (YAML 1.1, https://yaml.org/spec/1.1/) does the
 * parsing; this module only turns its events into a tree of scalars,
 * sequences and mappings, each node carrying the 1-based line and column
 * of its first character, and enforces limits so a hostile rule file cannot
 * exhaust memory: file size, nesting depth and items per collection.
 * Aliases are refused (no billion-laughs expansion); anchors and tags are
 * ignored; every scalar is kept as a string (no YAML 1.1 typing, so NO is
 * Norway, not false) and a flag says whether it was plain (unquoted).
 *
 * Ownership: an rpt_ydoc owns every node and string; nodes stay valid until
 * rpt_ydoc_free().  The tree is never modified after loading.
 */
#ifndef MEETAUDIT_YAMLDOC_H
#define MEETAUDIT_YAMLDOC_H

#include <stddef.h>

typedef enum { RPT_Y_SCALAR, RPT_Y_SEQ, RPT_Y_MAP } rpt_ykind;

typedef struct rpt_ynode rpt_ynode;
struct rpt_ynode {
    rpt_ykind kind;
    int line, col;     /* 1-based position of the node's first character */
    int plain;         /* scalars: 1 when written without quotes */
    const char *str;   /* scalars: the value, NUL-terminated, no NUL inside */
    size_t len;        /* scalars: strlen(str) */
    rpt_ynode **items; /* SEQ: n items; MAP: 2*n nodes, key then value */
    size_t n;          /* SEQ: items; MAP: pairs */
};

typedef struct rpt_ydoc rpt_ydoc;

typedef struct rpt_ydoc_limits {
    size_t max_bytes; /* file size */
    int max_depth;    /* nested collections */
    size_t max_items; /* items of one sequence, pairs of one mapping */
} rpt_ydoc_limits;

/* Parse the file at path.  On success returns 0 and stores a new document
 * in *out (caller frees with rpt_ydoc_free()).  On failure returns -1,
 * stores NULL and writes "path:line:column: message" (or "path: message"
 * for I/O problems) to err.  Parsing stops at the first problem.  Keys of
 * mappings must be scalars; duplicate keys are left to the caller. */
int rpt_ydoc_load(const char *path, const rpt_ydoc_limits *lim, rpt_ydoc **out,
                  char *err, size_t errlen);

/* The same for a buffer in memory; name is used in messages. */
int rpt_ydoc_parse(const char *name, const char *buf, size_t len,
                   const rpt_ydoc_limits *lim, rpt_ydoc **out, char *err,
                   size_t errlen);

/* The top node, or NULL for an empty document (owned by d). */
const rpt_ynode *rpt_ydoc_root(const rpt_ydoc *d);

/* Free a document and all its nodes.  NULL is fine. */
void rpt_ydoc_free(rpt_ydoc *d);

/* In a mapping, the value of the first pair whose key is the scalar key;
 * NULL when absent or when map is not a mapping (owned by the document). */
const rpt_ynode *rpt_ynode_get(const rpt_ynode *map, const char *key);

/* "a string", "a list", "a mapping": for messages. */
const char *rpt_ynode_kind_name(const rpt_ynode *n);

#endif
