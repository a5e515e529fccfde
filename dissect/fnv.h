/* fnv.h - FNV-1a (Fowler/Noll/Vo; draft-eastlake-fnv), the one hash
 * meetaudit's in-memory tables spread their keys with.
 *
 * Used only to pick a slot or bucket: every table compares the whole key
 * after hashing, and none chains without bound on a slot, so collisions
 * chosen by a hostile capture cost a miss, never a wrong answer or
 * unbounded work.  h is the running value: start from DIS_FNV32_INIT or
 * DIS_FNV64_INIT (or a value derived from one) and feed bytes in as many
 * calls as the key has parts.
 */
#ifndef MEETAUDIT_FNV_H
#define MEETAUDIT_FNV_H

#include <stddef.h>
#include <stdint.h>

#define DIS_FNV32_INIT 2166136261u             /* offset basis, 32 bits */
#define DIS_FNV64_INIT 14695981039346656037ull /* offset basis, 64 bits */

static inline uint32_t dis_fnv32(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static inline uint64_t dis_fnv64(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#endif
