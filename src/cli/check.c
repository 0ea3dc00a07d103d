/* check.c - `axon check [--np R] spec.yaml`: load and fully validate a spec
 * (the same ax_spec_load `axon run` uses) and print its size, synapse counts,
 * delay range and memory estimate per rank. Creates no file.
 * Exit status: 0 valid, 2 invalid (message on stderr), 1 internal error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/spec.h"
#include "cli_impl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon check [--np R] spec.yaml\n\n"
            "Validate a network spec (YAML or JSON) exactly as `axon run` does and print:\n"
            "neurons per population, expected synapses per projection and in all, the\n"
            "delay range in steps and ms, and the estimated memory per rank.\n\n"
            "options:\n"
            "  --np R      estimate memory for R MPI ranks (default 1); the memory guard\n"
            "              then checks R ranks too\n"
            "  -h, --help  this help\n\n"
            "exit status: 0 valid, 2 invalid (file:line:col: message on stderr)\n"
            "spec reference: docs/spec.md\n");
}

/* Parse "--np R" / "--np=R"; returns 0 on success. */
static int parse_np(const char *s, int *np)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 10000000) return -1;
    *np = (int)v;
    return 0;
}

int ax_cmd_check(int argc, char **argv)
{
    int np = 1;
    const char *path = NULL, *nparg = NULL;
    for (int i = 1; i < argc; i++) {
        if (ax_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--np") && i + 1 < argc) nparg = argv[++i];
        else if (!strncmp(argv[i], "--np=", 5)) nparg = argv[i] + 5;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "axon check: unknown option '%s' (see axon check --help)\n",
                    argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "axon check: one spec file at a time (got '%s' and '%s')\n", path,
                    argv[i]);
            return 2;
        } else path = argv[i];
    }
    if (nparg && parse_np(nparg, &np)) {
        fprintf(stderr, "axon check: --np needs a number of ranks >= 1 (got '%s')\n", nparg);
        return 2;
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    if (nparg) setenv("AXON_NP", nparg, 1); /* the memory guard in ax_spec_load */
    ax_error err;
    ax_error_clear(&err);
    ax_spec *spec = NULL;
    if (ax_spec_load(path, &spec, &err) != AX_OK) return ax_cli_report("check", &err);
    ax_spec_print_summary(spec, np, stdout);
    printf("ok: %s is valid\n", path);
    ax_spec_destroy(&spec);
    return 0;
}
