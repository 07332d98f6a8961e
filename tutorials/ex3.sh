#!/usr/bin/env bash
# ex3: train PCGCVAE on your own matrices, end to end, with tutorials/ex3 (3-D variable-coefficient
# Poisson on a DMDA: a family, dimension and stencil no shipped model was trained on).
#   bash tutorials/ex3.sh            full run (~10 min on 2 cores) -> tutorials/results/ex3.md
#   bash tutorials/ex3.sh --quick    the pipeline on small sizes (CI, ~20 s) -> data/ex3_quick/ex3.md
# Steps (the README's "Train on your own matrices"):
#   1. record   ex3 -nsolves N -pc_type gcvae -pc_gcvae_record DIR, no model (Jacobi), at two sizes
#   2. dataset  gcvae-datagen -matrices DIR -image block (no dense inverse): one dataset per size
#   3. train    gcvae-train on both, the architecture of models/poisson.bin
#   4. compare  held-out runs of ex3 (coefficient seeds never recorded), one KSP per PC solving the
#               same coefficients in a row: jacobi, fsai, parasails SPD, the shipped models/poisson.bin
#               and the model of step 3; mean iterations and PCSetUp + KSPSolve ms per solve
# Timings are one run on this machine (OPENBLAS_NUM_THREADS=1, one process): compare the ratios.
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
quick=0; [ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then
  work=data/ex3_quick; out=$work; train_m="6 8"; ntrain=10; epochs=1; test_m="8"; ntest=3
else
  work=data/ex3; out=tutorials/results; train_m="16 24"; ntrain=150; epochs=8; test_m="24 32"; ntest=10
fi
rm -rf $work/rec $work/*.h5; mkdir -p $work $out
plugin="-dll_append lib/libpcgcvae.so"
t0=$(date +%s)

# 1. record (seeds 1 ... ntrain at each size)
for m in $train_m; do
  tutorials/ex3 -m $m -nsolves $ntrain -coeff_seed 1 $plugin -pc_type gcvae -pc_gcvae_record $work/rec/m$m > $work/record_m$m.txt
done
t1=$(date +%s)
# 2. datasets (each size its own pattern)
dirs=$(for m in $train_m; do printf '%s,' $work/rec/m$m; done); dirs=${dirs%,}
bin/gcvae-datagen -matrices "$dirs" -image block -family poisson3d -seed 1 -o $work/set.h5 > $work/datagen.txt
sets=$(ls $work/set_*.h5 | paste -sd, -)
t2=$(date +%s)
# 3. train (models/poisson.bin's architecture and learning rate; the mask pattern(A) + 0.5 nnz(A): on
#    pattern(A) alone even the per-matrix optimum of the loss needs as many iterations as the shipped
#    model, 24.0 against 23.0 at n 4096, and a model trained there needed 10% more; see results/README.md)
bin/gcvae-train -data "$sets" -decoder graph -edge_layers 0 -hidden 16 -heads 2 -gat_layers 3 -decoder_hidden 16 \
  -extra 0.5 -epochs $epochs -seed 1 -o $work/poisson3d.bin > $work/train.txt
t3=$(date +%s)

# 4. held-out runs: seeds 100001 ... (never recorded)
pcopts() {
  case $1 in
    jacobi) echo "-pc_type jacobi" ;;
    fsai) echo "$plugin -pc_type fsai" ;;
    parasails) echo "-pc_type hypre -pc_hypre_type parasails -pc_hypre_parasails_sym SPD" ;;
    gcvae_shipped) echo "$plugin -pc_type gcvae -pc_gcvae_model models/poisson.bin" ;;
    gcvae_mine) echo "$plugin -pc_type gcvae -pc_gcvae_model $work/poisson3d.bin" ;;
  esac
}
md=$work/ex3.md.tmp
{
  echo "# ex3: a model trained on the program's own matrices"
  echo
  echo "\`bash tutorials/ex3.sh$([ $quick = 1 ] && echo ' --quick')\` on $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), one process,"
  echo "OPENBLAS_NUM_THREADS=1. Recorded: $ntrain coefficients (seeds 1-$ntrain) at each m in {$train_m} (n = m^3),"
  echo "$(( $(echo $train_m | wc -w) * ntrain )) matrices in $((t1 - t0)) s; datasets (\`-image block\`) in $((t2 - t1)) s; training ($epochs epochs,"
  echo "architecture of models/poisson.bin, mask pattern(A) + 0.5 nnz(A)) in $((t3 - t2)) s, last test loss"
  echo "$(grep '^epoch' $work/train.txt | tail -1 | sed 's/.*test loss \([^ ]*\) (x jacobi \([^)]*\)).*/\1 (\2 x Jacobi)/')."
  echo "Held out: $ntest coefficients (seeds 100001-$((100000 + ntest))) per size, CG rtol 1e-5 (unpreconditioned norm), one KSP per PC"
  echo "solving them in a row; mean per solve. ratio: total / the smaller of FSAI's and ParaSails's."
  echo
  echo "| n | PC | iterations | PCSetUp ms | KSPSolve ms | total ms | total / best SPAI | its / shipped model's |"
  echo "|---|---|---|---|---|---|---|---|"
} > $md
for m in $test_m; do
  declare -A its tot set sol fb
  for pc in jacobi fsai parasails gcvae_shipped gcvae_mine; do
    tutorials/ex3 -m $m -nsolves $ntest -coeff_seed 100001 -table $(pcopts $pc) -ksp_view > $work/held_${pc}_m$m.txt
    line=$(grep '^n .*total' $work/held_${pc}_m$m.txt)
    fb[$pc]=""; grep -q "using Jacobi (fallback)" $work/held_${pc}_m$m.txt && fb[$pc]=" (fell back to Jacobi)"
    its[$pc]=$(echo "$line" | sed 's/.*mean \([0-9.]*\) iterations.*/\1/')
    set[$pc]=$(echo "$line" | sed 's/.*setup \([0-9.]*\) ms.*/\1/')
    sol[$pc]=$(echo "$line" | sed 's/.*solve \([0-9.]*\) ms.*/\1/')
    tot[$pc]=$(echo "$line" | sed 's/.*total \([0-9.]*\) ms.*/\1/')
  done
  best=$(awk -v a=${tot[fsai]} -v b=${tot[parasails]} 'BEGIN { print (a < b) ? a : b }')
  for pc in jacobi fsai parasails gcvae_shipped gcvae_mine; do
    awk -v n=$((m * m * m)) -v pc="$pc${fb[$pc]}" -v i=${its[$pc]} -v s=${set[$pc]} -v v=${sol[$pc]} -v t=${tot[$pc]} -v b=$best -v g=${its[gcvae_shipped]} \
      'BEGIN { printf "| %d | %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", n, pc, i, s, v, t, t / b, i / g }' >> $md
  done
  unset its tot set sol fb
done
echo >> $md
echo "Targets (issue: train on your own matrices): the user-trained model at most 0.85 x the shipped model's iterations and" >> $md
echo "at most FSAI's total time, on the held-out runs." >> $md
mv $md $out/ex3.md
cat $out/ex3.md
