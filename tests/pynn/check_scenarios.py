#!/usr/bin/python3
"""PyNN's own system scenarios against pyNN.axon, as `make check` runs them.

usage: check_scenarios.py MODULE    the scenarios of one scenario module
       check_scenarios.py --mpi     the MPI set under mpiexec -n 2
       check_scenarios.py --all     every module (prints the totals)

Each scenario runs in its own process (run_scenario.py): scenarios leave
state in PyNN's module globals. tests/pynn/expected.txt says what each must
do: `pass` must pass, `out: FEATURE` must fail (axon lacks FEATURE; if it
starts passing the list is wrong), `pending: FEATURE` is only reported.
Under MPI, PyNN gathers recorded data to rank 0 only, and the scenarios
check what they get on every rank, so rank 0's verdict is the one checked.
Exit 77 (automake's skip) when python3-nose or PyNN's scenarios are missing.
"""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
runner = os.path.join(here, "run_scenario.py")
py = os.environ.get("PYTHON", "/usr/bin/python3")

# Scenarios that mean something on 2 ranks (distributed populations,
# recording gathered to rank 0, collective calls in every hook they use).
MPI_SET = ["test_reset", "test_reset_with_clear", "test_setup", "test_run_until",
           "test_sampling_interval", "test_mix_procedural_and_oo", "test_record_with_filename",
           "issue499", "issue451", "issue483", "issue512", "issue302", "issue231",
           "test_changing_electrode", "issue511", "test_reset_with_spikes", "issue274", "scenario1",
           "connections_attribute", "issue309", "issue672", "test_update_SpikeSourceArray"]


def expected():
    exp = {}
    for line in open(os.path.join(here, "expected.txt")):
        if line.startswith("#") or not line.strip():
            continue
        name, module, what = line.split(None, 2)
        exp[name] = (module, what.strip())
    return exp


def run_one(name, mpi=False):
    cmd = [py, runner, name]
    if mpi:
        mpiexec = os.environ.get("MPIEXEC", "mpiexec").split()
        args = os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split()
        cmd = mpiexec + ["-n", "2"] + args + cmd
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "FAIL", "timed out after 300 s"
    for line in p.stdout.splitlines():
        if line.startswith(("pass ", "FAIL ", "skip ")):
            return line.split()[0], line
    tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return "FAIL", "crashed (rc %d): %s" % (p.returncode, tail)


def check(names, exp, mpi=False):
    bad = 0
    n_pass = n_scope = 0
    for name in names:
        module, what = exp[name]
        st, line = run_one(name, mpi)
        in_scope = not what.startswith("out:")
        n_scope += in_scope
        n_pass += st == "pass" and in_scope
        if what == "pass" and st != "pass":
            verdict = "FAIL (must pass)"
            bad += 1
        elif what.startswith("out:") and st == "pass":
            verdict = "FAIL (passes, but expected.txt says %s)" % what
            bad += 1
        else:
            verdict = "ok"
        print("%-6s %-58s %-5s %s%s" % (verdict[:6], name, st, what,
                                        "" if verdict == "ok" else "\n       " + line), flush=True)
    return bad, n_pass, n_scope


def main(argv):
    try:
        import nose  # noqa: F401  (the scenarios import nose.tools)
    except ImportError:
        print("SKIP: python3-nose is not installed (PyNN's scenarios import nose.tools)")
        return 77
    if subprocess.run([py, runner, "--list"], capture_output=True).returncode:
        print("FAIL: PyNN's scenario copy not found (set AXON_PYNN_TESTS to the "
              "pynn-0.10.1-tests folder); a skip would let a broken checkout pass")
        return 1
    exp = expected()
    if argv == ["--mpi"]:
        names, mpi = MPI_SET, True
    elif argv == ["--all"]:
        names, mpi = list(exp), False
    else:
        names, mpi = [n for n, (m, _) in exp.items() if m == argv[0]], False
        if not names:
            print("no scenarios of module %s in expected.txt" % argv[0])
            return 1
    bad, n_pass, n_scope = check(names, exp, mpi)
    print("%s: %d passed / %d in scope / %d scenarios%s; %d problem(s)" % (
        " ".join(argv), n_pass, n_scope, len(names), " (2 MPI ranks)" if mpi else "", bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
