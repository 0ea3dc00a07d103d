/* spec_net.c - the `projections` and `devices` sections of a spec.
 *
 * Runs after simulation and populations are parsed (it needs the resolution
 * and the population table). Every rule a build would trip over is checked
 * here: rule keys, sizes (one_to_one), degrees that cannot be met without
 * multapses, probabilities, receptors the target model lacks, delays off the
 * grid, device parameters, target ranges and recorded variables.
 * s->n_proj / s->n_dev count only fully allocated entries, so
 * ax_spec_destroy frees a half-parsed spec correctly.
 */
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

static const char *const proj_keys[] = {"source", "target", "rule", "indegree", "outdegree",
                                        "N", "p", "allow_autapses", "allow_multapses",
                                        "receptor", "weight", "delay", "synapse", "sources",
                                        "targets", "weights", "delays", "file", "group", NULL};

static const char *const rule_names[] = {"all_to_all", "one_to_one", "fixed_indegree",
                                         "fixed_outdegree", "fixed_total_number",
                                         "pairwise_bernoulli", "from_list"};
#define N_RULES 7
/* The key that carries each rule's number ("" for none). */
static const char *const rule_key[] = {"", "", "indegree", "outdegree", "N", "p", ""};

/* Range [lo, hi] a weight distribution can take. */
static void dist_range(const ax_dist *d, double *lo, double *hi)
{
    if (d->kind == AX_DIST_CONST) {
        *lo = *hi = d->value;
    } else if (d->kind == AX_DIST_NORMAL) {
        *lo = d->std > 0 ? -INFINITY : d->mean;
        *hi = d->std > 0 ? INFINITY : d->mean;
    } else {
        *lo = d->low;
        *hi = d->high;
    }
}

/* receptor: auto|excitatory|inhibitory, valid for the model; an explicit
 * port must agree with the weight's sign (same meaning as auto, NEST). */
static ax_status parse_receptor(ax_sctx *c, const ax_yn *n, const ax_model_ops *m,
                                const char *pop, const ax_dist *w, ax_receptor *r)
{
    *r = AX_RECEPTOR_AUTO;
    if (!n) return AX_OK;
    char s[32];
    AX_TRY(ax_spec_string(c, n, "receptor", s, sizeof s));
    if (!strcmp(s, "auto")) return AX_OK;
    if (strcmp(s, "excitatory") && strcmp(s, "inhibitory"))
        return ax_spec_fail(c, n, "unknown receptor '%s'; allowed: auto, excitatory, "
                                  "inhibitory", s);
    if (m->n_receptors < 2)
        return ax_spec_fail(c, n, "receptor '%s': target '%s' (%s) has a single input port; "
                                  "remove 'receptor' or use auto", s, pop, m->name);
    *r = s[0] == 'e' ? AX_RECEPTOR_EXCITATORY : AX_RECEPTOR_INHIBITORY;
    double lo, hi;
    dist_range(w, &lo, &hi);
    if (*r == AX_RECEPTOR_EXCITATORY && lo < 0)
        return ax_spec_fail(c, n, "receptor excitatory needs weights >= 0 (the weight can be "
                                  "%g); inhibitory weights are negative, as in NEST", lo);
    if (*r == AX_RECEPTOR_INHIBITORY && hi > 0)
        return ax_spec_fail(c, n, "receptor inhibitory needs weights <= 0 (the weight can be "
                                  "%g); inhibitory weights are negative, as in NEST", hi);
    return AX_OK;
}

static ax_status parse_rule(ax_sctx *c, const ax_yn *n, ax_proj_spec *p)
{
    ax_yn *v = ax_yn_get(n, "rule");
    if (!v) return ax_spec_fail(c, n, "projection: missing required key 'rule' (all_to_all, "
                                      "one_to_one, fixed_indegree, fixed_outdegree, "
                                      "fixed_total_number, pairwise_bernoulli, from_list)");
    char s[32];
    AX_TRY(ax_spec_string(c, v, "rule", s, sizeof s));
    int r = -1;
    for (int i = 0; i < N_RULES; i++)
        if (!strcmp(s, rule_names[i])) r = i;
    if (r < 0) return ax_spec_fail(c, v, "unknown rule '%s'; rules: all_to_all, one_to_one, "
                                         "fixed_indegree, fixed_outdegree, "
                                         "fixed_total_number, pairwise_bernoulli, from_list", s);
    static const char *const list_keys[] = {"sources", "targets", "weights", "delays", "file",
                                            "group"};
    for (int i = 0; r != AX_RULE_FROM_LIST && i < 6; i++)
        if (ax_yn_get(n, list_keys[i]))
            return ax_spec_fail(c, ax_yn_get(n, list_keys[i]), "'%s' belongs to rule from_list, "
                                "not %s", list_keys[i], s);
    p->rule = (ax_rule)r;
    for (int i = 2; i < 6; i++) {
        ax_yn *k = ax_yn_get(n, rule_key[i]);
        if (i != r && k)
            return ax_spec_fail(c, k, "'%s' belongs to rule %s, not %s", rule_key[i],
                                rule_names[i], s);
        if (i == r && !k)
            return ax_spec_fail(c, n, "rule %s needs '%s'", s, rule_key[i]);
    }
    if (r == AX_RULE_PAIRWISE_BERNOULLI) {
        v = ax_yn_get(n, "p");
        AX_TRY(ax_spec_number(c, v, "p", 0, &p->p));
        if (!(p->p >= 0 && p->p <= 1))
            return ax_spec_fail(c, v, "p is a probability and must be in [0, 1] (got %g)", p->p);
    } else if (r >= 2 && r != AX_RULE_FROM_LIST) {
        AX_TRY(ax_spec_int(c, ax_yn_get(n, rule_key[r]), rule_key[r], 0, &p->k));
    }
    return AX_OK;
}

/* Sizes a rule needs: one_to_one equal sizes; degrees possible without
 * multapses (and without autapses when source == target). */
static ax_status check_sizes(ax_sctx *c, const ax_yn *n, const ax_proj_spec *p)
{
    const ax_spec *s = c->spec;
    int64_t ns = s->pops[p->src].n, nt = s->pops[p->tgt].n;
    int self = p->src == p->tgt && !p->allow_autapses;
    const char *sn = s->pops[p->src].name, *tn = s->pops[p->tgt].name;
    if (p->rule == AX_RULE_ONE_TO_ONE && ns != nt)
        return ax_spec_fail(c, n, "one_to_one needs equal sizes (%s has %lld, %s has %lld)",
                            sn, (long long)ns, tn, (long long)nt);
    if (p->rule == AX_RULE_ONE_TO_ONE && self)
        return ax_spec_fail(c, n, "one_to_one from %s onto itself with allow_autapses: false "
                                  "makes no synapse", sn);
    int drawn = p->rule == AX_RULE_FIXED_INDEGREE || p->rule == AX_RULE_FIXED_OUTDEGREE ||
                p->rule == AX_RULE_FIXED_TOTAL_NUMBER;
    if (drawn && self && ns == 1 && p->k > 0) /* src/connect: no pair to draw from */
        return ax_spec_fail(c, ax_yn_get(n, "allow_autapses"), "%s has one neuron: onto itself "
                            "without autapses there is no pair to connect; allow autapses or "
                            "use 0 connections", sn);
    if (p->allow_multapses) return AX_OK;
    if (p->rule == AX_RULE_FIXED_INDEGREE && p->k > ns - self)
        return ax_spec_fail(c, ax_yn_get(n, "indegree"), "indegree %lld > the %lld possible "
                            "sources in %s without multapses; lower it or set "
                            "allow_multapses: true", (long long)p->k, (long long)(ns - self), sn);
    if (p->rule == AX_RULE_FIXED_OUTDEGREE && p->k > nt - self)
        return ax_spec_fail(c, ax_yn_get(n, "outdegree"), "outdegree %lld > the %lld possible "
                            "targets in %s without multapses; lower it or set "
                            "allow_multapses: true", (long long)p->k, (long long)(nt - self), tn);
    /* src/connect draws fixed_total_number with multapses only (as NEST) */
    if (p->rule == AX_RULE_FIXED_TOTAL_NUMBER && p->k > 0)
        return ax_spec_fail(c, ax_yn_get(n, "allow_multapses"), "fixed_total_number without "
                            "multapses is not supported (NEST does not support it either); set "
                            "allow_multapses: true");
    return AX_OK;
}

/* ---- from_list ----------------------------------------------------------- */

/* The four columns of an explicit connection list, as read. */
typedef struct clist {
    int64_t n;
    double *src, *tgt, *w, *d; /* w, d may be NULL */
} clist;

static void clist_free(clist *l)
{
    free(l->src);
    free(l->tgt);
    free(l->w);
    free(l->d);
}

/* One 1-d dataset of `grp` (integers when integral) into a malloc'd double
 * array; *present = 0 when absent. Returns a message on failure, NULL on
 * success. */
static const char *h5_column(hid_t grp, const char *name, int integral, double **out, int64_t *n,
                             int *present)
{
    *out = NULL;
    *present = H5Lexists(grp, name, H5P_DEFAULT) > 0;
    if (!*present) return NULL;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) return "cannot open the dataset";
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    const char *why = NULL;
    H5T_class_t cls = H5Tget_class(t);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dim = 0;
    if (rank == 1) H5Sget_simple_extent_dims(sp, &dim, NULL);
    if (rank != 1) why = "must be a 1-d dataset";
    else if (integral && cls != H5T_INTEGER) why = "must hold integers (indices within the population)";
    else if (!integral && cls != H5T_FLOAT && cls != H5T_INTEGER) why = "must hold numbers";
    else if (!(*out = malloc((size_t)(dim ? dim : 1) * sizeof **out))) why = "out of memory";
    else if (dim && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
        why = "read failed";
    *n = (int64_t)dim;
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    return why;
}

/* An HDF5 file from its bytes, read-only (core driver with a file image,
 * which HDF5 copies). The core driver refuses a name that exists on disk,
 * so the image gets one that cannot: "axon-in-memory:/..." names a file in
 * a folder "axon-in-memory:" of the working directory. -1 on failure. */
static hid_t open_image(const char *path, const void *bytes, size_t n)
{
    char name[4300];
    snprintf(name, sizeof name, "axon-in-memory:/%s", path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fid = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 &&
        H5Pset_file_image(fapl, (void *)bytes, n) >= 0)
        fid = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    return fid;
}

/* file: F (relative to the spec's folder), group: G (default the root). */
static ax_status list_from_file(ax_sctx *c, const ax_yn *n, clist *l)
{
    const ax_yn *f = ax_yn_get(n, "file"), *g = ax_yn_get(n, "group");
    char name[2048], grp[512] = "/", path[4200];
    AX_TRY(ax_spec_string(c, f, "file", name, sizeof name));
    if (g) AX_TRY(ax_spec_string(c, g, "group", grp, sizeof grp));
    if (name[0] == '/' || !c->spec->path) {
        snprintf(path, sizeof path, "%s", name);
    } else {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", c->spec->path);
        snprintf(path, sizeof path, "%s/%s", dirname(dir), name);
    }
    /* rank 0 reads the file for every rank (axon/input.h); HDF5 opens the
     * bytes in memory */
    char *bytes;
    size_t nbytes;
    if (ax_input_read(c->in, path, "connection list", AX_INPUT_MAX_DATA, &bytes, &nbytes,
                      c->err) != AX_OK)
        return ax_spec_fail(c, f, "from_list file: %s", c->err->msg);
    H5E_auto2_t fn;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = open_image(path, bytes, nbytes);
    free(bytes);
    hid_t gid = fid >= 0 ? H5Gopen2(fid, grp, H5P_DEFAULT) : -1;
    const char *why = fid < 0 ? "cannot open it as HDF5" : gid < 0 ? "has no such group" : NULL;
    const char *col = "";
    static const char *const cols[] = {"sources", "targets", "weights", "delays"};
    double **dst[] = {&l->src, &l->tgt, &l->w, &l->d};
    int64_t len[4] = {0, 0, 0, 0};
    for (int k = 0; !why && k < 4; k++) {
        int present;
        why = h5_column(gid, cols[k], k < 2, dst[k], &len[k], &present);
        col = cols[k];
        if (!why && !present && k < 2) why = "has no dataset of that name (required)";
        if (!why && present && k && len[k] != len[0]) why = "has another length than 'sources'";
    }
    if (gid >= 0) H5Gclose(gid);
    if (fid >= 0) H5Fclose(fid);
    H5Eset_auto2(H5E_DEFAULT, fn, data);
    l->n = len[0];
    if (why)
        return ax_spec_fail(c, f, "from_list file '%s' (group %s)%s%s%s: %s; it needs 1-d datasets "
                                  "sources, targets (integers) and optionally weights, delays",
                            path, grp, col[0] ? ", dataset '" : "", col, col[0] ? "'" : "", why);
    return AX_OK;
}

static ax_status list_inline(ax_sctx *c, const ax_yn *n, clist *l)
{
    static const char *const cols[] = {"sources", "targets", "weights", "delays"};
    double **dst[] = {&l->src, &l->tgt, &l->w, &l->d};
    for (int k = 0; k < 4; k++) {
        const ax_yn *v = ax_yn_get(n, cols[k]);
        if (!v && k < 2)
            return ax_spec_fail(c, n, "rule from_list needs '%s' (a list of indices within the "
                                      "%s population), or 'file'", cols[k], k ? "target" : "source");
        if (!v) continue;
        int64_t len;
        AX_TRY(ax_spec_num_list(c, v, cols[k], 0, dst[k], &len));
        if (k == 0) l->n = len;
        else if (len != l->n)
            return ax_spec_fail(c, v, "'%s' has %lld entries, 'sources' %lld; one per connection",
                                cols[k], (long long)len, (long long)l->n);
    }
    return AX_OK;
}

/* Steps of a delay on the grid (within 1e-9 relative, as ax_spec_on_grid),
 * -1 when off the grid, negative or not finite. */
static int64_t grid_steps(double t, double h)
{
    if (!isfinite(t) || t < 0) return -1;
    double x = t / h, r = nearbyint(x);
    if (r > 4.0e18 || fabs(x - r) > 1e-9 * fmax(r, 1.0)) return -1;
    return (int64_t)r;
}

/* Check the columns and keep them sorted by target (counting sort, stable). */
static ax_status list_store(ax_sctx *c, const ax_yn *n, const clist *l, ax_proj_spec *p)
{
    const ax_spec *s = c->spec;
    int64_t ns = s->pops[p->src].n, nt = s->pops[p->tgt].n;
    double h = s->sim.resolution;
    const char *where = ax_yn_get(n, "file") ? "the file's" : "the";
    for (int64_t i = 0; i < l->n; i++) {
        double a = l->src[i], b = l->tgt[i];
        if (!(a >= 0 && a < (double)ns && a == floor(a)) || !(b >= 0 && b < (double)nt && b == floor(b)))
            return ax_spec_fail(c, n, "from_list connection %lld: %s (%g -> %g) must be whole "
                                "indices within %s (0..%lld) -> %s (0..%lld)", (long long)i, "indices",
                                a, b, s->pops[p->src].name, (long long)(ns - 1), s->pops[p->tgt].name,
                                (long long)(nt - 1));
        if (l->w && !isfinite(l->w[i]))
            return ax_spec_fail(c, n, "from_list connection %lld: weight %g must be finite",
                                (long long)i, l->w[i]);
        if (l->d && grid_steps(l->d[i], h) < 1)
            return ax_spec_fail(c, n, "from_list connection %lld: delay %g ms must be a positive "
                                "multiple of the resolution %g ms (%s delays column)", (long long)i,
                                l->d[i], h, where);
        if (l->d && grid_steps(l->d[i], h) > AX_MAX_DELAY_STEPS)
            return ax_spec_fail(c, n, "from_list connection %lld: delay %g ms is more than %lld "
                                "steps of %g ms (a synapse packs its delay into 30 bits)",
                                (long long)i, l->d[i], (long long)AX_MAX_DELAY_STEPS, h);
    }
    p->n_list = l->n;
    p->list_off = calloc((size_t)nt + 1, sizeof *p->list_off);
    p->list_src = malloc((size_t)(l->n ? l->n : 1) * sizeof *p->list_src);
    if (l->w) p->list_w = malloc((size_t)(l->n ? l->n : 1) * sizeof *p->list_w);
    if (l->d) p->list_d = malloc((size_t)(l->n ? l->n : 1) * sizeof *p->list_d);
    int64_t *pos = malloc((size_t)nt * sizeof *pos + 1);
    if (!p->list_off || !p->list_src || (l->w && !p->list_w) || (l->d && !p->list_d) || !pos) {
        free(pos);
        return AX_FAIL(c->err, AX_ENOMEM, "out of memory for %lld listed connections", (long long)l->n);
    }
    for (int64_t i = 0; i < l->n; i++) p->list_off[(int64_t)l->tgt[i] + 1]++;
    for (int64_t t = 0; t < nt; t++) p->list_off[t + 1] += p->list_off[t];
    memcpy(pos, p->list_off, (size_t)nt * sizeof *pos);
    for (int64_t i = 0; i < l->n; i++) {
        int64_t k = pos[(int64_t)l->tgt[i]]++;
        p->list_src[k] = (int64_t)l->src[i];
        if (l->w) p->list_w[k] = l->w[i];
        if (l->d) p->list_d[k] = l->d[i];
    }
    free(pos);
    return AX_OK;
}

/* [min, max] of a column as a uniform "distribution" (never drawn). */
static ax_dist list_range(const double *v, int64_t n, double fallback, ax_loc loc)
{
    double lo = n ? v[0] : fallback, hi = lo;
    for (int64_t i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return (ax_dist){.kind = AX_DIST_UNIFORM, .low = lo, .high = hi, .mean = lo, .loc = loc};
}

/* rule: from_list: the connections inline or from an HDF5 file. */
static ax_status parse_list(ax_sctx *c, const ax_yn *n, ax_proj_spec *p)
{
    static const char *const rule_only[] = {"allow_autapses", "allow_multapses"};
    for (int i = 0; i < 2; i++)
        if (ax_yn_get(n, rule_only[i]))
            return ax_spec_fail(c, ax_yn_get(n, rule_only[i]), "'%s' does not apply to rule "
                                "from_list (the list is the connectivity); remove it", rule_only[i]);
    static const char *const inl[] = {"sources", "targets", "weights", "delays"};
    if (ax_yn_get(n, "file")) {
        for (int i = 0; i < 4; i++)
            if (ax_yn_get(n, inl[i]))
                return ax_spec_fail(c, ax_yn_get(n, inl[i]), "from_list takes the connections "
                                    "either inline ('%s' ...) or from 'file', not both", inl[i]);
    } else if (ax_yn_get(n, "group"))
        return ax_spec_fail(c, ax_yn_get(n, "group"), "'group' needs 'file' (an HDF5 file)");
    clist l = {0};
    ax_status st = ax_yn_get(n, "file") ? list_from_file(c, n, &l) : list_inline(c, n, &l);
    if (st == AX_OK) st = list_store(c, n, &l, p);
    clist_free(&l);
    return st;
}

static const char *const tso_keys[] = {"model", "U", "u", "x", "y", "tau_rec", "tau_fac",
                                       "tau_psc", NULL};

/* One short-term plasticity parameter of `model` in [lo, hi] (hi may be
 * INFINITY). */
static ax_status tso_param(ax_sctx *c, const ax_yn *map, const char *model, const char *key,
                           double lo, double hi, int open_lo, double *out)
{
    const ax_yn *v = ax_yn_get(map, key);
    if (!v) return AX_OK;
    AX_TRY(ax_spec_number(c, v, key, 0, out));
    if (*out < lo || *out > hi || (open_lo && *out == lo))
        return ax_spec_fail(c, v, "%s %s = %g must be %s %g%s", model, key, *out,
                            open_lo ? ">" : ">=", lo, isinf(hi) ? "" : " and <= 1");
    return AX_OK;
}

/* tsodyks_synapse's own parameters (NEST's models/tsodyks_synapse.h):
 * y, tau_psc, and x + y <= 1; tau_psc must differ from tau_rec (the
 * propagator of x divides by their difference). */
static ax_status tsodyks_only(ax_sctx *c, const ax_yn *n, ax_proj_spec *p)
{
    AX_TRY(tso_param(c, n, "tsodyks_synapse", "y", 0.0, 1.0, 0, &p->tso.y));
    AX_TRY(tso_param(c, n, "tsodyks_synapse", "tau_psc", 0.0, INFINITY, 1, &p->tso.tau_psc));
    if (p->tso.x + p->tso.y > 1.0)
        return ax_spec_fail(c, n, "tsodyks_synapse: x + y = %g must be <= 1", p->tso.x + p->tso.y);
    if (p->tso.tau_psc == p->tso.tau_rec)
        return ax_spec_fail(c, ax_yn_get(n, "tau_psc") ? ax_yn_get(n, "tau_psc") : n,
                            "tsodyks_synapse: tau_psc must differ from tau_rec (both %g ms)",
                            p->tso.tau_rec);
    return AX_OK;
}

static const char *const stdp_keys[] = {"model", "tau_plus", "lambda", "alpha", "mu_plus",
                                        "mu_minus", "Wmax", "Kplus", "weight_recorder", NULL};
static const char *const stdp_pl_keys[] = {"model", "tau_plus", "lambda", "alpha", "mu", "Kplus",
                                           "weight_recorder", NULL};

/* One STDP parameter if given: a finite number, > 0 (positive) or >= 0
 * (nonneg) where the rule needs it. */
static ax_status stdp_param(ax_sctx *c, const ax_yn *map, const char *model, const char *key,
                            int positive, int nonneg, double *out)
{
    const ax_yn *v = ax_yn_get(map, key);
    if (!v) return AX_OK;
    char what[96];
    snprintf(what, sizeof what, "%s %s", model, key);
    AX_TRY(ax_spec_number(c, v, what, 0, out));
    if (positive && !(*out > 0))
        return ax_spec_fail(c, v, "%s %s = %g must be > 0 (a time constant)", model, key, *out);
    if (nonneg && !(*out >= 0))
        return ax_spec_fail(c, v, "%s %s = %g must be >= 0 (NEST: \"%s must be non-negative\")",
                            model, key, *out, key);
    return AX_OK;
}

/* weight_recorder: NAME, a device of that model (devices are parsed later,
 * in map order, so its index is its position in the map). */
static ax_status stdp_recorder(ax_sctx *c, const ax_yn *map, const ax_yn *devices,
                               ax_proj_spec *p)
{
    const ax_yn *v = ax_yn_get(map, "weight_recorder");
    if (!v) return AX_OK;
    char name[AX_NAME_MAX];
    AX_TRY(ax_spec_string(c, v, "weight_recorder", name, sizeof name));
    for (int i = 0; devices && i < devices->n; i++) {
        if (strcmp(devices->keys[i]->str, name)) continue;
        const ax_yn *m = devices->items[i]->kind == AX_YN_MAP ? ax_yn_get(devices->items[i], "model")
                                                              : NULL;
        if (!m || m->kind != AX_YN_SCALAR || strcmp(m->str, "weight_recorder"))
            return ax_spec_fail(c, v, "weight_recorder '%s' is not a weight_recorder device; "
                                      "declare it under devices as {model: weight_recorder}", name);
        p->wrec = i + 1;
        return AX_OK;
    }
    return ax_spec_fail(c, v, "weight_recorder '%s' is not a device; declare it under devices "
                              "as %s: {model: weight_recorder}", name, name);
}

/* stdp_synapse / stdp_pl_synapse_hom and their parameters (NEST's names and
 * defaults, axon/stdp.h). Ranges beyond NEST's own checks are refused where
 * NEST would compute nonsense (tau_plus <= 0). */
static ax_status parse_stdp(ax_sctx *c, const ax_yn *n, const ax_yn *devices, ax_stdp_kind kind,
                            ax_proj_spec *p)
{
    p->syn_model = AX_SYN_STDP;
    p->stdp = ax_stdp_defaults(kind);
    ax_stdp_params *q = &p->stdp;
    const char *model = ax_stdp_name(kind);
    if (n->kind == AX_YN_MAP) {
        AX_TRY(ax_spec_keys(c, n, model, kind == AX_STDP_PL_HOM ? stdp_pl_keys : stdp_keys));
        AX_TRY(stdp_param(c, n, model, "tau_plus", 1, 0, &q->tau_plus));
        AX_TRY(stdp_param(c, n, model, "lambda", 0, 0, &q->lambda));
        AX_TRY(stdp_param(c, n, model, "alpha", 0, 0, &q->alpha));
        AX_TRY(stdp_param(c, n, model, "Kplus", 0, 1, &q->Kplus));
        if (kind == AX_STDP_PL_HOM) {
            AX_TRY(stdp_param(c, n, model, "mu", 0, 0, &q->mu_plus));
            q->mu_minus = q->mu_plus;
        } else {
            AX_TRY(stdp_param(c, n, model, "mu_plus", 0, 0, &q->mu_plus));
            AX_TRY(stdp_param(c, n, model, "mu_minus", 0, 0, &q->mu_minus));
            AX_TRY(stdp_param(c, n, model, "Wmax", 0, 0, &q->Wmax));
            const ax_yn *v = ax_yn_get(n, "Wmax");
            if (q->Wmax == 0)
                return ax_spec_fail(c, v, "stdp_synapse Wmax must not be 0 (the rule divides "
                                          "by it)");
        }
        AX_TRY(stdp_recorder(c, n, devices, p));
    }
    q->tau_plus_inv = 1. / q->tau_plus; /* as NEST's STDPPLHomCommonProperties */
    return AX_OK;
}

/* synapse: static_synapse | tsodyks2_synapse | stdp_synapse |
 * stdp_pl_synapse_hom | {model: ..., parameters} (NEST's names, ranges and
 * defaults). */
static ax_status parse_synapse(ax_sctx *c, const ax_yn *n, const ax_yn *devices, ax_proj_spec *p)
{
    if (!n) return AX_OK;
    const ax_yn *m = n;
    if (n->kind == AX_YN_MAP) {
        if (!(m = ax_yn_get(n, "model")))
            return ax_spec_fail(c, n, "synapse: missing 'model' (static_synapse, "
                                      "tsodyks2_synapse, tsodyks_synapse, stdp_synapse or "
                                      "stdp_pl_synapse_hom)");
    }
    char name[64];
    AX_TRY(ax_spec_string(c, m, "synapse model", name, sizeof name));
    ax_stdp_kind kind = ax_stdp_kind_of(name);
    if (kind) return parse_stdp(c, n, devices, kind, p);
    if (n->kind == AX_YN_MAP) AX_TRY(ax_spec_keys(c, n, "synapse", tso_keys));
    if (!strcmp(name, "static_synapse") || !strcmp(name, "static")) {
        if (n->kind == AX_YN_MAP && n->n > 1)
            return ax_spec_fail(c, n, "static_synapse takes no parameters (U, u, x, tau_rec, "
                                      "tau_fac belong to tsodyks2_synapse and tsodyks_synapse)");
        return AX_OK;
    }
    int two = !strcmp(name, "tsodyks2_synapse") || !strcmp(name, "tsodyks2");
    if (!two && strcmp(name, "tsodyks_synapse"))
        return ax_spec_fail(c, m, "unknown synapse model '%s'; allowed: static_synapse, "
                                  "tsodyks2_synapse, tsodyks_synapse, stdp_synapse, "
                                  "stdp_pl_synapse_hom", name);
    const char *model = two ? "tsodyks2_synapse" : "tsodyks_synapse";
    p->syn_model = two ? AX_SYN_TSODYKS2 : AX_SYN_TSODYKS;
    p->tso = two ? (ax_tso){.U = 0.5, .u = 0.5, .x = 1.0, .tau_rec = 800.0, .tau_fac = 0.0}
                 : (ax_tso){.U = 0.5, .u = 0.0, .x = 1.0, .tau_rec = 800.0, .tau_fac = 0.0,
                            .y = 0.0, .tau_psc = 3.0};
    if (n->kind != AX_YN_MAP) return AX_OK;
    for (int i = 0; two && i < 2; i++) {
        const char *k = i ? "tau_psc" : "y";
        if (ax_yn_get(n, k))
            return ax_spec_fail(c, ax_yn_get(n, k), "'%s' belongs to tsodyks_synapse, not to "
                                "tsodyks2_synapse", k);
    }
    AX_TRY(tso_param(c, n, model, "U", 0.0, 1.0, 0, &p->tso.U));
    AX_TRY(tso_param(c, n, model, "u", 0.0, 1.0, 0, &p->tso.u));
    AX_TRY(tso_param(c, n, model, "x", 0.0, 1.0, 0, &p->tso.x));
    AX_TRY(tso_param(c, n, model, "tau_rec", 0.0, INFINITY, 1, &p->tso.tau_rec));
    AX_TRY(tso_param(c, n, model, "tau_fac", 0.0, INFINITY, 0, &p->tso.tau_fac));
    return two ? AX_OK : tsodyks_only(c, n, p);
}

/* Whether a projection item asks for a plastic (STDP) synapse. */
static int wants_stdp(const ax_yn *proj)
{
    const ax_yn *n = ax_yn_get(proj, "synapse");
    if (n && n->kind == AX_YN_MAP) n = ax_yn_get(n, "model");
    return n && n->kind == AX_YN_SCALAR && ax_stdp_kind_of(n->str);
}

/* What an STDP projection needs beyond its parameters: a target that keeps
 * a spike history (tau_minus), initial weights the rule can start from
 * (axon refuses |w| > |Wmax|, which NEST accepts and clamps at the first
 * facilitation), and NEST's time base. */
static ax_status check_stdp(ax_sctx *c, const ax_yn *n, const ax_proj_spec *p)
{
    const ax_spec *s = c->spec;
    const ax_pop_spec *t = &s->pops[p->tgt];
    const ax_model_ops *m = ax_model_find(t->model);
    const ax_yn *syn = ax_yn_get(n, "synapse"), *wn = ax_yn_get(n, "weight");
    const char *model = ax_stdp_name(p->stdp.kind);
    if (ax_model_param_index(m, "tau_minus") < 0)
        return ax_spec_fail(c, syn, "%s onto %s: model %s keeps no postsynaptic spike history "
                                    "(it has no tau_minus), so it cannot be the target of a "
                                    "plastic synapse", model, t->name, m->name);
    ax_stdp_time tb;
    ax_error tmp;
    if (ax_stdp_time_init(&tb, s->sim.resolution, &tmp) != AX_OK)
        return ax_spec_fail(c, syn, "%s", tmp.msg);
    double lo, hi;
    dist_range(&p->weight, &lo, &hi);
    if (!isfinite(lo) || !isfinite(hi))
        return ax_spec_fail(c, wn ? wn : n, "the initial weights of a %s projection must be "
                                            "bounded (the rule needs them inside its range); "
                                            "use uniform or normal_clipped with low and high",
                            model);
    if (p->stdp.kind == AX_STDP_PL_HOM) {
        if (lo < 0)
            return ax_spec_fail(c, wn ? wn : n, "stdp_pl_synapse_hom weights must be >= 0 (the "
                                                "weight can be %g; the power law w^mu has no "
                                                "value for w < 0)", lo);
        return AX_OK;
    }
    double W = p->stdp.Wmax;
    int sw = W >= 0 ? 1 : -1;
    if ((lo >= 0 ? 1 : -1) != sw || (hi >= 0 ? 1 : -1) != sw)
        return ax_spec_fail(c, wn ? wn : n, "stdp_synapse: the weight (can be %g .. %g) and Wmax "
                                            "= %g must have the same sign (NEST: \"Weight and "
                                            "Wmax must have same sign.\")", lo, hi, W);
    if (sw > 0 ? hi > W : lo < W)
        return ax_spec_fail(c, wn ? wn : n, "stdp_synapse: the initial weight can be %g, beyond "
                                            "Wmax = %g; axon refuses it (NEST accepts it and "
                                            "clamps the weight to Wmax at the first "
                                            "potentiation): raise Wmax or lower the weight",
                            sw > 0 ? hi : lo, W);
    return AX_OK;
}

static ax_status parse_proj(ax_sctx *c, const ax_yn *n, const ax_yn *devices, ax_proj_spec *p)
{
    AX_TRY(ax_spec_need_map(c, n, "a projection"));
    AX_TRY(ax_spec_keys(c, n, "a projection", proj_keys));
    p->loc = ax_yn_loc(n);
    p->allow_autapses = p->allow_multapses = 1;
    ax_yn *v;
    if (!(v = ax_yn_get(n, "source")))
        return ax_spec_fail(c, n, "projection: missing required key 'source' (a population)");
    if (v->kind == AX_YN_SCALAR && ax_yn_get(devices, v->str) && wants_stdp(n))
        return ax_spec_fail(c, v, "'%s' is a device: plastic synapses need a neuron as their "
                                  "source (NEST refuses them from devices too); connect '%s' to "
                                  "a parrot_neuron population and project from that", v->str,
                            v->str);
    AX_TRY(ax_spec_pop_ref(c, v, devices, &p->src));
    if (!(v = ax_yn_get(n, "target")))
        return ax_spec_fail(c, n, "projection: missing required key 'target' (a population)");
    AX_TRY(ax_spec_pop_ref(c, v, devices, &p->tgt));
    if ((v = ax_yn_get(n, "allow_autapses")))
        AX_TRY(ax_spec_bool(c, v, "allow_autapses", &p->allow_autapses));
    if ((v = ax_yn_get(n, "allow_multapses")))
        AX_TRY(ax_spec_bool(c, v, "allow_multapses", &p->allow_multapses));
    AX_TRY(parse_rule(c, n, p));
    const ax_pop_spec *tp = &c->spec->pops[p->tgt];
    if (ax_model_is_source(ax_model_find(tp->model)))
        return ax_spec_fail(c, ax_yn_get(n, "target"), "target '%s' is a spike source (%s) and "
                            "takes no input; connect from it, not to it", tp->name, tp->model);
    if (p->rule == AX_RULE_FROM_LIST) AX_TRY(parse_list(c, n, p));
    AX_TRY(check_sizes(c, n, p));
    p->weight = (ax_dist){.kind = AX_DIST_CONST, .value = 1.0, .low = 1.0, .high = 1.0,
                          .mean = 1.0, .loc = p->loc};
    static const char *const pair[2][2] = {{"weight", "weights"}, {"delay", "delays"}};
    for (int i = 0; i < 2; i++)
        if (ax_yn_get(n, pair[i][0]) && ax_yn_get(n, pair[i][1]))
            return ax_spec_fail(c, ax_yn_get(n, pair[i][0]), "give either '%s' (one value or a "
                                "distribution) or '%s' (one per connection), not both",
                                pair[i][0], pair[i][1]);
    if ((v = ax_yn_get(n, "weight"))) AX_TRY(ax_spec_dist(c, v, "weight", &p->weight));
    if (p->list_w) p->weight = list_range(p->list_w, p->n_list, 1.0, p->loc);
    double h = c->spec->sim.resolution;
    p->delay = (ax_dist){.kind = AX_DIST_CONST, .value = h, .low = h, .high = h, .mean = h,
                         .loc = p->loc};
    if ((v = ax_yn_get(n, "delay"))) AX_TRY(ax_spec_delay(c, v, "delay", &p->delay));
    if (p->list_d) p->delay = list_range(p->list_d, p->n_list, h, p->loc);
    AX_TRY(parse_synapse(c, ax_yn_get(n, "synapse"), devices, p));
    if (p->syn_model == AX_SYN_STDP) AX_TRY(check_stdp(c, n, p));
    if ((p->syn_model == AX_SYN_TSODYKS2 || p->syn_model == AX_SYN_TSODYKS) &&
        ax_model_find(tp->model)->counts_spikes)
        return ax_spec_fail(c, ax_yn_get(n, "synapse"), "%s onto %s: a parrot_neuron counts "
                            "spikes and ignores their weight, so short-term plasticity has no "
                            "effect on it; use static_synapse",
                            p->syn_model == AX_SYN_TSODYKS ? "tsodyks_synapse" : "tsodyks2_synapse",
                            tp->name);
    return parse_receptor(c, ax_yn_get(n, "receptor"), ax_model_find(tp->model), tp->name,
                          &p->weight, &p->receptor);
}

ax_status ax_spec_parse_projections(ax_sctx *c, const ax_yn *seq, const ax_yn *devices)
{
    AX_TRY(ax_spec_need_seq(c, seq, "projections"));
    if (seq->n >= (1 << 24)) /* src/connect keys its random streams by a 24-bit projection */
        return ax_spec_fail(c, seq, "%d projections; at most 2^24 - 1", seq->n);
    ax_spec *s = c->spec;
    s->proj = calloc((size_t)seq->n + 1, sizeof *s->proj);
    AX_CHECK_ALLOC(s->proj, c->err, "projections");
    for (int i = 0; i < seq->n; i++) {
        s->n_proj++;
        AX_TRY(parse_proj(c, seq->items[i], devices, &s->proj[i]));
    }
    return AX_OK;
}

/* ---- devices ---------------------------------------------------------- */

typedef struct dev_kind {
    const char *model;
    ax_dev_kind kind;
    const char *list_key; /* "targets" or "sources" */
    const char *const *keys;
} dev_kind;

static const char *const poisson_keys[] = {"model", "targets", "rate", "weight", "delay",
                                           "receptor", "start", "stop", NULL};
static const char *const dc_keys[] = {"model", "targets", "amplitude", "start", "stop", NULL};
static const char *const sg_keys[] = {"model", "targets", "spike_times", "weight", "delay",
                                      "receptor", "start", "stop", NULL};
static const char *const sr_keys[] = {"model", "sources", "start", "stop", NULL};
static const char *const mm_keys[] = {"model", "sources", "record_from", "interval",
                                      "precision", "start", "stop", NULL};
static const char *const wr_keys[] = {"model", "senders", "targets", "events", "final", "start",
                                      "stop", NULL};

static const dev_kind dev_kinds[] = {
    {"poisson_generator", AX_DEV_POISSON, "targets", poisson_keys},
    {"dc_generator", AX_DEV_DC, "targets", dc_keys},
    {"spike_generator", AX_DEV_SPIKE_GEN, "targets", sg_keys},
    {"spike_recorder", AX_DEV_SPIKE_REC, "sources", sr_keys},
    {"multimeter", AX_DEV_MULTIMETER, "sources", mm_keys},
    {"weight_recorder", AX_DEV_WEIGHT_REC, NULL, wr_keys},
};
#define N_DEV_KINDS ((int)(sizeof dev_kinds / sizeof dev_kinds[0]))

static const char *const range_keys[] = {"population", "first", "count", NULL};

/* One target: "E" or {population: E, first: 0, count: 10}. */
static ax_status parse_target(ax_sctx *c, const ax_yn *n, const ax_yn *devices,
                              ax_dev_target *t)
{
    if (n->kind == AX_YN_SCALAR) {
        AX_TRY(ax_spec_pop_ref(c, n, devices, &t->pop));
        t->first = 0;
        t->count = c->spec->pops[t->pop].n;
        return AX_OK;
    }
    AX_TRY(ax_spec_need_map(c, n, "a target/source (a population name or {population, "
                                  "first, count})"));
    AX_TRY(ax_spec_keys(c, n, "a target/source range", range_keys));
    ax_yn *v = ax_yn_get(n, "population");
    if (!v) return ax_spec_fail(c, n, "a target/source range needs 'population'");
    AX_TRY(ax_spec_pop_ref(c, v, devices, &t->pop));
    int64_t size = c->spec->pops[t->pop].n;
    t->first = 0;
    if ((v = ax_yn_get(n, "first"))) AX_TRY(ax_spec_int(c, v, "first", 0, &t->first));
    if (t->first >= size)
        return ax_spec_fail(c, v, "first %lld is outside %s (ids 0..%lld)", (long long)t->first,
                            c->spec->pops[t->pop].name, (long long)(size - 1));
    t->count = size - t->first;
    if ((v = ax_yn_get(n, "count"))) AX_TRY(ax_spec_int(c, v, "count", 1, &t->count));
    if (t->count > size - t->first)
        return ax_spec_fail(c, v, "first %lld + count %lld runs past the end of %s (%lld "
                                  "neurons)", (long long)t->first, (long long)t->count,
                            c->spec->pops[t->pop].name, (long long)size);
    return AX_OK;
}

/* The output holds one trace report per population (docs/output.md): a
 * population that a multimeter's last source names is not in an earlier
 * source of this or another multimeter. */
static ax_status one_report(ax_sctx *c, const ax_yn *at, const ax_dev_spec *d)
{
    const ax_spec *s = c->spec;
    int pop = d->targets[d->n_targets - 1].pop;
    for (const ax_dev_spec *o = s->dev; o <= d; o++) {
        if (o->kind != AX_DEV_MULTIMETER) continue;
        int n = o == d ? d->n_targets - 1 : o->n_targets;
        for (int j = 0; j < n; j++)
            if (o->targets[j].pop == pop && o == d)
                return ax_spec_fail(c, at, "population '%s' is named twice in the sources of "
                                    "multimeter '%s'; a trace report holds one range per "
                                    "population: give one range", s->pops[pop].name, d->name);
            else if (o->targets[j].pop == pop)
                return ax_spec_fail(c, at, "population '%s' is already recorded by multimeter "
                                    "'%s'; the output holds one trace report per population: "
                                    "record all its variables with one multimeter",
                                    s->pops[pop].name, o->name);
    }
    return AX_OK;
}

/* The list of ranges under `key` into *list (required: missing is an error,
 * else an absent key leaves the list empty). */
static ax_status parse_ranges(ax_sctx *c, const ax_yn *dev, const char *key, int required,
                              const ax_yn *devices, const ax_dev_spec *d, ax_dev_target **list,
                              int *n_list)
{
    ax_yn *n = ax_yn_get(dev, key);
    if (!n && !required) return AX_OK;
    if (!n) return ax_spec_fail(c, dev, "device '%s': missing required key '%s' (a list of "
                                        "populations)", d->name, key);
    char what[96];
    snprintf(what, sizeof what, "%s of device '%s'", key, d->name);
    AX_TRY(ax_spec_need_seq(c, n, what));
    if (n->n == 0) return ax_spec_fail(c, n, "%s is empty", what);
    *list = calloc((size_t)n->n, sizeof **list);
    AX_CHECK_ALLOC(*list, c->err, "device targets");
    for (int i = 0; i < n->n; i++) {
        AX_TRY(parse_target(c, n->items[i], devices, &(*list)[i]));
        (*n_list)++;
        if (d->kind == AX_DEV_MULTIMETER && list == &d->targets)
            AX_TRY(one_report(c, n->items[i], d));
    }
    return AX_OK;
}

static ax_status parse_targets(ax_sctx *c, const ax_yn *dev, const dev_kind *k,
                               const ax_yn *devices, ax_dev_spec *d)
{
    if (!k->list_key) { /* weight_recorder: optional filters */
        AX_TRY(parse_ranges(c, dev, "senders", 0, devices, d, &d->senders, &d->n_senders));
        return parse_ranges(c, dev, "targets", 0, devices, d, &d->targets, &d->n_targets);
    }
    return parse_ranges(c, dev, k->list_key, 1, devices, d, &d->targets, &d->n_targets);
}

/* A required or optional finite number of a device. */
static ax_status dev_num(ax_sctx *c, const ax_yn *dev, const ax_dev_spec *d, const char *key,
                         int required, double *out)
{
    ax_yn *v = ax_yn_get(dev, key);
    if (!v) {
        if (!required) return AX_OK;
        return ax_spec_fail(c, dev, "device '%s': missing required key '%s'", d->name, key);
    }
    char what[128];
    snprintf(what, sizeof what, "%s.%s", d->name, key);
    return ax_spec_number(c, v, what, 0, out);
}

static ax_status parse_window(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    double h = c->spec->sim.resolution;
    d->start = 0.0;
    d->stop = INFINITY;
    ax_yn *v;
    char what[128];
    if ((v = ax_yn_get(dev, "start"))) {
        snprintf(what, sizeof what, "%s.start", d->name);
        AX_TRY(ax_spec_number(c, v, what, 0, &d->start));
        if (d->start < 0) return ax_spec_fail(c, v, "%s must be >= 0 ms (got %g)", what, d->start);
        AX_TRY(ax_spec_on_grid(c, v, what, d->start, h, NULL));
    }
    if ((v = ax_yn_get(dev, "stop"))) {
        snprintf(what, sizeof what, "%s.stop", d->name);
        AX_TRY(ax_spec_number(c, v, what, 1, &d->stop));
        if (d->stop < d->start)
            return ax_spec_fail(c, v, "%s = %g ms is before start = %g ms", what, d->stop,
                                d->start);
        if (isfinite(d->stop)) AX_TRY(ax_spec_on_grid(c, v, what, d->stop, h, NULL));
    }
    return AX_OK;
}

/* weight (required), delay (default h) and receptor of a spike source. */
static ax_status parse_drive(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    AX_TRY(dev_num(c, dev, d, "weight", 1, &d->weight));
    d->delay = c->spec->sim.resolution;
    ax_yn *v = ax_yn_get(dev, "delay");
    char what[128];
    snprintf(what, sizeof what, "%s.delay", d->name);
    if (v) {
        ax_dist dd;
        if (v->kind != AX_YN_SCALAR)
            return ax_spec_fail(c, v, "%s must be a number (ms); devices take one delay", what);
        AX_TRY(ax_spec_delay(c, v, what, &dd));
        d->delay = dd.value;
    }
    v = ax_yn_get(dev, "receptor");
    ax_dist w = {.kind = AX_DIST_CONST, .value = d->weight};
    d->receptor = AX_RECEPTOR_AUTO;
    for (int i = 0; v && i < d->n_targets; i++) {
        const ax_pop_spec *p = &c->spec->pops[d->targets[i].pop];
        AX_TRY(parse_receptor(c, v, ax_model_find(p->model), p->name, &w, &d->receptor));
    }
    return AX_OK;
}

/* The list a device requires under `key` (hint: what it holds) in *n. */
static ax_status required_list(ax_sctx *c, const ax_yn *dev, const ax_dev_spec *d,
                               const char *key, const char *hint, const ax_yn **n)
{
    *n = ax_yn_get(dev, key);
    if (!*n) return ax_spec_fail(c, dev, "device '%s': missing required key '%s' (%s)", d->name,
                                 key, hint);
    return ax_spec_need_seq(c, *n, key);
}

static ax_status parse_spike_times(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    const ax_yn *n;
    AX_TRY(required_list(c, dev, d, "spike_times", "a list of times in ms", &n));
    d->spike_times = calloc((size_t)n->n + 1, sizeof *d->spike_times);
    AX_CHECK_ALLOC(d->spike_times, c->err, "spike times");
    double h = c->spec->sim.resolution;
    for (int i = 0; i < n->n; i++) {
        const ax_yn *v = n->items[i];
        double t;
        char what[128];
        snprintf(what, sizeof what, "%s.spike_times[%d]", d->name, i);
        AX_TRY(ax_spec_number(c, v, what, 0, &t));
        if (!(t > 0))
            return ax_spec_fail(c, v, "%s = %g ms; spike times must be > 0 (a spike at 0 "
                                      "cannot be delivered)", what, t);
        if (i > 0 && t < d->spike_times[i - 1])
            return ax_spec_fail(c, v, "%s = %g ms comes before the previous time %g ms; "
                                      "spike times must be sorted", what, t,
                                d->spike_times[i - 1]);
        AX_TRY(ax_spec_on_grid(c, v, what, t, h, NULL));
        d->spike_times[d->n_times++] = t;
    }
    return AX_OK;
}

static ax_status parse_multimeter(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    const ax_yn *n;
    AX_TRY(required_list(c, dev, d, "record_from", "e.g. [V_m]", &n));
    if (n->n == 0) return ax_spec_fail(c, n, "record_from is empty; name a state variable");
    d->record_from = calloc((size_t)n->n, sizeof *d->record_from);
    AX_CHECK_ALLOC(d->record_from, c->err, "record_from");
    for (int i = 0; i < n->n; i++) {
        char *name = d->record_from[i];
        AX_TRY(ax_spec_string(c, n->items[i], "record_from", name, 32));
        for (int j = 0; j < d->n_record; j++)
            if (!strcmp(d->record_from[j], name))
                return ax_spec_fail(c, n->items[i], "record_from names '%s' twice (first at line "
                                    "%d, column %d); name each variable once", name,
                                    n->items[j]->line, n->items[j]->col);
        d->n_record++;
        for (int j = 0; j < d->n_targets; j++) {
            const ax_pop_spec *p = &c->spec->pops[d->targets[j].pop];
            const ax_model_ops *m = ax_model_find(p->model);
            if (ax_model_state_index(m, name) >= 0) continue;
            char list[256] = "";
            for (int k = 0; k < m->n_state; k++) {
                if (k) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, m->state_names[k], sizeof list - strlen(list) - 1);
            }
            return ax_spec_fail(c, n->items[i], "'%s' is not a state variable of %s (%s); "
                                "it has: %s", name, p->name, m->name, list);
        }
    }
    double h = c->spec->sim.resolution;
    d->interval = h;
    char what[128];
    snprintf(what, sizeof what, "%s.interval", d->name);
    AX_TRY(dev_num(c, dev, d, "interval", 0, &d->interval));
    if (d->interval < h * (1 - 1e-9))
        return ax_spec_fail(c, ax_yn_get(dev, "interval"), "%s must be >= the resolution %g ms "
                            "(got %g)", what, h, d->interval);
    AX_TRY(ax_spec_on_grid(c, ax_yn_get(dev, "interval"), what, d->interval, h, NULL));
    /* at most 2^62 steps (axon/steps.h); an interval longer than t_sim records nothing */
    AX_TRY(ax_spec_steps(c, ax_yn_get(dev, "interval"), what, d->interval, h, NULL));
    ax_yn *v = ax_yn_get(dev, "precision");
    if (v) {
        char s[16];
        AX_TRY(ax_spec_string(c, v, "precision", s, sizeof s));
        if (strcmp(s, "float") && strcmp(s, "double"))
            return ax_spec_fail(c, v, "precision must be float or double (got '%s')", s);
        d->precision_double = !strcmp(s, "double");
    }
    return AX_OK;
}

/* weight_recorder: events (default true), final (default false). */
static ax_status parse_weight_recorder(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    d->wr_events = 1;
    ax_yn *v;
    if ((v = ax_yn_get(dev, "events"))) AX_TRY(ax_spec_bool(c, v, "events", &d->wr_events));
    if ((v = ax_yn_get(dev, "final"))) AX_TRY(ax_spec_bool(c, v, "final", &d->wr_final));
    if (!d->wr_events && !d->wr_final)
        return ax_spec_fail(c, dev, "weight_recorder '%s' with events: false and final: false "
                                    "records nothing; set one of them to true", d->name);
    return AX_OK;
}

static ax_status parse_kind_params(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    ax_yn *v;
    switch (d->kind) {
    case AX_DEV_POISSON:
        AX_TRY(dev_num(c, dev, d, "rate", 1, &d->rate));
        v = ax_yn_get(dev, "rate");
        if (d->rate < 0)
            return ax_spec_fail(c, v, "%s.rate must be >= 0 Hz (got %g)", d->name, d->rate);
        /* the count table covers means up to 1e6 spikes per step (src/engine/devices.c) */
        if (d->rate * c->spec->sim.resolution / 1000.0 > AX_POISSON_MAX_MEAN)
            return ax_spec_fail(c, v, "%s.rate = %g Hz is %.3g spikes per step of %g ms; at most "
                                "%g per step: lower the rate (or the resolution)", d->name,
                                d->rate, d->rate * c->spec->sim.resolution / 1000.0,
                                c->spec->sim.resolution, AX_POISSON_MAX_MEAN);
        return parse_drive(c, dev, d);
    case AX_DEV_DC:
        return dev_num(c, dev, d, "amplitude", 1, &d->amplitude);
    case AX_DEV_SPIKE_GEN:
        AX_TRY(parse_spike_times(c, dev, d));
        return parse_drive(c, dev, d);
    case AX_DEV_MULTIMETER:
        return parse_multimeter(c, dev, d);
    case AX_DEV_WEIGHT_REC:
        return parse_weight_recorder(c, dev, d);
    case AX_DEV_SPIKE_REC:
        return AX_OK;
    }
    return AX_OK;
}

/* Which populations a generator may drive together: a parrot_neuron counts
 * spikes and ignores weights (NEST), so a device drives parrots only or no
 * parrot at all (its one weight would mean two things), and takes no current. */
static ax_status check_parrot_targets(ax_sctx *c, const ax_yn *dev, const ax_dev_spec *d)
{
    if (d->kind != AX_DEV_POISSON && d->kind != AX_DEV_SPIKE_GEN && d->kind != AX_DEV_DC)
        return AX_OK;
    int parrots = 0;
    for (int i = 0; i < d->n_targets; i++)
        parrots += ax_model_find(c->spec->pops[d->targets[i].pop].model)->counts_spikes;
    const ax_yn *t = ax_yn_get(dev, "targets");
    if (parrots && d->kind == AX_DEV_DC)
        return ax_spec_fail(c, t, "device '%s': a parrot_neuron takes spikes only, no current "
                                  "(NEST refuses the connection)", d->name);
    if (parrots && parrots < d->n_targets)
        return ax_spec_fail(c, t, "device '%s' drives parrot_neuron and other populations: a "
                                  "parrot ignores the weight (NEST) and the others need it; use "
                                  "two devices", d->name);
    return AX_OK;
}

static ax_status parse_device(ax_sctx *c, const ax_yn *key, const ax_yn *dev,
                              const ax_yn *devices, ax_dev_spec *d)
{
    AX_TRY(ax_spec_check_name(c, key, "device"));
    snprintf(d->name, sizeof d->name, "%s", key->str);
    d->loc = ax_yn_loc(key);
    char what[96];
    snprintf(what, sizeof what, "device '%s'", d->name);
    AX_TRY(ax_spec_need_map(c, dev, what));
    ax_yn *v = ax_yn_get(dev, "model");
    if (!v) return ax_spec_fail(c, dev, "%s: missing required key 'model' (poisson_generator, "
                                        "dc_generator, spike_generator, spike_recorder, "
                                        "multimeter)", what);
    char model[64];
    AX_TRY(ax_spec_string(c, v, "model", model, sizeof model));
    const dev_kind *k = NULL;
    for (int i = 0; i < N_DEV_KINDS; i++)
        if (!strcmp(model, dev_kinds[i].model)) k = &dev_kinds[i];
    if (!k) {
        if (ax_model_find(model))
            return ax_spec_fail(c, v, "'%s' is a neuron model; neurons belong under "
                                      "'populations', devices are poisson_generator, "
                                      "dc_generator, spike_generator, spike_recorder, "
                                      "multimeter, weight_recorder", model);
        return ax_spec_fail(c, v, "unknown device model '%s'; devices: poisson_generator, "
                                  "dc_generator, spike_generator, spike_recorder, multimeter, "
                                  "weight_recorder", model);
    }
    d->kind = k->kind;
    snprintf(what, sizeof what, "a %s", k->model);
    const ax_yn *syn = ax_yn_get(dev, "synapse");
    if (syn && k->list_key && !strcmp(k->list_key, "targets"))
        return ax_spec_fail(c, ax_yn_get(dev, "synapse"), "device '%s': devices connect through "
                            "static synapses; a plastic synapse needs a neuron as its source "
                            "(NEST refuses them from devices too): connect '%s' to a "
                            "parrot_neuron population and project from that", d->name, d->name);
    AX_TRY(ax_spec_keys(c, dev, what, k->keys));
    AX_TRY(parse_targets(c, dev, k, devices, d));
    for (int i = 0; k->kind <= AX_DEV_SPIKE_GEN && i < d->n_targets; i++) {
        const ax_pop_spec *p = &c->spec->pops[d->targets[i].pop];
        if (ax_model_is_source(ax_model_find(p->model)))
            return ax_spec_fail(c, ax_yn_get(dev, "targets"), "device '%s': target '%s' is a spike "
                                "source (%s) and takes no input", d->name, p->name, p->model);
    }
    AX_TRY(parse_window(c, dev, d));
    AX_TRY(parse_kind_params(c, dev, d));
    return check_parrot_targets(c, dev, d);
}

ax_status ax_spec_parse_devices(ax_sctx *c, const ax_yn *map)
{
    ax_spec *s = c->spec;
    s->dev = calloc((size_t)map->n + 1, sizeof *s->dev);
    AX_CHECK_ALLOC(s->dev, c->err, "devices");
    for (int i = 0; i < map->n; i++) {
        s->n_dev++;
        AX_TRY(parse_device(c, map->keys[i], map->items[i], map, &s->dev[i]));
    }
    /* a weight_recorder no projection names would record nothing */
    for (int i = 0; i < s->n_dev; i++) {
        if (s->dev[i].kind != AX_DEV_WEIGHT_REC) continue;
        int used = 0;
        for (int k = 0; k < s->n_proj; k++) used |= s->proj[k].wrec == i + 1;
        if (!used)
            return ax_spec_fail(c, map->keys[i], "weight_recorder '%s' is named by no projection; "
                                "add weight_recorder: %s to the synapse of a plastic projection "
                                "(as NEST's synapse-model property)", s->dev[i].name,
                                s->dev[i].name);
    }
    return AX_OK;
}

void ax_proj_set_list(ax_proj_spec *p, int64_t n, int64_t *off, int64_t *src, double *w,
                      double wlo, double whi)
{
    p->rule = AX_RULE_FROM_LIST;
    p->n_list = n;
    p->list_off = off;
    p->list_src = src;
    p->list_w = w;
    p->weight = (ax_dist){.kind = AX_DIST_UNIFORM, .low = wlo, .high = whi, .mean = wlo};
}
