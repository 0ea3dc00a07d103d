/* axon/free_all.h - teardown of what a struct owns: AX_FREE_ALL(a, b, c)
 * frees each pointer in turn, so a struct's free function is one list of
 * the arrays it owns (the order is the list's; NULL entries are fine, as
 * for free()).
 */
#ifndef AXON_FREE_ALL_H
#define AXON_FREE_ALL_H

#include <stddef.h>
#include <stdlib.h>

static inline void ax_free_each(void *const *ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(ptrs[i]);
}

#define AX_FREE_ALL(...) \
    ax_free_each((void *const[]){__VA_ARGS__}, sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

#endif
