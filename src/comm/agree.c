/* agree.c - one agreed status and message across the ranks of a job
 * (include/axon/agree.h). Two collectives when a rank failed (Allreduce to
 * find it, Bcast of its message), one when none did. */
#include <stdio.h>

#include "axon/agree.h"

/* The message travelling from the failing rank (large: one per process is
 * enough, MPI calls are funnelled through the master thread). */
typedef struct {
    int code;
    char msg[AX_ERROR_MSG_MAX];
} agree_msg;

int ax_comm_usable(MPI_Comm comm)
{
    int init = 0, fin = 0;
    if (comm == MPI_COMM_NULL) return 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

ax_status ax_agree_from(MPI_Comm comm, ax_status st, int secondary, ax_error *err)
{
    if (!ax_comm_usable(comm)) return st;
    int rank, size;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI communicator unusable while agreeing on a status");
    /* key: a rank that failed on its own sorts before every secondary one;
     * ok: -1 while some rank did not fail on its own (so "every rank
     * failed alike" is ok == 0) */
    int in[2] = {st == AX_OK ? 2 * size : secondary ? size + rank : rank,
                 st == AX_OK || secondary ? -1 : 0};
    int out[2];
    if (MPI_Allreduce(in, out, 2, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Allreduce failed while agreeing on a status");
    if (out[0] == 2 * size) return AX_OK;
    int first = out[0] >= size ? out[0] - size : out[0], all_failed = out[1] == 0;
    static agree_msg m;
    if (rank == first) {
        m.code = (int)st;
        snprintf(m.msg, sizeof m.msg, "%s", err ? err->msg : "(message lost)");
    }
    if (MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Bcast failed while sharing rank %d's error", first);
    if (size > 1 && !all_failed)
        return AX_FAIL(err, (ax_status)m.code, "rank %d: %s", first, m.msg);
    return AX_FAIL(err, (ax_status)m.code, "%s", m.msg);
}

ax_status ax_share(MPI_Comm comm, int root, ax_status st, ax_error *err)
{
    if (!ax_comm_usable(comm)) return st;
    int rank, code = (int)st;
    MPI_Comm_rank(comm, &rank);
    if (MPI_Bcast(&code, 1, MPI_INT, root, comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Bcast failed while sharing rank %d's status", root);
    if (code == AX_OK) return AX_OK;
    static agree_msg m;
    if (rank == root) snprintf(m.msg, sizeof m.msg, "%s", err ? err->msg : "(message lost)");
    if (MPI_Bcast(m.msg, (int)sizeof m.msg, MPI_CHAR, root, comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Bcast failed while sharing rank %d's error", root);
    return AX_FAIL(err, (ax_status)code, "%s", m.msg);
}

ax_status ax_agree(MPI_Comm comm, ax_status st, ax_error *err)
{
    return ax_agree_from(comm, st, 0, err);
}
