/* file.c - whole-file reads (include/axon/file.h): the input reader of
 * axon/input.h, used locally. */
#include "axon/file.h"
#include "axon/input.h"

ax_status ax_read_file(const char *path, char **text, size_t *len, ax_error *err)
{
    return ax_input_read(NULL, path, "input", 0, text, len, err);
}
