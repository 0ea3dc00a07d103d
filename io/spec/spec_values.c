/* spec_values.c - typed reading of spec values from the node tree: numbers,
 * integers, booleans, strings, distributions, times on the resolution grid.
 *
 * Every failure is one AX_EINPUT message "file:line:col: <what>: <problem>;
 * <what is allowed>". Numbers are plain YAML scalars (JSON numbers are
 * plain); a quoted scalar is a string, except that "inf"/"Infinity" is
 * accepted where infinity is allowed, because JSON cannot write infinity.
 * NaN is never a valid value. Nothing is rounded silently.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "axon/steps.h"
#include "spec_impl.h"

ax_status ax_spec_fail(ax_sctx *c, const ax_yn *n, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n && n->line > 0)
        return AX_FAIL(c->err, AX_EINPUT, "%s:%d:%d: %s", c->name, n->line, n->col, msg);
    return AX_FAIL(c->err, AX_EINPUT, "%s: %s", c->name, msg);
}

ax_loc ax_yn_loc(const ax_yn *n)
{
    ax_loc l = {0, 0};
    if (n) l = (ax_loc){n->line, n->col};
    return l;
}

const char *ax_yn_kind_name(const ax_yn *n)
{
    if (!n) return "nothing";
    if (n->kind == AX_YN_MAP) return "a mapping";
    if (n->kind == AX_YN_SEQ) return "a list";
    return "a scalar";
}

ax_yn *ax_yn_get(const ax_yn *map, const char *key)
{
    if (!map || map->kind != AX_YN_MAP) return NULL;
    for (int i = 0; i < map->n; i++)
        if (!strcmp(map->keys[i]->str, key)) return map->items[i];
    return NULL;
}

ax_status ax_spec_keys(ax_sctx *c, const ax_yn *map, const char *what,
                       const char *const *allowed)
{
    for (int i = 0; i < map->n; i++) {
        int ok = 0;
        for (int j = 0; allowed[j] && !ok; j++) ok = !strcmp(map->keys[i]->str, allowed[j]);
        if (ok) continue;
        char list[512] = "";
        for (int j = 0; allowed[j]; j++) {
            if (j) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, allowed[j], sizeof list - strlen(list) - 1);
        }
        return ax_spec_fail(c, map->keys[i], "unknown key '%s' in %s; allowed keys: %s",
                            map->keys[i]->str, what, list);
    }
    return AX_OK;
}

ax_status ax_spec_need_map(ax_sctx *c, const ax_yn *n, const char *what)
{
    if (n && n->kind == AX_YN_MAP) return AX_OK;
    return ax_spec_fail(c, n, "%s must be a mapping (key: value, or {...}), got %s%s%s%s",
                        what, ax_yn_kind_name(n), n && n->str ? " '" : "",
                        n && n->str ? n->str : "", n && n->str ? "'" : "");
}

ax_status ax_spec_need_seq(ax_sctx *c, const ax_yn *n, const char *what)
{
    if (n && n->kind == AX_YN_SEQ) return AX_OK;
    return ax_spec_fail(c, n, "%s must be a list ([a, b] or '- ' items), got %s", what,
                        ax_yn_kind_name(n));
}

/* 1 if a plain scalar is YAML's null ("", "~", "null"). */
static int is_null(const ax_yn *n)
{
    return n->kind == AX_YN_SCALAR && !n->quoted &&
           (!n->str[0] || !strcmp(n->str, "~") || !strcasecmp(n->str, "null"));
}

ax_status ax_spec_string(ax_sctx *c, const ax_yn *n, const char *what, char *buf,
                         size_t size)
{
    if (!n || n->kind != AX_YN_SCALAR || is_null(n))
        return ax_spec_fail(c, n, "%s must be a string, got %s", what,
                            n && is_null(n) ? "nothing" : ax_yn_kind_name(n));
    if (strlen(n->str) >= size)
        return ax_spec_fail(c, n, "%s is too long (%zu characters; at most %zu)", what,
                            strlen(n->str), size - 1);
    strcpy(buf, n->str);
    return AX_OK;
}

/* +1 / -1 for spellings of +-infinity, 0 otherwise. */
static int inf_word(const char *s)
{
    int sign = 1;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
        !strcasecmp(s, "inf") || !strcasecmp(s, "infinity"))
        return sign;
    return 0;
}

static int nan_word(const char *s)
{
    return !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN") ||
           !strcasecmp(s, "nan");
}

/* Parse a scalar as a double; 0 if it is not a number. */
static int scan_number(const ax_yn *n, double *v)
{
    const char *s = n->str;
    int inf = inf_word(s);
    if (inf) {
        *v = inf * INFINITY;
        return 1;
    }
    if (n->quoted) return 0;
    if (nan_word(s)) {
        *v = NAN;
        return 1;
    }
    if (!*s || isspace((unsigned char)*s) || strpbrk(s, "xXpP")) return 0;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (*end || isnan(*v) || isinf(*v)) return 0;
    return 1;
}

ax_status ax_spec_number(ax_sctx *c, const ax_yn *n, const char *what, int allow_inf,
                         double *out)
{
    if (!n || n->kind != AX_YN_SCALAR || is_null(n))
        return ax_spec_fail(c, n, "%s must be a number, got %s", what,
                            n && is_null(n) ? "nothing" : ax_yn_kind_name(n));
    double v;
    if (!scan_number(n, &v)) {
        if (!n->quoted && (!strcasecmp(n->str, "true") || !strcasecmp(n->str, "false")))
            return ax_spec_fail(c, n, "%s must be a number, got the boolean %s", what, n->str);
        return ax_spec_fail(c, n, "%s must be a number, got the string '%s'%s", what, n->str,
                            n->quoted == 2 ? " (remove the !!str tag)"
                            : n->quoted ? " (remove the quotes)" : "");
    }
    if (isnan(v))
        return ax_spec_fail(c, n, "%s is NaN; NaN is never a valid value", what);
    if (isinf(v) && (allow_inf == 0 || (allow_inf == 1 && v < 0) || (allow_inf == -1 && v > 0)))
        return ax_spec_fail(c, n, "%s must be finite (got %s)%s", what, v > 0 ? "inf" : "-inf",
                            allow_inf == 1 ? "; only +inf is allowed here"
                            : allow_inf == -1 ? "; only -inf is allowed here" : "");
    *out = v;
    return AX_OK;
}

ax_status ax_spec_int(ax_sctx *c, const ax_yn *n, const char *what, int64_t lo,
                      int64_t *out)
{
    double v;
    AX_TRY(ax_spec_number(c, n, what, 0, &v));
    if (v != floor(v))
        return ax_spec_fail(c, n, "%s must be a whole number (got %s)", what, n->str);
    if (v < (double)lo)
        return ax_spec_fail(c, n, "%s must be >= %lld (got %s)", what, (long long)lo, n->str);
    if (v >= 9.2e18)
        return ax_spec_fail(c, n, "%s is too large (got %s; at most 9.2e18)", what, n->str);
    /* Integers beyond 2^53 lose digits through double: read them exactly. */
    char *end;
    errno = 0;
    long long exact = strtoll(n->str, &end, 10);
    *out = (!*end && !errno) ? (int64_t)exact : (int64_t)v;
    return AX_OK;
}

ax_status ax_spec_bool(ax_sctx *c, const ax_yn *n, const char *what, int *out)
{
    if (n && n->kind == AX_YN_SCALAR && !n->quoted) {
        if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE")) {
            *out = 1;
            return AX_OK;
        }
        if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE")) {
            *out = 0;
            return AX_OK;
        }
    }
    return ax_spec_fail(c, n, "%s must be true or false, got %s%s%s%s", what,
                        ax_yn_kind_name(n), n && n->str ? " '" : "", n && n->str ? n->str : "",
                        n && n->str ? "'" : "");
}

ax_status ax_spec_num_list(ax_sctx *c, const ax_yn *n, const char *what, int allow_inf,
                           double **out, int64_t *len)
{
    *out = NULL;
    *len = 0;
    AX_TRY(ax_spec_need_seq(c, n, what));
    double *v = malloc((size_t)(n->n ? n->n : 1) * sizeof *v);
    AX_CHECK_ALLOC(v, c->err, "a list of numbers");
    for (int i = 0; i < n->n; i++) {
        char w[192];
        snprintf(w, sizeof w, "%s[%d]", what, i);
        ax_status st = ax_spec_number(c, n->items[i], w, allow_inf, &v[i]);
        if (st != AX_OK) {
            free(v);
            return st;
        }
    }
    *out = v;
    *len = n->n;
    return AX_OK;
}

/* Read a required number key of a distribution mapping. */
static ax_status dist_num(ax_sctx *c, const ax_yn *map, const char *key, const char *what,
                          int allow_inf, int required, double *out)
{
    ax_yn *v = ax_yn_get(map, key);
    if (!v) {
        if (!required) return AX_OK;
        return ax_spec_fail(c, map, "%s: distribution '%s' needs '%s'", what,
                            ax_yn_get(map, "distribution")->str, key);
    }
    char w[160];
    snprintf(w, sizeof w, "%s: %s", what, key);
    return ax_spec_number(c, v, w, allow_inf, out);
}

static const char *const dist_keys[] = {"distribution", "low", "high", "mean", "std", NULL};

/* Names become HDF5 group names and CLI words: keep them simple. */
ax_status ax_spec_check_name(ax_sctx *c, const ax_yn *key, const char *what)
{
    const char *s = key->str;
    int ok = (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_';
    for (const char *p = s; ok && *p; p++)
        ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
             *p == '_' || *p == '-';
    if (!ok)
        return ax_spec_fail(c, key, "%s name '%s' is not allowed; use letters, digits, '_' "
                                    "and '-', starting with a letter or '_'", what, s);
    if (strlen(s) >= AX_NAME_MAX)
        return ax_spec_fail(c, key, "%s name '%s' is too long (at most %d characters)", what,
                            s, AX_NAME_MAX - 1);
    return AX_OK;
}

/* Probability mass of a normal(mean, std) inside [low, high]. */
static double normal_mass(double mean, double std, double low, double high)
{
    double a = (low - mean) / (std * sqrt(2.0)), b = (high - mean) / (std * sqrt(2.0));
    return 0.5 * (erfc(a) - erfc(b));
}

static ax_status dist_map(ax_sctx *c, const ax_yn *n, const char *what, ax_dist *d)
{
    ax_yn *kind = ax_yn_get(n, "distribution");
    if (!kind)
        return ax_spec_fail(c, n, "%s: a distribution needs 'distribution: uniform|normal|"
                                  "normal_clipped' (or give a plain number)", what);
    AX_TRY(ax_spec_keys(c, n, "a distribution", dist_keys));
    char k[32];
    AX_TRY(ax_spec_string(c, kind, "distribution", k, sizeof k));
    d->low = -INFINITY;
    d->high = INFINITY;
    if (!strcmp(k, "uniform")) {
        d->kind = AX_DIST_UNIFORM;
        AX_TRY(dist_num(c, n, "low", what, 0, 1, &d->low));
        AX_TRY(dist_num(c, n, "high", what, 0, 1, &d->high));
        if (ax_yn_get(n, "mean") || ax_yn_get(n, "std"))
            return ax_spec_fail(c, n, "%s: a uniform distribution takes low and high only", what);
        if (!(d->low < d->high))
            return ax_spec_fail(c, n, "%s: uniform needs low < high (got %g >= %g)", what,
                                d->low, d->high);
        return AX_OK;
    }
    if (!strcmp(k, "normal") || !strcmp(k, "normal_clipped")) {
        int clipped = k[6] == '_';
        d->kind = clipped ? AX_DIST_NORMAL_CLIPPED : AX_DIST_NORMAL;
        AX_TRY(dist_num(c, n, "mean", what, 0, 1, &d->mean));
        AX_TRY(dist_num(c, n, "std", what, 0, 1, &d->std));
        if (d->std < 0)
            return ax_spec_fail(c, n, "%s: std must be >= 0 (got %g)", what, d->std);
        if (!clipped) {
            if (ax_yn_get(n, "low") || ax_yn_get(n, "high"))
                return ax_spec_fail(c, n, "%s: a normal distribution takes mean and std only; "
                                          "use normal_clipped for bounds", what);
            return AX_OK;
        }
        AX_TRY(dist_num(c, n, "low", what, 2, 0, &d->low));
        AX_TRY(dist_num(c, n, "high", what, 2, 0, &d->high));
        if (!ax_yn_get(n, "low") && !ax_yn_get(n, "high"))
            return ax_spec_fail(c, n, "%s: normal_clipped needs low, high or both", what);
        if (!(d->low < d->high))
            return ax_spec_fail(c, n, "%s: normal_clipped needs low < high (got %g >= %g)",
                                what, d->low, d->high);
        if (d->std > 0 ? normal_mass(d->mean, d->std, d->low, d->high) < 1e-6
                       : (d->mean < d->low || d->mean > d->high))
            return ax_spec_fail(c, n, "%s: [low, high] = [%g, %g] holds almost none of "
                                      "normal(mean %g, std %g), so redrawing would never end; "
                                      "move the bounds towards the mean",
                                what, d->low, d->high, d->mean, d->std);
        return AX_OK;
    }
    return ax_spec_fail(c, kind, "%s: unknown distribution '%s'; known: uniform, normal, "
                                 "normal_clipped (or a plain number for a constant)", what, k);
}

ax_status ax_spec_dist(ax_sctx *c, const ax_yn *n, const char *what, ax_dist *out)
{
    ax_dist d;
    memset(&d, 0, sizeof d);
    d.loc = ax_yn_loc(n);
    if (n && n->kind == AX_YN_MAP) {
        AX_TRY(dist_map(c, n, what, &d));
    } else {
        d.kind = AX_DIST_CONST;
        AX_TRY(ax_spec_number(c, n, what, 0, &d.value));
        d.low = d.high = d.mean = d.value;
    }
    *out = d;
    return AX_OK;
}

ax_status ax_spec_on_grid(ax_sctx *c, const ax_yn *n, const char *what, double t,
                          double h, int64_t *steps)
{
    double q = t / h, r = nearbyint(q);
    if (fabs(q - r) > 1e-9 * fmax(1.0, fabs(q)))
        return ax_spec_fail(c, n, "%s = %g ms is not a multiple of the resolution %g ms "
                                  "(%.6g steps); use e.g. %g or %g (axon never rounds times)",
                            what, t, h, q, floor(q) * h, ceil(q) * h);
    if (steps) *steps = (int64_t)r;
    return AX_OK;
}

ax_status ax_spec_steps(ax_sctx *c, const ax_yn *n, const char *what, double t, double h,
                        int64_t *steps)
{
    ax_error e = {0};
    int64_t s;
    if (ax_time_steps_err(t, h, what, &s, &e) != AX_OK) return ax_spec_fail(c, n, "%s", e.msg);
    if (steps) *steps = s;
    return AX_OK;
}

ax_status ax_spec_delay(ax_sctx *c, const ax_yn *n, const char *what, ax_dist *out)
{
    double h = c->spec->sim.resolution;
    AX_TRY(ax_spec_dist(c, n, what, out));
    ax_dist *d = out;
    if (d->kind == AX_DIST_NORMAL)
        return ax_spec_fail(c, n, "%s: a normal delay can fall below the resolution; use "
                                  "normal_clipped with low >= %g ms and a finite high", what, h);
    if (d->low < h - 1e-9 * h)
        return ax_spec_fail(c, n, "%s must be >= the resolution %g ms (got %s%g ms)", what, h,
                            d->kind == AX_DIST_CONST ? "" : "low = ", d->low);
    if (isinf(d->high))
        return ax_spec_fail(c, n, "%s: give a finite 'high' bound (the longest delay sizes "
                                  "the ring buffers)", what);
    if (!(d->high / h <= (double)AX_MAX_DELAY_STEPS + 0.5))
        return ax_spec_fail(c, n, "%s%s = %g ms is %.3g steps of %g ms; at most %lld steps "
                            "(2^30 - 1: a synapse packs its delay into 30 bits)", what,
                            d->kind == AX_DIST_CONST ? "" : " bound high", d->high, d->high / h,
                            h, (long long)AX_MAX_DELAY_STEPS);
    char w[160];
    snprintf(w, sizeof w, d->kind == AX_DIST_CONST ? "%s" : "%s bound low", what);
    AX_TRY(ax_spec_on_grid(c, n, w, d->low, h, NULL));
    if (d->kind != AX_DIST_CONST) {
        snprintf(w, sizeof w, "%s bound high", what);
        AX_TRY(ax_spec_on_grid(c, n, w, d->high, h, NULL));
    }
    return AX_OK;
}

ax_status ax_spec_pop_ref(ax_sctx *c, const ax_yn *n, const ax_yn *devices, int *pop)
{
    char name[AX_NAME_MAX];
    AX_TRY(ax_spec_string(c, n, "a population name", name, sizeof name));
    *pop = ax_spec_find_pop(c->spec, name);
    if (*pop >= 0) return AX_OK;
    char list[512] = "";
    for (int i = 0; i < c->spec->n_pops; i++) {
        if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, c->spec->pops[i].name, sizeof list - strlen(list) - 1);
    }
    if (ax_yn_get(devices, name))
        return ax_spec_fail(c, n, "'%s' is a device, not a population; devices connect "
                                  "through their own 'targets' (generators) or 'sources' "
                                  "(recorders); populations: %s", name, list);
    return ax_spec_fail(c, n, "unknown population '%s'; populations: %s", name, list);
}
