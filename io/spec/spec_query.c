/* spec_query.c - questions asked of a loaded spec: lookups, expected synapse
 * counts, the delay range, the per-rank memory estimate and guard, and the
 * summary `axon check` prints.
 *
 * The memory model mirrors what the engine stores (DESIGN.md §2.3): 8 B per
 * synapse (float weight + packed uint32 target/delay/receptor), a ~16 B row
 * header per distinct source per thread, per neuron 8 B per state variable +
 * 32 B plus ring buffers of (max_delay + min_delay) steps per receptor, spike
 * and recording buffers, and a fixed 64 MiB of MPI/HDF5 runtime. Nothing here
 * depends on N beyond what one rank holds, as in the engine.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/steps.h"
#include "axon/threads.h"
#include "spec_impl.h"

#define AX_SPEC_RUNTIME_BYTES (64.0 * 1024 * 1024)
#define AX_SPEC_ROW_BYTES 16.0
#define AX_SPEC_SYN_BYTES 8.0
#define AX_SPEC_STDP_SYN_BYTES 12.0   /* double weight + packed target/delay/receptor */
#define AX_SPEC_STDP_ROW_BYTES 56.0   /* row + run: source, offsets, t_last, t_fac, Kplus, projection */
#define AX_SPEC_HIST_BYTES 512.0      /* spike history of a plastic target (32 entries of 16 B) */
#define AX_SPEC_REC_RATE_HZ 50.0 /* assumed rate for sizing spike recording buffers */

uint64_t ax_spec_hash(const ax_spec *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the spec text */
    for (const char *c = s->text ? s->text : ""; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return h;
}

int ax_spec_find_pop(const ax_spec *spec, const char *name)
{
    for (int i = 0; spec && i < spec->n_pops; i++)
        if (!strcmp(spec->pops[i].name, name)) return i;
    return -1;
}

ax_status ax_spec_param(const ax_spec *spec, int pop, const char *name, double *value,
                        ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < spec->n_pops, err, AX_EINPUT, "no population #%d", pop);
    const ax_pop_spec *p = &spec->pops[pop];
    const ax_model_ops *m = ax_model_find(p->model);
    AX_CHECK(m, err, AX_EINPUT, "unknown model '%s'", p->model);
    int idx = ax_model_param_index(m, name);
    AX_CHECK(idx >= 0, err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    for (int i = 0; i < p->n_params; i++)
        if (!strcmp(p->params[i].name, name)) {
            const double *v = p->params[i].values;
            for (int64_t j = 1; v && j < p->n; j++)
                AX_CHECK(v[j] == v[0], err, AX_EINPUT, "population %s: %s differs per neuron (%g for "
                         "neuron 0, %g for neuron %lld); one value is needed here", p->name, name, v[0],
                         v[j], (long long)j);
            *value = p->params[i].value;
            return AX_OK;
        }
    *value = m->params[idx].def;
    return AX_OK;
}

ax_status ax_spec_param_at(const ax_spec *spec, int pop, const char *name, int64_t i,
                           double *value, ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < spec->n_pops, err, AX_EINPUT, "no population #%d", pop);
    const ax_pop_spec *p = &spec->pops[pop];
    AX_CHECK(i >= 0 && i < p->n, err, AX_EINPUT, "population %s has no neuron %lld", p->name,
             (long long)i);
    for (int k = 0; k < p->n_params; k++)
        if (!strcmp(p->params[k].name, name)) {
            *value = p->params[k].values ? p->params[k].values[i] : p->params[k].value;
            return AX_OK;
        }
    const ax_model_ops *m = ax_model_find(p->model);
    int idx = m ? ax_model_param_index(m, name) : -1;
    AX_CHECK(idx >= 0, err, AX_EINPUT, "model %s has no parameter '%s'", p->model, name);
    *value = m->params[idx].def;
    return AX_OK;
}

double ax_spec_expected_synapses(const ax_spec *spec, int proj)
{
    const ax_proj_spec *p = &spec->proj[proj];
    double ns = (double)spec->pops[p->src].n, nt = (double)spec->pops[p->tgt].n;
    double diag = (p->src == p->tgt && !p->allow_autapses) ? ns : 0.0;
    switch (p->rule) {
    case AX_RULE_ALL_TO_ALL: return ns * nt - diag;
    case AX_RULE_ONE_TO_ONE: return diag > 0 ? 0.0 : ns;
    case AX_RULE_FIXED_INDEGREE: return (double)p->k * nt;
    case AX_RULE_FIXED_OUTDEGREE: return (double)p->k * ns;
    case AX_RULE_FIXED_TOTAL_NUMBER: return (double)p->k;
    case AX_RULE_PAIRWISE_BERNOULLI: return p->p * (ns * nt - diag);
    case AX_RULE_FROM_LIST: return (double)p->n_list;
    }
    return 0.0;
}

static int64_t to_steps(double t, double h)
{
    int64_t s = (int64_t)llround(t / h);
    return s < 1 ? 1 : s;
}

/* Shortest delay a projection's distribution can draw, in steps (>= 1). */
static int64_t proj_min_steps(const ax_dist *d, double h)
{
    return to_steps(d->kind == AX_DIST_CONST ? d->value
                    : d->kind == AX_DIST_UNIFORM || d->kind == AX_DIST_NORMAL_CLIPPED ? d->low
                    : h, h);
}

int64_t ax_spec_proj_min_delay(const ax_spec *spec)
{
    int64_t lo = INT64_MAX;
    for (int i = 0; i < spec->n_proj; i++) {
        int64_t a = proj_min_steps(&spec->proj[i].delay, spec->sim.resolution);
        lo = a < lo ? a : lo;
    }
    return spec->n_proj > 0 ? lo : 0;
}

void ax_spec_delay_range(const ax_spec *spec, int64_t *min_steps, int64_t *max_steps)
{
    double h = spec->sim.resolution;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < spec->n_proj; i++) {
        const ax_dist *d = &spec->proj[i].delay;
        int64_t a = proj_min_steps(d, h);
        int64_t b = to_steps(d->kind == AX_DIST_CONST ? d->value : d->high, h);
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
    }
    for (int i = 0; i < spec->n_dev; i++) {
        const ax_dev_spec *d = &spec->dev[i];
        if (d->kind != AX_DEV_POISSON && d->kind != AX_DEV_SPIKE_GEN) continue;
        int64_t s = to_steps(d->delay, h);
        lo = s < lo ? s : lo;
        hi = s > hi ? s : hi;
    }
    if (hi == 0) lo = hi = 1;
    *min_steps = lo;
    *max_steps = hi;
}

/* Threads per rank the run will use: the spec's, else OMP_NUM_THREADS, else
 * the default for its neurons (axon/threads.h; an invalid OMP_NUM_THREADS
 * is refused by run and check, so any count does here). */
static int spec_threads(const ax_spec *spec, int ranks)
{
    if (spec->sim.threads > 0) return spec->sim.threads;
    ax_error err;
    int t = 0;
    if (ax_threads_env(&t, &err) != AX_OK || t > 0) return t > 0 ? t : 1;
    return ax_threads_default((spec->n_total + ranks - 1) / ranks, 1);
}

static double local_n(int64_t n, int ranks)
{
    return ceil((double)n / ranks);
}

/* Bytes one rank holds for the synapses of projection i (and the spike
 * histories of its targets when it is plastic). */
static double proj_bytes(const ax_spec *spec, int i, int ranks)
{
    double vps = (double)ranks * spec_threads(spec, ranks);
    double syn = ax_spec_expected_synapses(spec, i);
    double ns = (double)spec->pops[spec->proj[i].src].n;
    double rows_per_thread = fmin(ns, syn / vps);
    if (spec->proj[i].syn_model == AX_SYN_STDP)
        return AX_SPEC_STDP_SYN_BYTES * syn / ranks +
               AX_SPEC_STDP_ROW_BYTES * rows_per_thread * spec_threads(spec, ranks) +
               AX_SPEC_HIST_BYTES * local_n(spec->pops[spec->proj[i].tgt].n, ranks);
    return AX_SPEC_SYN_BYTES * syn / ranks +
           AX_SPEC_ROW_BYTES * rows_per_thread * spec_threads(spec, ranks);
}

/* Neurons: state, ring buffers, spike send/receive buffers, target-rank lists. */
static double neuron_bytes(const ax_spec *spec, int ranks)
{
    int64_t dmin, dmax;
    ax_spec_delay_range(spec, &dmin, &dmax);
    double out = 0.0;
    for (int i = 0; i < spec->n_pops; i++) {
        const ax_model_ops *m = ax_model_find(spec->pops[i].model);
        int n_state = m ? m->n_state : 4, n_rec = m ? m->n_receptors : 2;
        double ring = (double)(dmax + dmin) * n_rec * 8.0;
        double fanout = 0.0;
        for (int j = 0; j < spec->n_proj; j++)
            if (spec->proj[j].src == i)
                fanout += ax_spec_expected_synapses(spec, j) / (double)spec->pops[i].n;
        double per = 8.0 * n_state + 32.0 + ring + 2 * 16.0 + 8.0 + 4.0 * fmin(ranks, fanout);
        out += local_n(spec->pops[i].n, ranks) * per;
        /* the model's tables (iaf_psc_delta's refractory_input decay: t_ref / h
         * doubles): one instance per thread, and with per-neuron values up to
         * one per neuron */
        out += spec->pops[i].table_bytes * spec_threads(spec, ranks) + spec->pops[i].table_sum / ranks;
    }
    return out;
}

/* Recording buffers between flushes and generator data. */
static double device_bytes(const ax_spec *spec, int ranks)
{
    double out = 0.0, flush_s = spec->sim.flush_interval / 1000.0;
    for (int i = 0; i < spec->n_dev; i++) {
        const ax_dev_spec *d = &spec->dev[i];
        double n = 0.0;
        for (int j = 0; j < d->n_targets; j++) n += local_n(d->targets[j].count, ranks);
        if (d->kind == AX_DEV_SPIKE_REC) out += n * AX_SPEC_REC_RATE_HZ * flush_s * 16.0;
        if (d->kind == AX_DEV_MULTIMETER)
            out += n * d->n_record * ceil(spec->sim.flush_interval / d->interval) *
                   (d->precision_double ? 8.0 : 4.0);
        if (d->kind == AX_DEV_POISSON || d->kind == AX_DEV_DC) out += n * 8.0;
        if (d->kind == AX_DEV_SPIKE_GEN) out += (double)d->n_times * 8.0 + n * 8.0;
    }
    return out;
}

double ax_spec_estimate_bytes_per_rank(const ax_spec *spec, int ranks)
{
    if (ranks < 1) ranks = 1;
    double syn = 0.0;
    for (int i = 0; i < spec->n_proj; i++) syn += proj_bytes(spec, i, ranks);
    return AX_SPEC_RUNTIME_BYTES + syn + neuron_bytes(spec, ranks) + device_bytes(spec, ranks);
}

/* A positive integer from the first set variable among names, else 0. */
static int env_int(const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (v && atoi(v) > 0) return atoi(v);
    }
    return 0;
}

int ax_spec_env_ranks(void)
{
    static const char *const names[] = {"AXON_NP", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                                        "PMIX_SIZE", "SLURM_NTASKS", NULL};
    int r = env_int(names);
    return r > 0 ? r : 1;
}

/* Ranks sharing this node's memory (launcher environment), at least 1. */
static int env_local_ranks(int ranks)
{
    static const char *const names[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                                        "SLURM_NTASKS_PER_NODE", NULL};
    int r = env_int(names);
    if (r <= 0) r = 1;
    return r < ranks ? r : ranks;
}

/* Bits to write x (at least 1), as src/engine/network.c counts them. */
static int bits_for(uint64_t x)
{
    int b = 1;
    while (b < 63 && (x >> b)) b++;
    return b;
}

/* The engine packs a synapse's target index (within its thread) and delay
 * (steps) into 31 bits (src/engine/network.c synapse_bits); both grow with
 * the network: refused here, with the decomposition the run will have. */
static ax_status check_packing(const ax_spec *spec, int ranks, ax_error *err)
{
    int64_t lo, hi, vps = (int64_t)ranks * spec_threads(spec, ranks);
    ax_spec_delay_range(spec, &lo, &hi);
    int64_t per = (spec->n_total + vps - 1) / vps;
    int need = bits_for((uint64_t)(per > 1 ? per - 1 : 1)) + bits_for((uint64_t)hi);
    if (need <= 31) return AX_OK;
    const ax_pop_spec *p = &spec->pops[0];
    return AX_FAIL(err, AX_ENOMEM,
                   "%s:%d:%d: %lld neurons per thread (%lld in all on %d rank(s) x %d "
                   "thread(s)) with delays up to %lld steps do not fit the 8-byte synapse "
                   "(31 bits for the target index and the delay); use more ranks or threads, "
                   "or shorter delays", spec->path, p->loc.line, p->loc.col, (long long)per,
                   (long long)spec->n_total, ranks, spec_threads(spec, ranks), (long long)hi);
}

ax_status ax_spec_check_memory(const ax_spec *spec, int ranks, ax_error *err)
{
    if (ranks < 1) ranks = 1;
    double need = ax_spec_estimate_bytes_per_rank(spec, ranks);
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psize <= 0) return check_packing(spec, ranks, err); /* memory unknown */
    double have = (double)pages * (double)psize / env_local_ranks(ranks);
    if (need <= have) return check_packing(spec, ranks, err);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    int big = 0;
    for (int i = 1; i < spec->n_pops; i++)
        if (spec->pops[i].n > spec->pops[big].n) big = i;
    const ax_pop_spec *p = &spec->pops[big];
    double more = ceil(ranks * need / have);
    return AX_FAIL(err, AX_ENOMEM,
                   "%s:%d:%d: the network does not fit: %lld neurons (largest population "
                   "'%s', n = %lld) need an estimated %.3g GiB per rank on %d rank(s), but "
                   "only %.3g GiB of memory is available per rank; use about %.0f or more "
                   "ranks (mpirun -np), or a smaller network",
                   spec->path, p->loc.line, p->loc.col, (long long)spec->n_total,
                   p->name, (long long)p->n, need / gib, ranks, have / gib, more);
}

static const char *rule_name(ax_rule r)
{
    static const char *const names[] = {"all_to_all", "one_to_one", "fixed_indegree",
                                        "fixed_outdegree", "fixed_total_number",
                                        "pairwise_bernoulli", "from_list"};
    return (int)r >= 0 && (int)r < 7 ? names[r] : "?";
}

static const char *dev_model(ax_dev_kind k)
{
    static const char *const names[] = {"poisson_generator", "dc_generator",
                                        "spike_generator", "spike_recorder", "multimeter",
                                        "weight_recorder"};
    return (int)k >= 0 && (int)k < 6 ? names[k] : "?";
}

/* "1.23 MiB" style. */
static const char *human_bytes(double b, char *buf, size_t size)
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (b >= 1024.0 && u < 5) {
        b /= 1024.0;
        u++;
    }
    snprintf(buf, size, "%.4g %s", b, unit[u]);
    return buf;
}

static void print_pops(const ax_spec *spec, FILE *out)
{
    fprintf(out, "populations: %d, %lld neurons\n", spec->n_pops, (long long)spec->n_total);
    fprintf(out, "  %-16s %-16s %14s %14s\n", "name", "model", "n", "first_gid");
    for (int i = 0; i < spec->n_pops; i++)
        fprintf(out, "  %-16s %-16s %14lld %14lld\n", spec->pops[i].name, spec->pops[i].model,
                (long long)spec->pops[i].n, (long long)spec->pops[i].first_gid);
}

static void print_proj(const ax_spec *spec, int ranks, FILE *out)
{
    double total = 0.0;
    char b[32];
    fprintf(out, "projections: %d\n", spec->n_proj);
    if (spec->n_proj)
        fprintf(out, "  %-3s %-24s %-28s %16s %14s\n", "#", "source -> target", "rule",
                "synapses", "bytes/rank");
    for (int i = 0; i < spec->n_proj; i++) {
        const ax_proj_spec *p = &spec->proj[i];
        char st[160], rule[64];
        snprintf(st, sizeof st, "%s -> %s", spec->pops[p->src].name, spec->pops[p->tgt].name);
        if (p->rule == AX_RULE_PAIRWISE_BERNOULLI)
            snprintf(rule, sizeof rule, "%s p=%g", rule_name(p->rule), p->p);
        else if (p->rule >= AX_RULE_FIXED_INDEGREE && p->rule != AX_RULE_FROM_LIST)
            snprintf(rule, sizeof rule, "%s %lld", rule_name(p->rule), (long long)p->k);
        else
            snprintf(rule, sizeof rule, "%s", rule_name(p->rule));
        double syn = ax_spec_expected_synapses(spec, i);
        total += syn;
        fprintf(out, "  %-3d %-24s %-28s %16.0f %14s%s%s\n", i, st, rule, syn,
                human_bytes(proj_bytes(spec, i, ranks), b, sizeof b),
                p->syn_model == AX_SYN_STDP ? "  " : "",
                p->syn_model == AX_SYN_STDP ? ax_stdp_name(p->stdp.kind) : "");
    }
    fprintf(out, "total synapses: %.0f%s\n", total,
            spec->n_proj ? " (expected; pairwise_bernoulli counts are means)" : "");
}

static void print_devices(const ax_spec *spec, FILE *out)
{
    fprintf(out, "devices: %d\n", spec->n_dev);
    for (int i = 0; i < spec->n_dev; i++) {
        const ax_dev_spec *d = &spec->dev[i];
        double n = 0;
        for (int j = 0; j < d->n_targets; j++) n += (double)d->targets[j].count;
        fprintf(out, "  %-16s %-18s %s %.0f neurons of", d->name, dev_model(d->kind),
                d->kind >= AX_DEV_SPIKE_REC ? "<-" : "->", n);
        if (d->kind == AX_DEV_WEIGHT_REC && !d->n_targets) fprintf(out, " (all targets)");
        for (int j = 0; j < d->n_targets; j++)
            fprintf(out, "%s %s", j ? "," : "", spec->pops[d->targets[j].pop].name);
        fputc('\n', out);
    }
}

void ax_spec_print_summary(const ax_spec *spec, int ranks, FILE *out)
{
    if (ranks < 1) ranks = 1;
    const ax_sim_spec *s = &spec->sim;
    fprintf(out, "spec: %s\n", spec->path);
    fprintf(out, "simulation: resolution %g ms, t_sim %g ms (%lld steps), seed %llu, "
                 "threads %d%s, output %s\n",
            s->resolution, s->t_sim, (long long)ax_time_steps_or_never(s->t_sim, s->resolution),
            (unsigned long long)s->seed, s->threads, s->threads ? "" : " (OMP_NUM_THREADS, else fitted to the work)",
            s->output[0] ? s->output : "(none; give -o)");
    print_pops(spec, out);
    print_proj(spec, ranks, out);
    int64_t lo, hi;
    ax_spec_delay_range(spec, &lo, &hi);
    fprintf(out, "delays: min %lld steps (%g ms), max %lld steps (%g ms)\n", (long long)lo,
            (double)lo * s->resolution, (long long)hi, (double)hi * s->resolution);
    print_devices(spec, out);
    char b[32];
    fprintf(out, "estimated memory per rank: %s on %d rank(s) x %d thread(s)\n",
            human_bytes(ax_spec_estimate_bytes_per_rank(spec, ranks), b, sizeof b), ranks,
            spec_threads(spec, ranks));
}
