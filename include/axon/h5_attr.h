/* axon/h5_attr.h - the one way axon's HDF5 files store a numeric attribute
 * (io/hdf5/h5_util.c), shared by the recorder, the checkpoint file and
 * sampling's files (io/sampling).
 */
#ifndef AXON_H5_ATTR_H
#define AXON_H5_ATTR_H

#include <hdf5.h>

/* Write attribute `name` of native type `type` on loc: n = 0 a scalar, else
 * a 1-D array of n values. Read one back (any shape, all values). 1 on
 * success, 0 on failure. Collective when loc is in a file opened with MPI-IO. */
int ax_h5_put_attr(hid_t loc, const char *name, hid_t type, hsize_t n, const void *v);
int ax_h5_get_attr(hid_t loc, const char *name, hid_t type, void *v);

#endif
