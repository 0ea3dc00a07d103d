#!/usr/bin/python3
"""Run PyNN 0.10.1's registered system scenarios (PyNN's own test suite,
test/system/scenarios; a copy with PyNN's licence is in
../shared/thirdparty/pynn-0.10.1-tests) against pyNN.axon.

usage: run_scenario.py NAME [NAME ...]     run the named scenarios here
       run_scenario.py --list              print every registered name
Prints one line per scenario: "pass NAME", "FAIL NAME: error" or
"skip NAME: reason"; exit 1 if any failed. The copy is found at
$AXON_PYNN_TESTS, $top_srcdir/../shared/thirdparty/pynn-0.10.1-tests or
$AXON_THIRDPARTY_PY/../pynn-0.10.1-tests.
"""
import os
import sys
import tempfile
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
top_src = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(here)))

def _find_tests():
    cands = [os.environ.get("AXON_PYNN_TESTS"),
             os.path.join(top_src, "..", "shared", "thirdparty", "pynn-0.10.1-tests")]
    if os.environ.get("AXON_THIRDPARTY_PY"):  # worktrees in /work/wt (INTEGRATION.md)
        cands.append(os.path.join(os.environ["AXON_THIRDPARTY_PY"], "..", "pynn-0.10.1-tests"))
    for c in cands:
        if c and os.path.isdir(os.path.join(c, "test", "system", "scenarios")):
            return c
    sys.exit("PyNN's scenarios not found: set AXON_PYNN_TESTS to the pynn-0.10.1-tests copy")


tests = _find_tests()
sys.path.insert(0, here)                          # testconfig.py
sys.path.insert(0, os.path.join(tests, "test"))   # `system` (not `test`: the stdlib has one)
sys.path.insert(0, os.path.join(top_src, "tools"))

import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
_loader = importlib.machinery.SourceFileLoader("axon_pynn", os.path.join(top_src, "tools", "axon-pynn"))
_spec = importlib.util.spec_from_loader("axon_pynn", _loader)
importlib.util.module_from_spec(_spec)
_loader.exec_module(importlib.util.module_from_spec(_spec))  # bootstrap: pyNN.axon from this tree

from nose.plugins.skip import SkipTest  # noqa: E402
import system.scenarios  # noqa: E402,F401  (registers every scenario)
from system.scenarios.registry import registry  # noqa: E402


def main(argv):
    if argv == ["--list"]:
        for sc in registry:
            print(sc.__name__)
        return 0
    import pyNN.axon as sim
    by_name = {sc.__name__: sc for sc in registry}
    failed = 0
    work = tempfile.mkdtemp(prefix="axon-pynn-")
    os.chdir(work)  # scenarios write files (.pkl) into the working directory
    for name in argv:
        sc = by_name[name]
        t0 = time.time()
        try:
            if "axon" in sc.exclude:
                raise SkipTest("excluded for axon by the scenario")
            sc(sim)
            line = "pass %s" % name
        except SkipTest as e:
            line = "skip %s: %s" % (name, e)
        except Exception as e:
            failed += 1
            msg = str(e).strip().splitlines()
            line = "FAIL %s: %s: %s" % (name, type(e).__name__, msg[0][:300] if msg else "")
            if os.environ.get("AXON_PYNN_TRACE"):
                traceback.print_exc()
        if sim.rank() == 0:
            print("%s (%.1f s)" % (line, time.time() - t0), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
