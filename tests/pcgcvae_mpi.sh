#!/usr/bin/env bash
# PCGCVAE on 1, 2 and 3 processes, each generating its rows of R from its own rows of A and a halo
# (src/local.c): the same R (nnz exactly; entrywise to float32 rounding: ||R_np1 - R_np||_F <= 1e-6
# ||R_np1||_F, compared in the global ordering from the saved factors; probe estimates to 1e-5) on
# dataset matrices (the same global ordering for any number of processes).
#  - both shipped models, each on its family at a size where the largest process's piece (rows +
#    halo, from PCView) is smaller than the matrix: no process holds the whole of it;
#  - Poisson: the same CG iterations; biharmonic (n 29889, kappa ~1e8, 2300 iterations to rtol
#    1e-3): within 4, because the parallel MatMult sums in another order and CG's rounding on such
#    a matrix moves the count by a few (measured 2310, 2310, 2312);
#  - the halo is tight for the Poisson model: one hop fewer (-pc_gcvae_halo_depth) changes R by more
#    than 1e-6 (measured 8e-6), so the comparison would see a halo too small;
#  - with 3 latent samples, and with -pc_gcvae_precision double.
# Not bitwise: OpenBLAS may use other kernels under mpiexec's core binding, and the float32 sums of
# the network run in another order on each piece.
# On all, the apply (single-precision values by default; also double) equals R (R^T b) with the R
# that PCGCVAEGetFactor returns to 1e-13 relative: the same values, summed in double by another
# kernel (a wrong or missing ghost value would give 1e-3 or more).
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
out=tests/out/pcgcvae_mpi; mkdir -p $out
bin/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 2 -seed 21 -test_fraction 0.5 -o $out/d.h5 > /dev/null || exit 1
bin/gcvae-datagen -family poisson -mesh meshes/square_1781.msh -samples 1 -seed 21 -test_fraction 0 -image block -o $out/p.h5 > /dev/null || exit 1
bin/gcvae-datagen -family biharmonic -mesh meshes/square_433.msh -refine 2 -samples 1 -seed 21 -test_fraction 0 -image block -o $out/b.h5 > /dev/null || exit 1
status=0
# compare NAME DATA NP ITS_BAND OPTIONS: R and CG on NP processes against one process
compare() {
  local name=$1 data=$2 np=$3 band=$4; shift 4
  rm -f $out/R1.bin* $out/R$np.bin*
  a=$(tests/bin/t_pcgcvae -mode report -data $data -save_R $out/R1.bin "$@" 2>&1)
  b=$($MPIEXEC -n $np tests/bin/t_pcgcvae -mode report -data $data -save_R $out/R$np.bin -ksp_view "$@" 2>&1 < /dev/null)
  c=$(tests/bin/t_pcgcvae -mode diffR -a $out/R1.bin -b $out/R$np.bin 2>&1)
  piece=$(echo "$b" | awk '/largest piece/ { for (i = 1; i <= NF; i++) if ($i == "piece") print $(i + 1), $(i + 4) }')
  echo "$name np 1: $a" | head -1; echo "$name np $np: $(echo "$b" | grep '^its')"; echo "R: $c; piece (rows, of n): $piece"
  echo "$a
$(echo "$b" | grep '^its')
$c
piece ${piece:-x x}" | awk -v band=$band -v name="$name" -v np=$np '{for (i = 1; i < NF; i += 2) v[NR, $i] = $(i + 1)} NR == 4 { rows = $2; n = $3 }
    END {
      d = v[1,"its"] - v[2,"its"]; if (d < 0) d = -d;
      ok = (d <= band) && (v[1,"nnzR"] == v[2,"nnzR"]) && (v[1,"fallback"] == v[2,"fallback"]) && v[1,"fallback"] == 0;
      ok = ok && v[3,"samepattern"] == 1 && v[3,"reldiff"] != "" && v[3,"reldiff"] + 0 <= 1e-6;
      p = (v[1,"probe"] - v[2,"probe"]) / v[1,"probe"]; if (p < 0) p = -p; ok = ok && p < 1e-5;
      ok = ok && v[1,"its"] > 0 && rows + 0 > 0 && rows + 0 < n + 0;
      ok = ok && v[1,"applyerr"] != "" && v[1,"applyerr"] + 0 <= 1e-13 && v[2,"applyerr"] != "" && v[2,"applyerr"] + 0 <= 1e-13;
      printf "%s  %s np %d: iterations %s/%s (band %d), nnz(R) %s/%s, same pattern %s, ||R_np1 - R_np||_F / ||R_np1||_F %s (<= 1e-6), probe %.1e, apply - R R^T b %s/%s (<= 1e-13), largest piece %s of %s rows\n", ok ? "ok  " : "FAIL", name, np, v[1,"its"], v[2,"its"], band, v[1,"nnzR"], v[2,"nnzR"], v[3,"samepattern"], v[3,"reldiff"], p, v[1,"applyerr"], v[2,"applyerr"], rows, n; exit !ok }' || status=1
}
for np in 2 3; do
  compare "poisson.bin, Poisson n 1781" $out/p.h5 $np 0 -model models/poisson.bin
  compare "biharmonic.bin, biharmonic n 29889" $out/b.h5 $np 4 -model models/biharmonic.bin -ksp_rtol 1e-3
done
for opts in "-pc_gcvae_latent sample -pc_gcvae_samples 3 -pc_gcvae_seed 4" "-pc_gcvae_precision double"; do
  compare "poisson.bin $opts" $out/p.h5 2 0 -model models/poisson.bin $opts
done
# one hop short of the Poisson model's halo (5: 3 GATv2 layers + the decoder's pair + complete rows)
rm -f $out/R1.bin* $out/Rs.bin*
tests/bin/t_pcgcvae -mode report -data $out/p.h5 -save_R $out/R1.bin -model models/poisson.bin > /dev/null 2>&1
h=$($MPIEXEC -n 2 tests/bin/t_pcgcvae -mode report -data $out/p.h5 -save_R $out/Rs.bin -model models/poisson.bin -ksp_view 2>&1 < /dev/null | grep -c "halo of 5 hops")
$MPIEXEC -n 2 tests/bin/t_pcgcvae -mode report -data $out/p.h5 -save_R $out/Rs.bin -model models/poisson.bin -pc_gcvae_halo_depth 4 > /dev/null 2>&1 < /dev/null
c=$(tests/bin/t_pcgcvae -mode diffR -a $out/R1.bin -b $out/Rs.bin 2>&1)
echo "$c" | awk -v h=$h '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) } END { ok = h == 1 && v["reldiff"] != "" && v["reldiff"] + 0 > 1e-6;
  printf "%s  Poisson model: default halo 5 hops (%s), 4 hops: ||R_np1 - R||_F / ||R_np1||_F %s (> 1e-6: the comparison sees a halo one hop short)\n", ok ? "ok  " : "FAIL", h == 1 ? "yes" : "no", v["reldiff"]; exit !ok }' || status=1
# The graph decoder is permutation equivariant: R with the network in RCM order (-pc_gcvae_reorder,
# the default) is R without it to float32 rounding (the aggregations sum in another order), and the
# CG iterations are within 3 (ex1 at n 29441 needs ~160: R's float32 rounding moves the count by a
# few, seen 158/158 with one OpenBLAS thread and 158/160 with two); the mask's extra entries (biharmonic) are ranked in the global order
# whatever the local one, so its pattern is the same (the uniformly refined meshes have many exact
# ties). Matrices in a refinement's numbering (rows spanning more than 8192 columns: RCM runs, and
# PCView says so); a dataset matrix (RCM order, banded) is left as it is, and PCView says that.
for spec in "tutorials/ex1 -mesh meshes/square_1781.msh -refine 2 -pc_gcvae_model models/poisson.bin" "tutorials/ex2 -mesh meshes/square_243.msh -refine 2 -ksp_max_it 100 -pc_gcvae_model models/biharmonic.bin"; do
  rm -f $out/Rr1.bin* $out/Rr0.bin*
  a=$($spec -dll_append lib/libpcgcvae.so -pc_type gcvae -ksp_view -pc_gcvae_factor_view binary:$out/Rr1.bin 2>&1)
  b=$($spec -dll_append lib/libpcgcvae.so -pc_type gcvae -ksp_view -pc_gcvae_factor_view binary:$out/Rr0.bin -pc_gcvae_reorder 0 2>&1)
  c=$(tests/bin/t_pcgcvae -mode diffR -a $out/Rr1.bin -b $out/Rr0.bin 2>&1)
  ia=$(echo "$a" | awk '/CG .* in [0-9]+ iterations/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i + 1) }')
  ib=$(echo "$b" | awk '/CG .* in [0-9]+ iterations/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i + 1) }')
  ra=$(echo "$a" | grep -c "reorder rcm$"); rb=$(echo "$b" | grep -c "reorder none$")
  echo "$c" | awk -v s="${spec%% -pc_gcvae_model*}" -v ia="$ia" -v ib="$ib" -v ra=$ra -v rb=$rb '{ for (i = 1; i < NF; i += 2) v[$i] = $(i + 1) }
    END { d = ia - ib; if (d < 0) d = -d; ok = ia != "" && ib != "" && d <= 3 && ra == 1 && rb == 1 && v["samepattern"] == 1 && v["reldiff"] != "" && v["reldiff"] + 0 <= 1e-6;
          printf "%s  %s: reorder rcm (%s) against none (%s): iterations %s/%s (band 3), same pattern %s, ||R_rcm - R||_F / ||R_rcm||_F %s (<= 1e-6)\n", ok ? "ok  " : "FAIL", s, ra == 1 ? "ran" : "NOT RUN", rb == 1 ? "yes" : "no", ia, ib, v["samepattern"], v["reldiff"]; exit !ok }' || status=1
done
k=$(tests/bin/t_pcgcvae -mode report -model models/poisson.bin -data $out/d.h5 -ksp_view 2>&1 | grep -c "reorder rcm (skipped: the matrix's order is banded already)")
[ "$k" = 1 ] && echo "ok    dataset matrix (RCM order): PCView says the reordering was skipped" || { echo "FAIL  dataset matrix: PCView does not say the reordering was skipped"; status=1; }
[ $status -eq 0 ] && echo PASS
exit $status
