/* hw_net_dump.c - test helper: the network axon builds for a spec, as JSON
 * on stdout, for tests that compare an export with what a client library
 * makes of it (tests/test_spinnaker_pynn.py, test_spinnaker_psp.py).
 *
 *   tests/hw_net_dump SPEC
 *
 * {"resolution": h, "pops": [{name, model, n, first, params: {all model
 * parameters, resolved}, spike_times (spike sources): [[ms, ...], ...]}], "proj": [{src, tgt, synapses: [[src gid, tgt gid,
 * weight, delay steps, receptor port], ...], stdp (plastic ones): {model, tau_plus, lambda, alpha, mu_plus,
 * mu_minus, Wmax, Kplus} with defaults resolved}], "devices": [{name, kind,
 * weight, delay, receptor, rate, amplitude, start, stop (null: none), spike_times,
 * targets: [[pop, first, count]]}]}
 * The synapses are ax_hw_net_build's: those of every axon run of the spec.
 */
#include <math.h>
#include <stdio.h>

#include "axon/hw_place.h"
#include "axon/model.h"

static void num(double v)
{
    if (isnan(v)) printf("NaN");
    else if (isinf(v)) printf(v > 0 ? "Infinity" : "-Infinity");
    else printf("%.17g", v);
}

static void pops(const ax_spec *s)
{
    printf("\"pops\": [");
    for (int i = 0; i < s->n_pops; i++) {
        const ax_model_ops *m = ax_model_find(s->pops[i].model);
        printf("%s{\"name\": \"%s\", \"model\": \"%s\", \"n\": %lld, \"first\": %lld, \"params\": {", i ? ", " : "",
               s->pops[i].name, s->pops[i].model, (long long)s->pops[i].n, (long long)s->pops[i].first_gid);
        for (int k = 0; m && k < m->n_params; k++) {
            double v = NAN;
            ax_error e;
            ax_spec_param(s, i, m->params[k].name, &v, &e);
            printf("%s\"%s\": ", k ? ", " : "", m->params[k].name);
            num(v);
        }
        printf("}");
        if (s->pops[i].times_off) { /* spike_source_array: each neuron's times */
            printf(", \"spike_times\": [");
            for (int64_t j = 0; j < s->pops[i].n; j++) {
                printf("%s[", j ? ", " : "");
                for (int64_t k = s->pops[i].times_off[j]; k < s->pops[i].times_off[j + 1]; k++) {
                    printf("%s", k > s->pops[i].times_off[j] ? ", " : "");
                    num(s->pops[i].times[k]);
                }
                printf("]");
            }
            printf("]");
        }
        printf("}");
    }
    printf("]");
}

static void devices(const ax_spec *s)
{
    static const char *const rec[] = {"auto", "excitatory", "inhibitory"};
    static const char *const kind[] = {"poisson_generator", "dc_generator", "spike_generator", "spike_recorder",
                                       "multimeter"};
    printf("\"devices\": [");
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        printf("%s{\"name\": \"%s\", \"kind\": \"%s\", \"weight\": ", d ? ", " : "", dv->name,
               dv->kind >= 0 && dv->kind <= AX_DEV_MULTIMETER ? kind[dv->kind] : "?");
        num(dv->weight);
        printf(", \"delay\": ");
        num(dv->delay);
        printf(", \"rate\": ");
        num(dv->rate);
        printf(", \"amplitude\": ");
        num(dv->amplitude);
        printf(", \"start\": ");
        num(dv->start);
        printf(", \"stop\": ");
        num(dv->stop);
        printf(", \"spike_times\": [");
        for (int64_t k = 0; k < dv->n_times; k++) {
            printf("%s", k ? ", " : "");
            num(dv->spike_times[k]);
        }
        printf("]");
        printf(", \"receptor\": \"%s\", \"targets\": [", dv->receptor >= 0 && dv->receptor < 3 ? rec[dv->receptor] : "?");
        for (int t = 0; t < dv->n_targets; t++)
            printf("%s[%d, %lld, %lld]", t ? ", " : "", dv->targets[t].pop, (long long)dv->targets[t].first,
                   (long long)dv->targets[t].count);
        printf("]}");
    }
    printf("]");
}

int main(int argc, char **argv)
{
    ax_spec *s = NULL;
    ax_hw_net *net = NULL;
    ax_error e;
    if (argc != 2) {
        fprintf(stderr, "usage: hw_net_dump SPEC\n");
        return 2;
    }
    if (ax_spec_load(argv[1], &s, &e) != AX_OK || ax_hw_net_build(s, &net, &e) != AX_OK) {
        fprintf(stderr, "hw_net_dump: %s\n", e.msg);
        return 2;
    }
    printf("{\"resolution\": ");
    num(s->sim.resolution);
    printf(", ");
    pops(s);
    printf(", \"proj\": [");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *x = &net->proj[p];
        printf("%s{\"src\": %d, \"tgt\": %d, \"synapses\": [", p ? ", " : "", s->proj[p].src, s->proj[p].tgt);
        for (int64_t k = 0; k < x->n; k++) {
            printf("%s[%lld, %lld, ", k ? ", " : "", (long long)x->src[k], (long long)x->tgt[k]);
            num(x->w[k]);
            printf(", %d, %d]", x->d[k], x->r[k]);
        }
        printf("]");
        if (s->proj[p].syn_model == AX_SYN_STDP) {
            const ax_stdp_params *q = &s->proj[p].stdp;
            const double v[] = {q->tau_plus, q->lambda, q->alpha, q->mu_plus, q->mu_minus, q->Wmax, q->Kplus};
            const char *n[] = {"tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax", "Kplus"};
            printf(", \"stdp\": {\"model\": \"%s\"", ax_stdp_name(q->kind));
            for (int i = 0; i < 7; i++) {
                printf(", \"%s\": ", n[i]);
                num(v[i]);
            }
            printf("}");
        }
        printf("}");
    }
    printf("], ");
    devices(s);
    printf("}\n");
    ax_hw_net_free(&net);
    ax_spec_destroy(&s);
    return 0;
}
