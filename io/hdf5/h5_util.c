/* h5_util.c - helpers shared by the HDF5 recorder files: agreeing on a
 * status across ranks, turning an HDF5 error stack into one message, and
 * writing attributes.
 *
 * HDF5's automatic error printing is switched off (ax_h5_quiet): library code
 * never prints, and the innermost HDF5 message is folded into ax_error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/agree.h"
#include "hdf5_impl.h"

ax_status ax_h5_sync(MPI_Comm comm, ax_status local, ax_error *err)
{
    return ax_agree(comm, local, err); /* one agreement for all of axon (axon/agree.h) */
}

/* H5Ewalk2 callback: keep the description of the innermost (last) entry. */
static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    char *out = data;
    if (e->desc && e->desc[0]) snprintf(out, 512, "%s", e->desc);
    return 0;
}

ax_status ax_h5_fail(ax_error *err, const char *file, int line, const char *h5file,
                     const char *what)
{
    char desc[512] = "";
    int e = errno; /* MPI-IO leaves the system's reason here (ENOSPC, EDQUOT, EFBIG) */
    hid_t stack = H5Eget_current_stack();
    if (stack >= 0) {
        H5Ewalk2(stack, H5E_WALK_UPWARD, walk_cb, desc);
        H5Eclose_stack(stack);
    }
    const char *sys = "";
    if (e == ENOSPC || e == EDQUOT || e == EFBIG)
        sys = e == ENOSPC ? " (no space left on device: free disk space or choose another -o)"
            : e == EDQUOT ? " (disk quota exceeded: free space or choose another -o)"
                          : " (file too large for this file system or ulimit -f)";
    return ax_error_set(err, AX_EIO, file, line, "%s: %s failed%s%s%s", h5file, what,
                        desc[0] ? ": HDF5: " : "", desc, sys);
}

void ax_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

ax_status ax_h5_attr_str(hid_t loc, const char *name, const char *value, ax_error *err,
                         const char *h5file)
{
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = -1;
    herr_t rc = -1;
    if (t >= 0 && s >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(t, H5T_CSET_UTF8) >= 0) {
        a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) rc = H5Awrite(a, t, &value);
    }
    ax_h5_close_obj(&a);
    ax_h5_close_obj(&s);
    ax_h5_close_obj(&t);
    if (rc < 0) {
        char what[160];
        snprintf(what, sizeof what, "writing attribute '%s'", name);
        return AX_H5_FAIL(err, h5file, what);
    }
    return AX_OK;
}

int ax_h5_put_attr(hid_t loc, const char *name, hid_t type, hsize_t n, const void *v)
{
    hid_t s = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL), a = -1;
    herr_t rc = -1;
    if (s >= 0) {
        a = H5Acreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) rc = H5Awrite(a, type, v);
    }
    ax_h5_close_obj(&a);
    ax_h5_close_obj(&s);
    return rc >= 0;
}

int ax_h5_get_attr(hid_t loc, const char *name, hid_t type, void *v)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    int ok = a >= 0 && H5Aread(a, type, v) >= 0;
    if (a >= 0) H5Aclose(a);
    return ok;
}

ax_status ax_h5_attr_num(hid_t loc, const char *name, hid_t type, size_t n,
                         const void *value, ax_error *err, const char *h5file)
{
    if (ax_h5_put_attr(loc, name, type, n == 1 ? 0 : (hsize_t)n, value)) return AX_OK;
    char what[160];
    snprintf(what, sizeof what, "writing attribute '%s'", name);
    return AX_H5_FAIL(err, h5file, what);
}

void ax_h5_close_obj(hid_t *id)
{
    if (*id < 0) return;
    switch (H5Iget_type(*id)) {
    case H5I_DATASPACE: H5Sclose(*id); break;
    case H5I_DATATYPE: H5Tclose(*id); break;
    case H5I_GENPROP_LST: H5Pclose(*id); break;
    case H5I_ATTR: H5Aclose(*id); break;
    case H5I_GROUP: case H5I_DATASET: H5Oclose(*id); break;
    default: break; /* files are closed by H5Fclose where its status matters */
    }
    *id = -1;
}

ax_status ax_h5_check_name(const char *what, const char *name, const char *const *reserved,
                           ax_error *err)
{
    AX_CHECK(name && name[0], err, AX_EINPUT, "%s name is empty", what);
    AX_CHECK(!strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."), err, AX_EINPUT,
             "%s name '%s' cannot be used as an HDF5 group name (no '/', '.' or '..')", what,
             name);
    for (const char *const *r = reserved; r && *r; r++)
        AX_CHECK(strcmp(name, *r), err, AX_EINPUT,
                 "%s name '%s' is reserved in the output layout; rename it", what, name);
    return AX_OK;
}

char *ax_h5_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
