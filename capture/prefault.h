/* prefault.h - populate the heap's new pages in bulk as it grows (see the
 * essay in prefault.c).
 *
 * Use: cap_prefault_setup() once per process before the heap grows much
 * (main()); then a cap_prefault per packet thread, cap_prefault_init()
 * when it starts and cap_prefault_step() every few packets.  The handle is
 * plain caller-owned storage (nothing to free); one thread uses it.
 */
#ifndef MEETAUDIT_PREFAULT_H
#define MEETAUDIT_PREFAULT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes malloc keeps beyond a request when it grows the heap: the most a
 * step populates ahead of use. */
#define CAP_PREFAULT_PAD (2 * 1024 * 1024)

typedef struct cap_prefault {
    uintptr_t done; /* break up to which the heap was populated */
    int off;        /* populating failed or is unavailable: do nothing */
} cap_prefault;

/* Process-wide malloc setting (M_TOP_PAD = CAP_PREFAULT_PAD).  Call once
 * from main(), before other threads start. */
void cap_prefault_setup(void);

/* Heap reserved at start-up for transparent huge pages (address space). */
#define CAP_HEAP_RESERVE (192u << 20)

/* Grow the heap by CAP_HEAP_RESERVE, mark its 2 MiB-aligned part for
 * transparent huge pages and free it back to malloc (see prefault.c).
 * Returns the bytes marked, 0 when nothing was (another malloc, a
 * sanitizer build, no room, no THP support).  Call once from main(),
 * after cap_prefault_setup() and before other threads start. */
size_t cap_prefault_reserve(void);

/* Start at the current break; nothing is populated. */
void cap_prefault_init(cap_prefault *p);

/* Populate the heap between the last step's break and the current one
 * (only from the thread that allocates from the main heap: main()'s). */
void cap_prefault_step(cap_prefault *p);

#endif
