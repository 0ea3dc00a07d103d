"""libaxon through ctypes: the session API of include/axon/sim.h.

Why ctypes (docs/pynn.md): nothing to compile at install, one libaxon.so
serves every python3, and the API is coarse (arrays per call). Every
function is declared here with its C signature (tests/pynn/test_lib_decl.py
compares this table with sim.h), every status becomes a Python exception
carrying the C message unchanged, and MPI is initialised when this module is
imported (as pyNN.nest's MPI starts with `import nest`).
"""
import atexit
import ctypes
import ctypes.util
import os

import numpy as np
from pyNN import errors

API_VERSION = 1

# ax_status codes (include/axon/error.h)
AX_OK, AX_EINPUT, AX_EIO, AX_ENOMEM, AX_EMPI, AX_EINTERNAL, AX_ENOTIMPL = 0, 2, 3, 4, 5, 6, 7


class AxonError(Exception):
    """An error libaxon reported (the message is libaxon's)."""


class AxonInputError(errors.InvalidParameterValueError):
    """Bad input (a ValueError, as PyNN's own checks raise)."""


class AxonNotImplementedError(NotImplementedError):
    """A feature axon does not have (yet)."""


_EXC = {AX_EINPUT: AxonInputError, AX_ENOTIMPL: AxonNotImplementedError, AX_EIO: OSError,
        AX_ENOMEM: MemoryError}

_i, _i64, _u64, _d = ctypes.c_int, ctypes.c_int64, ctypes.c_uint64, ctypes.c_double
_p, _s = ctypes.c_void_p, ctypes.c_char_p
_pi, _pi64, _pd = ctypes.POINTER(_i), ctypes.POINTER(_i64), ctypes.POINTER(_d)
_ps = ctypes.POINTER(_s)

# name: (restype, argtypes), as in include/axon/sim.h
SIGNATURES = {
    "ax_sim_api_version": (_i, []),
    "ax_sim_mpi_init": (_i, [_pi, _pi]),
    "ax_sim_mpi_finalize": (_i, []),
    "ax_sim_create": (_i, [_d, _d, _d, _i, _u64, ctypes.POINTER(_p), _s, ctypes.c_size_t]),
    "ax_sim_destroy": (None, [_p]),
    "ax_sim_error": (_s, [_p]),
    "ax_sim_agree": (_i, [_p, _i, _s]),
    "ax_sim_model_count": (_i, []),
    "ax_sim_model_name": (_s, [_i]),
    "ax_sim_model_info": (_i, [_s, _pi, _pi, _pi, _ps, _ps]),
    "ax_sim_model_param": (_i, [_s, _i, _ps, _ps, _pd, _pi, _ps, _pi, _ps]),
    "ax_sim_model_state": (_s, [_s, _i]),
    "ax_sim_pop_create": (_i, [_p, _s, _s, _i64, _i, _p, _p, _pi]),
    "ax_sim_pop_count": (_i, [_p]),
    "ax_sim_pop_size": (_i, [_p, _i, _pi64, _pi64]),
    "ax_sim_pop_local": (_i, [_p, _i, _pi64, _p]),
    "ax_sim_pop_set": (_i, [_p, _i, _s, _d]),
    "ax_sim_pop_set_local": (_i, [_p, _i, _s, _i64, _p, _p]),
    "ax_sim_pop_get_local": (_i, [_p, _i, _s, _i64, _p, _p]),
    "ax_sim_state_init": (_i, [_p, _i, _s, _i, _p]),
    "ax_sim_state_set_local": (_i, [_p, _i, _s, _i64, _p, _p]),
    "ax_sim_state_get_local": (_i, [_p, _i, _s, _i64, _p, _p]),
    "ax_sim_times_set_local": (_i, [_p, _i, _i64, _p, _p, _p]),
    "ax_sim_times_get_local": (_i, [_p, _i, _i64, _p, _p, _p]),
    "ax_sim_proj_rule": (_i, [_p, _i, _i, _i, _d, _i, _i, _i, _i, _p, _i, _p, _i, _p, _pi]),
    "ax_sim_proj_count": (_i, [_p]),
    "ax_sim_proj_count_local": (_i, [_p, _i, _pi64]),
    "ax_sim_proj_get_local": (_i, [_p, _i, _i64, _p, _p, _p, _p]),
    "ax_sim_proj_set_all": (_i, [_p, _i, _s, _d]),
    "ax_sim_proj_list": (_i, [_p, _i, _i, _i, _i, _p, _i64, _p, _p, _p, _p, _pi]),
    "ax_sim_proj_set_local": (_i, [_p, _i, _s, _i64, _p, _p]),
    "ax_sim_current_create": (_i, [_p, _i64, _p, _p, _pi]),
    "ax_sim_current_set": (_i, [_p, _i, _i64, _p, _p]),
    "ax_sim_current_inject": (_i, [_p, _i, _i, _i64, _p]),
    "ax_sim_record": (_i, [_p, _i, _s, _i64, _p, _d]),
    "ax_sim_record_stop": (_i, [_p, _i]),
    "ax_sim_spikes_get": (_i, [_p, _i, _pi64, _p, _p]),
    "ax_sim_trace_get": (_i, [_p, _i, _s, _i64, _p, _pi64, _pd, _p]),
    "ax_sim_record_clear": (_i, [_p, _i]),
    "ax_sim_run_until": (_i, [_p, _d]),
    "ax_sim_time": (_d, [_p]),
    "ax_sim_reset": (_i, [_p]),
    "ax_sim_delays": (_i, [_p, _pd, _pd]),
    "ax_sim_output_open": (_i, [_p, _s, _i]),
    "ax_sim_output_close": (_i, [_p]),
    "ax_sim_write_spec": (_i, [_p, _s, _d]),
}


def _find_library():
    """$AXON_LIBRARY (build tree, tests), else the install's libdir (_paths.py
    written by make install), else the linker's search path."""
    env = os.environ.get("AXON_LIBRARY")
    if env:
        return env
    try:
        from . import _paths
        cand = os.path.join(_paths.LIBDIR, "libaxon.so.0")
        if os.path.exists(cand):
            return cand
    except ImportError:
        pass
    found = ctypes.util.find_library("axon")
    if not found:
        raise ImportError("libaxon.so not found: install axon (make install) or set AXON_LIBRARY "
                          "to the path of libaxon.so")
    return found


def _load():
    # RTLD_GLOBAL: Open MPI's plugins expect libmpi's symbols globally (as mpi4py loads it)
    lib = ctypes.CDLL(_find_library(), mode=ctypes.RTLD_GLOBAL)
    for name, (res, args) in SIGNATURES.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    v = lib.ax_sim_api_version()
    if v != API_VERSION:
        raise ImportError("libaxon API version %d, pyNN.axon expects %d: install matching versions"
                          % (v, API_VERSION))
    return lib


lib = _load()

_rank, _size = _i(0), _i(1)
if lib.ax_sim_mpi_init(ctypes.byref(_rank), ctypes.byref(_size)) != AX_OK:
    raise ImportError("pyNN.axon: MPI could not be initialised")
MPI_RANK, MPI_SIZE = _rank.value, _size.value
atexit.register(lib.ax_sim_mpi_finalize)


def raise_for(code, message):
    if code == AX_OK:
        return
    raise _EXC.get(code, AxonError)(message)


def check(code, session):
    """Raise the exception of a non-zero status with the session's message."""
    if code != AX_OK:
        raise_for(code, lib.ax_sim_error(session).decode("utf-8", "replace"))


def code_of(exc):
    """The ax_status an exception stands for (for agreeing on it over ranks)."""
    if isinstance(exc, AxonNotImplementedError) or isinstance(exc, NotImplementedError):
        return AX_ENOTIMPL
    if isinstance(exc, (ValueError, errors.InvalidParameterValueError)):
        return AX_EINPUT
    if isinstance(exc, MemoryError):
        return AX_ENOMEM
    if isinstance(exc, OSError):
        return AX_EIO
    return AX_EINTERNAL


def enc(s):
    return s.encode("utf-8")


def f64(x):
    """A C-contiguous float64 array (copy only if needed)."""
    return np.ascontiguousarray(x, dtype=np.float64)


def i64(x):
    return np.ascontiguousarray(x, dtype=np.int64)


def ptr(a):
    return None if a is None else a.ctypes.data_as(_p)
