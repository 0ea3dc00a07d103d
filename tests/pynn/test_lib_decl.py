#!/usr/bin/python3
"""pyNN.axon's ctypes declarations (python/pyNN/axon/_lib.py SIGNATURES) agree
with the C prototypes of include/axon/sim.h: every function of the header is
declared, with the same number of arguments and compatible types (ctypes
cannot check this itself). Reads the two files only."""
import ctypes
import os
import re
import sys

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
header = open(os.path.join(top, "include", "axon", "sim.h")).read()
header = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)

# SIGNATURES without loading libaxon: execute the table part of _lib.py only
src = open(os.path.join(top, "python", "pyNN", "axon", "_lib.py")).read()
table = src[src.index("_i, _i64, _u64, _d ="):src.index("def _find_library")]
ns = {"ctypes": ctypes}
exec(table, ns)
SIG = ns["SIGNATURES"]

C = ctypes
scalar = {"int": C.c_int, "int64_t": C.c_int64, "uint64_t": C.c_uint64, "double": C.c_double,
          "size_t": C.c_size_t}


def compatible(ctype, py):
    t = " ".join(ctype.replace("*", " * ").split())
    t = t.replace("const ", "")
    stars = t.count("*")
    base = t.replace("*", "").split()[0] if t.replace("*", "").split() else ""
    if stars == 0:
        if base == "void":
            return py is None
        return scalar.get(base) is py
    if base == "char" and stars == 1:
        return py is C.c_char_p
    if base == "ax_sim" and stars == 1:
        return py is C.c_void_p
    if base == "ax_sim" and stars == 2:
        return py == C.POINTER(C.c_void_p)
    if stars == 1 and base in scalar:  # scalar out-parameter or array
        return py is C.c_void_p or py == C.POINTER(scalar[base])
    if stars >= 2 and base == "char":  # name lists / string outputs
        return py is C.c_void_p or py == C.POINTER(C.c_char_p)
    return False


fails = []
protos = re.findall(r"^\s*((?:const\s+)?\w+\s*\**)\s*(ax_sim_\w+)\s*\(([^)]*)\)\s*;", header, re.M)
names = set()
for ret, name, args in protos:
    names.add(name)
    if name not in SIG:
        fails.append("%s: in sim.h, not declared in _lib.py" % name)
        continue
    res, argtypes = SIG[name]
    if not compatible(ret, res):
        fails.append("%s: returns %s, _lib.py says %s" % (name, ret.strip(), res))
    params = [] if args.strip() in ("", "void") else [a.strip() for a in args.split(",")]
    if len(params) != len(argtypes):
        fails.append("%s: %d arguments in sim.h, %d in _lib.py" % (name, len(params), len(argtypes)))
        continue
    for k, (p, t) in enumerate(zip(params, argtypes)):
        ctype = re.sub(r"\b\w+$", "", p).strip() if not p.endswith("*") else p
        if not compatible(ctype, t):
            fails.append("%s: argument %d is '%s', _lib.py says %s" % (name, k, p, t))
for name in SIG:
    if name not in names:
        fails.append("%s: declared in _lib.py, not in sim.h" % name)
if len(protos) < 30:
    fails.append("only %d prototypes found in sim.h: the parser is broken" % len(protos))
for f in fails:
    print("FAIL", f)
print("%d prototypes checked, %d problems" % (len(protos), len(fails)))
sys.exit(1 if fails else 0)
