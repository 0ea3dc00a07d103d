/* cli_impl.h - private to src/cli: the `axon` subcommands. Each takes its
 * own argv (argv[0] is the subcommand name), prints its own output and
 * errors, and returns the process exit status (0 ok, 2 bad input or I/O, 1
 * internal/not built). */
#ifndef AX_CLI_IMPL_H
#define AX_CLI_IMPL_H

#include "axon/error.h"

int ax_cmd_run(int argc, char **argv);       /* src/cli/run.c */
int ax_cmd_check(int argc, char **argv);     /* src/cli/check.c */
int ax_cmd_info(int argc, char **argv);      /* src/cli/info.c */
int ax_cmd_calibrate(int argc, char **argv); /* src/cli/pending.c until built */
int ax_cmd_sample(int argc, char **argv);
int ax_cmd_sweep(int argc, char **argv);
int ax_cmd_export(int argc, char **argv);

/* Print "axon <cmd>: <status name>: <message>" to stderr and return the exit
 * status for it. Only CLI code prints errors. */
int ax_cli_report(const char *cmd, const ax_error *err);

/* The MPI life of a subcommand, shared by all that run on MPI ranks:
 * MPI_Init_thread asking for `level`; run(opts, rank, err) if MPI provides
 * at least MPI_THREAD_FUNNELED; on failure rank 0 prints the message
 * ("axon <cmd>: ...") and every rank returns its exit status; MPI_Finalize,
 * or MPI_Abort when an output file could not be closed (ax_rec_needs_abort).
 * Returns the process exit status. */
typedef ax_status (*ax_cli_run_fn)(void *opts, int rank, ax_error *err);
int ax_cli_mpi_main(const char *cmd, int argc, char **argv, int level, ax_cli_run_fn run,
                    void *opts);

/* 1 if s is a whole finite number (stored in *v), else 0. */
int ax_cli_number(const char *s, double *v);

/* 1 if argv[i] is -h or --help. */
int ax_cli_is_help(const char *arg);

#endif
