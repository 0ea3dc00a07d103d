/* export_nir.c - `axon export --target nir`: the network as a NIR graph
 * (HDF5 layout of neuromorphs/NIR 1.0, nir/serialization.py).
 *
 * Mapping (docs/export.md): a population is one node (iaf_psc_delta -> LIF,
 * or IF when tau_m = inf; iaf_psc_exp -> CubaLIF; iaf_psc_alpha -> CubaLIF
 * only as an approximation); a projection is an Affine node
 * (weight: n_target x n_source, summed over multapses, bias 0) followed by
 * a Delay node; edges pop -> proj<i> -> proj<i>_delay -> pop. Units: ms, mV,
 * pA, GOhm (= mV/pA), stored in /node/metadata with dt. Everything NIR cannot
 * express (t_ref, devices, connection rules, seed) is kept in metadata, so
 * ax_nir_load restores the exact axon network. Serial HDF5, default fapl.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "axon/model.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

#define NIR_MAX_DENSE (1LL << 25) /* entries of one Affine matrix (256 MiB) */

typedef struct { hid_t f; int bad; } nirw;

static void put_str(nirw *w, hid_t loc, const char *name, const char *v)
{
    if (w->bad) return;
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), d = -1;
    if (t >= 0 && s >= 0 && H5Tset_size(t, strlen(v) ? strlen(v) : 1) >= 0) {
        d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) w->bad = 1;
    } else w->bad = 1;
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
}

/* float64 dataset of rank 0 (n0 == 0), 1 or 2, gzip-compressed when large. */
static void put_f64(nirw *w, hid_t loc, const char *name, const double *v, hsize_t n0, hsize_t n1)
{
    if (w->bad) return;
    hsize_t dims[2] = {n0, n1};
    int rank = n0 == 0 ? 0 : n1 == 0 ? 1 : 2;
    hid_t s = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t total = (n0 ? n0 : 1) * (n1 ? n1 : 1);
    if (rank && total > 4096 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        hsize_t ch[2] = {n0, n1};
        if (rank == 2 && n0 > 64) ch[0] = 64;
        if (rank == 1 && n0 > 65536) ch[0] = 65536;
        H5Pset_chunk(pl, rank, ch);
        H5Pset_deflate(pl, 4);
    }
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    H5Pclose(pl);
    H5Sclose(s);
}

static void put_vec(nirw *w, hid_t loc, const char *name, double v, int64_t n)
{
    double *a = malloc((size_t)n * sizeof *a);
    if (!a) { w->bad = 1; return; }
    for (int64_t i = 0; i < n; i++) a[i] = v;
    put_f64(w, loc, name, a, (hsize_t)n, 0);
    free(a);
}

static hid_t node_group(nirw *w, hid_t nodes, const char *name, const char *type)
{
    if (w->bad) return -1;
    hid_t g = H5Gcreate2(nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) { w->bad = 1; return -1; }
    put_str(w, g, "type", type);
    return g;
}

static double par(const ax_spec *s, int pop, const char *name)
{
    double v = NAN;
    ax_error e;
    if (ax_spec_param(s, pop, name, &v, &e) != AX_OK) return NAN;
    return v;
}

/* One population's node; returns the NIR type written. */
static void write_pop(nirw *w, hid_t nodes, const ax_spec *s, int i, int allow, ax_sbuf *approx,
                      ax_sbuf *viol, ax_sbuf *report)
{
    const ax_pop_spec *p = &s->pops[i];
    int64_t n = p->n;
    double tau_m = par(s, i, "tau_m"), c_m = par(s, i, "C_m"), e_l = par(s, i, "E_L");
    double i_e = par(s, i, "I_e"), v_th = par(s, i, "V_th"), v_reset = par(s, i, "V_reset");
    int delta = !strcmp(p->model, "iaf_psc_delta");
    int alpha = !strcmp(p->model, "iaf_psc_alpha");
    if (!strcmp(p->model, "iaf_cond_exp")) {
        ax_hw_violation(0, approx, viol,
                        "NIR has no conductance-based neuron: population %s (iaf_cond_exp, %lld neurons); "
                        "fix: use iaf_psc_exp, or --target spinnaker (IF_cond_exp)", p->name, (long long)n);
        return;
    }
    if (par(s, i, "reset") != 0)
        ax_hw_violation(allow, approx, viol, "NIR nodes reset to v_reset, population %s uses reset: subtract "
                        "(fix: reset: absolute)", p->name);
    if (isfinite(par(s, i, "V_min")))
        ax_hw_violation(allow, approx, viol, "NIR has no lower bound V_min (population %s); exported without it",
                        p->name);
    if (delta && par(s, i, "refractory_input") != 0)
        ax_hw_violation(allow, approx, viol, "NIR LIF cannot keep input arriving while refractory "
                        "(population %s, refractory_input: true)", p->name);
    if (alpha)
        ax_hw_violation(allow, approx, viol, "NIR has no alpha-shaped synapse: population %s (iaf_psc_alpha) "
                        "becomes CubaLIF with an exponential current of the same tau (fix: iaf_psc_exp)", p->name);
    double tau_s = delta ? 0 : par(s, i, "tau_syn_ex");
    if (!delta && par(s, i, "tau_syn_in") != tau_s)
        ax_hw_violation(allow, approx, viol, "NIR CubaLIF has one synaptic time constant: population %s has "
                        "tau_syn_ex = %g ms != tau_syn_in = %g ms (tau_syn_ex used; fix: equal time constants)",
                        p->name, tau_s, par(s, i, "tau_syn_in"));
    const char *type = delta ? (isinf(tau_m) ? "IF" : "LIF") : "CubaLIF";
    if (delta && isinf(tau_m) && i_e != 0)
        ax_hw_violation(allow, approx, viol, "NIR IF has no bias current: population %s has I_e = %g pA",
                        p->name, i_e);
    hid_t g = node_group(w, nodes, p->name, type);
    if (g < 0) return;
    double r = delta ? (isinf(tau_m) ? 1.0 : tau_m) : tau_m / c_m;
    double v_leak = isinf(tau_m) ? e_l : e_l + i_e * tau_m / c_m;
    if (!strcmp(type, "LIF")) {
        put_vec(w, g, "tau", tau_m, n);
    } else if (!strcmp(type, "CubaLIF")) {
        put_vec(w, g, "tau_mem", tau_m, n);
        put_vec(w, g, "tau_syn", tau_s, n);
        put_vec(w, g, "w_in", tau_s, n);
    }
    put_vec(w, g, "r", r, n);
    if (strcmp(type, "IF")) put_vec(w, g, "v_leak", v_leak, n);
    put_vec(w, g, "v_threshold", v_th, n);
    put_vec(w, g, "v_reset", v_reset, n);
    hid_t m = H5Gcreate2(g, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (m >= 0) {
        put_str(w, m, "axon_model", p->model);
        double tr = par(s, i, "t_ref");
        put_f64(w, m, "axon_t_ref", &tr, 0, 0);
        put_f64(w, m, "axon_C_m", &c_m, 0, 0);
        put_f64(w, m, "axon_E_L", &e_l, 0, 0);
        put_f64(w, m, "axon_I_e", &i_e, 0, 0);
        H5Gclose(m);
    } else w->bad = 1;
    H5Gclose(g);
    if (par(s, i, "t_ref") > 0)
        ax_sbuf_printf(report, "  %s: %s; t_ref = %g ms kept in metadata (NIR has no refractory period)\n",
                       p->name, type, par(s, i, "t_ref"));
    else ax_sbuf_printf(report, "  %s: %s\n", p->name, type);
}

/* NIR weight of one synapse for the target population's node (see header). */
static double nir_weight(const ax_spec *s, int tgt, double w)
{
    /* LIF/IF with r = tau (r = 1 for IF): a spike of weight W moves v by W mV;
     * CubaLIF with w_in = tau_syn: it moves I by W pA. Both are axon's unit. */
    (void)s;
    (void)tgt;
    return w;
}

static void write_proj(nirw *w, hid_t nodes, const ax_spec *s, const ax_hw_net *net, int i,
                       int allow, ax_sbuf *approx, ax_sbuf *viol, char (*edges)[2][80], int *ne)
{
    const ax_proj_spec *p = &s->proj[i];
    const ax_hw_edges *e = &net->proj[i];
    int64_t ns = s->pops[p->src].n, nt = s->pops[p->tgt].n;
    if (ns * nt > NIR_MAX_DENSE) {
        ax_hw_violation(0, approx, viol, "projection %d (%s -> %s): a dense NIR Affine matrix of %lld x %lld "
                        "exceeds %lld entries (fix: export a smaller network)", i, s->pops[p->src].name,
                        s->pops[p->tgt].name, (long long)nt, (long long)ns, (long long)NIR_MAX_DENSE);
        return;
    }
    double *W = calloc((size_t)(ns * nt > 0 ? ns * nt : 1), sizeof *W);
    if (!W) { w->bad = 1; return; }
    int32_t d0 = e->n ? e->d[0] : 1;
    double dsum = 0;
    int dvar = 0;
    for (int64_t k = 0; k < e->n; k++) {
        int64_t a = e->src[k] - s->pops[p->src].first_gid, b = e->tgt[k] - s->pops[p->tgt].first_gid;
        W[b * ns + a] += nir_weight(s, p->tgt, e->w[k]);
        dsum += e->d[k];
        dvar |= e->d[k] != d0;
    }
    double dstep = d0;
    if (dvar) {
        dstep = nearbyint(dsum / (double)e->n);
        ax_hw_violation(allow, approx, viol, "NIR Delay is per output neuron, projection %d (%s -> %s) has "
                        "per-synapse delays (rounded to their mean, %g ms)", i, s->pops[p->src].name,
                        s->pops[p->tgt].name, dstep * s->sim.resolution);
    }
    char name[40], dname[56];
    snprintf(name, sizeof name, "proj%d", i);
    snprintf(dname, sizeof dname, "proj%d_delay", i);
    hid_t g = node_group(w, nodes, name, "Affine");
    if (g >= 0) {
        put_f64(w, g, "weight", W, (hsize_t)nt, (hsize_t)ns);
        memset(W, 0, (size_t)nt * sizeof *W);
        put_f64(w, g, "bias", W, (hsize_t)nt, 0);
        H5Gclose(g);
    }
    free(W);
    g = node_group(w, nodes, dname, "Delay");
    if (g >= 0) {
        put_vec(w, g, "delay", dstep * s->sim.resolution, nt);
        H5Gclose(g);
    }
    snprintf(edges[*ne][0], 80, "%s", s->pops[p->src].name);
    snprintf(edges[*ne][1], 80, "%s", name);
    (*ne)++;
    snprintf(edges[*ne][0], 80, "%s", name);
    snprintf(edges[*ne][1], 80, "%s", dname);
    (*ne)++;
    snprintf(edges[*ne][0], 80, "%s", dname);
    snprintf(edges[*ne][1], 80, "%s", s->pops[p->tgt].name);
    (*ne)++;
}

static void put_edges(nirw *w, hid_t g, char (*edges)[2][80], int ne)
{
    if (w->bad) return;
    hsize_t dims[2] = {(hsize_t)ne, 2};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 80);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t s = ne ? H5Screate_simple(2, dims, NULL) : H5Screate_simple(2, (hsize_t[2]){0, 2}, NULL);
    hid_t d = H5Dcreate2(g, "edges", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || (ne && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, edges) < 0)) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

static void write_meta(nirw *w, hid_t node, const ax_spec *s, const char *yaml)
{
    hid_t m = H5Gcreate2(node, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (m < 0) { w->bad = 1; return; }
    put_f64(w, m, "dt", &s->sim.resolution, 0, 0);
    put_str(w, m, "time_unit", "ms");
    put_str(w, m, "voltage_unit", "mV");
    put_str(w, m, "current_unit", "pA");
    put_str(w, m, "resistance_unit", "GOhm");
    put_str(w, m, "weight_unit", "LIF/IF targets: mV per spike; CubaLIF targets: pA per spike (w_in = tau_syn)");
    put_str(w, m, "producer", "axon " PACKAGE_VERSION);
    put_str(w, m, "axon_spec", yaml);
    H5Gclose(m);
}

ax_status ax_export_nir(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o,
                        const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_error *err)
{
    ax_sbuf viol = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/network.nir", dir);
    char *yaml = NULL;
    AX_TRY(ax_spec_to_yaml(spec, &yaml, err));
    char (*edges)[2][80] = calloc((size_t)(3 * spec->n_proj + 1), sizeof *edges);
    if (!edges) {
        free(yaml);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for NIR edges");
    }
    nirw w = {.f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT)};
    ax_status st = AX_OK;
    if (w.f < 0) {
        st = AX_FAIL(err, AX_EIO, "%s: cannot create the NIR file", path);
        goto out;
    }
    put_str(&w, w.f, "version", "1.0.7");
    hid_t node = H5Gcreate2(w.f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t nodes = node >= 0 ? H5Gcreate2(node, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (nodes < 0) w.bad = 1;
    put_str(&w, node, "type", "NIRGraph");
    ax_sbuf_printf(report, "NIR graph %s: %d population nodes, %d Affine + %d Delay nodes, dt = %g ms\n",
                   "network.nir", spec->n_pops, spec->n_proj, spec->n_proj, spec->sim.resolution);
    for (int i = 0; i < spec->n_pops && !w.bad; i++)
        write_pop(&w, nodes, spec, i, o->allow_approx, approx, &viol, report);
    int ne = 0;
    for (int i = 0; i < spec->n_proj && !w.bad && !viol.len; i++)
        write_proj(&w, nodes, spec, net, i, o->allow_approx, approx, &viol, edges, &ne);
    put_edges(&w, node, edges, ne);
    if (node >= 0) write_meta(&w, node, spec, yaml);
    int dev_drive = 0;
    for (int d = 0; d < spec->n_dev; d++) dev_drive += spec->dev[d].kind <= AX_DEV_SPIKE_GEN;
    if (dev_drive)
        ax_sbuf_printf(report, "  %d input device(s) (Poisson/DC/spike generators) have no NIR node; "
                               "kept in metadata axon_spec for axon, invisible to other tools\n", dev_drive);
    if (nodes >= 0) H5Gclose(nodes);
    if (node >= 0) H5Gclose(node);
    if (H5Fclose(w.f) < 0) w.bad = 1;
    if (viol.len) st = AX_FAIL(err, AX_EINPUT, "NIR export: limits violated (use --allow-approx to accept "
                                               "approximations):\n%s", viol.s);
    else if (w.bad) st = AX_FAIL(err, AX_EIO, "%s: HDF5 write failed", path);
out:
    ax_sbuf_free(&viol);
    free(edges);
    free(yaml);
    return st;
}
