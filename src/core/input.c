/* input.c - the input reader, and recording/replaying what a load read
 * (include/axon/input.h). No MPI: src/comm/input_load.c broadcasts.
 *
 * Rank 0 runs the load against the disk and records, in order, every read
 * it made: the path and either the bytes or the error. The recording is
 * broadcast and the other ranks run the same load against it; since a load
 * is a function of the bytes it reads, they ask for the same files in the
 * same order, which input_replay checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axon/input.h"

typedef struct entry {
    char *path;
    int code;        /* the read's status (AX_OK: data holds the bytes) */
    char *msg;       /* the read's message when it failed */
    char *data;
    uint64_t len;
} entry;

struct ax_input {
    int replay;      /* 0: read from disk and record (rank 0); 1: replay */
    entry *e;
    size_t n, cap, next;
};

static const char *kind_name(mode_t m)
{
    return S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Regular files and pipes are input; everything else is refused by kind. */
static ax_status check_kind(const char *path, const char *what, mode_t m, ax_error *err)
{
    if (S_ISREG(m) || S_ISFIFO(m)) return AX_OK;
    if (S_ISDIR(m))
        return AX_FAIL(err, AX_EIO, "%s: is a directory, not %s %s file; give a file name", path,
                       strchr("aeiou", what[0]) ? "an" : "a", what);
    return AX_FAIL(err, AX_EIO, "%s: is %s, not a regular file; give the %s as a file", path,
                   kind_name(m), what);
}

static ax_status too_big(const char *path, const char *what, size_t max, ax_error *err)
{
    return AX_FAIL(err, AX_EIO, "%s: larger than %zu MiB, more than any %s axon reads; is it "
                                "the right file?", path, max >> 20, what);
}

/* Read fd to its end (at most max bytes) into a NUL-terminated buffer. */
static ax_status read_fd(int fd, const char *path, const char *what, size_t max, size_t hint,
                         char **data, size_t *len, ax_error *err)
{
    size_t cap = (hint ? hint : 65536) + 1, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) return AX_FAIL(err, AX_ENOMEM, "%s: out of memory reading the %s", path, what);
        if (n + 1 == cap) {
            if (n >= max + 1) break;
            size_t nc = 2 * cap > max + 2 ? max + 2 : 2 * cap;
            char *nb = realloc(buf, nc);
            if (!nb) free(buf);
            buf = nb;
            cap = nc;
            continue;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return AX_FAIL(err, AX_EIO, "%s: cannot read the %s: %s", path, what, strerror(e));
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    if (n > max) {
        free(buf);
        return too_big(path, what, max, err);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return AX_OK;
}

/* The local reader: stat first, so a device is never opened. */
static ax_status read_disk(const char *path, const char *what, size_t max, char **data,
                           size_t *len, ax_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return AX_FAIL(err, AX_EIO, "%s: cannot open the %s: %s; check the path", path, what,
                       strerror(errno));
    AX_TRY(check_kind(path, what, st.st_mode, err));
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) return too_big(path, what, max, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return AX_FAIL(err, AX_EIO, "%s: cannot open the %s: %s; check the path", path, what,
                       strerror(errno));
    ax_status s = fstat(fd, &st) == 0 ? check_kind(path, what, st.st_mode, err)
                                      : AX_FAIL(err, AX_EIO, "%s: %s", path, strerror(errno));
    if (s == AX_OK)
        s = read_fd(fd, path, what, max, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, data,
                    len, err);
    close(fd);
    return s;
}

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n) memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* A file this load already read (a kind check, then the parse): the same
 * bytes again, so a pipe can be read twice and the disk is read once. */
static const entry *already_read(const ax_input *in, const char *path)
{
    for (size_t i = 0; i < in->n; i++)
        if (in->e[i].code == AX_OK && !strcmp(in->e[i].path, path)) return &in->e[i];
    return NULL;
}

/* Rank 0: read from disk, keep a copy of the outcome for the others. */
static ax_status input_record(ax_input *in, const char *path, const char *what, size_t max,
                              char **data, size_t *len, ax_error *err)
{
    const entry *seen = already_read(in, path);
    ax_status s = AX_OK;
    if (seen && seen->len <= max) {
        *data = dup_bytes(seen->data, (size_t)seen->len);
        *len = (size_t)seen->len;
        AX_CHECK(*data, err, AX_ENOMEM, "%s: out of memory", path);
    } else {
        s = read_disk(path, what, max, data, len, err);
    }
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 8;
        entry *e = realloc(in->e, cap * sizeof *e);
        if (!e) goto oom;
        in->e = e;
        in->cap = cap;
    }
    entry *e = &in->e[in->n];
    *e = (entry){.code = (int)s};
    e->path = dup_bytes(path, strlen(path));
    e->msg = s != AX_OK ? dup_bytes(err->msg, strlen(err->msg)) : NULL;
    e->data = s == AX_OK ? dup_bytes(*data, *len) : NULL;
    e->len = s == AX_OK ? *len : 0;
    if (!e->path || (s != AX_OK && !e->msg) || (s == AX_OK && !e->data)) {
        free(e->path), free(e->msg), free(e->data);
        goto oom;
    }
    in->n++;
    return s;
oom:
    if (s == AX_OK) free(*data);
    return AX_FAIL(err, AX_ENOMEM, "%s: out of memory keeping the %s for the other ranks",
                   path, what);
}

/* Other ranks: the next read rank 0 made, which must be of the same file. */
static ax_status input_replay(ax_input *in, const char *path, char **data, size_t *len,
                              ax_error *err)
{
    if (in->next >= in->n || strcmp(in->e[in->next].path, path) != 0)
        return AX_FAIL(err, AX_EINTERNAL, "%s: read here but not by rank 0 (rank 0 read %s); "
                       "the load is not a function of its input (a bug in axon)", path,
                       in->next < in->n ? in->e[in->next].path : "nothing more");
    const entry *e = &in->e[in->next++];
    if (e->code != AX_OK) return AX_FAIL(err, (ax_status)e->code, "%s", e->msg);
    *data = dup_bytes(e->data, (size_t)e->len);
    AX_CHECK(*data, err, AX_ENOMEM, "%s: out of memory", path);
    *len = (size_t)e->len;
    return AX_OK;
}

ax_status ax_input_read(ax_input *in, const char *path, const char *what, size_t max,
                        char **data, size_t *len, ax_error *err)
{
    *data = NULL;
    *len = 0;
    if (!max) max = AX_INPUT_MAX;
    if (!in) return read_disk(path, what, max, data, len, err);
    return in->replay ? input_replay(in, path, data, len, err)
                      : input_record(in, path, what, max, data, len, err);
}

/* --- the recording on the wire: per entry four uint64 (path length,
 * message length, data length, status), then the three byte strings --- */

static void put(char **p, const void *s, size_t n)
{
    if (n) memcpy(*p, s, n);
    *p += n;
}

char *ax_input_pack(const ax_input *in, uint64_t *total)
{
    uint64_t t = 0;
    for (size_t i = 0; i < in->n; i++) {
        const entry *e = &in->e[i];
        t += 4 * sizeof(uint64_t) + strlen(e->path) + (e->msg ? strlen(e->msg) : 0) + e->len;
    }
    char *buf = malloc(t ? t : 1), *p = buf;
    for (size_t i = 0; buf && i < in->n; i++) {
        const entry *e = &in->e[i];
        uint64_t h[4] = {strlen(e->path), e->msg ? strlen(e->msg) : 0, e->len,
                         (uint64_t)e->code};
        put(&p, h, sizeof h);
        put(&p, e->path, h[0]);
        put(&p, e->msg, h[1]);
        put(&p, e->data, h[2]);
    }
    *total = t;
    return buf;
}

/* Entries point into buf (which must outlive them). */
int ax_input_unpack(ax_input *in, char *buf, uint64_t total)
{
    char *p = buf, *end = buf + total;
    while (p < end) {
        uint64_t h[4];
        if ((size_t)(end - p) < sizeof h) return 0;
        memcpy(h, p, sizeof h);
        p += sizeof h;
        if (h[0] + h[1] + h[2] > (uint64_t)(end - p)) return 0;
        if (in->n == in->cap) {
            size_t cap = in->cap ? 2 * in->cap : 8;
            entry *e = realloc(in->e, cap * sizeof *e);
            if (!e) return 0;
            in->e = e;
            in->cap = cap;
        }
        /* strings are not NUL-terminated on the wire: copy path and msg */
        entry *e = &in->e[in->n];
        *e = (entry){.code = (int)h[3], .len = h[2]};
        e->path = dup_bytes(p, h[0]);
        e->msg = h[1] ? dup_bytes(p + h[0], h[1]) : NULL;
        e->data = p + h[0] + h[1];
        if (!e->path || (h[1] && !e->msg)) {
            free(e->path), free(e->msg);
            return 0;
        }
        in->n++;
        p += h[0] + h[1] + h[2];
    }
    return 1;
}

ax_input *ax_input_new(int replay)
{
    ax_input *in = calloc(1, sizeof *in);
    if (in) in->replay = replay;
    return in;
}

void ax_input_free(ax_input *in)
{
    if (!in) return;
    for (size_t i = 0; i < in->n; i++) {
        free(in->e[i].path);
        free(in->e[i].msg);
        if (!in->replay) free(in->e[i].data); /* a replay's data lies in the packed buffer */
    }
    free(in->e);
    free(in);
}
