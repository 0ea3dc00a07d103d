/* input_load.c - ax_input_load (include/axon/agree.h): a load runs on rank
 * 0 against the disk, its recording (axon/input.h) is broadcast, and every
 * other rank runs the same load against it; then the ranks agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/agree.h"

/* Broadcast granularity: MPI counts are int; a small static buffer drains
 * a broadcast a rank has no memory to keep. */
#define CHUNK ((size_t)1 << 20)

/* Broadcast n bytes from rank 0 in chunks; a rank whose buf is NULL drains
 * into a scratch buffer (it reports out of memory afterwards). */
static int bcast_bytes(char *buf, uint64_t n, MPI_Comm comm)
{
    static char scratch[CHUNK];
    for (uint64_t off = 0; off < n; off += CHUNK) {
        int c = (int)(n - off < CHUNK ? n - off : CHUNK);
        if (MPI_Bcast(buf ? buf + off : scratch, c, MPI_BYTE, 0, comm) != MPI_SUCCESS) return 0;
    }
    return 1;
}

/* Rank 0: run the load against the disk; the payload is the recording, or
 * rank 0's message when it failed. */
static ax_status load0(ax_input *in, ax_input_fn load, void *arg, char **buf, uint64_t *len,
                       ax_error *err)
{
    ax_status st = in ? load(in, arg, err)
                      : AX_FAIL(err, AX_ENOMEM, "out of memory recording the input files");
    if (st == AX_OK && !(*buf = ax_input_pack(in, len)))
        st = AX_FAIL(err, AX_ENOMEM, "out of memory sending the input files to the other ranks");
    if (st != AX_OK) {
        *len = strlen(err->msg) + 1;
        if ((*buf = malloc(*len))) memcpy(*buf, err->msg, *len);
        else *len = 0; /* the others get an empty message; the status still travels */
    }
    return st;
}

ax_status ax_input_load(MPI_Comm comm, ax_input_fn load, void *arg, ax_error *err)
{
    int rank = 0, size = 1;
    if (ax_comm_usable(comm)) {
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
    }
    if (size == 1) return load(NULL, arg, err);
    ax_input *in = ax_input_new(rank != 0);
    ax_status st = AX_OK;
    char *buf = NULL;
    uint64_t hdr[2] = {0, 0}; /* rank 0's status, payload bytes */
    if (rank == 0) {
        st = load0(in, load, arg, &buf, &hdr[1], err);
        hdr[0] = (uint64_t)st;
    }
    int mpi_ok = MPI_Bcast(hdr, 2, MPI_UINT64_T, 0, comm) == MPI_SUCCESS;
    if (rank != 0 && mpi_ok) buf = malloc(hdr[1] + 1);
    mpi_ok = mpi_ok && bcast_bytes(buf, hdr[1], comm);
    if (!mpi_ok) st = AX_FAIL(err, AX_EMPI, "MPI_Bcast failed while sharing the input files");
    else if (rank != 0 && !buf)
        st = AX_FAIL(err, AX_ENOMEM, "out of memory receiving the input files from rank 0");
    else if (rank != 0 && hdr[0] != AX_OK) {
        buf[hdr[1]] = '\0';
        st = AX_FAIL(err, (ax_status)hdr[0], "%s", buf);
    } else if (rank != 0) {
        st = in && ax_input_unpack(in, buf, hdr[1])
                 ? load(in, arg, err)
                 : AX_FAIL(err, AX_ENOMEM, "out of memory unpacking the input files from rank 0");
    }
    ax_input_free(in);
    free(buf);
    return ax_agree(comm, st, err);
}

typedef struct {
    const char *path;
    ax_input_path_fn load;
    void *out;
} into_arg;

static ax_status into_fn(ax_input *in, void *arg, ax_error *err)
{
    into_arg *a = arg;
    return a->load(in, a->path, a->out, err);
}

ax_status ax_input_load_into(MPI_Comm comm, const char *path, ax_input_path_fn load, void *out,
                             void (*drop)(void *out), ax_error *err)
{
    into_arg a = {path, load, out};
    ax_status st = ax_input_load(comm, into_fn, &a, err);
    if (st != AX_OK && drop) drop(out);
    return st;
}
