/* error.c - the ax_error record (see include/axon/error.h). */
#include "axon/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

ax_status ax_error_set(ax_error *err, ax_status code, const char *file, int line,
                       const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->src_file = file;
        err->src_line = line;
    }
    return code;
}

void ax_error_prefix(ax_error *err, const char *fmt, ...)
{
    if (!err) return;
    char head[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    /* Shift the old message right and copy the head in front (truncating
     * the tail if the two do not fit). */
    size_t hl = strlen(head), ol = strlen(err->msg);
    if (hl >= sizeof err->msg) hl = sizeof err->msg - 1;
    if (hl + ol >= sizeof err->msg) ol = sizeof err->msg - 1 - hl;
    memmove(err->msg + hl, err->msg, ol);
    memcpy(err->msg, head, hl);
    err->msg[hl + ol] = '\0';
}

void ax_error_clear(ax_error *err)
{
    if (!err) return;
    err->code = AX_OK;
    err->msg[0] = '\0';
    err->src_file = NULL;
    err->src_line = 0;
}

const char *ax_status_name(ax_status s)
{
    switch (s) {
    case AX_OK: return "ok";
    case AX_EINPUT: return "input error";
    case AX_EIO: return "I/O error";
    case AX_ENOMEM: return "out of memory";
    case AX_EMPI: return "MPI error";
    case AX_EINTERNAL: return "internal error";
    case AX_ENOTIMPL: return "not implemented";
    case AX_ESTOPPED: return "stopped";
    }
    return "unknown error";
}

int ax_status_exit_code(ax_status s)
{
    switch (s) {
    case AX_OK: return 0;
    case AX_EINPUT: case AX_EIO: case AX_ENOMEM: case AX_EMPI: return 2;
    case AX_ESTOPPED: return 3; /* not finished, but resumable: a checkpoint was written */
    default: return 1;
    }
}
