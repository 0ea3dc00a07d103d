/* axon/input.h - input files, read once by rank 0 and parsed alike on
 * every rank (DESIGN.md §2.1).
 *
 * A load (a spec, a Boltzmann machine with its sampler and calibration
 * files, a sweep with its base files, a NIR graph) is a function of the
 * bytes it reads. ax_input_load runs it on rank 0 against the disk,
 * recording every file it reads (and every read that failed), broadcasts
 * those bytes, and runs it on every other rank against the recording: one
 * reader, as a parallel file system at 10,000 ranks needs, and every rank
 * sees the same bytes (a file that differs between nodes cannot make ranks
 * build different networks). It ends in ax_agree, so local steps inside a
 * load (a stat of the output directory, the memory guard) fail on every
 * rank alike, with the failing rank named.
 *
 * The reader refuses what is not a file (a directory, a device such as
 * /dev/zero, a socket) and anything larger than its limit, with messages
 * that say so; pipes (/dev/stdin) are read to their end.
 */
#ifndef AXON_INPUT_H
#define AXON_INPUT_H

#include <stddef.h>

#include <mpi.h>

#include "axon/error.h"

/* Largest input file read by default (text: specs, BMs, samplers, sweeps). */
#define AX_INPUT_MAX ((size_t)256 << 20)

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

/* Collective over comm: run load(in, arg, err) on rank 0 against the disk,
 * then on every other rank against the files rank 0 read; ends in
 * ax_agree. On failure every rank returns the same status and message
 * (load must have freed what it allocated, as loaders do). load must not
 * call MPI collectives itself. A single rank (or comm == MPI_COMM_NULL, or
 * MPI not initialised) runs load(NULL, arg, err) once. */
typedef ax_status (*ax_input_fn)(ax_input *in, void *arg, ax_error *err);
ax_status ax_input_load(MPI_Comm comm, ax_input_fn load, void *arg, ax_error *err);

#endif
