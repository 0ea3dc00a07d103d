/* test_mpi_engine_continue.c - the engine driven call by call (axon/engine.h:
 * run_until, reset, refresh_pop, refresh_devices, state access), under
 * mpiexec -n 2 with 2 threads per rank.
 *
 * A network with every kind of input the engine has (recurrent static,
 * tsodyks2 and STDP projections with a 3-step min delay, Poisson, spike and dc
 * generators, a spike recorder and a double multimeter) is run to T in one
 * call, then in pieces that cut slices short at arbitrary steps; the spikes
 * (gid, step) and traces each rank receives through the sinks must be
 * bitwise the same. So must a second run after reset, a run during which
 * every population was refreshed and the devices re-created, and one split
 * at the min-delay grid. Errors: running backwards, touching a neuron of
 * another rank, an unknown variable; each leaves the engine usable.
 *
 * Plain C like test_mpi_h5.c: a failed CHECK prints rank and line; exit 1
 * if any rank failed. Checks never skip a collective call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "axon/engine.h"
#include "axon/spec.h"

static int rank, failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "FAIL rank %d line %d: %s\n", rank, __LINE__, #cond);      \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static const char *kSpec =
    "simulation: {resolution: 0.1, t_sim: 60.0, seed: 7, flush_interval: 2.0}\n"
    "populations:\n"
    "  E: {model: iaf_psc_exp, n: 40, params: {tau_syn_ex: 2.0, I_e: 300.0},\n"
    "      initial: {V_m: {distribution: uniform, low: -70.0, high: -56.0}}}\n"
    "  I: {model: iaf_psc_delta, n: 17, params: {tau_m: 15.0}}\n"
    "  P: {model: parrot_neuron, n: 6}\n"
    "projections:\n"
    "  - {source: E, target: E, rule: fixed_indegree, indegree: 6, weight: 90.0, delay: 0.3}\n"
    "  - {source: E, target: I, rule: pairwise_bernoulli, p: 0.3, weight: 1.5,\n"
    "     delay: {distribution: uniform, low: 0.3, high: 2.0}}\n"
    "  - {source: I, target: E, rule: all_to_all, weight: -40.0, delay: 0.5,\n"
    "     synapse: {model: tsodyks2_synapse, U: 0.3, tau_rec: 100.0, tau_fac: 20.0}}\n"
    "  - {source: P, target: E, rule: fixed_indegree, indegree: 3, weight: 150.0, delay: 0.4,\n"
    "     synapse: {model: stdp_synapse, lambda: 0.2, tau_plus: 10.0, Wmax: 400.0}}\n"
    "devices:\n"
    "  pg: {model: poisson_generator, rate: 8000.0, weight: 0.4, delay: 0.4, targets: [I]}\n"
    "  pp: {model: poisson_generator, rate: 400.0, weight: 1.0, targets: [P]}\n"
    "  sg: {model: spike_generator, spike_times: [1.0, 7.3, 7.3, 22.2], weight: 200.0,\n"
    "       targets: [E]}\n"
    "  dc: {model: dc_generator, amplitude: 80.0, start: 10.0, stop: 31.3,\n"
    "       targets: [{population: I, first: 2, count: 9}]}\n"
    "  sr: {model: spike_recorder, sources: [E, I]}\n"
    "  vm: {model: multimeter, record_from: [V_m], interval: 0.2, precision: double,\n"
    "       sources: [E, I]}\n";

/* What the sinks received on this rank. */
typedef struct {
    int64_t n_spk, cap_spk;
    uint64_t *gid;
    int64_t *step;
    int64_t n_val[2], cap_val[2];
    double *val[2];     /* trace values per population, rows in time order */
    int64_t last_step;  /* the last sample's step, to check rows are contiguous */
} record;

static ax_status spike_sink(void *ctx, int64_t n, const uint64_t *gid, const int64_t *step,
                            ax_error *err)
{
    (void)err;
    record *r = ctx;
    if (n == 0) return AX_OK; /* a flush without spikes may pass NULL arrays */
    if (r->n_spk + n > r->cap_spk) {
        r->cap_spk = 2 * (r->n_spk + n) + 64;
        r->gid = realloc(r->gid, (size_t)r->cap_spk * sizeof *r->gid);
        r->step = realloc(r->step, (size_t)r->cap_spk * sizeof *r->step);
    }
    memcpy(r->gid + r->n_spk, gid, (size_t)n * sizeof *gid);
    memcpy(r->step + r->n_spk, step, (size_t)n * sizeof *step);
    r->n_spk += n;
    return AX_OK;
}

static ax_status trace_sink(void *ctx, int dev, int pop, int n_vars, int64_t rows,
                            int64_t first_step, int64_t interval, int64_t n_cols,
                            const uint64_t *ids, const double *data, ax_error *err)
{
    (void)dev; (void)ids; (void)err;
    record *r = ctx;
    int64_t n = n_vars * rows * n_cols; /* one variable: rows x columns, the same columns every flush */
    if (rows > 0 && pop == 0) { /* rows follow each other without gaps or repeats */
        if (r->last_step >= 0) CHECK(first_step == r->last_step + interval);
        r->last_step = first_step + (rows - 1) * interval;
    }
    if (r->n_val[pop] + n > r->cap_val[pop]) {
        r->cap_val[pop] = 2 * (r->n_val[pop] + n) + 64;
        r->val[pop] = realloc(r->val[pop], (size_t)r->cap_val[pop] * sizeof *r->val[pop]);
    }
    memcpy(r->val[pop] + r->n_val[pop], data, (size_t)n * sizeof *data);
    r->n_val[pop] += n;
    return AX_OK;
}

static void record_clear(record *r)
{
    r->n_spk = r->n_val[0] = r->n_val[1] = 0;
    r->last_step = -1;
}

/* Spikes arrive sorted by (step, gid) per flush and traces row after row,
 * so where flushes fall does not change the concatenations compared here. */
static int same(const record *a, const record *b)
{
    if (a->n_spk != b->n_spk) return 0;
    for (int64_t k = 0; k < a->n_spk; k++)
        if (a->gid[k] != b->gid[k] || a->step[k] != b->step[k]) return 0;
    for (int p = 0; p < 2; p++)
        if (a->n_val[p] != b->n_val[p] ||
            memcmp(a->val[p], b->val[p], (size_t)a->n_val[p] * sizeof(double)) != 0)
            return 0;
    return 1;
}

static int build(const ax_spec *spec, ax_engine *e, record *rec)
{
    ax_error err;
    ax_error_clear(&err);
    ax_status st = ax_engine_build(spec, MPI_COMM_WORLD, 2, e, &err);
    CHECK(st == AX_OK);
    if (st != AX_OK) {
        fprintf(stderr, "build: %s\n", err.msg);
        return 0;
    }
    record_clear(rec);
    ax_engine_set_spike_sink(*e, spike_sink, rec);
    ax_engine_set_trace_sink(*e, trace_sink, rec);
    return 1;
}

static void run_to(ax_engine e, int64_t step)
{
    ax_error err;
    ax_error_clear(&err);
    ax_status st = ax_engine_run_until(e, step, NULL, &err);
    CHECK(st == AX_OK);
    if (st != AX_OK) fprintf(stderr, "run_until %lld: %s\n", (long long)step, err.msg);
    CHECK(ax_engine_step(e) == step);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    ax_spec *spec = NULL;
    ax_error err;
    ax_error_clear(&err);
    if (ax_spec_parse(kSpec, strlen(kSpec), "continue.yaml", &spec, &err) != AX_OK) {
        fprintf(stderr, "spec: %s\n", err.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int64_t T = 600;
    record ref = {0}, got = {0};
    ax_engine e = NULL;

    /* reference: one call */
    if (build(spec, &e, &ref)) run_to(e, T);
    int64_t spikes_total = ref.n_spk;
    MPI_Allreduce(MPI_IN_PLACE, &spikes_total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    CHECK(spikes_total > 100); /* the network is active: the comparisons mean something */
    CHECK(ref.n_val[0] == 40 / 2 * 300 && ref.n_val[1] > 0); /* every 2 steps, half of E here */

    /* the same run after reset, into a fresh record */
    ax_engine_set_spike_sink(e, spike_sink, &got);
    ax_engine_set_trace_sink(e, trace_sink, &got);
    record_clear(&got);
    CHECK(ax_engine_reset(e, &err) == AX_OK);
    CHECK(ax_engine_step(e) == 0);
    run_to(e, T);
    CHECK(same(&ref, &got));

    /* errors leave the engine usable */
    ax_error_clear(&err);
    CHECK(ax_engine_run_until(e, T - 1, NULL, &err) == AX_EINPUT);
    CHECK(strstr(err.msg, "already at step") != NULL);
    int64_t foreign = rank == 0 ? 1 : 0; /* gid = id (population E first): 2 ranks alternate */
    double x = 0;
    ax_error_clear(&err);
    CHECK(ax_engine_state_get(e, 0, "V_m", 1, &foreign, &x, &err) == AX_EINPUT);
    CHECK(strstr(err.msg, "is not on rank") != NULL);
    int64_t own = rank;
    ax_error_clear(&err);
    CHECK(ax_engine_state_get(e, 0, "U_m", 1, &own, &x, &err) == AX_EINPUT);
    CHECK(ax_engine_owns(e, 0, own) && !ax_engine_owns(e, 0, foreign));
    CHECK(ax_engine_state_get(e, 0, "V_m", 1, &own, &x, &err) == AX_OK);
    ax_engine_destroy(&e);

    /* pieces that cut slices anywhere, with a refresh of every population
     * (same parameters: the carried state makes it invisible) and of the
     * devices in between */
    const int64_t cuts[] = {1, 2, 7, 8, 9, 13, 50, 51, 203, 204, 205, 399, 480, T};
    if (build(spec, &e, &got)) {
        for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
            run_to(e, cuts[k]);
            if (cuts[k] == 50) {
                CHECK(ax_engine_refresh_pop(e, 0, &err) == AX_OK);
                CHECK(ax_engine_refresh_pop(e, 1, &err) == AX_OK);
            }
            if (cuts[k] == 204) CHECK(ax_engine_refresh_devices(e, &err) == AX_OK);
            if (cuts[k] == 8) run_to(e, 8); /* nothing to do */
        }
        CHECK(same(&ref, &got));
        ax_engine_destroy(&e);
    }

    /* state set then get; a changed state changes the rest of the run */
    if (build(spec, &e, &got)) {
        run_to(e, 100);
        double v = -52.0, back = 0;
        CHECK(ax_engine_state_set(e, 1, "V_m", 1, &own, &v, &err) == AX_OK);
        CHECK(ax_engine_state_get(e, 1, "V_m", 1, &own, &back, &err) == AX_OK);
        CHECK(back == v);
        run_to(e, T);
        int differs = !same(&ref, &got), any = 0;
        MPI_Allreduce(&differs, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        CHECK(any);
        ax_engine_destroy(&e);
    }

    ax_spec_destroy(&spec);
    free(ref.gid); free(ref.step); free(ref.val[0]); free(ref.val[1]);
    free(got.gid); free(got.step); free(got.val[0]); free(got.val[1]);
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) printf("%s: %d failure(s)\n", all ? "FAIL" : "PASS", all);
    MPI_Finalize();
    return all ? 1 : 0;
}
