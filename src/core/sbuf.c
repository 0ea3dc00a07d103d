/* sbuf.c - the growable text buffer (include/axon/sbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/sbuf.h"

void ax_sbuf_printf(ax_sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) { b->oom = 1; return; }
        if (b->s && (size_t)n < room) { b->len += (size_t)n; return; }
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) { b->oom = 1; return; }
        b->s = s;
        b->cap = cap;
    }
}

void ax_sbuf_free(ax_sbuf *b)
{
    free(b->s);
    *b = (ax_sbuf){0};
}

char *ax_sbuf_take(ax_sbuf *b)
{
    if (b->oom) { ax_sbuf_free(b); return NULL; }
    char *s = b->s ? b->s : strdup("");
    *b = (ax_sbuf){0};
    return s;
}
