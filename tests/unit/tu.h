/* tu.h - the tiny unit-test harness shared by tests/unit/test_*.c.
 *
 * Every test program prints one line per test case: "PASS name", "FAIL name:
 * why" or "SKIP name: why".  tests/run.sh counts those lines across all
 * suites and prints the closing "N passed, N failed" line.  A test program
 * exits non-zero when any of its cases failed.
 *
 *   TU_TEST(name) { TU_CHECK(x == 1); TU_CHECK_STR(a, "b"); }
 *   int main(void) { TU_RUN(name); return tu_finish(); }
 */
#ifndef MEETAUDIT_TU_H
#define MEETAUDIT_TU_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int tu_fail_count, tu_pass_count;
static int tu_cur_failed;
static const char *tu_cur_name;

#define TU_TEST(name) static void tu_case_##name(void)

#define TU_FAILF(...)                                                       \
    do {                                                                    \
        if (!tu_cur_failed) {                                               \
            printf("FAIL %s: %s:%d: ", tu_cur_name, __FILE__, __LINE__);    \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
        tu_cur_failed = 1;                                                  \
    } while (0)

#define TU_CHECK(cond)                                                      \
    do {                                                                    \
        if (!(cond))                                                        \
            TU_FAILF("check failed: %s", #cond);                            \
    } while (0)

#define TU_CHECK_INT(a, b)                                                  \
    do {                                                                    \
        long long tu_a = (long long)(a), tu_b = (long long)(b);             \
        if (tu_a != tu_b)                                                   \
            TU_FAILF("%s == %lld, expected %lld", #a, tu_a, tu_b);          \
    } while (0)

#define TU_CHECK_STR(a, b)                                                  \
    do {                                                                    \
        const char *tu_sa = (a), *tu_sb = (b);                              \
        if (!tu_sa || !tu_sb || strcmp(tu_sa, tu_sb) != 0)                  \
            TU_FAILF("%s == \"%s\", expected \"%s\"", #a,                   \
                     tu_sa ? tu_sa : "(null)", tu_sb ? tu_sb : "(null)");   \
    } while (0)

#define TU_RUN(name)                                                        \
    do {                                                                    \
        tu_cur_name = #name;                                                \
        tu_cur_failed = 0;                                                  \
        tu_case_##name();                                                   \
        if (tu_cur_failed)                                                  \
            tu_fail_count++;                                                \
        else {                                                              \
            tu_pass_count++;                                                \
            printf("PASS %s\n", #name);                                     \
        }                                                                   \
    } while (0)

/* The mkdtemp(3) template of a test's private directory:
 * "$TMPDIR/meetaudit-<name>.XXXXXX" (/tmp when TMPDIR is unset or empty;
 * mkdtemp() replaces the six X).  Returns 0, or -1 when buf is too small
 * (a cut template would lose its X). */
static inline int tu_tmp_template(char *buf, size_t n, const char *name)
{
    const char *td = getenv("TMPDIR");
    int k = snprintf(buf, n, "%s/meetaudit-%s.XXXXXX",
                     td && *td ? td : "/tmp", name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

static inline int tu_finish(void)
{
    fflush(stdout);
    return tu_fail_count ? 1 : 0;
}

#endif
