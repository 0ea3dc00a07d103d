/* axon/agree.h - how the ranks of a job agree on a failure (DESIGN.md §9),
 * and load input files once for all of them (§2.1). src/comm.
 *
 * Every step that can fail on one rank only (a file that differs between
 * nodes, a memory guard that sees another node's RAM, a stat, an
 * allocation, an HDF5 call) ends in ax_agree: afterwards every rank holds
 * the same status and the same message, so no rank waits in a collective
 * that the failing one never reaches, and main() exits with one status
 * everywhere.
 */
#ifndef AXON_AGREE_H
#define AXON_AGREE_H

#include <mpi.h>

#include "axon/error.h"
#include "axon/input.h"

/* Collective over comm: every rank passes its own status (and, if it
 * failed, its message in err). Returns, on every rank, the status of the
 * lowest failing rank with that rank's message in err, prefixed
 * "rank R: " when comm has more than one rank and not every rank failed
 * (an error every rank hits alike, such as a parse error, reads as
 * `axon check` prints it). AX_OK when no rank failed (err untouched).
 * comm == MPI_COMM_NULL, or MPI not initialised: returns st (local use).
 * If the agreement itself fails (MPI error): AX_EMPI. */
ax_status ax_agree(MPI_Comm comm, ax_status st, ax_error *err);

/* As ax_agree; `secondary` != 0 marks a rank that failed only because it
 * noticed another rank's failure (a collective write that reported it):
 * a rank that failed on its own wins the message, the lowest such rank
 * first. */
ax_status ax_agree_from(MPI_Comm comm, ax_status st, int secondary, ax_error *err);

/* Collective over comm, for a step only `root` ran (rank 0 checks the
 * output name, creates a directory): root's status and message reach
 * every rank unchanged (no rank named: the step is root's by design).
 * Other ranks' st is ignored. Local use as ax_agree. */
ax_status ax_share(MPI_Comm comm, int root, ax_status st, ax_error *err);

/* 1 if collectives on comm can run here (MPI initialised and not finalised,
 * comm not MPI_COMM_NULL). */
int ax_comm_usable(MPI_Comm comm);

/* Collective over comm: run load(in, arg, err) on rank 0 against the disk
 * (every file it reads is recorded, axon/input.h), broadcast the recording
 * (or rank 0's error), run load on every other rank against it, and end in
 * ax_agree, so local steps inside a load (a stat of the output directory,
 * the memory guard) fail on every rank alike, the failing rank named. On
 * failure every rank returns the same status and message (load must have
 * freed what it allocated, as loaders do; ranks other than 0 do not run
 * load at all when rank 0 failed, so clear *out before). load must not
 * call MPI collectives itself. One rank (or comm == MPI_COMM_NULL, or MPI
 * not initialised): load(NULL, arg, err), reading here. */
typedef ax_status (*ax_input_fn)(ax_input *in, void *arg, ax_error *err);
ax_status ax_input_load(MPI_Comm comm, ax_input_fn load, void *arg, ax_error *err);

/* The common load: one file into one object. ax_input_load of
 * load(in, path, out, err); when it fails on any rank, drop(out) on every
 * rank (another rank may have failed after this one loaded; drop NULL: the
 * object owns no memory). The caller clears *out before, as for
 * ax_input_load. The loaders' *_load_comm are this call. */
typedef ax_status (*ax_input_path_fn)(ax_input *in, const char *path, void *out, ax_error *err);
ax_status ax_input_load_into(MPI_Comm comm, const char *path, ax_input_path_fn load, void *out,
                             void (*drop)(void *out), ax_error *err);

/* A loader's one-rank and collective entry points from its typed
 * name##_in(ax_input *, const char *path, type *out, ax_error *) and
 * drop(type *): defines name(path, out, err) (reads here) and
 * name##_comm(path, comm, out, err) (ax_input_load_into; *out cleared first,
 * as on the ranks that do not load when rank 0 failed). */
#define AX_INPUT_LOADERS(name, type, drop)                                          \
    ax_status name(const char *path, type *out, ax_error *err)                      \
    {                                                                               \
        return name##_in(NULL, path, out, err);                                     \
    }                                                                               \
    static ax_status name##_any_(ax_input *in, const char *path, void *out,         \
                                 ax_error *err)                                     \
    {                                                                               \
        return name##_in(in, path, out, err);                                       \
    }                                                                               \
    static void name##_drop_(void *out)                                             \
    {                                                                               \
        drop(out);                                                                  \
    }                                                                               \
    ax_status name##_comm(const char *path, MPI_Comm comm, type *out, ax_error *err) \
    {                                                                               \
        *out = (type){0};                                                           \
        return ax_input_load_into(comm, path, name##_any_, out, name##_drop_, err); \
    }

#endif
