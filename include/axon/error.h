/* axon/error.h - status codes and the error record every fallible call fills.
 *
 * Contract (DESIGN.md §8): a function that can fail returns ax_status
 * (AX_OK == 0) and, on failure, writes one human-readable message into the
 * ax_error the caller owns. Library code never prints and never exits; only
 * main() prints the message and maps it to an exit status (2 for anything the
 * user can fix: bad input, unwritable output, not enough memory).
 */
#ifndef AXON_ERROR_H
#define AXON_ERROR_H

#include <stddef.h>

typedef enum ax_status {
    AX_OK = 0,
    AX_EINPUT = 2,    /* bad spec, bad option, bad parameter: the user can fix it */
    AX_EIO = 3,       /* file missing, unwritable, HDF5 failure */
    AX_ENOMEM = 4,    /* allocation failed or would not fit */
    AX_EMPI = 5,      /* MPI failure, or another rank failed */
    AX_EINTERNAL = 6, /* a bug in axon */
    AX_ENOTIMPL = 7,  /* a feature that is not built yet (said plainly) */
    AX_ESTOPPED = 8   /* stopped on request (SIGTERM/SIGUSR1) after writing a checkpoint */
} ax_status;

#define AX_ERROR_MSG_MAX 2048

typedef struct ax_error {
    ax_status code;
    char msg[AX_ERROR_MSG_MAX]; /* "where: what; how to fix" */
    const char *src_file;       /* axon source location that raised it */
    int src_line;
} ax_error;

/* Record an error (printf-style) and return its code, so callers can write
 * `return ax_error_set(err, AX_EINPUT, __FILE__, __LINE__, "...")`.
 * err may be NULL (the message is then dropped). Can't fail. */
ax_status ax_error_set(ax_error *err, ax_status code, const char *file, int line,
                       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prefix an existing message with context ("spec.yaml: ..."). Can't fail. */
void ax_error_prefix(ax_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to AX_OK with an empty message. */
void ax_error_clear(ax_error *err);

/* Short name of a status ("input error", "I/O error", ...). */
const char *ax_status_name(ax_status s);

/* Exit status for a status: 0 for AX_OK, 2 for everything a user can fix,
 * 3 for a run stopped by a signal after writing a checkpoint, 1 for internal
 * errors and unimplemented features. */
int ax_status_exit_code(ax_status s);

#define AX_FAIL(err, code, ...) ax_error_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Precondition: on false, record the message and return its code. */
#define AX_CHECK(cond, err, code, ...)                  \
    do {                                                \
        if (!(cond)) return AX_FAIL(err, code, __VA_ARGS__); \
    } while (0)

/* Propagate a failed call's status (its message is already in err). */
#define AX_TRY(expr)                      \
    do {                                  \
        ax_status ax_try_s_ = (expr);     \
        if (ax_try_s_ != AX_OK) return ax_try_s_; \
    } while (0)

/* Allocation check used after malloc/calloc. */
#define AX_CHECK_ALLOC(ptr, err, what)                                     \
    AX_CHECK((ptr) != NULL, err, AX_ENOMEM, "out of memory allocating %s", what)

#endif
