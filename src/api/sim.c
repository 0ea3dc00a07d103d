/* sim.c - the session's life (axon/sim.h): MPI, create/destroy, errors,
 * the model tables, run/reset, delays, the output file and the equivalent
 * spec. Populations and projections are in sim_net.c, recording and the
 * session's devices in sim_record.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "axon/agree.h"
#include "axon/connect.h"
#include "axon/model.h"
#include "axon/spec_emit.h"
#include "axon/mpi_start.h"
#include "api_impl.h"

static int mpi_owned; /* ax_sim_mpi_init called MPI_Init_thread */

int ax_sim_api_version(void)
{
    return AX_SIM_API_VERSION;
}

int ax_sim_mpi_init(int *rank, int *size)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (fin) return AX_EMPI;
    if (!init) {
        int provided = 0;
        ax_mpi_singleton_defaults();
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return AX_EMPI;
        mpi_owned = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return AX_OK;
}

int ax_sim_mpi_finalize(void)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (mpi_owned && init && !fin) MPI_Finalize();
    mpi_owned = 0;
    return AX_OK;
}

int ax_api_agree(ax_sim *s, ax_status st)
{
    return ax_agree(s->comm, st, &s->err);
}

int ax_api_at_zero(const ax_sim *s)
{
    return !s->eng || ax_engine_step(s->eng) == 0;
}

void ax_api_drop_engine(ax_sim *s)
{
    ax_engine_destroy(&s->eng);
}

int64_t ax_api_local_index(const ax_sim *s, int pop, int64_t id)
{
    const sim_pop *p = &s->pops[pop];
    if (id < 0 || id >= s->spec->pops[pop].n || id < p->first_local) return -1;
    if ((id - p->first_local) % s->size) return -1;
    return (id - p->first_local) / s->size;
}

void ax_api_trains_take(int64_t **dst_off, double **dst_t, int64_t **off, double **t)
{
    free(*dst_off);
    free(*dst_t);
    *dst_off = *off;
    *dst_t = *t;
    *off = NULL;
    *t = NULL;
}

/* One body for the spec's two named lists (params, init): the entry named
 * name, or a new zeroed one appended with that name. */
#define SPEC_ENTRY_FN(fn, type, list, count)                                \
    type *fn(ax_pop_spec *ps, const char *name)                             \
    {                                                                       \
        for (int q = 0; q < ps->count; q++)                                 \
            if (!strcmp(ps->list[q].name, name)) return &ps->list[q];       \
        type *x = realloc(ps->list, (size_t)(ps->count + 1) * sizeof *x);   \
        if (!x) return NULL;                                                \
        ps->list = x;                                                       \
        x[ps->count] = (type){0};                                           \
        snprintf(x[ps->count].name, sizeof x[0].name, "%s", name);          \
        return &x[ps->count++];                                             \
    }
SPEC_ENTRY_FN(ax_api_spec_param, ax_param_value, params, n_params)
SPEC_ENTRY_FN(ax_api_spec_init, ax_init_value, init, n_init)

ax_status ax_api_check_pop(ax_sim *s, int pop)
{
    AX_CHECK(pop >= 0 && pop < s->spec->n_pops, &s->err, AX_EINPUT,
             "no population %d (the session has %d)", pop, s->spec->n_pops);
    return AX_OK;
}

double ax_api_stamp(const ax_sim *s, int64_t n)
{
    double h = s->spec->sim.resolution, tics = h * 1000.0;
    if (fabs(tics - nearbyint(tics)) < 1e-9 * tics)
        return (double)(n * (int64_t)nearbyint(tics)) * (1.0 / 1000.0);
    return (double)n * h;
}

ax_status ax_api_dist(ax_sim *s, int kind, const double *par, const char *what, ax_dist *d)
{
    *d = (ax_dist){.kind = AX_DIST_CONST, .low = -INFINITY, .high = INFINITY};
    switch (kind) {
    case 0: d->value = par[0]; break;
    case 1:
        d->kind = AX_DIST_UNIFORM;
        d->low = par[0];
        d->high = par[1];
        AX_CHECK(d->low <= d->high, &s->err, AX_EINPUT,
                 "%s: uniform low %g must be <= high %g", what, d->low, d->high);
        break;
    case 2:
    case 3:
        d->kind = kind == 2 ? AX_DIST_NORMAL : AX_DIST_NORMAL_CLIPPED;
        d->mean = par[0];
        d->std = par[1];
        if (kind == 3) {
            d->low = par[2];
            d->high = par[3];
            AX_CHECK(d->low < d->high, &s->err, AX_EINPUT,
                     "%s: normal_clipped low %g must be < high %g", what, d->low, d->high);
        }
        AX_CHECK(d->std >= 0, &s->err, AX_EINPUT, "%s: std must be >= 0 (got %g)", what, d->std);
        break;
    default:
        return AX_FAIL(&s->err, AX_EINPUT, "%s: unknown distribution kind %d (0 constant, "
                       "1 uniform, 2 normal, 3 normal_clipped)", what, kind);
    }
    for (int i = 0; i < (kind == 3 ? 4 : kind == 0 ? 1 : 2); i++)
        AX_CHECK(!isnan(par[i]) && (isfinite(par[i]) || kind == 3), &s->err, AX_EINPUT,
                 "%s: parameter %d of the distribution is %g; expected a finite number", what, i,
                 par[i]);
    return AX_OK;
}

int ax_sim_create(double h, double min_delay, double max_delay, int threads, uint64_t seed,
                  ax_sim **out, char *msg, size_t msg_len)
{
    *out = NULL;
    const char *why = NULL;
    if (!(h > 0) || !isfinite(h)) why = "the time step must be > 0 ms";
    else if (min_delay < 0 || max_delay < 0 || !isfinite(min_delay) || !isfinite(max_delay))
        why = "min_delay and max_delay must be >= 0 ms (0: from the network)";
    else if (min_delay > 0 && ax_delay_steps(min_delay, h) < 1)
        why = "min_delay must be a multiple of the time step, >= one step";
    else if (max_delay > 0 && (ax_delay_steps(max_delay, h) < 1 ||
                               (min_delay > 0 && max_delay < min_delay)))
        why = "max_delay must be a multiple of the time step, >= min_delay";
    else if (threads < 1 || threads > 4096) why = "threads must be 1 .. 4096";
    int init = 0;
    MPI_Initialized(&init);
    if (!why && !init) why = "MPI is not initialised (call ax_sim_mpi_init first)";
    if (why) {
        snprintf(msg, msg_len, "%s (got h = %g, min_delay = %g, max_delay = %g, threads = %d)",
                 why, h, min_delay, max_delay, threads);
        return AX_EINPUT;
    }
    ax_sim *s = calloc(1, sizeof *s);
    ax_spec *spec = calloc(1, sizeof *spec);
    if (s) s->spec = spec;
    if (spec) {
        spec->path = strdup("pyNN.axon session");
        spec->text = strdup("");
    }
    if (!s || !spec || !spec->path || !spec->text) {
        ax_sim_destroy(s);
        if (!s) free(spec);
        snprintf(msg, msg_len, "out of memory creating a session");
        return AX_ENOMEM;
    }
    s->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(s->comm, &s->rank);
    MPI_Comm_size(s->comm, &s->size);
    s->threads = threads;
    s->min_delay = min_delay;
    s->max_delay = max_delay;
    spec->sim = (ax_sim_spec){.resolution = h, .seed = seed, .threads = threads,
                              .flush_interval = 500.0};
    *out = s;
    return AX_OK;
}

static ax_status close_output(ax_sim *s);

void ax_sim_destroy(ax_sim *s)
{
    if (!s) return;
    if (s->rec) close_output(s);
    ax_engine_destroy(&s->eng);
    for (int p = 0; s->spec && p < s->spec->n_pops; p++) ax_api_pop_free(&s->pops[p]);
    free(s->pops);
    for (int k = 0; s->spec && k < s->spec->n_proj; k++) ax_api_proj_free(&s->proj[k]);
    free(s->proj);
    for (int k = 0; k < s->n_src; k++) ax_api_src_free(&s->src[k]);
    free(s->src);
    ax_spec_destroy(&s->spec);
    free(s);
}

int ax_sim_agree(ax_sim *s, int code, const char *msg)
{
    if (code != AX_OK) {
        s->err.code = (ax_status)code;
        snprintf(s->err.msg, sizeof s->err.msg, "%s", msg ? msg : "");
    }
    return ax_api_agree(s, (ax_status)code);
}

const char *ax_sim_error(const ax_sim *s)
{
    return s ? s->err.msg : "no session";
}

/* ---- models ---------------------------------------------------------- */

int ax_sim_model_count(void)
{
    return ax_model_count();
}

const char *ax_sim_model_name(int i)
{
    const ax_model_ops *m = i >= 0 && i < ax_model_count() ? ax_model_at(i) : NULL;
    return m ? m->name : NULL;
}

int ax_sim_model_info(const char *model, int *n_params, int *n_state, int *n_receptors,
                      const char **weight_unit, const char **doc)
{
    const ax_model_ops *m = ax_model_find(model);
    if (!m) return AX_EINPUT;
    *n_params = m->n_params;
    *n_state = m->n_state;
    *n_receptors = m->n_receptors;
    *weight_unit = m->weight_unit;
    *doc = m->doc;
    return AX_OK;
}

int ax_sim_model_param(const char *model, int i, const char **name, const char **unit,
                       double *def, int *kind, const char **choices, int *per_neuron,
                       const char **doc)
{
    const ax_model_ops *m = ax_model_find(model);
    if (!m || i < 0 || i >= m->n_params) return AX_EINPUT;
    const ax_param_desc *d = &m->params[i];
    *name = d->name;
    *unit = d->unit;
    *def = d->def;
    *kind = (int)d->kind;
    *choices = d->choices ? d->choices : "";
    *doc = d->doc ? d->doc : "";
    /* per neuron: the model keeps an array for it (ask a one-neuron block) */
    double p[256];
    ax_model_defaults(m, p);
    ax_neurons *nr = NULL;
    ax_error e;
    *per_neuron = 0;
    if (m->n_params <= 256 && m->create(p, 0.1, 1, &nr, &e) == AX_OK) {
        *per_neuron = m->param_array(nr, i) != NULL;
        m->destroy(nr);
    }
    return AX_OK;
}

const char *ax_sim_model_state(const char *model, int i)
{
    const ax_model_ops *m = ax_model_find(model);
    return m && i >= 0 && i < m->n_state ? m->state_names[i] : NULL;
}

/* ---- time ---------------------------------------------------------------- */

double ax_sim_time(const ax_sim *s)
{
    return ax_api_stamp(s, s->eng ? ax_engine_step(s->eng) : 0);
}

int ax_sim_delays(ax_sim *s, double *min_delay, double *max_delay)
{
    double h = s->spec->sim.resolution;
    int64_t d = ax_spec_proj_min_delay(s->spec), lo, hi;
    ax_spec_delay_range(s->spec, &lo, &hi);
    *min_delay = s->min_delay > 0 ? s->min_delay : (d > 0 ? d : 1) * h;
    *max_delay = s->max_delay > 0 ? s->max_delay : (hi > d ? hi : d > 0 ? d : 1) * h;
    return AX_OK;
}

/* Delays within [min_delay, max_delay] when they were given. */
static ax_status check_delays(ax_sim *s)
{
    double h = s->spec->sim.resolution;
    int64_t d = ax_spec_proj_min_delay(s->spec), lo, hi;
    ax_spec_delay_range(s->spec, &lo, &hi);
    if (s->min_delay > 0 && d > 0)
        AX_CHECK(d * h >= s->min_delay * (1 - 1e-9), &s->err, AX_EINPUT,
                 "a projection has a delay of %g ms, below min_delay = %g ms given to setup()",
                 d * h, s->min_delay);
    if (s->max_delay > 0)
        AX_CHECK(hi * h <= s->max_delay * (1 + 1e-9), &s->err, AX_EINPUT,
                 "a delay of %g ms exceeds max_delay = %g ms given to setup()", hi * h,
                 s->max_delay);
    return AX_OK;
}

static ax_status open_recorder(ax_sim *s)
{
    if (!s->out_path[0] || s->rec) return AX_OK;
    AX_TRY(ax_rec_create(s->out_path, s->out_force, s->comm, &s->rec, &s->err));
    return AX_OK;
}

/* Build the engine for the spec as it is; put the session's values in. */
static ax_status build(ax_sim *s)
{
    ax_status st = check_delays(s);
    if (st == AX_OK) st = ax_engine_build(s->spec, s->comm, s->threads, &s->eng, &s->err);
    if (st != AX_OK) {
        ax_engine_destroy(&s->eng);
        return st;
    }
    ax_api_attach_sinks(s);
    if (s->rec) st = ax_engine_attach_recorder(s->eng, s->rec, &s->err);
    for (int p = 0; p < s->spec->n_pops; p++) s->pops[p].tr.need_row0 = s->pops[p].tr.on;
    return st;
}

int ax_sim_run_until(ax_sim *s, double t)
{
    double h = s->spec->sim.resolution;
    int64_t step = ax_delay_steps(t, h);
    ax_status st = AX_OK;
    if (step < 0)
        st = AX_FAIL(&s->err, AX_EINPUT, "cannot run to t = %.17g ms: not a multiple of the time "
                     "step %g ms", t, h);
    else if (s->eng && step < ax_engine_step(s->eng))
        st = AX_FAIL(&s->err, AX_EINPUT, "cannot run to t = %g ms: the simulation is already at "
                     "%g ms", t, ax_sim_time(s));
    st = ax_api_agree(s, st);
    if (st == AX_OK) st = ax_api_sync(s);
    if (st != AX_OK) return st;
    if (!s->eng) {
        s->spec->sim.t_sim = t;
        st = ax_api_agree(s, open_recorder(s));
        if (st == AX_OK) st = ax_api_agree(s, build(s));
        if (st != AX_OK) return st;
    }
    st = ax_api_agree(s, ax_api_take_row0(s));
    if (st != AX_OK) return st;
    if (t > s->spec->sim.t_sim) s->spec->sim.t_sim = t;
    return ax_engine_run_until(s->eng, step, NULL, &s->err);
}

int ax_sim_reset(ax_sim *s)
{
    ax_status st = AX_OK;
    if (s->rec)
        st = AX_FAIL(&s->err, AX_EINPUT, "reset() while writing the output file %s: one file "
                     "holds one run from t = 0; close it first (end()) or write segments with "
                     "write_data()", s->out_path);
    st = ax_api_agree(s, st);
    if (st != AX_OK) return st;
    ax_api_clear_all(s);
    if (!s->eng) return AX_OK;
    st = ax_api_sync(s); /* state set at t = 0 is what a reset returns to */
    if (st == AX_OK) st = ax_engine_reset(s->eng, &s->err);
    for (int p = 0; p < s->spec->n_pops; p++) s->pops[p].tr.need_row0 = s->pops[p].tr.on;
    return st;
}

/* ---- files --------------------------------------------------------------- */

static ax_status write_meta(ax_sim *s)
{
    const ax_spec *sp = s->spec;
    const ax_engine_stats *es = s->eng ? ax_engine_get_stats(s->eng) : NULL;
    const char **names = calloc((size_t)sp->n_pops + 1, sizeof *names);
    const char **models = calloc((size_t)sp->n_pops + 1, sizeof *models);
    int64_t *sizes = calloc((size_t)sp->n_pops + 1, sizeof *sizes);
    int64_t *spikes = calloc((size_t)sp->n_pops + 1, sizeof *spikes);
    char *text = NULL;
    ax_error e;
    ax_status st = ax_spec_to_yaml(sp, &text, &e);
    if (!names || !models || !sizes || !spikes) st = AX_ENOMEM;
    for (int p = 0; st == AX_OK && p < sp->n_pops; p++) {
        names[p] = sp->pops[p].name;
        models[p] = sp->pops[p].model;
        sizes[p] = sp->pops[p].n;
        if (es) spikes[p] = es->pop_spikes[p];
    }
    ax_run_meta m = {.version = PACKAGE_VERSION, .spec_path = sp->path,
                     .spec_text = text ? text : "", .seed = sp->sim.seed, .ranks = s->size,
                     .threads = s->threads, .resolution = sp->sim.resolution,
                     .t_sim = ax_sim_time(s), .n_pops = sp->n_pops, .pop_names = names,
                     .pop_models = models, .pop_sizes = sizes, .pop_spikes = spikes,
                     .n_synapses = es ? es->n_synapses : 0};
    if (es) {
        m.t_build = es->t_build;
        m.t_simulate = es->t_simulate;
        m.t_update = es->t_update;
        m.t_deliver = es->t_deliver;
        m.t_communicate = es->t_communicate;
    }
    ax_status w = ax_rec_write_meta(s->rec, &m, &s->err); /* collective: always called */
    if (st != AX_OK && w == AX_OK) w = AX_FAIL(&s->err, st, "out of memory writing metadata");
    free(text);
    free(names);
    free(models);
    free(sizes);
    free(spikes);
    return w;
}

static ax_status close_output(ax_sim *s)
{
    ax_status st = AX_OK;
    if (s->eng) st = ax_engine_attach_recorder(s->eng, NULL, &s->err);
    ax_status w = write_meta(s);
    if (st == AX_OK) st = w;
    w = st == AX_OK ? ax_rec_close(&s->rec, &s->err) : AX_OK;
    if (st == AX_OK) st = w;
    if (s->rec) ax_rec_abort(&s->rec);
    s->out_path[0] = '\0';
    return st;
}

int ax_sim_output_open(ax_sim *s, const char *path, int force)
{
    ax_status st = AX_OK;
    if (s->rec || s->out_path[0])
        st = AX_FAIL(&s->err, AX_EINPUT, "an output file (%s) is already open", s->out_path);
    else if (!ax_api_at_zero(s))
        st = AX_FAIL(&s->err, AX_EINPUT, "the output file must be opened at t = 0 (before the "
                     "first run or after reset())");
    else if (!path || !*path || strlen(path) >= sizeof s->out_path)
        st = AX_FAIL(&s->err, AX_EINPUT, "output file name missing or too long");
    st = ax_api_agree(s, st);
    if (st != AX_OK) return st;
    snprintf(s->out_path, sizeof s->out_path, "%s", path);
    s->out_force = force;
    if (!s->eng) return AX_OK; /* created at the build */
    st = ax_api_agree(s, open_recorder(s));
    if (st == AX_OK) st = ax_engine_attach_recorder(s->eng, s->rec, &s->err);
    if (st != AX_OK) {
        if (s->rec) ax_rec_abort(&s->rec);
        s->out_path[0] = '\0';
    }
    return st;
}

int ax_sim_output_close(ax_sim *s)
{
    if (!s->rec) {
        s->out_path[0] = '\0';
        return AX_OK;
    }
    return close_output(s);
}

int ax_sim_write_spec(ax_sim *s, const char *path, double t_sim)
{
    ax_status st = ax_api_sync(s);
    if (st != AX_OK) return st;
    double keep = s->spec->sim.t_sim;
    s->spec->sim.t_sim = t_sim > 0 ? t_sim : ax_sim_time(s);
    if (s->rank == 0) {
        char *text = NULL;
        st = ax_spec_to_yaml(s->spec, &text, &s->err);
        FILE *f = st == AX_OK ? fopen(path, "w") : NULL;
        if (st == AX_OK && !f) st = AX_FAIL(&s->err, AX_EIO, "%s: cannot write the spec", path);
        if (f) {
            int bad = fputs(text, f) < 0;
            bad |= fclose(f) != 0;
            if (bad) st = AX_FAIL(&s->err, AX_EIO, "%s: write failed", path);
        }
        free(text);
    }
    s->spec->sim.t_sim = keep;
    return ax_api_agree(s, st);
}
