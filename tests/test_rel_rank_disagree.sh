#!/bin/sh
# Issue 15 item 7: an error on one rank ends the whole job quickly, with a
# message naming that rank, and ranks never run different networks.
# Promises (docs/reliability.md "Errors on one rank never hang the others",
# DESIGN.md §2.1 and §9: rank 0 reads the spec and broadcasts its bytes;
# every step that can fail locally ends in an agreement; exit 2 everywhere
# within seconds, message "rank R: ..."). Before the fix every rank read
# and validated the spec on its own: when only one failed the others waited
# in a collective forever, with no message; a spec that differed between
# nodes ran a mixed network (different seed: exit 0) or corrupted the heap
# (different n).
#
# Different nodes are simulated on one machine by a wrapper that mpiexec
# starts on every rank: it reads $OMPI_COMM_WORLD_RANK (or PMIX_RANK) and
#   - cd's into node<rank>/, so the same relative spec path names a
#     different file on each rank (as a file that differs between nodes'
#     local disks), or
#   - sets the memory guard's inputs (AXON_NP, OMPI_COMM_WORLD_LOCAL_SIZE)
#     so that the guard refuses on rank 1 only (as a node with less RAM).
# Every job runs under a hang guard of $REL_HANG s (20: these jobs need a
# few seconds); a job killed by the guard fails its check.
# Commands: run (spec, and an HDF5 connection list it names), sample (BM
# file and the sampler file it names),
# calibrate (sampler file), sweep (sweep file), export (spec), and run's
# --checkpoint-dir (created by rank 0, then seen by every rank).
# Accepted outcomes where rank 1's file differs: either the job uses rank
# 0's bytes only (exit 0, output equal to the run of rank 0's spec), or it
# refuses (exit 2) naming rank 1. Never a hang, never a mixed network.
. "$(dirname "$0")/rel_lib.sh"
REL_HANG=20

cd "$dir" || exit 1
cat > wrap.sh <<'EOF'
#!/bin/sh
# per-rank "node" differences for test_rel_rank_disagree.sh
r=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}
case "$REL_MODE" in
  nodes) cd "node$r" || exit 3 ;;
  memory) if [ "$r" = 1 ]; then AXON_NP=100000000; OMPI_COMM_WORLD_LOCAL_SIZE=100000000
            export AXON_NP OMPI_COMM_WORLD_LOCAL_SIZE; fi ;;
esac
exec "$AXON" "$@"
EOF
chmod +x wrap.sh
export REL_MODE
small="$top_srcdir/examples/brunel_small.yaml"
sed 's/t_sim: *[0-9.]*/t_sim: 200.0/' "$small" > good.yaml
mkdir node0 node1

# job WHAT MODE ARGS...: run the wrapper on 2 ranks; sets rc, leaves err.
job() {
  what=$1 REL_MODE=$2; shift 2
  rm -f "$dir"/out.h5 "$dir"/out.h5.partial*
  mpi 2 1 ./wrap.sh "$@" >out 2>err
  rc=$?
  case $rc in 124|137) hung=1 ;; *) hung=0 ;; esac
}
leftovers() { ls -d "$dir"/out.h5* 2>/dev/null | tr '\n' ' '; }

# 1. The memory guard refuses on rank 1 only.
job "memory guard on rank 1" memory run -q good.yaml -o "$dir/out.h5"
if [ $hung = 1 ]; then fail "memory guard on rank 1 only: the job hung (killed after ${REL_HANG} s), message: $(head -c 200 err)"
elif [ $rc -eq 2 ] && grep -q "rank 1" err && grep -qi "memory\|does not fit" err && [ -z "$(leftovers)" ]; then
  pass "memory guard on rank 1 only: exit 2: $(head -c 200 err)"
else fail "memory guard on rank 1 only: exit $rc, left: $(leftovers)"; show err; fi

# Reference: rank 0's spec on 2 ranks.
mpi 2 1 "$AXON" run -q good.yaml -o "$dir/ref.h5" || fail "reference run"

# differing CASE: node1/spec.yaml differs from node0/spec.yaml (= good.yaml).
differing() {
  what=$1
  cp good.yaml node0/spec.yaml
  job "$what" nodes run -q spec.yaml -o "$dir/out.h5"
  if [ $hung = 1 ]; then fail "$what: the job hung (killed after ${REL_HANG} s)"; show err; return; fi
  if [ $rc -eq 0 ]; then
    if d=$("$PYTHON" "$top_srcdir/tests/compare_h5.py" "$dir/ref.h5" "$dir/out.h5"); then
      pass "$what: rank 0's spec ran on every rank ($d)"
    else fail "$what: exit 0 with a network that is not rank 0's: $d"; fi
  elif [ $rc -eq 2 ] && grep -q "rank 1" err && [ -z "$(leftovers)" ]; then
    pass "$what: refused naming rank 1: $(head -c 200 err)"
  else fail "$what: exit $rc, left: $(leftovers)"; show err; fi
}
printf 'simulation: {t_sim: 200.0, bogus_key: 1}\npopulations:\n  E: {model: iaf_psc_delta, n: 2}\n' > node1/spec.yaml
differing "spec invalid on rank 1 only"
sed 's/seed: *[0-9]*/seed: 999/' good.yaml > node1/spec.yaml
differing "spec with another seed on rank 1"
sed 's/n: 1000/n: 900/' good.yaml > node1/spec.yaml
differing "spec with another n on rank 1"

# 2. Rank 0 cannot read the spec, rank 1 can.
rm -f node0/spec.yaml
cp good.yaml node1/spec.yaml
job "spec missing on rank 0" nodes run -q spec.yaml -o "$dir/out.h5"
if [ $hung = 1 ]; then fail "spec missing on rank 0: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 2 ] && grep -q "cannot open the spec" err && [ -z "$(leftovers)" ]; then
  pass "spec missing on rank 0: exit 2: $(head -c 160 err)"
else fail "spec missing on rank 0: exit $rc, left: $(leftovers)"; show err; fi

# 3. A Boltzmann-machine file invalid on rank 1 only (axon sample).
for r in 0 1; do cp "$top_srcdir/examples/sampler_tutorial.yaml" "node$r/"; done
sed 's/duration: 1.0e5/duration: 500.0/' "$top_srcdir/examples/bm_5.yaml" > node0/bm.yaml
sed 's/duration: 1.0e5/duration: 500.0/; s/seed: 1/seed: 1\n  bogus: 1/' "$top_srcdir/examples/bm_5.yaml" > node1/bm.yaml
job "BM file invalid on rank 1" nodes sample -q bm.yaml -o "$dir/out.h5"
if [ $hung = 1 ]; then fail "BM file invalid on rank 1 only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 0 ] || { [ $rc -eq 2 ] && grep -q "rank 1" err; }; then
  pass "BM file invalid on rank 1 only: exit $rc $(head -c 160 err)"
else fail "BM file invalid on rank 1 only: exit $rc"; show err; fi

# 4. A file the BM file names (its sampler file) is missing on rank 1:
#    rank 0 reads it for every rank.
rm -f node1/sampler_tutorial.yaml
cp node0/bm.yaml node1/bm.yaml
job "nested sampler file missing on rank 1" nodes sample -q bm.yaml -o "$dir/out.h5"
if [ $hung = 1 ]; then fail "sampler file missing on rank 1 only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 0 ]; then pass "sampler file (named by the BM file) missing on rank 1 only: exit 0, rank 0's bytes"
else fail "sampler file missing on rank 1 only: exit $rc"; show err; fi

# 5. calibrate: the sampler file is invalid on rank 1 only.
sed 's/dt: 0.01/dt: 0.1/; s/duration: 1.0e5/duration: 200.0/; s/burn_in: 500.0/burn_in: 10.0/; s/num_samples: 150/num_samples: 8/' \
  "$top_srcdir/examples/sampler_tutorial.yaml" > node0/cal.yaml
sed 's/^sampler:/bogus: 1\nsampler:/' node0/cal.yaml > node1/cal.yaml
rm -f "$dir"/c.json "$dir"/c.h5
job "calibrate: sampler file invalid on rank 1" nodes calibrate -q cal.yaml -o "$dir/c.json" --range -52 -49
if [ $hung = 1 ]; then fail "calibrate, sampler file invalid on rank 1 only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 0 ]; then pass "calibrate, sampler file invalid on rank 1 only: exit 0, rank 0's bytes"
else fail "calibrate, sampler file invalid on rank 1 only: exit $rc"; show err; fi

# 6. sweep: the sweep file is invalid on rank 1 only.
cat > node0/sw.yaml <<'EOF2'
sweep:
  sampler:
    model: IF_cond_exp
    params: {cm: 0.2, tau_m: 1.0, e_rev_E: 0.0, e_rev_I: -100.0, v_thresh: -50.0,
             tau_syn_E: 10.0, tau_syn_I: 10.0, v_rest: -50.0, v_reset: -50.001,
             tau_refrac: 10.0, i_offset: 0.0}
    background:
      excitatory: {rate: 3000.0, weight: 0.001}
      inhibitory: {rate: 3000.0, weight: -0.001}
  calibration: {dt: 0.1, duration: 100.0, burn_in: 10.0, num_samples: 4, prescan: false,
                v_rest_min: -54.0, v_rest_max: -47.0, seed: 7}
  axes:
    sampler.params.tau_m: [0.5, 2.0]
EOF2
sed 's/^sweep:/bogus: 1\nsweep:/' node0/sw.yaml > node1/sw.yaml
rm -rf "$dir"/sw.h5*
job "sweep: sweep file invalid on rank 1" nodes sweep -q sw.yaml -o "$dir/sw.h5"
if [ $hung = 1 ]; then fail "sweep, sweep file invalid on rank 1 only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 0 ]; then pass "sweep, sweep file invalid on rank 1 only: exit 0, rank 0's bytes"
else fail "sweep, sweep file invalid on rank 1 only: exit $rc"; show err; fi

# 7. export: the spec is missing on rank 0 only.
rm -f node0/spec.yaml
cp good.yaml node1/spec.yaml
rm -rf "$dir"/exp "$dir"/exp.partial
job "export: spec missing on rank 0" nodes export --target nir spec.yaml -o "$dir/exp"
if [ $hung = 1 ]; then fail "export, spec missing on rank 0: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 2 ] && grep -q "cannot open the spec" err && [ ! -e "$dir/exp" ]; then
  pass "export, spec missing on rank 0: exit 2: $(head -c 160 err)"
else fail "export, spec missing on rank 0: exit $rc"; show err; fi

# 8. --checkpoint-dir that exists on rank 0's node only (a relative path
#    from different working directories): refused naming rank 1.
cp good.yaml node0/spec.yaml
cp good.yaml node1/spec.yaml
rm -rf node0/ck node1/ck
job "--checkpoint-dir on rank 0 only" nodes run -q spec.yaml -o "$dir/out.h5" --checkpoint-dir ck --checkpoint-every 100ms
if [ $hung = 1 ]; then fail "--checkpoint-dir seen by rank 0 only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 2 ] && grep -q "rank 1: --checkpoint-dir ck" err && [ -z "$(leftovers)" ]; then
  pass "--checkpoint-dir seen by rank 0 only: exit 2: $(head -c 160 err)"
else fail "--checkpoint-dir seen by rank 0 only: exit $rc, left: $(leftovers)"; show err; fi

# 9. A connection list the spec names (rule from_list, an HDF5 file) exists
#    on rank 0's node only: rank 0 reads it for every rank.
rm -f node0/* node1/*
cat > node0/spec.yaml <<'EOF2'
simulation: {t_sim: 50.0}
populations:
  E: {model: iaf_psc_delta, n: 4, params: {I_e: 500.0}}
projections:
  - {source: E, target: E, rule: from_list, file: conn.h5, weight: 0.1, delay: 1.0}
devices:
  sr: {model: spike_recorder, sources: [E]}
EOF2
cp node0/spec.yaml node1/spec.yaml
h5py 'f = h5py.File(sys.argv[1], "w"); f["sources"] = np.array([0, 1, 2]); f["targets"] = np.array([1, 2, 3])' node0/conn.h5
job "from_list file on rank 0 only" nodes run -q spec.yaml -o "$dir/out.h5"
if [ $hung = 1 ]; then fail "from_list file on rank 0's node only: the job hung (killed after ${REL_HANG} s)"
elif [ $rc -eq 0 ]; then pass "from_list file (HDF5, named by the spec) on rank 0's node only: exit 0, rank 0's bytes"
else fail "from_list file on rank 0's node only: exit $rc"; show err; fi

rel_done
