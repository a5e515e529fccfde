/* test_prefault.c - capture/prefault.c: heap pages populated as the break
 * moves, the break followed down after a trim, nothing done when off.
 * Residency is read back with mincore(2).  Under a malloc that does not use
 * the break (sanitizer builds) the cases say SKIP.
 */
#define _DEFAULT_SOURCE
#include "tu.h"

#include "capture/prefault.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NBLK 48
#define BLK (96 * 1024) /* below malloc's mmap threshold: from the heap */

static uintptr_t brk_now(void)
{
    return (uintptr_t)sbrk(0);
}

/* Pages of [from, to) not resident, or -1 when mincore fails. */
static long absent_pages(uintptr_t from, uintptr_t to)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    from &= ~(pg - 1);
    size_t n = (to - from + pg - 1) / pg;
    unsigned char *v = malloc(n ? n : 1);
    if (!v)
        return -1;
    long absent = -1;
    if (mincore((void *)from, to - from, v) == 0) {
        absent = 0;
        for (size_t i = 0; i < n; i++)
            absent += !(v[i] & 1);
    }
    free(v);
    return absent;
}

/* Grow the heap by about NBLK * BLK; returns 0 when the break did not move
 * (a malloc that does not use it). */
static int grow(void **blk)
{
    uintptr_t before = brk_now();
    for (int i = 0; i < NBLK; i++)
        blk[i] = malloc(BLK);
    for (int i = 0; i < NBLK; i++)
        if (!blk[i])
            return 0;
    return brk_now() > before + (uintptr_t)BLK;
}

static void release(void **blk)
{
    for (int i = 0; i < NBLK; i++) {
        free(blk[i]);
        blk[i] = NULL;
    }
}

static void *blk[NBLK];

/* Grow the heap from the break `from` (p's last step), check that most new
 * pages are absent, step, and check that all of them are then present and
 * p has moved to the new break. */
static void grow_and_populate(cap_prefault *p, uintptr_t from)
{
    TU_CHECK(grow(blk));
    uintptr_t to = brk_now();
    /* malloc wrote only chunk headers: most of the new pages are absent */
    TU_CHECK(absent_pages(from, to) > NBLK);
    cap_prefault_step(p);
    TU_CHECK(!p->off);
    TU_CHECK(p->done == to);
    TU_CHECK_INT(absent_pages(from, to), 0);
}

/* Free the blocks and give the heap's top back to the system. */
static void release_and_trim(void)
{
    release(blk);
    malloc_trim(0);
}

TU_TEST(step_populates_the_new_heap)
{
    cap_prefault p;
    cap_prefault_init(&p);
    TU_CHECK(!p.off);
    grow_and_populate(&p, p.done);
    release_and_trim();
}

TU_TEST(break_followed_down_after_a_trim)
{
    cap_prefault p;
    cap_prefault_init(&p);
    TU_CHECK(grow(blk));
    cap_prefault_step(&p);
    uintptr_t high = p.done;
    release_and_trim();
    uintptr_t low = brk_now();
    TU_CHECK(low < high);
    cap_prefault_step(&p);
    TU_CHECK(p.done == low);
    /* growing again over the released pages populates them again */
    grow_and_populate(&p, low);
    release_and_trim();
}

TU_TEST(off_does_nothing)
{
    cap_prefault p;
    cap_prefault_init(&p);
    p.off = 1;
    uintptr_t from = p.done;
    TU_CHECK(grow(blk));
    uintptr_t to = brk_now();
    long before = absent_pages(from, to);
    cap_prefault_step(&p);
    TU_CHECK(p.done == from);
    TU_CHECK_INT(absent_pages(from, to), before);
    release_and_trim();
}

/* VmFlags of the mapping that holds address a ("" when not found). */
static void vm_flags_of(uintptr_t a, char *out, size_t n)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0;
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') &&
            line[strspn(line, "0123456789abcdef")] == '-') {
            in = a >= lo && a < hi;
        } else if (in && !strncmp(line, "VmFlags:", 8)) {
            snprintf(out, n, "%s", line + 8);
            break;
        }
    }
    fclose(f);
}

/* Under a data limit below eight times the reserve, nothing is reserved
 * (a child process, so that the limit and the heap stay its own). */
TU_TEST(no_reserve_under_a_data_limit)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = { (rlim_t)4 * CAP_HEAP_RESERVE,
                             (rlim_t)4 * CAP_HEAP_RESERVE };
        uintptr_t b0 = brk_now();
        int ok = setrlimit(RLIMIT_DATA, &rl) == 0 &&
                 cap_prefault_reserve() == 0 && brk_now() == b0;
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    TU_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    TU_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Runs last: the reserve leaves the heap grown (the cases above need a
 * break that moves with each allocation). */
TU_TEST(reserve_marks_the_heap_for_huge_pages)
{
    uintptr_t b0 = brk_now();
    size_t marked = cap_prefault_reserve();
    uintptr_t b1 = brk_now();
    TU_CHECK(b1 >= b0 + CAP_HEAP_RESERVE);
    TU_CHECK(marked >= CAP_HEAP_RESERVE - (4u << 20));
    char fl[512];
    uintptr_t mid = (b0 + b1) / 2;
    vm_flags_of(mid, fl, sizeof(fl));
    TU_CHECK(strstr(fl, " hg") != NULL);
    /* the reserve is free space malloc allocates from: the break stays */
    TU_CHECK(grow(blk) == 0);
    TU_CHECK(brk_now() == b1);
    release(blk);
    TU_CHECK(brk_now() == b1);          /* and it is not trimmed */
}

int main(void)
{
    static const char *const cases[] = {
        "step_populates_the_new_heap", "break_followed_down_after_a_trim",
        "off_does_nothing", "no_reserve_under_a_data_limit",
        "reserve_marks_the_heap_for_huge_pages",
    };
    /* stdout's buffer allocated now, low in the heap: a FAIL line printed
     * while the blocks are held must not sit above them and stop a trim */
    static char obuf[BUFSIZ];
    setvbuf(stdout, obuf, _IOLBF, sizeof(obuf));
    cap_prefault_setup();
    int moves = grow(blk);
    release_and_trim();
    if (!moves) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            printf("SKIP %s: the heap's break does not move (malloc is not "
                   "glibc's: a sanitizer build?)\n", cases[i]);
        return tu_finish();
    }
    TU_RUN(step_populates_the_new_heap);
    TU_RUN(break_followed_down_after_a_trim);
    TU_RUN(off_does_nothing);
    TU_RUN(no_reserve_under_a_data_limit);
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) != 0)
        printf("SKIP reserve_marks_the_heap_for_huge_pages: this kernel has "
               "no transparent huge pages (no /sys/kernel/mm/"
               "transparent_hugepage)\n");
    else
        TU_RUN(reserve_marks_the_heap_for_huge_pages);
    return tu_finish();
}
