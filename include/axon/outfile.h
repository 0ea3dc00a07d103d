/* axon/outfile.h - how every output file axon writes reaches its name
 * (run -o, --stats-json, checkpoints, calibrate's JSON and --h5, sample -o,
 * sweep OUT): checked before any work, written under a temporary name of its
 * own, published at the end without ever replacing what it must not.
 *
 *  - A target that exists and is not a regular file (a directory, FIFO,
 *    device such as /dev/null, socket; a symbolic link is judged by what it
 *    points to) is refused even with --force: axon writes only regular files.
 *  - An existing regular file is replaced only with --force.
 *  - The temporary is "<path>.partial.<pid>.<6 random characters>", created
 *    with O_EXCL: two runs with the same -o never share a file.
 *  - Publishing without --force links the temporary to the target, which
 *    fails instead of replacing a file another run published meanwhile; the
 *    results then stay in the temporary and the message names it. With
 *    --force it is an atomic rename.
 * Serial: called by the rank that owns the file (rank 0).
 */
#ifndef AXON_OUTFILE_H
#define AXON_OUTFILE_H

#include "axon/error.h"

/* May path be written? `what` names the option in messages ("-o",
 * "--stats-json", "the checkpoint"). AX_EIO with a message that says why
 * (not a regular file; exists without --force; directory missing). */
ax_status ax_out_check(const char *path, int force, const char *what, ax_error *err);

/* ax_out_check, then create the unique temporary for path (empty, mode 0666
 * less umask): *tmp is malloc'd. Proves the directory writable. */
ax_status ax_out_begin(const char *path, int force, const char *what, char **tmp,
                       ax_error *err);

/* Create the unique temporary for path without checking path (for a file
 * the caller owns, such as a sweep's OUT while it holds the sweep's lock). */
ax_status ax_out_temp(const char *path, char **tmp, ax_error *err);

/* Move tmp to path (see above). On failure tmp is kept when it holds the
 * results (the message says "results left in TMP"), else removed. */
ax_status ax_out_publish(const char *tmp, const char *path, int force, ax_error *err);

/* path with its directory resolved (realpath of the directory + "/" + the
 * base name), malloc'd; NULL when the directory does not exist. For
 * telling whether two names mean one file that may not exist yet. */
char *ax_out_canonical(const char *path);

/* The kind of file at path for messages ("a character device", "a FIFO",
 * "a directory", ...) or NULL when it is a regular file or missing. */
const char *ax_out_kind(const char *path);

#endif
