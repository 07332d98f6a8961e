#!/usr/bin/env bash
# Data-parallel training: mpiexec -n P bin/gcvae-train deals each minibatch's matrices round the
# processes and sums their gradients (MPI_Allreduce). Asserted: on 2 and 3 processes the model is
# the one process's to rounding (max |a - b| / max |a| <= 1e-4 after 3 epochs, 15 AdamW steps;
# measured 5e-6; a model trained on other data differs by 1e-2), the printed losses and CG
# counts are the same to the digits printed, and only one process writes (one model, one line each).
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
export OPENBLAS_NUM_THREADS=1
out=tests/out/train_mpi; rm -rf $out; mkdir -p $out
fail() { echo "FAIL: $*"; exit 1; }
bin/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 40 -seed 21 -o $out/dp.h5 > /dev/null || fail datagen
for np in 1 2 3; do
  $MPIEXEC -n $np bin/gcvae-train -data $out/dp.h5 -epochs 3 -hidden 8 -gat_layers 2 -heads 2 -decoder_hidden 8 -o $out/np$np.bin < /dev/null > $out/np$np.txt 2>&1 || fail "train on $np processes: $(tail -3 $out/np$np.txt)"
  [ "$(grep -c '^epoch' $out/np$np.txt)" = 3 ] || fail "$np processes: $(grep -c '^epoch' $out/np$np.txt) epoch lines, not 3 (one process prints)"
done
for np in 2 3; do
  tests/bin/t_modeldiff -a $out/np1.bin -b $out/np$np.bin -tol 1e-4 || fail "the model of $np processes is not the one process's to rounding"
  diff <(grep '^epoch' $out/np1.txt | sed 's/  lr .*CG/ CG/; s/  lr .*//') <(grep '^epoch' $out/np$np.txt | sed 's/  lr .*CG/ CG/; s/  lr .*//') > /dev/null || fail "$np processes print other losses or CG counts: $(diff <(grep '^epoch' $out/np1.txt) <(grep '^epoch' $out/np$np.txt))"
done
[ -z "$(ls $out | grep '\.tmp\.')" ] || fail "temporaries left: $(ls $out)"
echo PASS
