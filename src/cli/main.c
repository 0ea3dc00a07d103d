/* main.c - the `axon` command: dispatch to a subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli_impl.h"

typedef int (*ax_cmd_fn)(int argc, char **argv);

typedef struct {
    const char *name;
    ax_cmd_fn fn;
    const char *summary;
} ax_cmd;

static const ax_cmd commands[] = {
    {"run", ax_cmd_run, "simulate a network spec on MPI ranks x OpenMP threads"},
    {"check", ax_cmd_check, "validate a spec and print its size and memory estimate"},
    {"info", ax_cmd_info, "summarise an axon HDF5 output file"},
    {"calibrate", ax_cmd_calibrate, "calibrate a LIF sampler (activation function fit)"},
    {"sample", ax_cmd_sample, "run a Boltzmann machine of LIF samplers"},
    {"sweep", ax_cmd_sweep, "run many calibrations as an MPI task farm"},
    {"export", ax_cmd_export, "export a network to SpiNNaker, Dynap-SE2 or NIR"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon <command> [options] [args]\n"
            "       mpirun -np R axon run net.yaml [-o out.h5]\n\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\noptions:\n"
            "  -h, --help     this help; `axon <command> --help` for a command's\n"
            "  -V, --version  print the version\n"
            "\ndocumentation: docs/ (spec.md: the network spec, output.md: the HDF5 layout)\n");
}

int main(int argc, char **argv)
{
    /* A file that hits the size limit (ulimit -f, quota) must fail the write
     * with EFBIG and give a clear error on every rank, not kill one rank with
     * SIGXFSZ and leave the others waiting in a collective. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("axon %s\n", PACKAGE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "axon: unknown command '%s'; commands: run, check, info, calibrate, "
                    "sample, sweep, export (see axon --help)\n", cmd);
    return 2;
}
