/* common.c - helpers shared by the subcommands: the MPI main, error
 * reporting, --help, numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "axon/record.h"
#include "cli_impl.h"

int ax_cli_report(const char *cmd, const ax_error *err)
{
    fprintf(stderr, "axon %s: %s: %s\n", cmd, ax_status_name(err->code), err->msg);
    return ax_status_exit_code(err->code);
}

int ax_cli_mpi_main(const char *cmd, int argc, char **argv, int level, ax_cli_run_fn run,
                    void *opts)
{
    ax_error err = {0};
    int provided, rank = 0;
    MPI_Init_thread(&argc, &argv, level, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    ax_status st = provided < MPI_THREAD_FUNNELED
                       ? AX_FAIL(&err, AX_EMPI, "MPI does not provide MPI_THREAD_FUNNELED")
                       : run(opts, rank, &err);
    int rc = 0;
    if (st != AX_OK) rc = rank == 0 ? ax_cli_report(cmd, &err) : ax_status_exit_code(st);
    if (ax_rec_needs_abort()) { /* the partial file is already removed */
        fflush(NULL);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Abort(MPI_COMM_WORLD, rc ? rc : 2);
    }
    MPI_Finalize();
    return rc;
}

int ax_cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int ax_cli_number(const char *s, double *v)
{
    char *e;
    *v = strtod(s, &e);
    return *s && !*e && isfinite(*v);
}
