/* axon/sbuf.h - a growable text buffer (printf-appended), shared by the
 * spec emitter, the hardware placement reports and the exporters.
 *
 * Invariant: an allocation failure sets oom and turns every later append
 * into a no-op, so a caller checks once at the end instead of per line.
 */
#ifndef AXON_SBUF_H
#define AXON_SBUF_H

#include <stddef.h>

typedef struct ax_sbuf { char *s; size_t len, cap; int oom; } ax_sbuf;

/* Append printf-style text. Can't fail (see oom). */
void ax_sbuf_printf(ax_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ax_sbuf_free(ax_sbuf *b);
/* Detach the text (never NULL unless oom); the buffer is left empty. */
char *ax_sbuf_take(ax_sbuf *b);

#endif
