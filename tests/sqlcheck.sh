#!/bin/bash
# sqlcheck.sh - no SQL is ever built from strings at run time.
#
# Reads every capture/*.c dissect/*.c report/*.c with a small C tokenizer
# (comments and string literals understood, so text inside either never
# counts) and checks:
#   1. every SQL argument of sqlite3_exec, sqlite3_prepare, _v2, _v3 and
#      the prepare16 variants is a constant: string literals (adjacent
#      literals concatenated), "c ? literal : literal", a file-scope
#      `static const char NAME[] = literal`, an element of a file-scope
#      `static const char *const NAME[] = { literals }` (designated
#      initialisers allowed), a #define of literals, or a parameter of a
#      *static* function every call of which passes a constant by these
#      same rules (the `exec(s, "BEGIN")` wrapper);
#   2. sqlite3_mprintf, sqlite3_vmprintf, sqlite3_snprintf,
#      sqlite3_vsnprintf, sqlite3_str_appendf, sqlite3_str_vappendf and
#      sqlite3_get_table appear nowhere;
#   3. no string literal that looks like SQL (an upper-case statement
#      keyword followed by SQL text) is handed to sprintf, snprintf,
#      asprintf, strcat, strncat, strcpy, memcpy or a JSON/text builder
#      as a format or piece.
# A self-test first runs the checker on known-bad and known-good snippets
# so this test can fail.  Prints "PASS sqlcheck:<file> (N call sites)",
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
                    r'ATTACH|REPLACE|WITH)\b\s+[A-Za-z_*(]')
TOK = re.compile(r'''
    (?P<ws>\s+) | (?P<com>/\*.*?\*/ | //[^\n]*) |
    (?P<pp>\#[^\n]*(?:\\\n[^\n]*)*) |
    (?P<str>(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*") |
    (?P<chr>'(?:\\.|[^'\\\n])+') |
    (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d[\w.]*) |
    (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>=?:;,.(){}\[\]])
''', re.S | re.X)

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

def split_args(toks, i):
    """toks[i] is '('; return ([arg token lists], index after ')')."""
    depth, args, cur = 0, [], []
    j = i
    while j < len(toks):
        k, v, _ = toks[j]
        if v in "([{" and k == "op":
            depth += 1
            if depth == 1:
                j += 1; continue
        elif v in ")]}" and k == "op":
            depth -= 1
            if depth == 0:
                args.append(cur)
                return args, j + 1
        if depth == 1 and k == "op" and v == ",":
            args.append(cur); cur = []
        else:
            cur.append(toks[j])
        j += 1
    return args, j

class Unit:
    def __init__(self, path, src):
        self.path, self.toks = path, tokens(src)
        self.consts, self.funcs = set(), {}
        self.scan()

    def literals(self, ts):
        return ts and all(t[0] == "str" for t in ts)

    def scan(self):
        t = self.toks
        for k, v, _ in t:                       # #define NAME "literal"...
            if k == "pp":
                m = re.match(r'#\s*define\s+(\w+)\s+((?:"(?:\\.|[^"\\])*"\s*)+)$', v.strip())
                if m:
                    self.consts.add(m.group(1))
        depth, i = 0, 0
        while i < len(t):
            k, v, line = t[i]
            if k == "op" and v == "{":
                depth += 1
            elif k == "op" and v == "}":
                depth -= 1
            elif depth == 0 and k == "id" and v == "static":
                j = i                           # a file-scope declaration
                while j < len(t) and not (t[j][0] == "op" and t[j][1] in ";={("):
                    j += 1
                decl = [x[1] for x in t[i:j]]
                if j < len(t) and t[j][1] == "=" and "const" in decl:
                    name = next((x for x in reversed(decl) if re.match(r'[A-Za-z_]\w*$', x)
                                 and x not in ("const", "char", "static")), None)
                    # name[...] = ...: the identifier just before '['
                    if "[" in decl:
                        name = decl[decl.index("[") - 1]
                    ptr_const = decl.count("const") >= 2 or "*" not in decl
                    e = j + 1
                    if e < len(t) and t[e][1] == "{":
                        items, end = split_args([("op", "(", 0)] + t[e + 1:], 0)
                        ok = True
                        for it in items:
                            while len(it) >= 4 and it[0][1] == "[":
                                d = [x[1] for x in it].index("=")
                                it = it[d + 1:]
                            if it and not self.literals(it):
                                ok = False
                        if ok and ptr_const:
                            self.consts.add(name)
                    else:
                        f = e
                        while f < len(t) and t[f][1] != ";":
                            f += 1
                        if self.literals(t[e:f]) and ptr_const:
                            self.consts.add(name)
            if depth == 0 and k == "id" and i + 1 < len(t) and t[i + 1][1] == "(":
                args, after = split_args(t, i + 1)
                if after < len(t) and t[after][1] == "{":
                    params, constp = [], []
                    for a in args:
                        ids = [x[1] for x in a if x[0] == "id"]
                        params.append(ids[-1] if ids else None)
                        vs = [x[1] for x in a]
                        # "const char *name": the pointed-to text is const
                        constp.append("const" in vs and "*" in vs and
                                      vs.index("const") < vs.index("*"))
                    # is it static? look back to the previous ';' or '}'
                    b, static = i - 1, False
                    while b >= 0 and t[b][1] not in (";", "}"):
                        if t[b][1] == "static":
                            static = True
                        b -= 1
                    self.funcs[v] = {"params": params, "constp": constp,
                                     "static": static,
                                     "start": after, "end": self.block_end(after)}
            i += 1

    def block_end(self, i):
        depth = 0
        for j in range(i, len(self.toks)):
            if self.toks[j][1] == "{":
                depth += 1
            elif self.toks[j][1] == "}":
                depth -= 1
                if depth == 0:
                    return j
        return len(self.toks)

    def enclosing(self, i):
        for name, f in self.funcs.items():
            if f["start"] <= i <= f["end"]:
                return name, f
        return None, None

    def calls(self, name):
        t = self.toks
        for i in range(len(t) - 1):
            if t[i][1] == name and t[i][0] == "id" and t[i + 1][1] == "(":
                args, after = split_args(t, i + 1)
                if after < len(t) and t[after][1] == "{":
                    continue                     # the definition
                if i > 0 and t[i - 1][0] == "id" and t[i - 1][1] not in ("return",):
                    continue                     # a prototype
                yield i, args

    def const_expr(self, ts, at, depth=0):
        """(ok, why) for an SQL argument at token index at."""
        if not ts:
            return False, "empty SQL argument"
        if self.literals(ts):
            return True, ""
        vals = [x[1] for x in ts]
        if "?" in vals and ":" in vals:
            q, c = vals.index("?"), len(vals) - 1 - vals[::-1].index(":")
            a, why = self.const_expr(ts[q + 1:c], at, depth)
            if not a:
                return a, why
            return self.const_expr(ts[c + 1:], at, depth)
        while vals and vals[0] == "(" and vals[-1] == ")":
            ts, vals = ts[1:-1], vals[1:-1]
        if ts and ts[0][0] == "id" and (len(ts) == 1 or vals[1] == "["):
            if len(ts) > 1 and vals[-1] != "]":
                return False, "SQL from an expression: %s" % " ".join(vals)
            name = vals[0]
            if name in self.consts:
                return True, ""
            fname, f = self.enclosing(at)
            if f and name in f["params"] and len(ts) == 1:
                if not f["static"]:
                    return False, ("SQL from parameter '%s' of non-static %s(): "
                                   "its callers cannot be checked" % (name, fname))
                if depth > 3:
                    return False, "wrapper chain too deep"
                idx, n = f["params"].index(name), 0
                if not f["constp"][idx]:
                    return False, ("SQL from parameter '%s' of %s() that is not "
                                   "'const char *'" % (name, fname))
                body = self.toks[f["start"]:f["end"]]
                for b in range(len(body) - 1):
                    if body[b][1] == name and body[b + 1][1] in ("=", "+=", "-=", "++", "--"):
                        return False, "parameter '%s' of %s() is reassigned" % (name, fname)
                for ci, args in self.calls(fname):
                    n += 1
                    if idx >= len(args):
                        return False, "call of %s() with too few arguments" % fname
                    ok, why = self.const_expr(args[idx], ci, depth + 1)
                    if not ok:
                        return False, "line %d: %s() called with non-constant SQL (%s)" % (
                            self.toks[ci][2], fname, why)
                if n == 0:
                    return False, "static %s() passes its parameter '%s' as SQL but is never called" % (fname, name)
                return True, ""
            return False, "SQL from variable '%s' (not a constant)" % name
        return False, "SQL from an expression: %s" % " ".join(vals)

    def check(self):
        fails, sites, t = [], 0, self.toks
        for i in range(len(t) - 1):
            k, v, line = t[i]
            if k != "id":
                continue
            if v in FORBIDDEN:
                fails.append((line, "%s() builds SQL text at run time" % v))
            if t[i + 1][1] != "(":
                continue
            if v in SQL_CALLS:
                args, _ = split_args(t, i + 1)
                sites += 1
                if len(args) <= SQL_CALLS[v]:
                    fails.append((line, "%s() with too few arguments" % v))
                    continue
                ok, why = self.const_expr(args[SQL_CALLS[v]], i)
                if not ok:
                    fails.append((line, "%s(): %s" % (v, why)))
            elif v in BUILDERS:
                args, _ = split_args(t, i + 1)
                for a in args:
                    for x in a:
                        if x[0] == "str" and SQLISH.search(x[1]):
                            fails.append((line, "%s() given SQL-looking text %s" % (v, x[1][:60])))
        return sites, fails

def main(paths):
    bad = 0
    for p in paths:
        u = Unit(p, open(p, encoding="utf-8", errors="replace").read())
        sites, fails = u.check()
        for line, why in fails:
            print("FAIL sqlcheck:%s:%d: %s" % (p, line, why))
            bad += 1
        if sites and not fails:
            print("PASS sqlcheck:%s (%d SQL call sites, all constant)" % (p, sites))
    return 1 if bad else 0

sys.exit(main(sys.argv[1:]))
EOF

# ---------------------------------------------------------------- self-test
mkdir -p "$T_TMP/st"
cat >"$T_TMP/st/good.c" <<'EOF'
#define Q_DEF "SELECT 1"
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
    return exec(db, "COMMIT");
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
st_ok=1
python3 "$CHK" "$T_TMP/st/good.c" >"$T_TMP/st/good.out" 2>&1
if [ $? -ne 0 ] || ! grep -q '^PASS .*good.c (4 SQL call sites' "$T_TMP/st/good.out"; then
    st_ok=0
    t_fail sqlcheck:selftest "the checker rejects constant SQL or misses call sites"
    t_indent 10 <"$T_TMP/st/good.out"
fi
for b in bad1 bad2 bad3 bad4 bad5; do
    if python3 "$CHK" "$T_TMP/st/$b.c" >"$T_TMP/st/$b.out" 2>&1 ||
       ! grep -q '^FAIL' "$T_TMP/st/$b.out"; then
        st_ok=0
        t_fail sqlcheck:selftest "the checker accepts string-built SQL ($b.c)"
        t_indent 10 <"$T_TMP/st/$b.out"
    fi
done
[ "$st_ok" -eq 1 ] && t_pass "sqlcheck:selftest (1 good and 5 bad snippets judged right)"
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
t_exit
