#!/usr/bin/env bash
# PCGCVAE on 1 and 2 processes: the same CG iteration count and the same R (nnz exactly, ||R||_F
# to rounding, probe estimates to rounding), on a dataset matrix (same global ordering for any
# number of processes), with the shipped Poisson model; also with 3 latent samples.
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
out=tests/out/pcgcvae_mpi; mkdir -p $out
bin/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 2 -seed 21 -test_fraction 0.5 -o $out/d.h5 > /dev/null || exit 1
status=0
for opts in "" "-pc_gcvae_latent sample -pc_gcvae_samples 3 -pc_gcvae_seed 4"; do
  a=$(tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 $opts 2>&1)
  b=$($MPIEXEC -n 2 tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 $opts 2>&1 < /dev/null)
  echo "np 1: $a"; echo "np 2: $b"
  echo "$a
$b" | awk '{for (i = 1; i < NF; i += 2) v[NR, $i] = $(i + 1)}
    END {
      ok = (v[1,"its"] == v[2,"its"]) && (v[1,"nnzR"] == v[2,"nnzR"]) && (v[1,"fallback"] == v[2,"fallback"]);
      d = (v[1,"normR"] - v[2,"normR"]) / v[1,"normR"]; if (d < 0) d = -d; ok = ok && d < 1e-12;
      p = (v[1,"probe"] - v[2,"probe"]) / v[1,"probe"]; if (p < 0) p = -p; ok = ok && p < 1e-10;
      ok = ok && v[1,"its"] > 0;
      printf "%s  iterations %s/%s, nnz(R) %s/%s, ||R||_F relative difference %.1e, probe %.1e\n", ok ? "ok  " : "FAIL", v[1,"its"], v[2,"its"], v[1,"nnzR"], v[2,"nnzR"], d, p; exit !ok }' || status=1
done
[ $status -eq 0 ] && echo PASS
exit $status
