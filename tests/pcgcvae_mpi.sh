#!/usr/bin/env bash
# PCGCVAE on 1 and 2 processes: the same CG iteration count and the same R (nnz exactly; entrywise
# to float32 rounding: ||R_np1 - R_np2||_F <= 1e-6 ||R_np1||_F, compared in the global ordering from
# the saved factors; probe estimates to 1e-5), on a dataset matrix (same global ordering for any
# number of processes), with the shipped Poisson model; also with 3 latent samples. Not bitwise:
# every process runs the network on its own copy of A, but OpenBLAS may use another number of
# threads (and so other kernels) under mpiexec's core binding, and the float32 sums round otherwise.
# On both, the apply (single-precision values by default; also -pc_gcvae_precision double) equals
# R (R^T b) with the R that PCGCVAEGetFactor returns to 1e-13 relative: the same values, summed
# in double by another kernel (a wrong or missing ghost value would give 1e-3 or more).
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
out=tests/out/pcgcvae_mpi; mkdir -p $out
bin/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 2 -seed 21 -test_fraction 0.5 -o $out/d.h5 > /dev/null || exit 1
status=0
for opts in "" "-pc_gcvae_latent sample -pc_gcvae_samples 3 -pc_gcvae_seed 4" "-pc_gcvae_precision double"; do
  rm -f $out/R1.bin* $out/R2.bin*
  a=$(tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 -save_R $out/R1.bin $opts 2>&1)
  b=$($MPIEXEC -n 2 tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 -save_R $out/R2.bin $opts 2>&1 < /dev/null)
  c=$(tests/bin/t_pcgcvae -mode diffR -a $out/R1.bin -b $out/R2.bin 2>&1)
  echo "np 1: $a"; echo "np 2: $b"; echo "R: $c"
  echo "$a
$b
$c" | awk '{for (i = 1; i < NF; i += 2) v[NR, $i] = $(i + 1)}
    END {
      ok = (v[1,"its"] == v[2,"its"]) && (v[1,"nnzR"] == v[2,"nnzR"]) && (v[1,"fallback"] == v[2,"fallback"]);
      ok = ok && v[3,"samepattern"] == 1 && v[3,"reldiff"] != "" && v[3,"reldiff"] + 0 <= 1e-6;
      p = (v[1,"probe"] - v[2,"probe"]) / v[1,"probe"]; if (p < 0) p = -p; ok = ok && p < 1e-5;
      ok = ok && v[1,"its"] > 0;
      ok = ok && v[1,"applyerr"] != "" && v[1,"applyerr"] + 0 <= 1e-13 && v[2,"applyerr"] != "" && v[2,"applyerr"] + 0 <= 1e-13;
      printf "%s  iterations %s/%s, nnz(R) %s/%s, same pattern %s, ||R_np1 - R_np2||_F / ||R_np1||_F %s (<= 1e-6), probe %.1e, apply - R R^T b %s/%s (<= 1e-13)\n", ok ? "ok  " : "FAIL", v[1,"its"], v[2,"its"], v[1,"nnzR"], v[2,"nnzR"], v[3,"samepattern"], v[3,"reldiff"], p, v[1,"applyerr"], v[2,"applyerr"]; exit !ok }' || status=1
done
# The graph decoder is permutation equivariant: R with the network in RCM order (-pc_gcvae_reorder,
# the default) is R without it to float32 rounding (the aggregations sum in another order), and the
# CG iterations are the same. The dataset matrix is in RCM order already; PETSc's RCM of it is
# another numbering (RCM is not idempotent), so the permutations are exercised.
rm -f $out/R1.bin* $out/R0.bin*
a=$(tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 -save_R $out/R1.bin 2>&1)
b=$(tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 -save_R $out/R0.bin -pc_gcvae_reorder 0 2>&1)
c=$(tests/bin/t_pcgcvae -mode diffR -a $out/R1.bin -b $out/R0.bin 2>&1)
echo "reorder: $a"; echo "as given: $b"; echo "R: $c"
echo "$a
$b
$c" | awk '{for (i = 1; i < NF; i += 2) v[NR, $i] = $(i + 1)}
  END { ok = v[1,"its"] > 0 && v[1,"its"] == v[2,"its"] && v[3,"samepattern"] == 1 && v[3,"reldiff"] != "" && v[3,"reldiff"] + 0 <= 1e-6;
        printf "%s  reorder: iterations %s/%s, same pattern %s, ||R_rcm - R||_F / ||R_rcm||_F %s (<= 1e-6)\n", ok ? "ok  " : "FAIL", v[1,"its"], v[2,"its"], v[3,"samepattern"], v[3,"reldiff"]; exit !ok }' || status=1
[ $status -eq 0 ] && echo PASS
exit $status
