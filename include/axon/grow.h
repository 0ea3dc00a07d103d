/* axon/grow.h - growable arrays: the doubling rule, and a resize that keeps
 * the old array when the allocation fails (so the caller can report it and
 * still free what it holds). Several parallel arrays share one capacity:
 * resize each, then check once (AX_RESIZE_ALL for a whole set).
 */
#ifndef AXON_GROW_H
#define AXON_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* One array of a set that grows together: where its pointer is, and the
 * size of its elements (AX_GROW(ptr), ptr an lvalue of pointer type). */
typedef struct ax_grow_array {
    void *ptr_at;
    size_t elem;
} ax_grow_array;
#define AX_GROW(ptr) ((ax_grow_array){&(ptr), sizeof *(ptr)})

/* AX_RESIZE for every array of a set (the pointers are read and written
 * through memcpy, so any object pointer type can be listed); returns 0 when
 * one failed (it keeps its old array, as AX_RESIZE does). */
static inline int ax_resize_all(int64_t cap, const ax_grow_array *a, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        void *old, *p;
        memcpy(&old, a[i].ptr_at, sizeof old);
        p = realloc(old, (size_t)cap * a[i].elem);
        if (p) memcpy(a[i].ptr_at, &p, sizeof p);
        else ok = 0;
    }
    return ok;
}
#define AX_RESIZE_ALL(cap, ...)                                   \
    ax_resize_all((cap), (const ax_grow_array[]){__VA_ARGS__},    \
                  sizeof((const ax_grow_array[]){__VA_ARGS__}) / sizeof(ax_grow_array))

#endif
