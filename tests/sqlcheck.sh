#!/bin/bash
# sqlcheck.sh - no SQL is ever built from strings at run time.
#
# Reads every capture/*.c dissect/*.c report/*.c with a small C tokenizer
# (comments and string literals understood, so text inside either never
# counts) and checks:
#   1. every SQL argument of sqlite3_exec, sqlite3_prepare, _v2, _v3 and
#      the prepare16 variants is a constant:
#      - string literals (adjacent literals concatenated), a #define of
#        literals, "c ? constant : constant";
#      - a name declared (at file scope, in the function, or extern from
#        another file's definition) as `const char NAME[] = literal`,
#        `const char *const NAME[] = { constants }` (designated
#        initialisers allowed), or `const char *NAME = constant` never
#        written to afterwards;
#      - NAME[i].field of a table `struct {...} NAME[] = { {..}, ... }`
#        whose field is a constant in every row and which is never written
#        to or has its address taken;
#      - a `const char *` parameter, never reassigned, of a *static*
#        function every call of which passes a constant by these rules (the
#        `exec(s, "BEGIN")` wrapper);
#   2. sqlite3_mprintf, sqlite3_vmprintf, sqlite3_snprintf,
#      sqlite3_vsnprintf, sqlite3_str_appendf, sqlite3_str_vappendf and
#      sqlite3_get_table appear nowhere;
#   3. no string literal that looks like SQL (an upper-case statement
#      keyword followed by SQL text) is handed to sprintf, snprintf,
#      asprintf, strcat, strncat, strcpy, memcpy or the like, as a format or
#      a piece: SQL assembled from constant pieces is still string-built.
# A self-test first runs the checker on known-bad and known-good snippets,
# and on a copy of the tree with string-built SQL planted in two files
# (sqlcheck:planted), so this test can fail.  Prints "PASS sqlcheck:<file> (N call sites)",
# "FAIL sqlcheck:<file>:<line>: why", and PASS/FAIL sqlcheck:selftest.

. "$(dirname "$0")/lib.sh"

CHK=$T_TMP/sqlcheck.py
cat >"$CHK" <<'EOF'
import re, sys

SQL_CALLS = {"sqlite3_exec": 1, "sqlite3_prepare": 1, "sqlite3_prepare_v2": 1,
             "sqlite3_prepare_v3": 1, "sqlite3_prepare16": 1,
             "sqlite3_prepare16_v2": 1, "sqlite3_prepare16_v3": 1}
FORBIDDEN = {"sqlite3_mprintf", "sqlite3_vmprintf", "sqlite3_snprintf",
             "sqlite3_vsnprintf", "sqlite3_str_appendf", "sqlite3_str_vappendf",
             "sqlite3_get_table"}
BUILDERS = {"sprintf", "snprintf", "asprintf", "vsnprintf", "vsprintf",
            "strcat", "strncat", "strcpy", "strncpy", "memcpy", "stpcpy"}
SQLISH = re.compile(r'\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|'
                    r'ATTACH|REPLACE|WITH)\b\s+[A-Za-z_*(%]')
TOK = re.compile(r'''
    (?P<ws>\s+) | (?P<com>/\*.*?\*/ | //[^\n]*) |
    (?P<pp>\#(?:\\\n|[^\n])*) |
    (?P<str>(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*") |
    (?P<chr>'(?:\\.|[^'\\\n])+') |
    (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d[\w.]*) |
    (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>=?:;,.(){}\[\]])
''', re.S | re.X)
OPEN, CLOSE = {"(": ")", "[": "]", "{": "}"}, {")", "]", "}"}
GLOBAL = {}   # non-static file-scope constants of every file: name -> decl

def tokens(src):
    out, line, pos = [], 1, 0
    while pos < len(src):
        m = TOK.match(src, pos)
        if not m:
            out.append(("op", src[pos], line)); pos += 1; continue
        k, v = m.lastgroup, m.group()
        if k not in ("ws", "com"):
            out.append((k, v, line))
        line += v.count("\n")
        pos = m.end()
    return out

def match(t, i):
    """Index of the bracket closing the one at t[i]."""
    depth = 0
    for j in range(i, len(t)):
        if t[j][0] == "op" and t[j][1] in OPEN:
            depth += 1
        elif t[j][0] == "op" and t[j][1] in CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return len(t) - 1

def split_top(t, lo, hi, sep=","):
    """Token lists of t[lo:hi] split at top-level sep."""
    out, cur, depth = [], [], 0
    for x in t[lo:hi]:
        if x[0] == "op" and x[1] in OPEN:
            depth += 1
        elif x[0] == "op" and x[1] in CLOSE:
            depth -= 1
        if depth == 0 and x[0] == "op" and x[1] == sep:
            out.append(cur); cur = []
        else:
            cur.append(x)
    if cur:
        out.append(cur)
    return out

def args_of(t, i):
    """t[i] is '(': (argument token lists, index of ')')."""
    j = match(t, i)
    return split_top(t, i + 1, j), j

class Unit:
    def __init__(self, path, src):
        self.path, self.t = path, tokens(src)
        self.funcs = {}       # name -> {params, constp, static, start, end}
        self.decls = {}       # (scope, name) -> decl; scope None = file
        self.macros = set()   # #define NAME "literal" "literal" ... (lines joined)
        for k, v, _ in self.t:
            if k == "pp":
                m = re.match(r'#\s*define\s+(\w+)\s+((?:"(?:\\.|[^"\\])*"\s*)+)$',
                             v.replace("\\\n", " ").strip())
                if m:
                    self.macros.add(m.group(1))
        self.find_funcs()
        self.find_decls()

    def find_funcs(self):
        t, depth, i = self.t, 0, 0
        while i < len(t):
            k, v, _ = t[i]
            if k == "op" and v == "{":
                depth += 1
            elif k == "op" and v == "}":
                depth -= 1
            elif depth == 0 and k == "id" and i + 1 < len(t) and t[i + 1][1] == "(":
                j = match(t, i + 1)
                if j + 1 < len(t) and t[j + 1][1] == "{":
                    params, constp = [], []
                    for a in split_top(t, i + 2, j):
                        ids = [x[1] for x in a if x[0] == "id"]
                        vs = [x[1] for x in a]
                        params.append(ids[-1] if ids else None)
                        constp.append("const" in vs and "*" in vs and
                                      vs.index("const") < vs.index("*"))
                    b, static = i - 1, False
                    while b >= 0 and t[b][1] not in (";", "}", "{"):
                        static = static or t[b][1] == "static"
                        b -= 1
                    end = match(t, j + 1)
                    self.funcs[v] = {"params": params, "constp": constp,
                                     "static": static, "start": j + 1, "end": end}
                    i = end + 1
                    continue
            i += 1

    def scope_at(self, i):
        for name, f in self.funcs.items():
            if f["start"] <= i <= f["end"]:
                return name
        return None

    def find_decls(self):
        """Every 'head = initializer;' whose head declares a name."""
        t, i, start = self.t, 0, 0
        while i < len(t):
            k, v, _ = t[i]
            if (k == "op" and v in (";", "{", "}")) or k == "pp":
                start = i + 1
            elif k == "op" and v == "=" and start < i:
                head = t[start:i]
                hv = [x[1] for x in head]
                struct_fields = None
                if start > 0 and t[start - 1][1] == "}":  # struct {..} NAME[] =
                    o = start - 1              # index of that '}'
                    depth, b = 0, o
                    while b >= 0:
                        if t[b][1] == "}":
                            depth += 1
                        elif t[b][1] == "{":
                            depth -= 1
                            if depth == 0:
                                break
                        b -= 1
                    if b > 0 and t[b - 1][1] == "struct" or (b > 1 and t[b - 2][1] == "struct"):
                        struct_fields = []
                        for fdecl in split_top(t, b + 1, o, ";"):
                            ids = [x[1] for x in fdecl if x[0] == "id"]
                            struct_fields.append(ids[-1] if ids else None)
                        hv = [x[1] for x in t[b - 1:b]] + hv
                ids = [x for x in hv if re.match(r"[A-Za-z_]\w*$", x)]
                if "(" not in hv and "." not in hv and "->" not in hv and hv \
                        and re.match(r"[A-Za-z_]", hv[0]) and len(ids) >= 2 \
                        and (hv[-1] == "]" or re.match(r"[A-Za-z_]\w*$", hv[-1])):
                    name = hv[hv.index("[") - 1] if "[" in hv else hv[-1]
                    if i + 1 < len(t) and t[i + 1][1] == "{":
                        end = match(t, i + 1)
                        init = ("list", split_top(t, i + 2, end))
                    else:
                        end = i + 1
                        while end < len(t) and not (t[end][1] in (";", ",") and t[end][0] == "op"):
                            if t[end][1] in OPEN:
                                end = match(t, end)
                            end += 1
                        init = ("expr", t[i + 1:end])
                    scope = self.scope_at(i)
                    decl = {"head": hv, "init": init, "fields": struct_fields,
                            "at": i, "scope": scope,
                            "static": "static" in hv,
                            "array": "[" in hv}
                    self.decls[(scope, name)] = decl
                    if scope is None and not decl["static"]:
                        GLOBAL.setdefault(name, []).append((self, decl))
                    i = end
                    continue
            i += 1

    def lookup(self, name, at):
        scope = self.scope_at(at)
        for key in ((scope, name), (None, name)):
            if key in self.decls:
                return self, self.decls[key]
        g = GLOBAL.get(name, [])
        if len(g) == 1:
            return g[0]
        return None, None

    def written(self, name, decl):
        """Non-zero when name (or an element or field of it) is assigned,
        incremented or has its address taken anywhere in its scope after
        the declaration."""
        t = self.t
        lo, hi = decl["at"] + 1, len(t)
        if decl["scope"]:
            hi = self.funcs[decl["scope"]]["end"]
        elif decl["static"]:
            lo = 0
        for j in range(lo, hi):
            if t[j][0] != "id" or t[j][1] != name:
                continue
            if j > 0 and t[j - 1][1] in ("&", "++", "--", ".", "->"):
                if t[j - 1][1] in ("&", "++", "--"):
                    return True
                continue                 # a field of something else
            e = j + 1
            while e < len(t) and t[e][1] == "[":
                e = match(t, e) + 1
            while e + 1 < len(t) and t[e][1] in (".", "->"):
                e += 2
            if e < len(t) and t[e][1] in ("=", "+=", "-=", "++", "--"):
                return True
        return False

    def const_decl(self, name, at, field, depth):
        """(ok, why): the declared name holds only constant SQL."""
        u, d = self.lookup(name, at)
        if not d:
            return None
        hv = d["head"]
        if d["fields"] is None and "const" not in hv:
            return False, "'%s' is not declared const" % name
        # Unless the declaration makes the name itself read-only (an array
        # of const char, or "*const"), it must never be written to.
        readonly = ("const" in hv and ("*" not in hv or hv.count("const") >= 2)
                    and (d["array"] or "*" in hv))
        if not readonly and u.written(name, d):
            return False, "'%s' is written to after its declaration" % name
        kind, init = d["init"]
        if d["fields"] is not None:                     # struct table
            if field not in d["fields"]:
                return False, "'%s' has no field %s" % (name, field)
            k = d["fields"].index(field)
            rows = init if kind == "list" else []
            if not rows:
                return False, "struct table '%s' without rows" % name
            for row in rows:
                if not row or row[0][1] != "{":
                    return False, "struct table '%s': a row is not a brace list" % name
                elems = split_top(row, 1, len(row) - 1)
                val = None
                for e in elems:
                    ev = [x[1] for x in e]
                    if len(ev) >= 3 and ev[0] == "." and ev[2] == "=":
                        if ev[1] == field:
                            val = e[3:]
                if val is None:
                    if any(e and e[0][1] == "." for e in elems) or k >= len(elems):
                        return False, "struct table '%s': field %s not found in a row" % (name, field)
                    val = elems[k]
                ok, why = u.const_expr(val, d["at"], depth + 1)
                if not ok:
                    return False, "struct table '%s': %s" % (name, why)
            return True, ""
        if field is not None:
            return False, "'%s.%s' is not a table of constants" % (name, field)
        items = init if kind == "list" else [init]
        for it in items:
            while len(it) >= 4 and it[0][1] == "[":          # [K] = value
                it = it[[x[1] for x in it].index("=") + 1:]
            ok, why = u.const_expr(it, d["at"], depth + 1)
            if not ok:
                return False, "'%s': %s" % (name, why)
        return True, ""

    def const_expr(self, ts, at, depth=0):
        """(ok, why) for an SQL argument at token index at."""
        if depth > 6:
            return False, "constant chain too deep"
        if not ts:
            return False, "empty SQL argument"
        vals = [x[1] for x in ts]
        while vals and vals[0] == "(" and match(ts, 0) == len(ts) - 1:
            ts, vals = ts[1:-1], vals[1:-1]
        if all(x[0] == "str" or (x[0] == "id" and x[1] in self.macros) for x in ts):
            return True, ""                    # literals and literal macros
        if "?" in vals and ":" in vals:
            q, c = vals.index("?"), len(vals) - 1 - vals[::-1].index(":")
            ok, why = self.const_expr(ts[q + 1:c], at, depth + 1)
            return (ok, why) if not ok else self.const_expr(ts[c + 1:], at, depth + 1)
        if ts[0][0] != "id":
            return False, "SQL from an expression: %s" % " ".join(vals)
        name, rest = vals[0], vals[1:]
        if rest and rest[0] == "[":                      # NAME[...]
            rest = vals[match(ts, 1) + 1:]
        field = None
        if len(rest) == 2 and rest[0] in (".", "->"):
            field, rest = rest[1], []
        if rest:
            return False, "SQL from an expression: %s" % " ".join(vals)
        r = self.const_decl(name, at, field, depth)
        if r is not None:
            return r
        fname = self.scope_at(at)
        f = self.funcs.get(fname)
        if f and name in f["params"] and field is None and len(vals) == 1:
            if not f["static"]:
                return False, ("SQL from parameter '%s' of non-static %s(): "
                               "its callers cannot be checked" % (name, fname))
            idx = f["params"].index(name)
            if not f["constp"][idx]:
                return False, "SQL from parameter '%s' of %s() that is not 'const char *'" % (name, fname)
            for b in range(f["start"], f["end"]):
                if self.t[b][1] == name and self.t[b + 1][1] in ("=", "+=", "++", "--"):
                    return False, "parameter '%s' of %s() is reassigned" % (name, fname)
            n = 0
            for ci, args in self.calls(fname):
                n += 1
                if idx >= len(args):
                    return False, "call of %s() with too few arguments" % fname
                ok, why = self.const_expr(args[idx], ci, depth + 1)
                if not ok:
                    return False, "line %d: %s() called with non-constant SQL (%s)" % (
                        self.t[ci][2], fname, why)
            if n == 0:
                return False, "static %s() passes its parameter '%s' as SQL but is never called" % (fname, name)
            return True, ""
        return False, "SQL from variable '%s' (not a constant)" % name

    def calls(self, name):
        t = self.t
        for i in range(len(t) - 1):
            if t[i][0] == "id" and t[i][1] == name and t[i + 1][1] == "(":
                args, j = args_of(t, i + 1)
                if j + 1 < len(t) and t[j + 1][1] == "{":
                    continue                     # the definition
                if i > 0 and t[i - 1][0] == "id" and t[i - 1][1] != "return":
                    continue                     # a prototype
                yield i, args

    def check(self):
        fails, sites, t = [], 0, self.t
        for i in range(len(t) - 1):
            k, v, line = t[i]
            if k != "id":
                continue
            if v in FORBIDDEN:
                fails.append((line, "%s() builds SQL text at run time" % v))
            if t[i + 1][1] != "(":
                continue
            if v in SQL_CALLS:
                args, _ = args_of(t, i + 1)
                sites += 1
                if len(args) <= SQL_CALLS[v]:
                    fails.append((line, "%s() with too few arguments" % v))
                    continue
                ok, why = self.const_expr(args[SQL_CALLS[v]], i)
                if not ok:
                    fails.append((line, "%s(): %s" % (v, why)))
            elif v in BUILDERS:
                args, _ = args_of(t, i + 1)
                for a in args:
                    for x in a:
                        if x[0] == "str" and SQLISH.search(x[1]):
                            fails.append((line, "%s() given SQL-looking text %s" % (v, x[1][:60])))
        return sites, fails

def main(paths):
    units = [Unit(p, open(p, encoding="utf-8", errors="replace").read()) for p in paths]
    bad = 0
    for u in units:
        sites, fails = u.check()
        for line, why in fails:
            print("FAIL sqlcheck:%s:%d: %s" % (u.path, line, why))
            bad += 1
        if sites and not fails:
            print("PASS sqlcheck:%s (%d SQL call sites, all constant)" % (u.path, sites))
    return 1 if bad else 0

sys.exit(main(sys.argv[1:]))
EOF

# ---------------------------------------------------------------- self-test
mkdir -p "$T_TMP/st"
cat >"$T_TMP/st/good2.c" <<'EOF'
const char EXT_SCHEMA[] = "CREATE TABLE IF NOT EXISTS x(a);";
EOF
cat >"$T_TMP/st/good.c" <<'EOF'
#define Q_DEF "SELECT 1"
#define COLS \
    "a, " \
    "b"
static const char SCHEMA[] = "CREATE TABLE t(a);" "CREATE TABLE u(b);";
static const char *const SQL[2] = { [0] = "SELECT a FROM t", [1] = "DELETE FROM t " "WHERE a=?1" };
static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }
static int run(sqlite3 *db, int i, int c) {
    sqlite3_stmt *q;
    /* sqlite3_exec(db, built, 0, 0, 0) in a comment is not a call */
    const char *s = "sqlite3_exec(db, x)";
    (void)s;
    exec(db, "BEGIN");
    exec(db, SCHEMA);
    sqlite3_prepare_v2(db, SQL[i], -1, &q, NULL);
    sqlite3_prepare_v3(db, c ? "SELECT 1" : "SELECT 2", -1, 0, &q, NULL);
    sqlite3_prepare_v2(db, Q_DEF, -1, &q, NULL);
    sqlite3_prepare_v2(db, "SELECT " COLS " FROM t WHERE a = ?1", -1, &q, NULL);
    return exec(db, "COMMIT");
}
extern const char EXT_SCHEMA[];
static const char SQL_A[] = "SELECT a FROM t";
static int tables(sqlite3 *db, sqlite3_stmt **qa, sqlite3_stmt **qb) {
    static const char *const del[] = { "DELETE FROM t", "DELETE FROM u" };
    struct { sqlite3_stmt **q; const char *sql; } all[] = {
        { qa, SQL_A }, { qb, "SELECT b FROM u" },
    };
    const char *pick = "SELECT 3";
    for (int i = 0; i < 2; i++) {
        sqlite3_prepare_v2(db, all[i].sql, -1, all[i].q, NULL);
        sqlite3_exec(db, del[i], 0, 0, 0);
    }
    sqlite3_exec(db, pick, 0, 0, 0);
    return sqlite3_exec(db, EXT_SCHEMA, 0, 0, 0);
}
EOF
cat >"$T_TMP/st/bad1.c" <<'EOF'
static int f(sqlite3 *db, const char *t) {
    char q[256];
    snprintf(q, sizeof(q), "DELETE FROM %s WHERE 1", t);
    return sqlite3_exec(db, q, 0, 0, 0);
}
EOF
cat >"$T_TMP/st/bad2.c" <<'EOF'
int g(sqlite3 *db, const char *t) {
    char *q = sqlite3_mprintf("SELECT * FROM %q", t);
    int rc = sqlite3_exec(db, q, 0, 0, 0);
    sqlite3_free(q);
    return rc;
}
EOF
cat >"$T_TMP/st/bad3.c" <<'EOF'
int exec_any(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }
EOF
cat >"$T_TMP/st/bad4.c" <<'EOF'
static int ex(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }
static int h(sqlite3 *db, char *buf, const char *name) {
    ex(db, "BEGIN");
    strcpy(buf, "INSERT INTO t VALUES(");
    strcat(buf, name);
    return ex(db, buf);
}
EOF
cat >"$T_TMP/st/bad5.c" <<'EOF2'
static int ex(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, 0, 0, 0); }
static int h(sqlite3 *db, const char *t) {
    char buf[64];
    ex(db, "BEGIN");
    snprintf(buf, sizeof(buf), "%s", t);
    return ex(db, buf);
}
EOF2
cat >"$T_TMP/st/bad6.c" <<'EOF'
static const char *const COLS[] = { "t ADD COLUMN a TEXT" };
static int migrate(sqlite3 *db) {
    char sql[128];
    snprintf(sql, sizeof(sql), "ALTER TABLE %s", COLS[0]);
    return sqlite3_exec(db, sql, 0, 0, 0);
}
EOF
cat >"$T_TMP/st/bad7.c" <<'EOF'
static int tables(sqlite3 *db, sqlite3_stmt **qa, const char *user) {
    struct { sqlite3_stmt **q; const char *sql; } all[] = { { qa, "SELECT 1" } };
    all[0].sql = user;
    return sqlite3_prepare_v2(db, all[0].sql, -1, all[0].q, NULL);
}
EOF
cat >"$T_TMP/st/bad9.c" <<'EOF'
#define COLS "a, b"
static int cols(sqlite3 *db, sqlite3_stmt **q, const char *t) {
    char sql[128];
    snprintf(sql, sizeof(sql), "%s FROM %s", COLS, t);
    return sqlite3_prepare_v2(db, "SELECT " COLS, -1, q, NULL) + sqlite3_prepare_v2(db, sql, -1, q, NULL);
}
EOF
cat >"$T_TMP/st/bad8.c" <<'EOF'
static int pickone(sqlite3 *db, const char *user) {
    const char *pick = "SELECT 3";
    if (user[0])
        pick = user;
    return sqlite3_exec(db, pick, 0, 0, 0);
}
EOF
st_ok=1
python3 "$CHK" "$T_TMP/st/good.c" "$T_TMP/st/good2.c" >"$T_TMP/st/good.out" 2>&1
if [ $? -ne 0 ] || ! grep -q '^PASS .*good.c (9 SQL call sites' "$T_TMP/st/good.out"; then
    st_ok=0
    t_fail sqlcheck:selftest "the checker rejects constant SQL or misses call sites"
    t_indent 10 <"$T_TMP/st/good.out"
fi
for b in bad1 bad2 bad3 bad4 bad5 bad6 bad7 bad8 bad9; do
    if python3 "$CHK" "$T_TMP/st/$b.c" >"$T_TMP/st/$b.out" 2>&1 ||
       ! grep -q '^FAIL' "$T_TMP/st/$b.out"; then
        st_ok=0
        t_fail sqlcheck:selftest "the checker accepts string-built SQL ($b.c)"
        t_indent 10 <"$T_TMP/st/$b.out"
    fi
done
[ "$st_ok" -eq 1 ] && t_pass "sqlcheck:selftest (2 good files and 9 bad snippets judged right)"
[ -n "${SQLCHECK_VERBOSE:-}" ] && cat "$T_TMP"/st/*.out | t_indent 100

# ---------------------------------------------------------------- the tree
shopt -s nullglob
srcs=(capture/*.c dissect/*.c report/*.c)
python3 "$CHK" "${srcs[@]}" >"$T_TMP/tree.out" 2>&1
rc=$?
cat "$T_TMP/tree.out"
grep -q '^FAIL' "$T_TMP/tree.out" && T_FAILS=$((T_FAILS + 1))
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$T_TMP/tree.out"; then
    t_fail sqlcheck "the checker crashed"
fi
grep -q '^PASS' "$T_TMP/tree.out" || grep -q '^FAIL' "$T_TMP/tree.out" ||
    t_fail sqlcheck "no SQL call site found in capture/ dissect/ report/ (checker broken?)"
# ------------------------------------------------- planted in a tree copy
# A copy of the real sources with string-built SQL planted in two files:
# the file with the most SQL call sites (a snprintf'd statement handed to
# sqlite3_exec) and another one (sqlite3_mprintf).  The checker must name
# exactly the planted lines, so it still finds them among the real code.
mkdir -p "$T_TMP/plant"
cp -r capture dissect report "$T_TMP/plant/" 2>/dev/null
sqlf=$(grep -c -E 'sqlite3_(exec|prepare)' capture/*.c dissect/*.c report/*.c 2>/dev/null |
       sort -t: -k2,2nr | head -n 1 | cut -d: -f1)
other=$(ls capture/*.c dissect/*.c | grep -v -x -F "$sqlf" | head -n 1)
if [ -z "$sqlf" ] || [ -z "$other" ]; then
    t_fail sqlcheck:planted "no source file with SQL calls to plant into"
else
    l1=$(( $(wc -l <"$sqlf") + 5 ))
    cat >>"$T_TMP/plant/$sqlf" <<'PLANT'

static int sqlcheck_planted(sqlite3 *db, const char *tbl)
{
    char q[128];
    snprintf(q, sizeof(q), "DELETE FROM %s WHERE 1", tbl);
    return sqlite3_exec(db, q, NULL, NULL, NULL);
}
PLANT
    l2=$(( $(wc -l <"$other") + 5 ))
    cat >>"$T_TMP/plant/$other" <<'PLANT'

void sqlcheck_planted2(const char *who);
void sqlcheck_planted2(const char *who)
{
    char *q = sqlite3_mprintf("SELECT * FROM inputs WHERE name = %Q", who);
    sqlite3_free(q);
}
PLANT
    (cd "$T_TMP/plant" && python3 "$CHK" capture/*.c dissect/*.c report/*.c) \
        >"$T_TMP/plant.out" 2>&1
    want=$(printf 'FAIL sqlcheck:%s:%d\nFAIL sqlcheck:%s:%d\nFAIL sqlcheck:%s:%d\n' \
        "$sqlf" "$l1" "$sqlf" "$((l1 + 1))" "$other" "$l2" | sort)
    # Failures of the real tree (reported above) do not count here.
    got=$(grep '^FAIL' "$T_TMP/plant.out" | grep -v -x -F -f <(grep '^FAIL' "$T_TMP/tree.out") |
          cut -d: -f1-3 | sort)
    if [ "$got" = "$want" ]; then
        t_pass "sqlcheck:planted (snprintf'd SQL run by sqlite3_exec in $sqlf and sqlite3_mprintf in $other found, nothing else)"
    else
        t_fail sqlcheck:planted "want failures at $sqlf:$l1,$((l1 + 1)) and $other:$l2 only"
        grep '^FAIL' "$T_TMP/plant.out" | t_indent 20
    fi
fi

t_exit
