/* spec_yaml.c - YAML/JSON text to an ax_yn tree with positions.
 *
 * One libfyaml parser reads both YAML and JSON (JSON is YAML 1.2 flow
 * syntax). We consume its event stream and build the tree ourselves: events
 * carry start marks, so every node (mappings and sequences too) knows its
 * line and column, and duplicate keys are caught here with both positions.
 * libfyaml's diagnostics are collected, never printed: the first one becomes
 * the error message. Anchors/aliases are resolved by sharing the node.
 * Invariant: every allocation goes into doc->arena; ax_ydoc_free frees all.
 */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/input.h"
#include "spec_impl.h"

typedef struct anchor {
    char *name;
    ax_yn *node;
} anchor;

typedef struct builder {
    struct fy_parser *fyp;
    struct fy_diag *diag;
    ax_ydoc *doc;
    const char *name;
    ax_error *err;
    anchor *anchors;
    int n_anchors, cap_anchors;
} builder;

/* Allocate zeroed memory owned by the doc; NULL on failure. */
static void *arena_alloc(ax_ydoc *doc, size_t size)
{
    if (doc->n_arena == doc->cap_arena) {
        size_t cap = doc->cap_arena ? 2 * doc->cap_arena : 64;
        void **a = realloc(doc->arena, cap * sizeof *a);
        if (!a) return NULL;
        doc->arena = a;
        doc->cap_arena = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (p) doc->arena[doc->n_arena++] = p;
    return p;
}

void ax_ydoc_free(ax_ydoc *doc)
{
    if (!doc) return;
    for (size_t i = 0; i < doc->n_arena; i++) free(doc->arena[i]);
    free(doc->arena);
    memset(doc, 0, sizeof *doc);
}

/* The first collected libfyaml diagnostic as our error (syntax errors). */
static ax_status syntax_error(builder *b)
{
    void *it = NULL;
    struct fy_diag_error *de;
    while ((de = fy_diag_errors_iterate(b->diag, &it)) != NULL) {
        if (de->type < FYET_ERROR) continue;
        return AX_FAIL(b->err, AX_EINPUT,
                       "%s:%d:%d: YAML/JSON syntax error: %s; fix the syntax (check "
                       "indentation, brackets, quotes and commas)",
                       b->name, de->line, de->column, de->msg ? de->msg : "invalid input");
    }
    return AX_FAIL(b->err, AX_EINPUT, "%s: YAML/JSON syntax error; fix the syntax", b->name);
}

static ax_status fail_at(builder *b, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ax_status fail_at(builder *b, int line, int col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return AX_FAIL(b->err, AX_EINPUT, "%s:%d:%d: %s", b->name, line, col, msg);
}

/* Next event or a syntax error. */
static ax_status next_event(builder *b, struct fy_event **out)
{
    *out = fy_parser_parse(b->fyp);
    if (!*out || fy_parser_get_stream_error(b->fyp)) {
        if (*out) fy_parser_event_free(b->fyp, *out);
        *out = NULL;
        return syntax_error(b);
    }
    return AX_OK;
}

static char *arena_strdup(ax_ydoc *doc, const char *s, size_t len)
{
    char *p = arena_alloc(doc, len + 1);
    if (p) memcpy(p, s, len);
    return p;
}

static ax_status remember_anchor(builder *b, struct fy_token *tok, ax_yn *node)
{
    if (!tok) return AX_OK;
    size_t len;
    const char *s = fy_token_get_text(tok, &len);
    if (b->n_anchors == b->cap_anchors) {
        int cap = b->cap_anchors ? 2 * b->cap_anchors : 8;
        anchor *a = realloc(b->anchors, (size_t)cap * sizeof *a);
        AX_CHECK_ALLOC(a, b->err, "YAML anchors");
        b->anchors = a;
        b->cap_anchors = cap;
    }
    char *name = arena_strdup(b->doc, s ? s : "", s ? len : 0);
    AX_CHECK_ALLOC(name, b->err, "YAML anchor");
    b->anchors[b->n_anchors++] = (anchor){name, node};
    return AX_OK;
}

/* Append child to a collection being built (keys: 1 for a mapping key). */
static ax_status push(builder *b, ax_yn *coll, ax_yn ***arr, int *cap, ax_yn *child)
{
    if (coll->n == *cap) {
        int nc = *cap ? 2 * *cap : 8;
        ax_yn **a = arena_alloc(b->doc, (size_t)nc * sizeof *a);
        AX_CHECK_ALLOC(a, b->err, "YAML node list");
        if (*cap) memcpy(a, *arr, (size_t)coll->n * sizeof *a);
        *arr = a;
        *cap = nc;
    }
    (*arr)[coll->n] = child;
    return AX_OK;
}

static ax_status build_node(builder *b, struct fy_event *ev, int depth, ax_yn **out);

/* The tallest child so far (axon/yaml.h: height). */
static int taller(int h, const ax_yn *child)
{
    return child->height > h ? child->height : h;
}

/* Build a mapping's pairs until MAPPING_END; its children are at depth. */
static ax_status build_map(builder *b, ax_yn *map, int depth)
{
    int cap_k = 0, cap_v = 0, h = 0;
    for (;;) {
        struct fy_event *ev;
        AX_TRY(next_event(b, &ev));
        if (ev->type == FYET_MAPPING_END) {
            fy_parser_event_free(b->fyp, ev);
            map->height = 1 + h; /* finished: aliases may name it now */
            return AX_OK;
        }
        ax_yn *key = NULL, *val = NULL;
        ax_status s = build_node(b, ev, depth, &key);
        if (s == AX_OK && key->kind != AX_YN_SCALAR)
            s = fail_at(b, key->line, key->col,
                        "a mapping key must be a plain name, not a %s",
                        key->kind == AX_YN_MAP ? "mapping" : "sequence");
        for (int i = 0; s == AX_OK && i < map->n; i++)
            if (!strcmp(map->keys[i]->str, key->str))
                s = fail_at(b, key->line, key->col,
                            "duplicate key '%s' (first given at line %d, column %d); "
                            "each name may appear only once in a mapping",
                            key->str, map->keys[i]->line, map->keys[i]->col);
        AX_TRY(s);
        AX_TRY(next_event(b, &ev));
        AX_TRY(build_node(b, ev, depth, &val));
        AX_TRY(push(b, map, &map->keys, &cap_k, key));
        AX_TRY(push(b, map, &map->items, &cap_v, val));
        h = taller(h, val);
        map->n++;
    }
}

static ax_status build_seq(builder *b, ax_yn *seq, int depth)
{
    int cap = 0, h = 0;
    for (;;) {
        struct fy_event *ev;
        AX_TRY(next_event(b, &ev));
        if (ev->type == FYET_SEQUENCE_END) {
            fy_parser_event_free(b->fyp, ev);
            seq->height = 1 + h;
            return AX_OK;
        }
        ax_yn *item = NULL;
        AX_TRY(build_node(b, ev, depth, &item));
        AX_TRY(push(b, seq, &seq->items, &cap, item));
        h = taller(h, item);
        seq->n++;
    }
}

static ax_status too_deep(builder *b, int line, int col)
{
    return fail_at(b, line, col, "nesting deeper than %d levels; no axon input needs that "
                                 "(check for unbalanced brackets or a runaway generator)",
                   AX_YAML_MAX_DEPTH);
}

/* An alias shares its anchor's node: at depth it adds the node's height,
 * and an alias inside its own anchor's node (a cycle) is refused. */
static ax_status build_alias(builder *b, struct fy_event *ev, int depth, int line, int col,
                             ax_yn **out)
{
    size_t len;
    const char *s = fy_token_get_text(ev->alias.anchor, &len);
    for (int i = b->n_anchors - 1; i >= 0; i--)
        if (s && strlen(b->anchors[i].name) == len && !memcmp(b->anchors[i].name, s, len)) {
            const ax_yn *n = b->anchors[i].node;
            if (n->height < 0)
                return fail_at(b, line, col, "alias '*%.*s' inside the node it names (a cycle); "
                               "an alias may only repeat a finished node", (int)len, s);
            if (depth + n->height - 1 > AX_YAML_MAX_DEPTH)
                return too_deep(b, line, col);
            *out = b->anchors[i].node;
            return AX_OK;
        }
    return fail_at(b, line, col, "unknown alias '*%.*s'; define the anchor '&%.*s' first",
                   (int)len, s ? s : "", (int)len, s ? s : "");
}

/* The YAML core schema's tag of a node ("tag:yaml.org,2002:str" for !!str),
 * NULL when none was written. */
static const char *core_tag(struct fy_token *tag, char *buf, size_t size)
{
    if (!tag) return NULL;
    size_t len;
    const char *t = fy_token_get_text(tag, &len);
    snprintf(buf, size, "%.*s", t ? (int)len : 0, t ? t : "");
    return buf;
}

/* An explicit tag on a scalar decides what it is (YAML core schema):
 * !!str (and the non-specific '!') makes it a string, as quotes do
 * (`n: !!str 10` is not the number 10); !!int, !!float, !!bool and !!null
 * leave the plain reading; any other tag is refused, never ignored. */
static ax_status scalar_tag(builder *b, struct fy_token *tag, ax_yn *n, int line, int col)
{
    char buf[256];
    const char *t = core_tag(tag, buf, sizeof buf);
    if (!t) return AX_OK;
    if (!strcmp(t, "!") || !strcmp(t, "tag:yaml.org,2002:str")) {
        n->quoted = 2; /* a string by its tag */
        return AX_OK;
    }
    static const char *const plain[] = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                                        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", NULL};
    for (int i = 0; plain[i]; i++)
        if (!strcmp(t, plain[i])) return AX_OK;
    return fail_at(b, line, col, "tag '%s' is not one axon reads (!!str, !!int, !!float, "
                                 "!!bool, !!null); remove it", t);
}

/* Mappings and sequences may carry only their own core tag. */
static ax_status collection_tag(builder *b, struct fy_token *tag, const ax_yn *n, int line, int col)
{
    char buf[256];
    const char *t = core_tag(tag, buf, sizeof buf);
    const char *own = n->kind == AX_YN_MAP ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
    if (!t || !strcmp(t, own) || !strcmp(t, "!")) return AX_OK;
    return fail_at(b, line, col, "tag '%s' is not one axon reads on a %s (only %s); remove it",
                   t, n->kind == AX_YN_MAP ? "mapping" : "list",
                   n->kind == AX_YN_MAP ? "!!map" : "!!seq");
}

/* Build the node that starts with event ev (consumes ev); the root is at
 * depth 1. Recursion is bounded by AX_YAML_MAX_DEPTH. */
static ax_status build_node(builder *b, struct fy_event *ev, int depth, ax_yn **out)
{
    const struct fy_mark *m = fy_event_start_mark(ev);
    int line = m ? m->line + 1 : 0, col = m ? m->column + 1 : 0;
    enum fy_event_type type = ev->type;
    ax_status s = AX_OK;
    if (type == FYET_ALIAS) {
        s = build_alias(b, ev, depth, line, col, out);
        fy_parser_event_free(b->fyp, ev);
        return s;
    }
    ax_yn *n = arena_alloc(b->doc, sizeof *n);
    if (!n) {
        fy_parser_event_free(b->fyp, ev);
        return AX_FAIL(b->err, AX_ENOMEM, "out of memory reading %s", b->name);
    }
    n->line = line;
    n->col = col;
    *out = n;
    if (type == FYET_SCALAR) {
        size_t len;
        const char *t = fy_token_get_text(ev->scalar.value, &len);
        n->kind = AX_YN_SCALAR;
        n->quoted = fy_token_scalar_style(ev->scalar.value) != FYSS_PLAIN;
        if (t && memchr(t, '\0', len)) /* "E\0x": everything after it would vanish */
            s = fail_at(b, line, col, "a NUL character (byte 0) in a value; names and values "
                                      "cannot contain it");
        if (s == AX_OK) s = scalar_tag(b, ev->scalar.tag, n, line, col);
        n->str = s == AX_OK ? arena_strdup(b->doc, t ? t : "", t ? len : 0) : NULL;
        if (s == AX_OK && !n->str) s = AX_FAIL(b->err, AX_ENOMEM, "out of memory reading %s", b->name);
        if (s == AX_OK) s = remember_anchor(b, ev->scalar.anchor, n);
        fy_parser_event_free(b->fyp, ev);
        return s;
    }
    if (type == FYET_MAPPING_START || type == FYET_SEQUENCE_START) {
        if (depth > AX_YAML_MAX_DEPTH) {
            fy_parser_event_free(b->fyp, ev);
            return too_deep(b, line, col);
        }
        n->kind = type == FYET_MAPPING_START ? AX_YN_MAP : AX_YN_SEQ;
        n->height = -1; /* open: an alias to it now would be a cycle */
        struct fy_token *anc = type == FYET_MAPPING_START ? ev->mapping_start.anchor
                                                          : ev->sequence_start.anchor;
        s = collection_tag(b, type == FYET_MAPPING_START ? ev->mapping_start.tag
                                                         : ev->sequence_start.tag, n, line, col);
        if (s != AX_OK) {
            fy_parser_event_free(b->fyp, ev);
            return s;
        }
        s = remember_anchor(b, anc, n);
        fy_parser_event_free(b->fyp, ev);
        AX_TRY(s);
        return n->kind == AX_YN_MAP ? build_map(b, n, depth + 1) : build_seq(b, n, depth + 1);
    }
    fy_parser_event_free(b->fyp, ev);
    return fail_at(b, line, col, "unexpected YAML structure");
}

/* Skip STREAM_START, DOCUMENT_START; build the root; expect one document. */
static ax_status build_doc(builder *b)
{
    struct fy_event *ev;
    AX_TRY(next_event(b, &ev));
    fy_parser_event_free(b->fyp, ev); /* STREAM_START */
    AX_TRY(next_event(b, &ev));
    if (ev->type == FYET_STREAM_END) {
        fy_parser_event_free(b->fyp, ev);
        return AX_OK; /* empty: root stays NULL */
    }
    fy_parser_event_free(b->fyp, ev); /* DOCUMENT_START */
    AX_TRY(next_event(b, &ev));
    AX_TRY(build_node(b, ev, 1, &b->doc->root));
    AX_TRY(next_event(b, &ev));
    fy_parser_event_free(b->fyp, ev); /* DOCUMENT_END */
    AX_TRY(next_event(b, &ev));
    const struct fy_mark *m = fy_event_start_mark(ev);
    int line = m ? m->line + 1 : 0, col = m ? m->column + 1 : 0;
    int more = ev->type != FYET_STREAM_END;
    fy_parser_event_free(b->fyp, ev);
    if (more)
        return fail_at(b, line, col,
                       "a second YAML document ('---'); a spec is one document");
    return AX_OK;
}

/* Length of the valid UTF-8 sequence at s[0..avail), 0 if invalid (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4 || n > avail) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return n;
}

/* YAML and JSON text is UTF-8; refuse anything else before libfyaml sees it:
 * libfyaml 0.7.12 loops forever on some invalid bytes (e.g. "%\xde"). */
static ax_status check_utf8(const char *text, size_t len, const char *name, ax_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1, col = 1;
    for (size_t i = 0; i < len; col++) {
        size_t n = utf8_len(s + i, len - i);
        if (n == 0)
            return AX_FAIL(err, AX_EINPUT, "%s:%d:%d: byte 0x%02x is not valid UTF-8; a spec "
                                           "must be UTF-8 text", name, line, col, s[i]);
        if (s[i] == '\n') line++, col = 0;
        i += n;
    }
    return AX_OK;
}

ax_status ax_ydoc_read(const char *text, size_t len, const char *name, ax_ydoc *doc,
                       ax_error *err)
{
    memset(doc, 0, sizeof *doc);
    AX_TRY(check_utf8(text, len, name, err));
    builder b = {.doc = doc, .name = name, .err = err};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    b.diag = fy_diag_create(&dcfg);
    AX_CHECK_ALLOC(b.diag, err, "YAML diagnostics");
    fy_diag_set_collect_errors(b.diag, true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = b.diag};
    ax_status s = AX_OK;
    b.fyp = fy_parser_create(&cfg);
    if (!b.fyp) s = AX_FAIL(err, AX_ENOMEM, "out of memory creating the YAML parser");
    if (s == AX_OK && fy_parser_set_string(b.fyp, text, len) != 0)
        s = AX_FAIL(err, AX_EINTERNAL, "libfyaml refused the input of %s", name);
    if (s == AX_OK) s = build_doc(&b);
    if (b.fyp) fy_parser_destroy(b.fyp);
    fy_diag_destroy(b.diag);
    free(b.anchors);
    if (s != AX_OK) ax_ydoc_free(doc);
    return s;
}

ax_status ax_yaml_load(ax_input *in, const char *path, const char *what, ax_yaml_parse_fn parse,
                       void *out, ax_error *err)
{
    char *text;
    size_t len;
    AX_TRY(ax_input_read(in, path, what, 0, &text, &len, err));
    ax_status st = ax_yaml_parse_text(in, text, len, path, parse, out, err);
    free(text);
    return st;
}

ax_status ax_yaml_parse_text(ax_input *in, const char *text, size_t len, const char *name,
                             ax_yaml_parse_fn parse, void *out, ax_error *err)
{
    ax_ydoc doc = {0};
    ax_status st = ax_ydoc_read(text, len, name, &doc, err);
    ax_sctx c = {.name = name, .spec = NULL, .err = err, .in = in};
    if (st == AX_OK) st = parse(&c, doc.root, out);
    ax_ydoc_free(&doc);
    return st;
}

ax_status ax_yaml_load_file(const char *path, ax_yaml_parse_fn parse, void *out, ax_error *err)
{
    return ax_yaml_load(NULL, path, "input", parse, out, err);
}
