/* axon/file.h - whole-file reads for the loaders of small input files
 * (samplers, calibrations, Boltzmann machines, sweeps).
 */
#ifndef AXON_FILE_H
#define AXON_FILE_H

#include <stddef.h>

#include "axon/error.h"

/* Read a whole file into a NUL-terminated buffer (free()); *len excludes
 * the NUL. AX_EIO naming the file on failure. The reader of axon/input.h
 * run here (ax_input_read(NULL, path, "input", 0, ...)): directories and
 * devices are refused, files over AX_INPUT_MAX too. Loaders that run on
 * every rank read through ax_input_read instead. */
ax_status ax_read_file(const char *path, char **text, size_t *len, ax_error *err);

#endif
