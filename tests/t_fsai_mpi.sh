#!/usr/bin/env bash
# PCFSAI in serial and on 2 processes: the same CG iteration count and the same
# ||G||_F to 1e-12 relative (each row of G is computed from the same data).
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
out=tests/out; mkdir -p $out
$MPIEXEC -n 1 tests/bin/t_fsai "$@" > $out/t_fsai_np1.txt < /dev/null || { echo "t_fsai -n 1 failed"; cat $out/t_fsai_np1.txt; exit 1; }
$MPIEXEC -n 2 tests/bin/t_fsai "$@" > $out/t_fsai_np2.txt < /dev/null || { echo "t_fsai -n 2 failed"; cat $out/t_fsai_np2.txt; exit 1; }
grep '^fsai_its' $out/t_fsai_np1.txt
grep '^fsai_its' $out/t_fsai_np2.txt
awk 'BEGIN { n = 0 } /^fsai_its/ { its[n] = $2; nrm[n] = $6; nnz[n] = $8; n++ }
     END {
       if (n != 2) { print "expected one result line from each run, got " n; exit 1 }
       rel = (nrm[0] - nrm[1]) / nrm[0]; if (rel < 0) rel = -rel
       printf "iterations %d vs %d, ||G||_F relative difference %.2e, nnz(G) %d vs %d\n", its[0], its[1], rel, nnz[0], nnz[1]
       if (its[0] != its[1] || rel > 1e-12 || nnz[0] != nnz[1]) { print "FAIL: serial and 2-process runs differ"; exit 1 }
       print "PASS"
     }' $out/t_fsai_np1.txt $out/t_fsai_np2.txt
