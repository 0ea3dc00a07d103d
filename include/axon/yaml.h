/* axon/yaml.h - the YAML/JSON node tree every loader of input files walks
 * (spec, sampler, calibration, Boltzmann machine, sweep), and the value
 * readers they share, each failing with "file:line:col: what is wrong".
 *
 * The tree is built from libfyaml's event stream (io/spec/spec_yaml.c)
 * rather than from fy_document because the event marks give a line and
 * column for every node, mappings and sequences included, and because
 * building the mapping ourselves lets duplicate keys be reported with both
 * positions.
 * Invariants: every node carries a 1-based line/col; a mapping's keys are
 * scalars and pairwise distinct; nodes live in the doc's arena and are freed
 * together (aliases share nodes).
 */
#ifndef AXON_YAML_H
#define AXON_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "axon/error.h"
#include "axon/input.h"
#include "axon/spec.h"

typedef enum ax_yn_kind { AX_YN_SCALAR = 0, AX_YN_MAP, AX_YN_SEQ } ax_yn_kind;

/* Deepest nesting a file may have (a spec nests ~6 levels, a sweep ~8):
 * the tree builder recurses once per level and refuses deeper input with
 * its position, so no input can overflow the stack, and any walk of a tree
 * (aliases included) is at most this deep. */
#define AX_YAML_MAX_DEPTH 64

typedef struct ax_yn {
    ax_yn_kind kind;
    int line, col;        /* 1-based */
    int height;           /* collection levels in it, itself included (scalar 0, [1] 1,
                           * [[1]] 2); -1 while being built */
    char *str;            /* scalar text, NUL-terminated */
    int quoted;           /* a string, never a number: 1 quoted, 2 tagged !!str */
    int n;                /* map: pairs; seq: items */
    struct ax_yn **keys;  /* map: n scalar keys */
    struct ax_yn **items; /* map: n values; seq: n items */
} ax_yn;

typedef struct ax_ydoc {
    ax_yn *root;          /* NULL for an empty document */
    void **arena;         /* every allocation, freed by ax_ydoc_free */
    size_t n_arena, cap_arena;
} ax_ydoc;

/* Parse YAML or JSON text into a node tree. Syntax errors, multiple
 * documents, non-scalar keys, duplicate keys and unknown aliases are
 * AX_EINPUT with "name:line:col: ...". */
ax_status ax_ydoc_read(const char *text, size_t len, const char *name, ax_ydoc *doc,
                       ax_error *err);
void ax_ydoc_free(ax_ydoc *doc);

/* Loader context shared by the section parsers. */
typedef struct ax_sctx {
    const char *name; /* file name for messages */
    ax_spec *spec;
    ax_error *err;
    ax_input *in;     /* where files this one names are read (axon/input.h) */
} ax_sctx;

/* Read the file at path through `in` (ax_input_read; `what` names it in
 * messages: "BM file"), parse it into a tree and hand its root to
 * parse(c, root, out) with c naming the file (c->spec = NULL, c->in = in,
 * so files it names are read the same way); the text and the tree are
 * freed before returning parse's status. The loader of every small input
 * file that is one YAML/JSON document. */
typedef ax_status (*ax_yaml_parse_fn)(ax_sctx *c, const ax_yn *root, void *out);
ax_status ax_yaml_load(ax_input *in, const char *path, const char *what, ax_yaml_parse_fn parse,
                       void *out, ax_error *err);
/* As ax_yaml_load, for text already in memory (name: the file in
 * messages; c->in = in). */
ax_status ax_yaml_parse_text(ax_input *in, const char *text, size_t len, const char *name,
                             ax_yaml_parse_fn parse, void *out, ax_error *err);
/* ax_yaml_load(NULL, path, "input", ...): read here. */
ax_status ax_yaml_load_file(const char *path, ax_yaml_parse_fn parse, void *out, ax_error *err);

/* Record "name:line:col: <msg>" at node n (n may be NULL: no position). */
ax_status ax_spec_fail(ax_sctx *c, const ax_yn *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

ax_loc ax_yn_loc(const ax_yn *n);
const char *ax_yn_kind_name(const ax_yn *n);

/* Value of key in map n, NULL if absent. */
ax_yn *ax_yn_get(const ax_yn *map, const char *key);

/* Fail on any key of map not in the NULL-terminated list `allowed`;
 * `what` names the mapping in the message ("a projection"). */
ax_status ax_spec_keys(ax_sctx *c, const ax_yn *map, const char *what,
                       const char *const *allowed);

/* Require n to be a mapping / sequence / string scalar. */
ax_status ax_spec_need_map(ax_sctx *c, const ax_yn *n, const char *what);
ax_status ax_spec_need_seq(ax_sctx *c, const ax_yn *n, const char *what);
ax_status ax_spec_string(ax_sctx *c, const ax_yn *n, const char *what, char *buf,
                         size_t size);

/* A finite number; allow_inf (as ax_param_desc.allow_inf): 1 accepts +inf
 * (.inf, "inf", "Infinity"), -1 -inf, 2 both, 0 neither. */
ax_status ax_spec_number(ax_sctx *c, const ax_yn *n, const char *what, int allow_inf,
                         double *out);
ax_status ax_spec_int(ax_sctx *c, const ax_yn *n, const char *what, int64_t lo,
                      int64_t *out);
ax_status ax_spec_bool(ax_sctx *c, const ax_yn *n, const char *what, int *out);

/* A time t (ms, the value of node n) as whole steps of h (axon/steps.h):
 * refused at n when |t / h| exceeds AX_STEPS_MAX, so no time becomes a
 * wrapped or undefined step count. steps may be NULL. */
ax_status ax_spec_steps(ax_sctx *c, const ax_yn *n, const char *what, double t, double h,
                        int64_t *steps);

/* Time on the resolution grid: steps = t / h exactly (within 1e-9 relative),
 * else AX_EINPUT saying so (never rounded silently). steps may be NULL. */
ax_status ax_spec_on_grid(ax_sctx *c, const ax_yn *n, const char *what, double t,
                          double h, int64_t *steps);

#endif
