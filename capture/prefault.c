/* prefault.c - take the heap's new pages in bulk as it grows (Linux
 * madvise(MADV_POPULATE_WRITE), 5.14 and later).
 *
 * Why
 * ---
 * The flow table's memory grows with the flows open at once: on the
 * benchmark capture the heap of the packet thread grows to about 85 MB,
 * and every first touch of one of its 4 KiB pages was a page fault (some
 * 21,000 of them).  On the virtual machines we measure on, a fault costs
 * several microseconds of exception entry and exit: about a sixth of the
 * packet thread's time.  Asking the kernel to populate the pages malloc has
 * just taken from the system, in one call, does the same allocation and
 * zeroing without the exceptions.
 *
 * Invariants
 * ----------
 * - Only the brk heap is populated (glibc's main arena, the one the thread
 *   that runs main() allocates from; the packet path runs there), and only
 *   pages between the break seen at the previous step and the break now.
 *   What lies below the break belongs to malloc, which has already grown
 *   the heap over it, so populating it changes no contents (the kernel
 *   populates only pages not yet present; present ones are left alone).
 * - Memory made resident ahead of use is bounded by CAP_PREFAULT_PAD (the
 *   M_TOP_PAD malloc keeps beyond a request when it grows the heap) plus
 *   what the packets between two steps allocate: peak RSS grows by less
 *   than that (measured about half a megabyte on the benchmark capture).
 * - When the heap shrinks (malloc trims its top), the next growth is
 *   populated again from the lower break.
 * - Setting M_TOP_PAD also makes glibc keep its mmap and trim thresholds
 *   fixed (128 KiB; the trim threshold is then raised by the reserve,
 *   below) instead of raising them as large blocks are freed: a
 *   block of 128 KiB or more is then always its own mapping.  On the
 *   benchmark captures (big4.pcap frees most of its flows between segments
 *   an hour apart) the heap moved 87 times in a run and nothing got slower.
 * - Huge pages (cap_prefault_reserve): at start-up the heap is grown by
 *   CAP_HEAP_RESERVE in one step, the 2 MiB-aligned part of that range is
 *   marked for transparent huge pages (madvise(MADV_HUGEPAGE); the system
 *   setting "madvise", Debian's default, honours it) and the block is freed
 *   again, malloc keeping it as free space: its trim threshold is raised
 *   to twice the reserve (otherwise the free would hand the reserve back
 *   at once), so from then on the heap's top is returned to the system
 *   only when more than that is free there (it was 128 KiB).  Nothing of it is
 *   resident until used; what the packet path allocates then comes from
 *   2 MiB pages, one fault per 2 MiB and one TLB entry where there were
 *   512.  On this VM that was a tenth of big.pcap's wall time (every miss
 *   of the TLB walks the guest's and the host's page tables), for about 1
 *   MB more peak RSS (2 MiB pages are resident whole).  nDPI's own tables,
 *   allocated after main() starts, live there too.  The break does not
 *   move again until the reserve is used up, so the populating steps above
 *   only act on heaps beyond it.  Address space, not memory: under a limit
 *   on address space or data below eight times the reserve it is not
 *   made, and with strict overcommit the allocation fails and nothing is
 *   done.
 * - Best effort and speed only: nothing depends on it.  The first failure
 *   (EINVAL from a kernel before 5.14, or a kernel that never populates)
 *   switches the handle off; with another malloc (sanitizers, a preloaded
 *   allocator) the break simply does not move and nothing is done.
 */
#define _DEFAULT_SOURCE /* sbrk */
#include "prefault.h"

#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux UAPI value, for older headers */
#endif

void cap_prefault_setup(void)
{
#ifdef M_TOP_PAD
    (void)mallopt(M_TOP_PAD, CAP_PREFAULT_PAD);
#endif
}

static uintptr_t brk_now(void)
{
    void *b = sbrk(0);
    return b == (void *)-1 ? 0 : (uintptr_t)b;
}

/* Sanitizer builds replace malloc (the break never moves) and would poison
 * the shadow of the whole freed block: no reserve there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NO_RESERVE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NO_RESERVE 1
#endif
#endif

/* Whether the limits on address space and data leave room: the reserve
 * counts against both at once, so under a limit lower than eight times the
 * reserve it is not made (it could leave too little for the mappings that
 * come later: thread stacks, SQLite, large blocks). */
static int room_for_reserve(void)
{
    static const int res[] = { RLIMIT_AS, RLIMIT_DATA };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        struct rlimit rl;
        if (getrlimit(res[i], &rl) != 0)
            return 0;
        if (rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t)8 * CAP_HEAP_RESERVE)
            return 0;
    }
    return 1;
}

size_t cap_prefault_reserve(void)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    size_t marked = 0;
    uintptr_t b0 = brk_now();
#ifdef NO_RESERVE
    b0 = 0;
#endif
    if (!b0 || !room_for_reserve())
        return 0;
#if defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
    /* From the break, not its own mapping; kept when freed. */
    (void)mallopt(M_TRIM_THRESHOLD, (int)(2 * (size_t)CAP_HEAP_RESERVE));
    (void)mallopt(M_MMAP_MAX, 0);
    void *blk = malloc(CAP_HEAP_RESERVE);
    (void)mallopt(M_MMAP_MAX, 65536); /* glibc's default */
    uintptr_t b1 = brk_now();
    if (blk && b1 >= b0 + CAP_HEAP_RESERVE) {
        uintptr_t s = (b0 + huge - 1) & ~(huge - 1);
        uintptr_t e = b1 & ~(huge - 1);
        if (e > s && madvise((void *)s, e - s, MADV_HUGEPAGE) == 0)
            marked = e - s;
    }
    free(blk);
#endif
    return marked;
}

void cap_prefault_init(cap_prefault *p)
{
    p->done = brk_now();
    p->off = p->done == 0;
}

void cap_prefault_step(cap_prefault *p)
{
    if (p->off)
        return;
    uintptr_t end = brk_now();
    if (end <= p->done) {
        p->done = end;                  /* trimmed (or unchanged) */
        return;
    }
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = p->done & ~(pg - 1);
    if (madvise((void *)start, end - start, MADV_POPULATE_WRITE) != 0)
        p->off = 1;
    p->done = end;
}
