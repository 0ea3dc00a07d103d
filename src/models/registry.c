/* registry.c - the table of neuron models by name and the lookups on an
 * ops table (parameter / state index, defaults, "did you mean" hints).
 *
 * Invariant: the table is const and built at compile time, so every lookup
 * is thread-safe and can't fail. Adding a model = one line in kModels.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "models_impl.h"

static const ax_model_ops *const kModels[] = {
    &ax_model_iaf_psc_delta,
    &ax_model_iaf_psc_exp,
    &ax_model_iaf_psc_alpha,
    &ax_model_iaf_cond_exp,
    &ax_model_dpi_neuron,
    &ax_model_spike_source_array,
    &ax_model_spike_source_poisson,
    &ax_model_parrot_neuron,
};
enum { kNModels = (int)(sizeof kModels / sizeof kModels[0]) };

/* The model called `name`, NULL if none. */
const ax_model_ops *ax_model_find(const char *name)
{
    if (!name) return NULL;
    for (int i = 0; i < kNModels; i++)
        if (strcmp(kModels[i]->name, name) == 0) return kModels[i];
    return NULL;
}

/* Number of registered models. */
int ax_model_count(void) { return kNModels; }

/* The i-th model (registration order), NULL if out of range. */
const ax_model_ops *ax_model_at(int i)
{
    return (i >= 0 && i < kNModels) ? kModels[i] : NULL;
}

/* Index of parameter `name` in m->params, -1 if absent. */
int ax_model_param_index(const ax_model_ops *m, const char *name)
{
    if (!m || !name) return -1;
    for (int i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0) return i;
    return -1;
}

/* Index of state variable `name` in m->state_names, -1 if absent. */
int ax_model_state_index(const ax_model_ops *m, const char *name)
{
    if (!m || !name) return -1;
    for (int i = 0; i < m->n_state; i++)
        if (strcmp(m->state_names[i], name) == 0) return i;
    return -1;
}

/* p[0..n_params-1] = the defaults. Can't fail. */
void ax_model_defaults(const ax_model_ops *m, double *p)
{
    for (int i = 0; i < m->n_params; i++) p[i] = m->params[i].def;
}

/* Case-insensitive Levenshtein distance, both strings truncated to 63
 * characters (parameter names are short; longer input is not a typo). */
static int edit_distance(const char *a, const char *b)
{
    enum { kMax = 64 };
    int la = (int)strnlen(a, kMax - 1), lb = (int)strnlen(b, kMax - 1);
    int row[kMax];
    for (int j = 0; j <= lb; j++) row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Closest parameter name within an edit distance of about a third of the
 * name's length (at least 1, so "tau_n" finds "tau_m" but "x" finds
 * nothing); NULL if none is that close. */
const char *ax_model_suggest_param(const ax_model_ops *m, const char *name)
{
    if (!m || !name || !name[0]) return NULL;
    int limit = (int)strlen(name) / 3;
    if (limit < 1) limit = 1;
    const char *best = NULL;
    int best_d = limit + 1;
    for (int i = 0; i < m->n_params; i++) {
        int d = edit_distance(name, m->params[i].name);
        if (d < best_d) {
            best_d = d;
            best = m->params[i].name;
        }
    }
    return best;
}

static char names_buf[512];
static once_flag names_once = ONCE_FLAG_INIT;

static void build_names(void)
{
    size_t len = 0;
    for (int i = 0; i < kNModels && len < sizeof names_buf; i++) {
        int w = snprintf(names_buf + len, sizeof names_buf - len, "%s%s", i ? ", " : "",
                         kModels[i]->name);
        if (w < 0) break;
        len += (size_t)w;
    }
}

/* "iaf_psc_delta, iaf_psc_exp, ..." in a static buffer built once
 * (call_once keeps concurrent first calls race-free). Can't fail. */
const char *ax_model_names(void)
{
    call_once(&names_once, build_names);
    return names_buf;
}
