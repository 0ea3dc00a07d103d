/* outfile.c - checking, creating and publishing output files
 * (include/axon/outfile.h).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "axon/outfile.h"

static const char *kind_of(mode_t m)
{
    if (S_ISREG(m)) return NULL;
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

const char *ax_out_kind(const char *path)
{
    struct stat st, lst;
    if (stat(path, &st) == 0) return kind_of(st.st_mode);
    if (lstat(path, &lst) == 0) return "a symbolic link to nothing";
    return NULL;
}

/* The directory part of path ("." if none) into buf. */
static void dir_of(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, cap, ".");
    else if (slash == path) snprintf(buf, cap, "/");
    else snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

char *ax_out_canonical(const char *path)
{
    char dir[4096], *real;
    dir_of(path, dir, sizeof dir);
    if (!(real = realpath(dir, NULL))) return NULL;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    char *out = malloc(strlen(real) + strlen(base) + 2);
    if (out) sprintf(out, "%s/%s", strcmp(real, "/") ? real : "", base);
    free(real);
    return out;
}

ax_status ax_out_check(const char *path, int force, const char *what, ax_error *err)
{
    AX_CHECK(path && path[0], err, AX_EINPUT, "%s: the file name is empty", what);
    const char *kind = ax_out_kind(path);
    AX_CHECK(!kind, err, AX_EIO, "%s %s is %s, not a regular file; axon writes only regular "
             "files (even with --force): choose another name", what, path, kind);
    struct stat st;
    AX_CHECK(stat(path, &st) != 0 || force, err, AX_EIO,
             "%s exists; use --force to overwrite or choose another %s", path, what);
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    AX_CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), err, AX_EIO,
             "%s %s: the directory %s does not exist; give a name in a writable directory",
             what, path, dir);
    return AX_OK;
}

/* Six characters from the clock, the pid and a counter: enough variety for
 * O_EXCL to succeed at once; a clash only costs a retry. */
static void rand6(char *out)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                 ((uint64_t)getpid() << 16) ^ (uint64_t)++counter * 0x9e3779b97f4a7c15u;
    z ^= z >> 33, z *= 0xff51afd7ed558ccdu, z ^= z >> 33;
    for (int i = 0; i < 6; i++, z /= 36) out[i] = al[z % 36];
    out[6] = '\0';
}

ax_status ax_out_begin(const char *path, int force, const char *what, char **tmp,
                       ax_error *err)
{
    *tmp = NULL;
    AX_TRY(ax_out_check(path, force, what, err));
    return ax_out_temp(path, tmp, err);
}

ax_status ax_out_temp(const char *path, char **tmp, ax_error *err)
{
    *tmp = NULL;
    size_t cap = strlen(path) + 64;
    char *t = malloc(cap);
    AX_CHECK_ALLOC(t, err, "a temporary file name");
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        char r[7];
        rand6(r);
        snprintf(t, cap, "%s.partial.%ld.%s", path, (long)getpid(), r);
        fd = open(t, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        ax_status st = AX_FAIL(err, AX_EIO, "cannot create %s: %s; check that its directory is "
                               "writable", t, strerror(errno));
        free(t);
        return st;
    }
    close(fd);
    *tmp = t;
    return AX_OK;
}

ax_status ax_out_publish(const char *tmp, const char *path, int force, ax_error *err)
{
    const char *kind = ax_out_kind(path); /* it may have become one while we wrote */
    if (kind) {
        unlink(tmp);
        return AX_FAIL(err, AX_EIO, "%s is now %s, not a regular file; nothing was written "
                       "over it", path, kind);
    }
    if (force) {
        AX_CHECK(rename(tmp, path) == 0, err, AX_EIO,
                 "cannot rename %s to %s: %s; results left in %s", tmp, path, strerror(errno),
                 tmp);
        return AX_OK;
    }
    /* link() fails with EEXIST instead of replacing a file that appeared. */
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return AX_OK;
    }
    int e = errno;
    struct stat s;
    if (e != EEXIST) { /* no hard links here (some FUSE/SMB mounts): rename, not over a file */
#ifdef RENAME_NOREPLACE
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return AX_OK;
        if (errno == EEXIST) e = EEXIST;
#endif
        if (e != EEXIST && lstat(path, &s) != 0) { /* last resort: check, then rename */
            if (rename(tmp, path) == 0) return AX_OK;
            e = errno;
        } else {
            e = EEXIST;
        }
    }
    if (e == EEXIST)
        return AX_FAIL(err, AX_EIO, "%s appeared while this run wrote it (another run with the "
                       "same output?) and was kept; results left in %s (move it, or use --force "
                       "to replace)", path, tmp);
    return AX_FAIL(err, AX_EIO, "cannot publish %s as %s: %s; results left in %s", tmp, path,
                   strerror(e), tmp);
}
