/* info.c - `axon info FILE`: summarise an axon HDF5 output file (populations,
 * spikes, rates, ISI CV, traces, run metadata). Serial: no MPI needed. */
#include <stdio.h>

#include "axon/record.h"
#include "cli_impl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon info FILE.h5\n\n"
            "Print what an axon output file holds: populations (model, size), spikes,\n"
            "mean rate and ISI CV per population, recorded traces, and run metadata\n"
            "(version, ranks x threads, resolution, timings, synapses).\n"
            "The layout is described in docs/output.md; plot with tools/axon-plot.\n\n"
            "options:\n"
            "  -h, --help   this help\n");
}

/* Exit 0 on success, 2 for a missing, non-HDF5 or non-axon file. */
int ax_cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (ax_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "axon info: unknown option '%s' (see axon info --help)\n", argv[i]);
            return 2;
        }
        if (path) {
            fprintf(stderr, "axon info: one file at a time (got '%s' and '%s')\n", path,
                    argv[i]);
            return 2;
        }
        path = argv[i];
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    ax_error err = {0};
    ax_status st = ax_rec_info(path, stdout, &err);
    if (st) return ax_cli_report("info", &err);
    return 0;
}
