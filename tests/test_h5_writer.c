/* test_h5_writer.c - writes an axon output file whose logical content does
 * not depend on the number of ranks, for tests/test_h5_layout.py.
 *
 * usage: mpiexec -n R tests/test_h5_writer OUT.h5 [--force]
 *
 * Content (recomputed independently by test_h5_layout.py):
 *  - populations E (n=40, iaf_psc_exp) and I (n=10, iaf_psc_delta); neuron i
 *    of a population belongs to rank i % R;
 *  - neuron i spikes at t = phase_i + k period_i + 0.1 ((k^2 + i) mod 7) for
 *    t < 300 ms, with
 *    period_i = 5 + (7 i mod 13) ms and phase_i = 0.1 (3 i mod 5) + 0.1 ms,
 *    appended in three windows [0,100), [100,200), [200,300) ms;
 *  - a trace report of E nodes 0, 3, ..., 27 (V_m, I_syn_ex), t_start 0.1 ms,
 *    dt 1 ms, 100 rows per window: V_m = -70 + 0.5 node + 0.01 row (mV),
 *    I_syn_ex = 10 node - row (pA), stored as float32;
 *  - run metadata with the spec text "spec: test" and seed 12345.
 * Exit status: 0 on success, the axon status otherwise (message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "axon/record.h"

#define T_END 300.0
#define WINDOW 100.0
#define N_E 40
#define N_I 10

static int rank, size;

/* Fill this rank's spikes of a population in [t0, t1); returns the count. */
static size_t spikes_in(int n_pop, double t0, double t1, uint64_t *ids, double *ts)
{
    size_t n = 0;
    for (int i = rank; i < n_pop; i += size) {
        double period = 5 + (7 * i) % 13, phase = (double)((3 * i) % 5) * 0.1 + 0.1;
        for (int k = 0;; k++) {
            double t = phase + k * period + 0.1 * (double)((k * k + i) % 7);
            if (t >= t1) break;
            if (t >= t0) ids[n] = (uint64_t)i, ts[n] = t, n++;
        }
    }
    return n;
}

static int fail(const char *what, const ax_error *err)
{
    fprintf(stderr, "test_h5_writer (rank %d): %s: %s\n", rank, what, err->msg);
    return err->code ? (int)err->code : 1;
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 2) {
        if (!rank) fprintf(stderr, "usage: test_h5_writer OUT.h5 [--force]\n");
        MPI_Finalize();
        return 2;
    }
    int force = argc > 2 && !strcmp(argv[2], "--force");
    ax_error err = {0};
    ax_recorder r = NULL;
    int rc = 0, id_e = -1, id_i = -1, rep = -1;
    static uint64_t ids[4096];
    static double ts[4096];
    int64_t counts[2] = {0, 0};

    if (ax_rec_create(argv[1], force, MPI_COMM_WORLD, &r, &err)) {
        rc = fail("create", &err);
        MPI_Finalize();
        return rc;
    }
    if (ax_rec_spikes_declare(r, "E", &id_e, &err) || ax_rec_spikes_declare(r, "I", &id_i, &err))
        goto fail;
    uint64_t rec[10];
    size_t n_rec = 0;
    for (int node = 0; node < 30; node += 3)
        if (node % size == rank) rec[n_rec++] = (uint64_t)node;
    const char *vars[] = {"V_m", "I_syn_ex"};
    if (ax_rec_report_declare(r, "E", 2, vars, n_rec, rec, 0.1, 1.0, 0, &rep, &err)) goto fail;
    static double data[2 * 100 * 10];
    for (int w = 0; w < 3; w++) {
        double t0 = w * WINDOW, t1 = t0 + WINDOW;
        size_t n = spikes_in(N_E, t0, t1, ids, ts);
        counts[0] += (int64_t)n;
        if (ax_rec_spikes_append(r, id_e, n, ids, ts, &err)) goto fail;
        n = spikes_in(N_I, t0, t1, ids, ts);
        counts[1] += (int64_t)n;
        if (ax_rec_spikes_append(r, id_i, n, ids, ts, &err)) goto fail;
        for (int k = 0; k < 100; k++)
            for (size_t j = 0; j < n_rec; j++) {
                int row = w * 100 + k;
                data[(0 * 100 + k) * n_rec + j] = -70 + 0.5 * (double)rec[j] + 0.01 * row;
                data[(1 * 100 + k) * n_rec + j] = 10.0 * (double)rec[j] - row;
            }
        if (ax_rec_report_append(r, rep, 100, data, &err)) goto fail;
    }
    MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    const char *names[] = {"E", "I"}, *models[] = {"iaf_psc_exp", "iaf_psc_delta"};
    int64_t sizes[] = {N_E, N_I};
    ax_run_meta meta = {.version = "test", .spec_path = "test.yaml", .spec_text = "spec: test",
                        .seed = 12345, .ranks = size, .threads = 1, .resolution = 0.1,
                        .t_sim = T_END, .t_build = 0.5, .t_simulate = 1.5, .t_update = 1.0,
                        .t_deliver = 0.25, .t_communicate = 0.125, .n_pops = 2,
                        .pop_names = names, .pop_models = models, .pop_sizes = sizes,
                        .pop_spikes = counts, .n_synapses = 1000};
    if (ax_rec_write_meta(r, &meta, &err)) goto fail;
    if (ax_rec_close(&r, &err)) {
        rc = fail("close", &err);
        MPI_Finalize();
        return rc;
    }
    MPI_Finalize();
    return 0;
fail:
    rc = fail("writing", &err);
    ax_rec_abort(&r);
    MPI_Finalize();
    return rc;
}
