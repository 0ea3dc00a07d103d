/* h5_info.c - `axon info FILE`: a readable summary of an axon output file.
 *
 * Serial: opens the file with the default (sec2) driver from one process;
 * MPI need not be initialised. Statistics per spike population:
 *   rate   = spikes / n / t_sim (Hz), n and t_sim from /axon;
 *   ISI CV = mean over neurons with >= 3 spikes (>= 2 intervals; one interval
 *            has no spread) of std(ISI)/mean(ISI), population std (ddof 0).
 * The CV groups spikes by neuron with a counting sort (two passes over the
 * node ids, read in blocks): memory is 8 bytes per spike plus 8 per neuron.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hdf5_impl.h"

#define BLOCK ((hsize_t)1 << 20) /* elements read at a time */

/* One population of /axon/populations. */
typedef struct {
    char name[256], model[256];
    int64_t n;
} pop_row;

typedef struct {
    const char *path;
    hid_t file;
    pop_row *pops;
    int n_pops;
    double t_sim; /* ms; 0 if unknown */
} info_ctx;

/* Read a string attribute (variable or fixed length) into out; "" if absent. */
static void attr_str(hid_t loc, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    if (H5Aexists(loc, name) <= 0) return;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 won't convert ASCII <-> UTF-8 */
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &s) >= 0 && s) snprintf(out, cap, "%s", s);
            if (s) H5free_memory(s);
        } else {
            size_t n = H5Tget_size(t);
            char *s = calloc(n + 1, 1);
            H5Tset_size(mt, n + 1);
            if (s && H5Aread(a, mt, s) >= 0) snprintf(out, cap, "%s", s);
            free(s);
        }
        H5Tclose(mt);
    }
    ax_h5_close_obj(&t);
    ax_h5_close_obj(&a);
}

/* Read a numeric scalar attribute as double; NAN if absent. */
static double attr_num(hid_t loc, const char *name)
{
    double v = NAN;
    if (H5Aexists(loc, name) <= 0) return v;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = NAN;
    ax_h5_close_obj(&a);
    return v;
}

/* Length of a 1-D dataset (first dimension); -1 on error. */
static int64_t ds_len(hid_t loc, const char *name, hsize_t *second)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT), s = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    int nd = s >= 0 ? H5Sget_simple_extent_dims(s, dims, NULL) : -1;
    ax_h5_close_obj(&s);
    ax_h5_close_obj(&d);
    if (second) *second = nd >= 2 ? dims[1] : 0;
    return nd < 0 ? -1 : nd == 0 ? 1 : (int64_t)dims[0];
}

/* Read /axon/populations (name, model, n) into ctx. */
static ax_status read_pops(info_ctx *c, ax_error *err)
{
    if (H5Lexists(c->file, "/axon/populations", H5P_DEFAULT) <= 0) return AX_OK;
    int64_t n = ds_len(c->file, "/axon/populations", NULL);
    AX_CHECK(n >= 0, err, AX_EIO, "%s: cannot read /axon/populations", c->path);
    c->pops = calloc(n ? n : 1, sizeof *c->pops);
    AX_CHECK_ALLOC(c->pops, err, "the population table");
    hid_t sn = H5Tcopy(H5T_C_S1), mt = H5Tcreate(H5T_COMPOUND, sizeof(pop_row));
    H5Tset_size(sn, sizeof c->pops->name);
    H5Tinsert(mt, "name", offsetof(pop_row, name), sn);
    H5Tinsert(mt, "model", offsetof(pop_row, model), sn);
    H5Tinsert(mt, "n", offsetof(pop_row, n), H5T_NATIVE_INT64);
    hid_t d = H5Dopen2(c->file, "/axon/populations", H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : n ? H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->pops) : 0;
    ax_h5_close_obj(&d);
    ax_h5_close_obj(&mt);
    ax_h5_close_obj(&sn);
    if (rc < 0) return AX_H5_FAIL(err, c->path, "reading /axon/populations");
    c->n_pops = (int)n;
    return AX_OK;
}

/* Read count elements of a 1-D dataset from off into buf. */
static herr_t read_block(hid_t d, hid_t mtype, hsize_t off, hsize_t count, void *buf)
{
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
    herr_t rc = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL,
                                                             &count, NULL);
    if (rc >= 0) rc = H5Dread(d, mtype, ms, fs, H5P_DEFAULT, buf);
    ax_h5_close_obj(&fs);
    ax_h5_close_obj(&ms);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean CV of one neuron's sorted times t[0..k): std/mean of the intervals. */
static double cv_of(const double *t, int64_t k)
{
    double sum = 0, sq = 0;
    for (int64_t i = 1; i < k; i++) sum += t[i] - t[i - 1];
    double mean = sum / (double)(k - 1);
    for (int64_t i = 1; i < k; i++) sq += (t[i] - t[i - 1] - mean) * (t[i] - t[i - 1] - mean);
    return mean > 0 ? sqrt(sq / (double)(k - 1)) / mean : NAN;
}

/* Group the spikes by node id (counting sort), then average the CVs. */
static ax_status isi_cv(hid_t ids, hid_t times, int64_t n_sp, double *cv, int64_t *n_used,
                        ax_error *err)
{
    uint64_t *idb = malloc(BLOCK * sizeof *idb);
    double *tb = malloc(BLOCK * sizeof *tb), *sorted = malloc((n_sp ? n_sp : 1) * sizeof *sorted);
    int64_t *start = NULL, n_nodes = 0;
    ax_status st = idb && tb && sorted ? AX_OK : AX_ENOMEM;
    for (hsize_t o = 0; !st && o < (hsize_t)n_sp; o += BLOCK) { /* pass 1: max id */
        hsize_t k = (hsize_t)n_sp - o < BLOCK ? (hsize_t)n_sp - o : BLOCK;
        if (read_block(ids, H5T_NATIVE_UINT64, o, k, idb) < 0) st = AX_EIO;
        for (hsize_t i = 0; !st && i < k; i++)
            if ((int64_t)idb[i] + 1 > n_nodes) n_nodes = (int64_t)idb[i] + 1;
    }
    if (!st && !(start = calloc(n_nodes + 1, sizeof *start))) st = AX_ENOMEM;
    for (hsize_t o = 0; !st && o < (hsize_t)n_sp; o += BLOCK) { /* pass 2: counts */
        hsize_t k = (hsize_t)n_sp - o < BLOCK ? (hsize_t)n_sp - o : BLOCK;
        if (read_block(ids, H5T_NATIVE_UINT64, o, k, idb) < 0) st = AX_EIO;
        for (hsize_t i = 0; !st && i < k; i++) start[idb[i] + 1]++;
    }
    for (int64_t j = 0; !st && j < n_nodes; j++) start[j + 1] += start[j];
    for (hsize_t o = 0; !st && o < (hsize_t)n_sp; o += BLOCK) { /* pass 3: scatter */
        hsize_t k = (hsize_t)n_sp - o < BLOCK ? (hsize_t)n_sp - o : BLOCK;
        if (read_block(ids, H5T_NATIVE_UINT64, o, k, idb) < 0 ||
            read_block(times, H5T_NATIVE_DOUBLE, o, k, tb) < 0)
            st = AX_EIO;
        for (hsize_t i = 0; !st && i < k; i++) sorted[start[idb[i]]++] = tb[i];
    }
    double sum = 0;
    int64_t used = 0, lo = 0;
    for (int64_t j = 0; !st && j < n_nodes; j++) { /* start[j] is now the end of j */
        int64_t k = start[j] - lo;
        if (k >= 3) {
            qsort(sorted + lo, (size_t)k, sizeof *sorted, cmp_double);
            double c = cv_of(sorted + lo, k);
            if (!isnan(c)) sum += c, used++;
        }
        lo = start[j];
    }
    free(idb), free(tb), free(sorted), free(start);
    if (st == AX_ENOMEM) return AX_FAIL(err, AX_ENOMEM, "out of memory computing ISI CV");
    if (st) return AX_FAIL(err, AX_EIO, "cannot read spikes");
    *cv = used ? sum / (double)used : NAN;
    *n_used = used;
    return AX_OK;
}

static const pop_row *find_pop(const info_ctx *c, const char *name)
{
    for (int p = 0; p < c->n_pops; p++)
        if (!strcmp(c->pops[p].name, name)) return &c->pops[p];
    return NULL;
}

/* One line of the spike table. */
static ax_status spike_line(info_ctx *c, const char *pop, FILE *out, ax_error *err)
{
    hid_t g = H5Gopen2(c->file, "spikes", H5P_DEFAULT), pg = g >= 0 ? H5Gopen2(g, pop, H5P_DEFAULT) : -1;
    hid_t ids = pg >= 0 ? H5Dopen2(pg, "node_ids", H5P_DEFAULT) : -1;
    hid_t times = pg >= 0 ? H5Dopen2(pg, "timestamps", H5P_DEFAULT) : -1;
    int64_t n_sp = ids >= 0 ? ds_len(pg, "node_ids", NULL) : -1;
    ax_status st = AX_OK;
    double cv = NAN;
    int64_t used = 0;
    if (n_sp < 0 || times < 0)
        st = AX_FAIL(err, AX_EIO, "%s: /spikes/%s lacks node_ids or timestamps", c->path, pop);
    else
        st = isi_cv(ids, times, n_sp, &cv, &used, err);
    ax_h5_close_obj(&ids), ax_h5_close_obj(&times), ax_h5_close_obj(&pg), ax_h5_close_obj(&g);
    if (st) {
        ax_error_prefix(err, "%s: /spikes/%s: ", c->path, pop);
        return st;
    }
    const pop_row *p = find_pop(c, pop);
    char n[32] = "-", rate[32] = "-", cvs[48] = "-";
    if (p) snprintf(n, sizeof n, "%lld", (long long)p->n);
    if (p && p->n > 0 && c->t_sim > 0)
        snprintf(rate, sizeof rate, "%.3f", (double)n_sp / (double)p->n / (c->t_sim * 1e-3));
    if (used) snprintf(cvs, sizeof cvs, "%.3f (%lld)", cv, (long long)used);
    fprintf(out, "  %-16s %-20s %12s %12lld %12s  %s\n", pop, p ? p->model : "-", n,
            (long long)n_sp, rate, cvs);
    return AX_OK;
}

/* H5Literate callback: collect child names into a NULL-terminated list. */
typedef struct {
    char **names;
    int n, cap;
} name_list;

static herr_t collect_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g, (void)info;
    name_list *l = data;
    if (l->n + 1 >= l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **nn = realloc(l->names, cap * sizeof *nn);
        if (!nn) return -1;
        l->names = nn, l->cap = cap;
    }
    if (!(l->names[l->n] = ax_h5_strdup(name))) return -1;
    l->n++;
    return 0;
}

static void free_list(name_list *l)
{
    for (int i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    *l = (name_list){0};
}

/* Children of a group in creation... name order; empty if the group is absent. */
static ax_status list_group(hid_t file, const char *path, name_list *l, ax_error *err)
{
    *l = (name_list){0};
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return AX_OK;
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    herr_t rc = g < 0 ? -1 : H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_cb, l);
    ax_h5_close_obj(&g);
    if (rc < 0) {
        free_list(l);
        return AX_FAIL(err, AX_EIO, "cannot list %s", path);
    }
    return AX_OK;
}

static ax_status print_spikes(info_ctx *c, FILE *out, ax_error *err)
{
    name_list l;
    AX_TRY(list_group(c->file, "/spikes", &l, err));
    fprintf(out, "\nspikes (rate = spikes / n / t_sim; ISI CV: mean over neurons with >= 3 "
                 "spikes, neurons used in parentheses)\n");
    fprintf(out, "  %-16s %-20s %12s %12s %12s  %s\n", "population", "model", "n", "spikes",
            "rate (Hz)", "ISI CV");
    ax_status st = AX_OK;
    for (int i = 0; !st && i < l.n; i++) st = spike_line(c, l.names[i], out, err);
    if (!l.n) fprintf(out, "  (none recorded)\n");
    free_list(&l);
    return st;
}

/* One report: variables (groups other than mapping), their shape, dt. */
static void report_line(info_ctx *c, const char *pop, FILE *out)
{
    char path[600], vars[512] = "";
    snprintf(path, sizeof path, "/report/%s", pop);
    name_list l;
    ax_error e;
    if (list_group(c->file, path, &l, &e)) return;
    hid_t g = H5Gopen2(c->file, path, H5P_DEFAULT);
    hsize_t n_rec = 0;
    int64_t n_t = 0;
    for (int i = 0; g >= 0 && i < l.n; i++) {
        H5O_info_t oi;
        if (!strcmp(l.names[i], "mapping") ||
            H5Oget_info_by_name(g, l.names[i], &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_GROUP)
            continue;
        snprintf(path, sizeof path, "%s/data", l.names[i]);
        if (H5Lexists(g, path, H5P_DEFAULT) > 0) n_t = ds_len(g, path, &n_rec);
        size_t len = strlen(vars);
        snprintf(vars + len, sizeof vars - len, "%s%s", len ? "," : "", l.names[i]);
    }
    double t[3] = {NAN, NAN, NAN};
    hid_t d = g >= 0 ? H5Dopen2(g, "mapping/time", H5P_DEFAULT) : -1;
    if (d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0) t[2] = NAN;
    ax_h5_close_obj(&d);
    ax_h5_close_obj(&g);
    fprintf(out, "  %-16s %-24s %12llu %10lld %10g %10g\n", pop, vars,
            (unsigned long long)n_rec, (long long)n_t, t[2], t[0]);
    free_list(&l);
}

static ax_status print_reports(info_ctx *c, FILE *out, ax_error *err)
{
    name_list l;
    AX_TRY(list_group(c->file, "/report", &l, err));
    fprintf(out, "\ntraces\n  %-16s %-24s %12s %10s %10s %10s\n", "population", "variables",
            "n_recorded", "n_times", "dt (ms)", "t0 (ms)");
    for (int i = 0; i < l.n; i++) report_line(c, l.names[i], out);
    if (!l.n) fprintf(out, "  (none recorded)\n");
    free_list(&l);
    return AX_OK;
}

static void print_run(info_ctx *c, hid_t g, FILE *out)
{
    char version[128], spec_path[1024];
    attr_str(g, "version", version, sizeof version);
    attr_str(g, "spec_path", spec_path, sizeof spec_path);
    fprintf(out, "\nrun\n");
    fprintf(out, "  %-18s %s\n", "axon version", version[0] ? version : "-");
    fprintf(out, "  %-18s %s\n", "spec", spec_path[0] ? spec_path : "-");
    fprintf(out, "  %-18s %.0f x %.0f\n", "ranks x threads", attr_num(g, "ranks"),
            attr_num(g, "threads"));
    fprintf(out, "  %-18s %.0f\n", "seed", attr_num(g, "seed"));
    fprintf(out, "  %-18s %g ms\n", "resolution", attr_num(g, "resolution"));
    fprintf(out, "  %-18s %g ms\n", "t_sim", c->t_sim);
    fprintf(out, "  %-18s %.0f\n", "synapses", attr_num(g, "n_synapses"));
    fprintf(out, "  %-18s build %.3f s, simulate %.3f s (update %.3f, deliver %.3f, "
                 "communicate %.3f; max over ranks)\n", "timings",
            attr_num(g, "t_build"), attr_num(g, "t_simulate"), attr_num(g, "t_update"),
            attr_num(g, "t_deliver"), attr_num(g, "t_communicate"));
}

/* Open path and check that it is an axon file. */
static ax_status open_axon(const char *path, hid_t *file, ax_error *err)
{
    struct stat sb;
    AX_CHECK(stat(path, &sb) == 0, err, AX_EIO, "%s: no such file", path);
    AX_CHECK(!S_ISDIR(sb.st_mode), err, AX_EIO, "%s is a directory, not an HDF5 file", path);
    AX_CHECK(H5Fis_hdf5(path) > 0, err, AX_EINPUT, "%s is not an HDF5 file", path);
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) return AX_H5_FAIL(err, path, "opening");
    if (H5Lexists(*file, "/axon", H5P_DEFAULT) <= 0) {
        H5Fclose(*file);
        return AX_FAIL(err, AX_EINPUT, "%s is HDF5 but not an axon output file (no /axon group)",
                       path);
    }
    return AX_OK;
}

ax_status ax_rec_info(const char *path, FILE *out, ax_error *err)
{
    ax_h5_quiet();
    info_ctx c = {.path = path};
    AX_TRY(open_axon(path, &c.file, err));
    hid_t g = H5Gopen2(c.file, "/axon", H5P_DEFAULT);
    double t = attr_num(g, "t_sim");
    c.t_sim = isnan(t) ? 0 : t;
    ax_status st = read_pops(&c, err);
    if (!st) {
        fprintf(out, "file %s\n\npopulations\n  %-16s %-20s %12s\n", path, "name", "model", "n");
        for (int p = 0; p < c.n_pops; p++)
            fprintf(out, "  %-16s %-20s %12lld\n", c.pops[p].name, c.pops[p].model,
                    (long long)c.pops[p].n);
        if (!c.n_pops) fprintf(out, "  (no run metadata)\n");
        st = print_spikes(&c, out, err);
    }
    if (!st) st = print_reports(&c, out, err);
    if (!st) print_run(&c, g, out);
    ax_h5_close_obj(&g);
    H5Fclose(c.file);
    free(c.pops);
    return st;
}
