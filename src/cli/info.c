/* info.c - `axon info FILE`: summarise an axon output file: a network run
 * (populations, spikes, rates, ISI CV, traces, run metadata), `axon sample`
 * (the BM, marginals, DKL vs time), `axon calibrate` (its HDF5 copy: samples
 * and fits; its JSON: the sampler and fit) or `axon sweep` (tasks, failures,
 * result ranges). Serial: no MPI needed. */
#include <stdio.h>

#include "axon/record.h"
#include "axon/sampling.h"
#include "cli_impl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon info FILE\n\n"
            "Print what an axon output file holds:\n"
            "  axon run: populations (model, size), spikes, mean rate and ISI CV per\n"
            "    population, recorded traces, and run metadata (version, ranks x threads,\n"
            "    resolution, timings, synapses); docs/output.md, tools/axon-plot\n"
            "  axon sample: the run, each unit's bias, calibration, spikes and marginals,\n"
            "    DKL vs time; axon calibrate (cal.h5 or cal.json): samples, fits; axon sweep:\n"
            "    tasks, failure reasons, result ranges (docs/sampling.md, docs/sweeps.md,\n"
            "    tools/axon-plot-sampling)\n\n"
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
    if (ax_cli_input_kind(path) == AX_CLI_CALIB) return ax_cli_calib_summary(path, "info");
    ax_status st = ax_samp_file_kind(path) != AX_SAMP_NONE ? ax_samp_info(path, stdout, &err)
                                                           : ax_rec_info(path, stdout, &err);
    if (st) return ax_cli_report("info", &err);
    return 0;
}
