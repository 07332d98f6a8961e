#!/usr/bin/env bash
# gcvae-datagen: bad inputs give a clear message, a non-zero exit and no output
# file; the same seed gives a byte-identical file, another seed a different one;
# an interrupted run (SIGINT, SIGTERM) leaves nothing behind.
set -u
cd "$(dirname "$0")/.."
out=tests/out/datagen_inputs; rm -rf $out; mkdir -p $out
gen=bin/gcvae-datagen
fails=0
expect_error() { # name, expected message (grep -E), args...
  local name=$1 msg=$2; shift 2
  rm -f $out/x.h5 $out/x.h5.tmp*
  $gen "$@" > $out/$name.log 2>&1; local rc=$?
  if [ $rc -eq 0 ]; then echo "FAIL $name: exit 0"; fails=$((fails+1)); return; fi
  if ! grep -qE -e "$msg" $out/$name.log; then echo "FAIL $name: message lacks /$msg/:"; cat $out/$name.log; fails=$((fails+1)); return; fi
  if ls $out/x.h5* >/dev/null 2>&1; then echo "FAIL $name: left $(ls $out/x.h5*)"; fails=$((fails+1)); return; fi
  echo "ok   $name (exit $rc): $(grep -m1 -E -e "$msg" $out/$name.log | sed 's/^\[0\]PETSC ERROR: //')"
}
M=meshes/square_102.msh
printf 'this is not a gmsh file\n' > $out/garbage.msh
expect_error missing_mesh   "does not exist"            -family poisson -mesh $out/none.msh -samples 2 -seed 1 -o $out/x.h5
expect_error garbage_mesh   "not a valid Gmsh file"             -family poisson -mesh $out/garbage.msh -samples 2 -seed 1 -o $out/x.h5
expect_error unknown_family "Unknown family 'heat': use poisson or biharmonic" -family heat -mesh $M -samples 2 -seed 1 -o $out/x.h5
expect_error no_family      "Missing -family"           -mesh $M -samples 2 -seed 1 -o $out/x.h5
expect_error zero_samples   "-samples 0 must be > 0"    -family poisson -mesh $M -samples 0 -seed 1 -o $out/x.h5
expect_error neg_samples    "-samples -3 must be > 0"   -family poisson -mesh $M -samples -3 -seed 1 -o $out/x.h5
expect_error no_output      "Missing -o"                -family poisson -mesh $M -samples 2 -seed 1
expect_error bad_contrast   "contrast_min 0.5"          -family poisson -mesh $M -samples 2 -seed 1 -contrast_min 0.5 -o $out/x.h5
expect_error bad_sigma      "-sigma 0. must be > 0"     -family biharmonic -mesh $M -samples 2 -seed 1 -sigma 0 -o $out/x.h5
expect_error unwritable     "Cannot create dataset file $out/nodir/x.h5" -family poisson -mesh $M -samples 2 -seed 1 -o $out/nodir/x.h5

# determinism
$gen -family poisson -mesh $M -samples 6 -seed 5 -o $out/a.h5 > /dev/null || { echo "FAIL generate a"; fails=$((fails+1)); }
$gen -family poisson -mesh $M -samples 6 -seed 5 -o $out/b.h5 > /dev/null || { echo "FAIL generate b"; fails=$((fails+1)); }
$gen -family poisson -mesh $M -samples 6 -seed 6 -o $out/c.h5 > /dev/null || { echo "FAIL generate c"; fails=$((fails+1)); }
if cmp -s $out/a.h5 $out/b.h5; then echo "ok   same seed, identical files"; else echo "FAIL same seed gives different files"; fails=$((fails+1)); fi
if cmp -s $out/a.h5 $out/c.h5; then echo "FAIL different seeds give identical files"; fails=$((fails+1)); else echo "ok   different seed, different file"; fi

# interrupted run: a signal while it writes leaves neither the file nor its temporary.
# GCVAE_TEST_HOLD (training/checkpoint.h) parks the run before its rename, with the whole
# dataset in the temporary, until a file that never appears: the signal cannot come late.
for sig in INT TERM; do
  GCVAE_TEST_HOLD=$out/never $gen -family poisson -mesh $M -samples 4 -seed 1 -o $out/x.h5 > $out/interrupt_$sig.log 2>&1 &
  pid=$!
  for i in $(seq 600); do ls $out/x.h5.tmp.* > /dev/null 2>&1 && break; sleep 0.1; done
  kill -$sig $pid; wait $pid; rc=$?
  if [ $rc -ne 0 ] && ! ls $out/x.h5* >/dev/null 2>&1; then echo "ok   SIG$sig while writing (exit $rc) left nothing"; else echo "FAIL SIG$sig: exit $rc, left: $(ls $out/x.h5* 2>/dev/null)"; fails=$((fails+1)); fi
done
[ $fails -eq 0 ] && echo PASS || echo "FAIL ($fails)"
exit $fails
