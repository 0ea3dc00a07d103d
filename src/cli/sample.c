/* sample.c - `axon sample BM.yaml -o out.h5 [options]`.
 *
 * Rank 0 reads the BM file (weights, biases, calibrations) and every rank
 * parses the same bytes (ax_bm_load_comm); the network
 * runs on all ranks x threads; rank 0 gathers the spikes, computes the
 * distributions and DKL convergence, writes the HDF5 output and prints a
 * summary. Warnings (zeroed diagonal, symmetrised W) go to stderr.
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/agree.h"
#include "axon/outfile.h"
#include "axon/sampling.h"
#include "axon/steps.h"
#include "cli_impl.h"

typedef struct smp_opts {
    const char *file, *out;
    int threads, force, quiet, progress;
    double duration;
    long long seed;
} smp_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: [mpirun -np R] axon sample BM.yaml -o out.h5 [options]\n"
            "  Sample from a Boltzmann machine of calibrated LIF samplers (docs/sampling.md):\n"
            "  sampled vs theoretical joint (n <= 20), marginals, pairwise <z_i z_j>, DKL vs time.\n\n"
            "options:\n"
            "  -o, --output FILE   HDF5 output (required)\n"
            "  -f, --force         overwrite an existing output\n"
            "  -t, --threads T     threads per rank (default OMP_NUM_THREADS)\n"
            "      --duration MS   override simulation.duration\n"
            "      --seed S        override simulation.seed\n"
            AX_CLI_HELP_COMMON);
}

/* -o (--duration and --seed are ax_cli_options') */
static const ax_cli_valued kValued[] = {AX_CLI_VALUED_OUTPUT("out.h5"), {NULL, NULL, 0}};

/* sample's own option (ax_cli_options): -f/--force. */
static int own(char **arg, int left, void *opts)
{
    (void)left;
    if (strcmp(arg[0], "-f") && strcmp(arg[0], "--force")) return 0;
    return ((smp_opts *)opts)->force = 1;
}

static int parse(int argc, char **argv, void *opts, ax_error *err)
{
    smp_opts *o = opts;
    *o = (smp_opts){.progress = -1, .seed = -1};
    const ax_cli_loop l = {"sample", "BM file", kValued, &o->file, &o->out, &o->threads, &o->progress,
                           &o->quiet, &o->duration, &o->seed};
    int r = ax_cli_options(argc, argv, &l, own, o, err);
    if (r) return r;
    if (!o->file || !o->out) {
        AX_FAIL(err, AX_EINPUT, "need a BM file and -o out.h5 (usage: axon sample BM.yaml -o out.h5)");
        return -1;
    }
    return 0;
}

static void summary(const ax_bm *bm, const ax_bm_result *r, const char *out)
{
    printf("Boltzmann machine: %d samplers, %g ms (+%g ms burn-in), dt %g ms, %lld spikes, %.2f s\n",
           bm->n, bm->duration, bm->burn_in, bm->dt, (long long)r->n_spikes_total, r->wall);
    printf("  %-12s %-14s %-14s %s\n", "t (ms)", "DKL joint", "DKL marginals", "missing mass");
    for (int k = 0; k < r->n_checkpoints; k++)
        printf("  %-12g %-14.6g %-14.6g %.3g\n", r->t_check[k], r->dkl_joint[k], r->dkl_marg[k],
               r->missing[k]);
    printf("  unit  p_sim    p_theo\n");
    for (int i = 0; i < bm->n && i < 32; i++)
        printf("  %-5d %-8.4f %.4f\n", i, r->marg_sim[i], r->marg_theo[i]);
    printf("  output %s\n", out);
}

static void adjust(const smp_opts *o, ax_bm *bm)
{
    if (o->seed >= 0) bm->seed = (uint64_t)o->seed;
    if (o->duration > 0) {
        /* keep the checkpoints below the new duration, end with it */
        int k = 0;
        for (int i = 0; i < bm->n_checkpoints - 1; i++)
            if (bm->checkpoints[i] < o->duration) bm->checkpoints[k++] = bm->checkpoints[i];
        bm->checkpoints[k++] = o->duration;
        bm->n_checkpoints = k;
        bm->duration = o->duration;
    }
}

static ax_status run(void *opts, int rank, ax_error *err)
{
    const smp_opts *o = opts;
    ax_bm bm;
    AX_TRY(ax_bm_load_comm(o->file, MPI_COMM_WORLD, &bm, err));
    ax_status gs = o->duration > 0 ? ax_cli_on_grid("--duration", o->duration, bm.dt, err) : AX_OK;
    if (gs != AX_OK) {
        ax_bm_free(&bm);
        return gs;
    }
    adjust(o, &bm);
    int64_t steps;
    ax_status ts = o->duration > 0 ? ax_time_steps_err(bm.burn_in + bm.duration, bm.dt,
                                                      "--duration (+ burn_in)", &steps, err)
                                   : AX_OK;
    if (ts != AX_OK) {
        ax_bm_free(&bm);
        return ts;
    }
    if (rank == 0 && bm.diag_warning)
        fprintf(stderr, "axon sample: warning: nonzero diagonal of W set to 0 (no self-coupling)\n");
    if (rank == 0 && bm.asym_warning)
        fprintf(stderr, "axon sample: warning: W was not symmetric; replaced by (W + W^T)/2\n");
    int threads = 1;
    int show = o->progress == 1 || (o->progress == -1 && isatty(2));
    ax_bm_result r;
    char *tmp = NULL; /* rank 0: the output's temporary (axon/outfile.h) */
    ax_status st = ax_cli_threads(o->threads, 0, bm.n, &threads, err);
    if (st == AX_OK) st = ax_cli_out_begin(rank, o->out, o->force, "-o", &tmp, err);
    if (st != AX_OK) {
        ax_bm_free(&bm);
        return st;
    }
    st = ax_bm_run(&bm, MPI_COMM_WORLD, threads, show && rank == 0 ? stderr : NULL, &r, err);
    if (st == AX_OK && rank == 0) st = ax_bm_write_h5(&bm, &r, tmp, 1, err);
    if (st == AX_OK && rank == 0) {
        st = ax_out_publish(tmp, o->out, o->force, err); /* keeps or removes tmp itself */
        free(tmp);
        tmp = NULL;
    }
    if (st == AX_OK && rank == 0 && !o->quiet) summary(&bm, &r, o->out);
    if (tmp) unlink(tmp);
    free(tmp);
    ax_bm_result_free(&r);
    ax_bm_free(&bm);
    return st;
}

int ax_cmd_sample(int argc, char **argv)
{
    smp_opts o;
    return ax_cli_main("sample", argc, argv, MPI_THREAD_FUNNELED, parse, usage, run, &o);
}
