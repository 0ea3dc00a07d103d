/* export.c - ax_export: build the explicit synapse lists once, run the
 * target's exporter into the caller's directory and write report.txt.
 * Invariant: nothing is printed; on error the directory may hold partial
 * files, which is why the CLI writes into DIR.partial and renames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_impl.h"

void ax_export_defaults(ax_export_opts *o, ax_hw_target target)
{
    *o = (ax_export_opts){.target = target, .spinn_version = 5, .max_rel_error = 0.01};
}

void ax_export_result_free(ax_export_result *res)
{
    free(res->report);
    free(res->sim_spec_yaml);
    free(res->sim_notes);
    *res = (ax_export_result){0};
}

/* No target has short-term plasticity (standard PyNN on SpiNNaker, NIR and
 * Rockpool's Dynap-SE2 flow have none), and NIR and the Dynap-SE2 flow have
 * no STDP either: such projections are refused, or exported as static
 * synapses of their initial weight with --allow-approx (listed). STDP on
 * SpiNNaker: export_spinnaker.c (sPyNNaker's STDPMechanism where it maps). */
static ax_status plastic_projections(const ax_spec *spec, const ax_export_opts *o,
                                     ax_sbuf *approx, ax_error *err)
{
    static const char *const name[] = {"spinnaker", "dynapse", "nir"};
    for (int p = 0; p < spec->n_proj; p++) {
        const ax_proj_spec *ps = &spec->proj[p];
        if (ps->syn_model == AX_SYN_STATIC) continue;
        int stdp = ps->syn_model == AX_SYN_STDP;
        const char *model = stdp ? ax_stdp_name(ps->stdp.kind)
                          : ps->syn_model == AX_SYN_TSODYKS ? "tsodyks_synapse" : "tsodyks2_synapse";
        const char *what = stdp ? "no spike-timing-dependent plasticity"
                                : "no short-term plasticity";
        if (stdp && o->target == AX_HW_SPINNAKER) continue; /* export_spinnaker.c maps or refuses it */
        const char *src = spec->pops[ps->src].name, *tgt = spec->pops[ps->tgt].name;
        if (!o->allow_approx)
            return AX_FAIL(err, AX_EINPUT, "%s:%d:%d: projection %d (%s -> %s): %s has no "
                           "counterpart on --target %s (%s); use a static synapse, or "
                           "--allow-approx to export it as static",
                           spec->path, ps->loc.line, ps->loc.col, p, src, tgt, model,
                           name[o->target < 3 ? o->target : 2], what);
        ax_sbuf_printf(approx, "  - projection %d (%s -> %s): %s exported as a static synapse "
                       "of its initial weight (%s)\n", p, src, tgt, model, what);
    }
    return AX_OK;
}

ax_status ax_export(const ax_spec *spec, const ax_export_opts *o, const char *dir,
                    ax_export_result *res, ax_error *err)
{
    *res = (ax_export_result){0};
    ax_sbuf report = {0}, approx = {0};
    ax_status st = plastic_projections(spec, o, &approx, err);
    if (st != AX_OK) {
        ax_sbuf_free(&approx);
        return st;
    }
    ax_hw_net *net = NULL;
    st = ax_hw_net_build(spec, &net, err);
    if (st != AX_OK) {
        ax_sbuf_free(&approx);
        return st;
    }
    switch (o->target) {
    case AX_HW_SPINNAKER: st = ax_export_spinnaker(spec, net, o, dir, &report, &approx, res, err); break;
    case AX_HW_DYNAPSE: st = ax_export_dynapse(spec, net, o, dir, &report, &approx, res, err); break;
    default: st = ax_export_nir(spec, net, o, dir, &report, &approx, err); break;
    }
    ax_hw_net_free(&net);
    if (st == AX_OK) {
        for (size_t i = 0; i < approx.len; i++) res->n_approx += approx.s[i] == '\n';
        if (approx.len) ax_sbuf_printf(&report, "approximations taken (--allow-approx): %d\n%s", res->n_approx, approx.s);
        else ax_sbuf_printf(&report, "approximations: none\n");
        char path[4200];
        snprintf(path, sizeof path, "%s/report.txt", dir);
        FILE *f = fopen(path, "w");
        if (!f || (report.len && fwrite(report.s, 1, report.len, f) != report.len)) st = AX_FAIL(err, AX_EIO, "%s: cannot write", path);
        if (f && fclose(f) != 0 && st == AX_OK) st = AX_FAIL(err, AX_EIO, "%s: write failed", path);
        if (report.oom && st == AX_OK) st = AX_FAIL(err, AX_ENOMEM, "out of memory writing the report");
    }
    if (st == AX_OK) res->report = ax_sbuf_take(&report);
    else ax_export_result_free(res);
    ax_sbuf_free(&report);
    ax_sbuf_free(&approx);
    return st;
}
