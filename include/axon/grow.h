/* axon/grow.h - growable arrays: the doubling rule, and a resize that keeps
 * the old array when the allocation fails (so the caller can report it and
 * still free what it holds). Several parallel arrays share one capacity:
 * resize each, then check once.
 */
#ifndef AXON_GROW_H
#define AXON_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* The capacity after cap when more room is needed: twice, or first from empty. */
static inline int64_t ax_grow_cap(int64_t cap, int64_t first)
{
    return cap > 0 ? 2 * cap : first;
}

/* Resize the array `ptr` (an lvalue of pointer type) to cap elements; on
 * failure ptr keeps its old array and ok becomes 0. */
#define AX_RESIZE(ptr, cap, ok)                                              \
    do {                                                                     \
        void *ax_resized_ = realloc((ptr), (size_t)(cap) * sizeof *(ptr));    \
        if (ax_resized_) (ptr) = ax_resized_;                                \
        else (ok) = 0;                                                       \
    } while (0)

#endif
