/* sweep_tasks.c - what a parsed sweep says about its tasks: their number,
 * parameter columns and values (grid axes x table rows), each task's seed,
 * and paths relative to the sweep file. Pure functions of the sweep; the
 * parsing is in sweep_spec.c, the sample tasks in sweep_bm.c.
 */
#include <stdio.h>
#include <string.h>

#include "sweep_impl.h"

void ax_sweep_path(const ax_sweep sw, const char *rel, char *path, size_t size)
{
    const char *slash = strrchr(sw->name, '/');
    size_t dl = slash ? (size_t)(slash - sw->name) : 0;
    if (rel[0] != '/' && slash && dl + 2 < size) {
        memcpy(path, sw->name, dl);
        path[dl] = '/';
        snprintf(path + dl + 1, size - dl - 1, "%s", rel);
    } else snprintf(path, size, "%s", rel);
}

int64_t ax_sweep_n_tasks(const ax_sweep sw) { return sw->n_tasks; }
int ax_sweep_n_params(const ax_sweep sw) { return sw->n_cols; }
const char *ax_sweep_param_name(const ax_sweep sw, int k) { return sw->cols[k].path; }
const char *ax_sweep_text(const ax_sweep sw) { return sw->text; }
ax_sweep_kind ax_sweep_task_kind(const ax_sweep sw) { return sw->kind; }

void ax_sweep_task_params(const ax_sweep sw, int64_t id, double *values)
{
    int64_t row = id / sw->n_grid, g = id % sw->n_grid;
    for (int a = sw->n_axes - 1; a >= 0; a--) {
        int64_t i = g % sw->axis_len[a];
        g /= sw->axis_len[a];
        for (int k = 0; k < sw->n_cols; k++)
            if (sw->cols[k].axis == a) values[k] = sw->axis_val[a][i];
    }
    for (int k = 0; k < sw->n_cols; k++)
        if (sw->cols[k].axis < 0) values[k] = sw->table[(size_t)row * (size_t)sw->n_cols + (size_t)k];
}

static const char *desc_name(const void *ctx, int k)
{
    return ax_sweep_param_name((const ax_sweep)ctx, k);
}

static void desc_params(const void *ctx, int64_t id, double *values)
{
    ax_sweep_task_params((const ax_sweep)ctx, id, values);
}

void ax_sweep_describe(const ax_sweep sw, ax_sweep_desc *d)
{
    *d = (ax_sweep_desc){.kind = sw->kind, .text = sw->text, .n_params = sw->n_cols, .ctx = sw,
                         .param_name = desc_name, .task_params = desc_params};
}

uint64_t ax_sweep_task_seed(uint64_t seed, int64_t id)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * ((uint64_t)id + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
