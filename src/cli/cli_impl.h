/* cli_impl.h - private to src/cli: the `axon` subcommands. Each takes its
 * own argv (argv[0] is the subcommand name), prints its own output and
 * errors, and returns the process exit status (0 ok, 2 bad input or I/O, 1
 * internal/not built). */
#ifndef AX_CLI_IMPL_H
#define AX_CLI_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "axon/error.h"
#include "axon/spec.h"

int ax_cmd_run(int argc, char **argv);       /* run.c */
int ax_cmd_check(int argc, char **argv);     /* check.c */
int ax_cmd_info(int argc, char **argv);      /* info.c */
int ax_cmd_calibrate(int argc, char **argv); /* calibrate.c */
int ax_cmd_sample(int argc, char **argv);    /* sample.c */
int ax_cmd_sweep(int argc, char **argv);     /* sweep.c */
int ax_cmd_export(int argc, char **argv);    /* export.c */

/* Print "axon <cmd>: <status name>: <message>" to stderr and return the exit
 * status for it. Only CLI code prints errors. */
int ax_cli_report(const char *cmd, const ax_error *err);

/* The life of a subcommand that runs on MPI ranks, shared by run,
 * calibrate, sample and sweep: parse(argc, argv, opts) (1: print usage to
 * stdout and exit 0; -1: report the error and exit 2); MPI_Init_thread
 * asking for `level`; run(opts, rank) if MPI provides at least
 * MPI_THREAD_FUNNELED; on failure rank 0 prints the message ("axon <cmd>:
 * ...") and every rank returns its exit status; MPI_Finalize, or MPI_Abort
 * when an output file could not be closed (ax_rec_needs_abort). Returns the
 * process exit status. */
typedef int (*ax_cli_parse_fn)(int argc, char **argv, void *opts, ax_error *err);
typedef ax_status (*ax_cli_run_fn)(void *opts, int rank, ax_error *err);
int ax_cli_main(const char *cmd, int argc, char **argv, int level, ax_cli_parse_fn parse,
                void (*usage)(FILE *), ax_cli_run_fn run, void *opts);

/* The --help lines of the options ax_cli_common_opt takes but --threads. */
#define AX_CLI_HELP_COMMON                                                     \
    "      --progress      print progress (default when stderr is a terminal)\n" \
    "  -q, --quiet         no summary\n"                                        \
    "  -h, --help          this help\n"

/* Options the simulating subcommands share: argv[*i] is -t/--threads T
 * (whole, 1..4096; *i moves past T), --progress or -q/--quiet. Returns 1 if
 * it was one of them (with a valid value), else 0. */
int ax_cli_common_opt(int argc, char **argv, int *i, int *threads, int *progress, int *quiet);

/* The last case of an option loop: an unknown option (or one with a bad
 * value) fails with "<bad> '<a>' (see axon <cmd> --help)"; the first
 * non-option is the input file (*file), a second one fails with "more than
 * one <what> ('x' and 'y')". Returns 0, or -1 with err set. */
int ax_cli_positional(const char *a, const char *cmd, const char *bad, const char *what,
                      const char **file, ax_error *err);

/* The network of a spec (YAML/JSON) or a NIR graph (path ends in .nir) on
 * every rank of comm (collective): one reader, the same bytes everywhere,
 * one agreed status (ax_input_load). On failure *out is NULL. */
ax_status ax_cli_load_network(const char *path, MPI_Comm comm, ax_spec **out, ax_error *err);

/* Collective: rank 0 checks an output file and reserves its temporary
 * (axon/outfile.h ax_out_begin; *tmp on rank 0 only); the status is agreed.
 * Call before any long work, so a bad target fails in seconds. */
ax_status ax_cli_out_begin(int rank, const char *path, int force, const char *what, char **tmp,
                           ax_error *err);

/* Threads per rank (axon/threads.h): -t (opt_t > 0), else the spec's
 * (spec_t > 0), else OMP_NUM_THREADS (checked: 1..4096), else the default
 * for `work` units over all ranks. Collective over MPI_COMM_WORLD: every
 * rank gets the same count (the smallest default) or the same error. */
ax_status ax_cli_threads(int opt_t, int spec_t, int64_t work, int *threads, ax_error *err);

/* An option that takes n values (n 0 = 1), and what they are ("a file
 * name"). Lists end with {NULL}. */
typedef struct ax_cli_valued {
    const char *opt, *what;
    int n;
} ax_cli_valued;

/* The -o/--output pair of a `valued` list, with an example file name. */
#define AX_CLI_VALUED_OUTPUT(example)                  \
    {"-o", "a file name (-o " example ")", 1},         \
    {"--output", "a file name (--output " example ")", 1}

/* 1 with err set ("-o needs a file name (see axon run --help)") when argv[i]
 * is one of `valued`, or -t/--threads, and fewer values follow it than it
 * takes; else 0. Call first in an option loop, so an option at the end of
 * the line is named, not reported as unknown. */
int ax_cli_lacks_value(int argc, char **argv, int i, const char *cmd,
                       const ax_cli_valued *valued, ax_error *err);

/* The option loop of the simulating subcommands (calibrate, sample,
 * sweep) over argv[1..]: -h/--help returns 1; an option of `valued` (or
 * -t, --duration, --seed) without its values returns -1 with err set; -o/--output FILE sets
 * *out; --duration MS (> 0) and --seed S (whole, >= 0) set *duration and
 * *seed where the subcommand takes them (non-NULL); own(argv + i,
 * argc - i - 1, opts) returns how many words a subcommand's own option at
 * argv[i] takes with its valid values (1 + values), 0 if argv[i] is none of
 * them or its value is bad; then the shared options
 * (ax_cli_common_opt); anything else is the input file or an error
 * (ax_cli_positional, "bad option or value"). Returns 0 when all were
 * taken. */
typedef int (*ax_cli_own_fn)(char **arg, int left, void *opts);
typedef struct ax_cli_loop {
    const char *cmd, *what;        /* "calibrate", "sampler file" */
    const ax_cli_valued *valued;
    const char **file, **out;
    int *threads, *progress, *quiet;
    double *duration;              /* NULL: no --duration */
    long long *seed;               /* NULL: no --seed */
} ax_cli_loop;
int ax_cli_options(int argc, char **argv, const ax_cli_loop *l, ax_cli_own_fn own, void *opts,
                   ax_error *err);

/* AX_OK if the value of command-line option `opt` (a time in ms) is a whole
 * number of steps of dt, else AX_EINPUT saying so (times are never
 * rounded). */
ax_status ax_cli_on_grid(const char *opt, double t, double dt, ax_error *err);

/* 1 if s is a whole finite number (stored in *v), else 0. */
int ax_cli_number(const char *s, double *v);

/* What an input file is, from its top-level keys (YAML/JSON): `sweep:`,
 * `boltzmann_machine:`, `sampler:`, an sbs SamplerConfiguration
 * (`neuron_parameters:` or `_type:`), a NIR graph (*.nir), else a network
 * spec. A file that cannot be read or parsed counts as a network spec, so
 * the spec loader reports why, as `axon run` would. Can't fail. */
typedef enum ax_cli_kind {
    AX_CLI_SPEC = 0, AX_CLI_NIR, AX_CLI_SAMPLER, AX_CLI_CALIB, AX_CLI_BM, AX_CLI_SWEEP
} ax_cli_kind;
ax_cli_kind ax_cli_input_kind(const char *path);
/* The same reading through `in` (axon/input.h), inside a collective load. */
ax_cli_kind ax_cli_input_kind_in(ax_input *in, const char *path);

/* `axon sweep check`'s lines for a loaded sweep (sweep.c; also `axon check`). */
struct ax_sweep_s;
void ax_cli_sweep_summary(struct ax_sweep_s *const sw, const char *path, FILE *out);

/* What a calibration JSON holds (check.c; `axon check` and `axon info`):
 * read as `axon calibrate` reads it; errors reported as "axon <cmd>: ...".
 * Returns the exit status. */
int ax_cli_calib_summary(const char *path, const char *cmd);

/* 1 if argv[i] is -h or --help. */
int ax_cli_is_help(const char *arg);

#endif
