/* file.c - whole-file reads (include/axon/file.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/file.h"

ax_status ax_read_file(const char *path, char **text, size_t *len, ax_error *err)
{
    FILE *f = fopen(path, "rb");
    AX_CHECK(f, err, AX_EIO, "%s: cannot open: %s; check the path", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = sz >= 0 ? malloc((size_t)sz + 1) : NULL;
    if (!buf) {
        fclose(f);
        return AX_FAIL(err, AX_ENOMEM, "%s: cannot read (out of memory)", path);
    }
    size_t got = fread(buf, 1, (size_t)sz, f);
    fclose(f);
    if (got != (size_t)sz) {
        free(buf);
        return AX_FAIL(err, AX_EIO, "%s: short read", path);
    }
    buf[sz] = '\0';
    *text = buf;
    *len = (size_t)sz;
    return AX_OK;
}

