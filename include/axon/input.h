/* axon/input.h - reading input files, so that every rank can parse the
 * same bytes (DESIGN.md §2.1).
 *
 * A load (a spec, a Boltzmann machine with its sampler and calibration
 * files, a sweep with its base files, a NIR graph) is a function of the
 * bytes it reads, and reads them through an ax_input. Here (no MPI): the
 * reader, and an ax_input that records what one load read or replays such
 * a recording. axon/agree.h's ax_input_load runs a load on rank 0 against
 * the disk, sends the recording to every other rank and runs the load
 * there against it: one reader, as a parallel file system at 10,000 ranks
 * needs, and every rank sees the same bytes.
 *
 * The reader refuses what is not a file (a directory, a device such as
 * /dev/zero, a socket) and anything larger than its limit, with messages
 * that say so; pipes (/dev/stdin) are read to their end.
 */
#ifndef AXON_INPUT_H
#define AXON_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "axon/error.h"

/* Largest input file read by default (text: specs, BMs, samplers, sweeps),
 * and the limit for data files (HDF5 connection lists, NIR graphs). */
#define AX_INPUT_MAX ((size_t)256 << 20)
#define AX_INPUT_MAX_DATA ((size_t)16 << 30)

/* The files one load reads (opaque; NULL = read from disk here). */
typedef struct ax_input ax_input;

/* The bytes of path: *data is malloc'd and NUL-terminated (the caller
 * frees it), *len excludes the NUL. `what` names the file in messages
 * ("spec", "Boltzmann machine", "calibration", "input"); max = 0 means AX_INPUT_MAX.
 * in == NULL: read from disk here. Within ax_input_load: rank 0 reads from
 * disk, the other ranks get rank 0's bytes (or rank 0's error).
 * Fails AX_EIO with "PATH: cannot open the WHAT: <reason>; check the path",
 * "PATH: is a directory, not a WHAT file; ...", "PATH: is a character
 * device, not a regular file; ...", "PATH: larger than N MiB, ...". */
ax_status ax_input_read(ax_input *in, const char *path, const char *what, size_t max,
                        char **data, size_t *len, ax_error *err);

/* For axon/agree.h's ax_input_load: a new recording (replay 0: reads go
 * to disk and are recorded) or replay (reads are served from what
 * ax_input_unpack filled in), NULL when out of memory. */
ax_input *ax_input_new(int replay);
void ax_input_free(ax_input *in);
/* The recording as one buffer (malloc'd; *len bytes), NULL when out of
 * memory. */
char *ax_input_pack(const ax_input *in, uint64_t *len);
/* Fill a replaying input from a packed buffer; buf must outlive in.
 * Returns 0 when the buffer is malformed or memory runs out. */
int ax_input_unpack(ax_input *in, char *buf, uint64_t len);

#endif
