/* test_mpi_h5.c - the collective HDF5 recorder under mpiexec -n 2 (or more).
 *
 * Plain C: each CHECK that fails prints rank, line and condition and counts;
 * the exit status is 1 if any rank counted a failure. Checks never skip a
 * collective call, so a failed check cannot hang the other ranks. Files go to
 * tests/mpi_h5_*.h5 under the build directory (cwd of `make check`).
 *
 * Covered: spikes and traces appended from all ranks in several appends with
 * uneven counts (one rank empty), read back serially and compared value by
 * value with the expected rank-major layout; run metadata incl. a spec text
 * over 64 KiB; no file under the final name before close; --force semantics;
 * abort removes the partial and keeps an old file; unwritable targets and an
 * error raised on one rank only are returned on every rank.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <mpi.h>

#include "axon/record.h"

static int rank, size, failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "FAIL rank %d line %d: %s\n", rank, __LINE__, #cond);      \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static int exists(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0;
}

/* Does any temporary "<p>.partial*" of p exist (axon/outfile.h names them
 * <p>.partial.<pid>.<random>)? */
static int partials(const char *p)
{
    char pat[600];
    snprintf(pat, sizeof pat, "%s.partial*", p);
    glob_t g;
    int n = glob(pat, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    if (n) globfree(&g);
    return n;
}

/* Rank 0 removes a leftover file and its temporaries; everyone waits. */
static void clean(const char *p)
{
    char pat[600];
    snprintf(pat, sizeof pat, "%s.partial*", p);
    glob_t g;
    if (!rank && glob(pat, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) unlink(g.gl_pathv[i]);
        globfree(&g);
    }
    if (!rank) unlink(p);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Spikes of rank q in append a of population pop: uneven, rank 1 empty in a=0. */
static size_t n_spikes(int pop, int a, int q)
{
    if (q == 1 && a == 0) return 0;
    return (size_t)((a * 3 + q * 5 + pop * 2) % 7 + 1);
}

static void spike_of(int pop, int a, int q, size_t j, uint64_t *id, double *t)
{
    *id = (uint64_t)(q * 100 + a * 10 + (int)j + pop * 1000);
    *t = a * 10.0 + (double)j * 0.5 + q * 0.125;
}

/* Report columns of rank q: report 0 has 3 - (q % 2) columns, report 1 only on rank 0. */
static size_t n_cols(int rep, int q)
{
    return rep == 0 ? (size_t)(3 - q % 2) : (q == 0 ? 3 : 0);
}

static uint64_t node_of(int rep, int q, size_t j) { return (uint64_t)(rep * 500 + q * 10 + (int)j); }

static double value_of(int v, uint64_t node, uint64_t row)
{
    return -70.0 + (double)v * 100.0 + (double)node * 0.25 + (double)row * 0.5;
}

/* Write everything, in 3 spike appends and 2 report appends (4 + 3 rows). */
static void write_file(const char *path, const char *spec)
{
    ax_error err = {0};
    ax_recorder r = NULL;
    CHECK(ax_rec_create(path, 0, MPI_COMM_WORLD, &r, &err) == AX_OK);
    int sp[2] = {-1, -1}, rp[2] = {-1, -1};
    CHECK(ax_rec_spikes_declare(r, "E", &sp[0], &err) == AX_OK);
    CHECK(ax_rec_spikes_declare(r, "I", &sp[1], &err) == AX_OK);
    const char *vars0[] = {"V_m", "I_syn_ex"}, *vars1[] = {"g_ex"};
    for (int k = 0; k < 2; k++) {
        uint64_t ids[4];
        for (size_t j = 0; j < n_cols(k, rank); j++) ids[j] = node_of(k, rank, j);
        CHECK(ax_rec_report_declare(r, k ? "I" : "E", k ? 1 : 2, k ? vars1 : vars0,
                                    n_cols(k, rank), ids, 0.5, 0.25, k, &rp[k], &err) == AX_OK);
    }
    uint64_t row = 0;
    for (int a = 0; a < 3; a++) {
        for (int p = 0; p < 2; p++) {
            uint64_t ids[8];
            double ts[8];
            size_t n = n_spikes(p, a, rank);
            for (size_t j = 0; j < n; j++) spike_of(p, a, rank, j, &ids[j], &ts[j]);
            CHECK(ax_rec_spikes_append(r, sp[p], n, ids, ts, &err) == AX_OK);
        }
        if (a == 2) break;
        size_t nt = a == 0 ? 4 : 3;
        for (int k = 0; k < 2; k++) {
            double data[2 * 4 * 3];
            size_t nc = n_cols(k, rank);
            for (int v = 0; v < (k ? 1 : 2); v++)
                for (size_t t = 0; t < nt; t++)
                    for (size_t j = 0; j < nc; j++)
                        data[(v * nt + t) * nc + j] = value_of(v, node_of(k, rank, j), row + t);
            CHECK(ax_rec_report_append(r, rp[k], nt, data, &err) == AX_OK);
        }
        row += nt;
    }
    const char *names[] = {"E", "I"}, *models[] = {"iaf_psc_exp", "iaf_cond_exp"};
    int64_t sizes[] = {2000, 600}, counts[] = {0, 0};
    for (int q = 0; q < size; q++)
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 2; p++) counts[p] += (int64_t)n_spikes(p, a, q);
    ax_run_meta meta = {.version = "0.1.0", .spec_path = "net.yaml", .spec_text = spec,
                        .seed = 42, .ranks = size, .threads = 2, .resolution = 0.1,
                        .t_sim = 30, .t_build = 1, .t_simulate = 2, .t_update = 3,
                        .t_deliver = 4, .t_communicate = 5, .n_pops = 2, .pop_names = names,
                        .pop_models = models, .pop_sizes = sizes, .pop_spikes = counts,
                        .n_synapses = 123456789012LL};
    /* Non-root ranks' meta is ignored: pass garbage to prove rank 0's wins. */
    ax_run_meta other = meta;
    other.seed = 7, other.version = "wrong";
    CHECK(ax_rec_write_meta(r, rank ? &other : &meta, &err) == AX_OK);
    char partial[600];
    snprintf(partial, sizeof partial, "%s", ax_rec_partial_path(r));
    CHECK(!strncmp(partial, path, strlen(path)) && strstr(partial, ".partial."));
    CHECK(!exists(path));
    CHECK(exists(partial));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(ax_rec_close(&r, &err) == AX_OK);
    CHECK(r == NULL);
    CHECK(exists(path));
    CHECK(!exists(partial) && !partials(path));
}

static int read_all(hid_t f, const char *name, hid_t mtype, void *buf, hsize_t *dims)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t s = H5Dget_space(d);
    dims[0] = dims[1] = 0;
    H5Sget_simple_extent_dims(s, dims, NULL);
    herr_t rc = H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Sclose(s);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

static void check_str_attr(hid_t loc, const char *obj, const char *name, const char *want)
{
    hid_t a = H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(a >= 0);
    if (a < 0) return;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    CHECK(H5Aread(a, t, &s) >= 0 && s && !strcmp(s, want));
    if (s) H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

static void check_spikes(hid_t f)
{
    static uint64_t ids[256];
    static double ts[256];
    hsize_t dims[2];
    for (int p = 0; p < 2; p++) {
        char n1[64], n2[64];
        snprintf(n1, sizeof n1, "/spikes/%s/node_ids", p ? "I" : "E");
        snprintf(n2, sizeof n2, "/spikes/%s/timestamps", p ? "I" : "E");
        CHECK(read_all(f, n1, H5T_NATIVE_UINT64, ids, dims) == 0);
        size_t k = 0, bad = 0;
        for (int a = 0; a < 3; a++) /* expected order: append-major, then rank-major */
            for (int q = 0; q < size; q++)
                for (size_t j = 0; j < n_spikes(p, a, q); j++, k++) {
                    uint64_t id;
                    double t;
                    spike_of(p, a, q, j, &id, &t);
                    bad += k >= dims[0] || ids[k] != id;
                }
        CHECK(dims[0] == k && bad == 0);
        CHECK(read_all(f, n2, H5T_NATIVE_DOUBLE, ts, dims) == 0);
        k = 0, bad = 0;
        for (int a = 0; a < 3; a++)
            for (int q = 0; q < size; q++)
                for (size_t j = 0; j < n_spikes(p, a, q); j++, k++) {
                    uint64_t id;
                    double t;
                    spike_of(p, a, q, j, &id, &t);
                    bad += k >= dims[0] || ts[k] != t;
                }
        CHECK(dims[0] == k && bad == 0);
        check_str_attr(f, n2, "units", "ms");
        hid_t a = H5Aopen_by_name(f, p ? "/spikes/I" : "/spikes/E", "sorting", H5P_DEFAULT,
                                  H5P_DEFAULT);
        hid_t t = a >= 0 ? H5Aget_type(a) : -1;
        char name[16] = "";
        signed char v = -1;
        CHECK(t >= 0 && H5Tget_class(t) == H5T_ENUM && H5Aread(a, t, &v) >= 0 &&
              H5Tenum_nameof(t, &v, name, sizeof name) >= 0 && !strcmp(name, "none"));
        if (t >= 0) H5Tclose(t);
        if (a >= 0) H5Aclose(a);
    }
}

static void check_report(hid_t f, int k)
{
    const char *pop = k ? "I" : "E";
    char p[128];
    uint64_t ids[64], ptr[64];
    uint32_t el[64];
    double tm[3], vals[7 * 16];
    hsize_t dims[2];
    size_t nc = 0;
    for (int q = 0; q < size; q++) nc += n_cols(k, q);
    snprintf(p, sizeof p, "/report/%s/mapping/node_ids", pop);
    CHECK(read_all(f, p, H5T_NATIVE_UINT64, ids, dims) == 0 && dims[0] == nc);
    size_t c = 0, bad = 0;
    for (int q = 0; q < size; q++)
        for (size_t j = 0; j < n_cols(k, q); j++, c++) bad += ids[c] != node_of(k, q, j);
    CHECK(bad == 0);
    snprintf(p, sizeof p, "/report/%s/mapping/index_pointers", pop);
    CHECK(read_all(f, p, H5T_NATIVE_UINT64, ptr, dims) == 0 && dims[0] == nc + 1);
    for (size_t j = 0; j <= nc; j++) CHECK(ptr[j] == j);
    snprintf(p, sizeof p, "/report/%s/mapping/element_ids", pop);
    CHECK(read_all(f, p, H5T_NATIVE_UINT32, el, dims) == 0 && dims[0] == nc);
    for (size_t j = 0; j < nc; j++) CHECK(el[j] == 0);
    snprintf(p, sizeof p, "/report/%s/mapping/time", pop);
    CHECK(read_all(f, p, H5T_NATIVE_DOUBLE, tm, dims) == 0);
    CHECK(tm[0] == 0.5 && tm[1] == 0.5 + 7 * 0.25 && tm[2] == 0.25);
    check_str_attr(f, p, "units", "ms");
    for (int v = 0; v < (k ? 1 : 2); v++) {
        const char *var = k ? "g_ex" : v ? "I_syn_ex" : "V_m";
        snprintf(p, sizeof p, "/report/%s/%s/data", pop, var);
        CHECK(read_all(f, p, H5T_NATIVE_DOUBLE, vals, dims) == 0 && dims[0] == 7 &&
              dims[1] == nc);
        check_str_attr(f, p, "units", k ? "nS" : v ? "pA" : "mV");
        hid_t d = H5Dopen2(f, p, H5P_DEFAULT), t = H5Dget_type(d);
        CHECK(H5Tget_size(t) == (k ? 8u : 4u));
        H5Tclose(t), H5Dclose(d);
        bad = 0;
        for (uint64_t row = 0; row < 7; row++)
            for (c = 0; c < nc; c++) bad += vals[row * nc + c] != value_of(v, ids[c], row);
        CHECK(bad == 0);
    }
    /* /report/<pop>/data is the first variable's dataset itself. */
    snprintf(p, sizeof p, "/report/%s/data", pop);
    H5O_info_t a, b;
    char first[128];
    snprintf(first, sizeof first, "/report/%s/%s/data", pop, k ? "g_ex" : "V_m");
    CHECK(H5Oget_info_by_name(f, p, &a, H5P_DEFAULT) >= 0 &&
          H5Oget_info_by_name(f, first, &b, H5P_DEFAULT) >= 0 && a.addr == b.addr);
}

static void check_meta(hid_t f, const char *spec)
{
    check_str_attr(f, "/axon", "version", "0.1.0");
    check_str_attr(f, "/axon", "spec", spec);
    uint64_t seed = 0;
    int64_t nsyn = 0;
    hid_t a = H5Aopen_by_name(f, "/axon", "seed", H5P_DEFAULT, H5P_DEFAULT);
    CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &seed) >= 0 && seed == 42);
    if (a >= 0) H5Aclose(a);
    a = H5Aopen_by_name(f, "/axon", "n_synapses", H5P_DEFAULT, H5P_DEFAULT);
    CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_INT64, &nsyn) >= 0 && nsyn == 123456789012LL);
    if (a >= 0) H5Aclose(a);
    int64_t counts[2] = {0, 0}, want[2] = {0, 0};
    hsize_t dims[2];
    for (int q = 0; q < size; q++)
        for (int ap = 0; ap < 3; ap++)
            for (int p = 0; p < 2; p++) want[p] += (int64_t)n_spikes(p, ap, q);
    CHECK(read_all(f, "/axon/spike_counts", H5T_NATIVE_INT64, counts, dims) == 0 &&
          counts[0] == want[0] && counts[1] == want[1]);
    struct { char name[8]; char model[16]; int64_t n; } rows[2];
    hid_t s8 = H5Tcopy(H5T_C_S1), s16 = H5Tcopy(H5T_C_S1), t = H5Tcreate(H5T_COMPOUND, sizeof rows[0]);
    H5Tset_size(s8, 8), H5Tset_size(s16, 16);
    H5Tinsert(t, "name", 0, s8), H5Tinsert(t, "model", 8, s16), H5Tinsert(t, "n", 24, H5T_NATIVE_INT64);
    CHECK(read_all(f, "/axon/populations", t, rows, dims) == 0 && dims[0] == 2);
    CHECK(!strcmp(rows[0].name, "E") && !strcmp(rows[1].model, "iaf_cond_exp") &&
          rows[0].n == 2000 && rows[1].n == 600);
    H5Tclose(t), H5Tclose(s8), H5Tclose(s16);
}

static void test_roundtrip(void)
{
    const char *path = "tests/mpi_h5_roundtrip.h5";
    clean(path);
    size_t n = 200000; /* > 64 KiB: needs dense attribute storage */
    char *spec = malloc(n + 1);
    for (size_t i = 0; i < n; i++) spec[i] = (char)('a' + i % 26);
    spec[n] = 0;
    write_file(path, spec);
    if (!rank) {
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(f >= 0);
        if (f >= 0) {
            check_spikes(f);
            check_report(f, 0);
            check_report(f, 1);
            check_meta(f, spec);
            H5Fclose(f);
        }
    }
    free(spec);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Count the spikes of /spikes/E in path (rank 0); -1 if unreadable. */
static long count_e(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    hid_t d = H5Dopen2(f, "/spikes/E/node_ids", H5P_DEFAULT), s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    H5Sclose(s), H5Dclose(d), H5Fclose(f);
    return (long)n;
}

static void test_force_and_abort(void)
{
    const char *path = "tests/mpi_h5_force.h5";
    clean(path);
    write_file(path, "first");
    long before = rank ? 0 : count_e(path);
    ax_error err = {0};
    ax_recorder r = NULL;
    /* exists and !force: refused on every rank, the file untouched */
    CHECK(ax_rec_create(path, 0, MPI_COMM_WORLD, &r, &err) == AX_EIO);
    CHECK(r == NULL && strstr(err.msg, "--force") && strstr(err.msg, path));
    if (!rank) CHECK(count_e(path) == before && before > 0);
    /* force, then abort: the old file survives, the partial is gone */
    CHECK(ax_rec_create(path, 1, MPI_COMM_WORLD, &r, &err) == AX_OK);
    int id = -1;
    CHECK(ax_rec_spikes_declare(r, "E", &id, &err) == AX_OK);
    CHECK(partials(path) == 1);
    ax_rec_abort(&r);
    CHECK(r == NULL);
    CHECK(!partials(path));
    if (!rank) CHECK(count_e(path) == before);
    ax_rec_abort(&r); /* NULL-safe */
    /* force: replaced at close by a file with one spike per rank */
    CHECK(ax_rec_create(path, 1, MPI_COMM_WORLD, &r, &err) == AX_OK);
    CHECK(ax_rec_spikes_declare(r, "E", &id, &err) == AX_OK);
    uint64_t nid = (uint64_t)rank;
    double t = 1.0;
    CHECK(ax_rec_spikes_append(r, id, 1, &nid, &t, &err) == AX_OK);
    if (!rank) CHECK(count_e(path) == before); /* old file still there before close */
    CHECK(ax_rec_close(&r, &err) == AX_OK);
    if (!rank) CHECK(count_e(path) == size);
    CHECK(!partials(path));
    MPI_Barrier(MPI_COMM_WORLD);
}

/* Unwritable targets: the same error on every rank, and no hang. */
static void test_unwritable(void)
{
    const char *paths[] = {"tests/mpi_h5_no_such_dir/out.h5", "/proc/axon_test_out.h5"};
    for (int i = 0; i < 2; i++) {
        ax_error err = {0};
        ax_recorder r = NULL;
        CHECK(ax_rec_create(paths[i], 0, MPI_COMM_WORLD, &r, &err) == AX_EIO);
        CHECK(r == NULL && strstr(err.msg, paths[i]) && strstr(err.msg, "writable"));
    }
    if (geteuid() != 0) { /* root may write into a read-only directory */
        const char *dir = "tests/mpi_h5_ro";
        if (!rank) mkdir(dir, 0755), chmod(dir, 0555);
        MPI_Barrier(MPI_COMM_WORLD);
        ax_error err = {0};
        ax_recorder r = NULL;
        CHECK(ax_rec_create("tests/mpi_h5_ro/out.h5", 0, MPI_COMM_WORLD, &r, &err) == AX_EIO);
        MPI_Barrier(MPI_COMM_WORLD);
        if (!rank) chmod(dir, 0755), rmdir(dir);
    }
}

/* An error on one rank only comes back on all, naming that rank. */
static void test_one_rank_error(void)
{
    const char *path = "tests/mpi_h5_err.h5";
    clean(path);
    ax_error err = {0};
    ax_recorder r = NULL;
    CHECK(ax_rec_create(path, 0, MPI_COMM_WORLD, &r, &err) == AX_OK);
    int id = -1;
    CHECK(ax_rec_spikes_declare(r, "E", &id, &err) == AX_OK);
    int bad_rank = size - 1;
    ax_status st = ax_rec_spikes_append(r, rank == bad_rank ? 99 : id, 0, NULL, NULL, &err);
    CHECK(st == AX_EINTERNAL);
    if (bad_rank) CHECK(strstr(err.msg, "rank") != NULL);
    /* unequal time rows across ranks: refused everywhere */
    uint64_t nid = (uint64_t)rank;
    const char *v[] = {"V_m"};
    CHECK(ax_rec_report_declare(r, "E", 1, v, 1, &nid, 0, 1, 0, &id, &err) == AX_OK);
    double data[2] = {1, 2};
    if (size > 1)
        CHECK(ax_rec_report_append(r, id, rank ? 2 : 1, data, &err) == AX_EINTERNAL);
    /* a bad name is refused on every rank before touching the file */
    CHECK(ax_rec_spikes_declare(r, "a/b", &id, &err) == AX_EINPUT);
    ax_rec_abort(&r);
    CHECK(!exists(path) && !partials(path));
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!exists("tests")) mkdir("tests", 0755); /* run from elsewhere than the build dir */
    test_roundtrip();
    test_force_and_abort();
    test_unwritable();
    test_one_rank_error();
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (!rank) printf("test_mpi_h5: %d ranks, %d failed checks\n", size, total);
    if (!rank && !total) unlink("tests/mpi_h5_roundtrip.h5"), unlink("tests/mpi_h5_force.h5");
    MPI_Finalize();
    return total ? 1 : 0;
}
