#!/usr/bin/env bash
# gcvae-train on several datasets (-data a.h5,b.h5): two tiny P1 Poisson datasets of different n
# and mesh shape (graded square n 71, L-shape n 75):
#  - training works, prints one test line per dataset (with CG at the evaluation epochs) and the
#    memory of the prepared matrices, and the model header records both meshes, the largest n
#    and the total of training matrices;
#  - it is deterministic for a seed (two runs, same parameter fingerprint), and a run killed
#    right after epoch 2's checkpoint (GCVAE_TEST_KILL) resumes to the uninterrupted run's
#    parameters, bit for bit;
#  - the cnn decoder trains on two datasets of one n;
#  - clear errors: datasets of two families, the cnn decoder on two n, and -resume with another
#    dataset list (other order, fewer, other -max_train) or an unknown file in the list.
set -u
cd "$(dirname "$0")/.."
out=tests/out/train_multi; rm -rf $out; mkdir -p $out
fails=0
fail() { echo "FAIL $*"; fails=$((fails+1)); }
fp() { grep -o 'fingerprint [0-9a-f]*' "$1" | awk '{print $2}'; }
# the PETSc message of a failed run: the line after the error class
msg() { grep 'PETSC ERROR' "$1" | sed -n 3p | sed 's/^\[0\]PETSC ERROR: //'; }
# refused: exit != 0 and the message has the text
refused() { # name log text
  local name=$1 log=$2 text=$3
  if grep -qF -- "$text" $log; then echo "ok   $name refused: $(msg $log | cut -c1-200)"; else fail "$name: $(msg $log)"; fi
}
export OPENBLAS_NUM_THREADS=1
bin/gcvae-datagen -family poisson -mesh meshes/graded_71.msh -samples 12 -seed 5 -o $out/pg.h5 > /dev/null || { echo "FAIL datagen graded"; exit 1; }
bin/gcvae-datagen -family poisson -mesh meshes/lshape_75.msh -samples 12 -seed 6 -o $out/pl.h5 > /dev/null || { echo "FAIL datagen lshape"; exit 1; }
bin/gcvae-datagen -family biharmonic -mesh meshes/lshape_75.msh -samples 5 -seed 7 -o $out/bl.h5 > /dev/null || { echo "FAIL datagen biharmonic"; exit 1; }
two="$out/pg.h5,$out/pl.h5"
common="-decoder graph -hidden 16 -gat_layers 3 -heads 2 -latent 4 -decoder_hidden 16 -batch 4 -lr 3e-3 -seed 9 -eval_every 2 -eval_samples 2"
bin/gcvae-train -data $two $common -epochs 4 -o $out/full.bin > $out/full.log 2>&1 || fail "training on two datasets: $(msg $out/full.log)"
cat $out/full.log
[ "$(grep -c "^      $out/pg.h5 (n 71): test loss" $out/full.log)" = 4 ] && [ "$(grep -c "^      $out/pl.h5 (n 75): test loss .* CG its" $out/full.log)" = 2 ] \
  && echo "ok   one test line per dataset and epoch, CG on the evaluation epochs" || fail "per-dataset lines"
grep -q "train: the 24 prepared matrices (20 train, 4 test) hold [0-9.]* MB" $out/full.log && echo "ok   prepared memory printed" || fail "no prepared-memory line"
hdr=$(python3 -c '
import sys, struct
b = open(sys.argv[1], "rb").read()
mesh = b[400:656].split(b"\0")[0].decode()
n, samples = struct.unpack("<qq", b[656:672])
print(b[144:400].split(b"\0")[0].decode(), mesh, n, samples)' $out/full.bin)
[ "$hdr" = "poisson meshes/graded_71.msh,meshes/lshape_75.msh 75 20" ] && echo "ok   header: family, meshes, largest n, training matrices: $hdr" || fail "header summary: $hdr"
bin/gcvae-train -data $two $common -epochs 4 -o $out/again.bin > $out/again.log 2>&1 || fail "second training"
[ -n "$(fp $out/full.log)" ] && [ "$(fp $out/full.log)" = "$(fp $out/again.log)" ] && echo "ok   same seed, same parameters ($(fp $out/full.log))" || fail "same seed gave different parameters: $(fp $out/full.log) vs $(fp $out/again.log)"
# killed right after epoch 2's checkpoint is in place; -resume continues after epoch 2
o=$out/kill.bin
{ GCVAE_TEST_KILL=ckpt_written:2 bin/gcvae-train -data $two $common -epochs 4 -o $o > $o.log 2>&1; rc=$?; } 2> /dev/null
[ $rc -eq 137 ] && [ ! -e $o ] || fail "ckpt_written:2: exit $rc (expected 137, no model)"
bin/gcvae-train -data $two $common -epochs 4 -o $o -resume > $o.resume.log 2>&1 || fail "resume: $(msg $o.resume.log)"
grep -q "resuming from $o.ckpt after epoch 2 " $o.resume.log && [ "$(fp $o.resume.log)" = "$(fp $out/full.log)" ] \
  && echo "ok   killed after epoch 2, resumed: same parameters as 4 uninterrupted epochs ($(fp $o.resume.log))" || fail "resumed run: $(grep -m1 resuming $o.resume.log), $(fp $o.resume.log) vs $(fp $out/full.log)"
# errors
bin/gcvae-train -data $out/pg.h5,$out/bl.h5 $common -epochs 1 -o $out/x.bin > $out/family.log 2>&1 && fail "two families accepted" \
  || refused "two families" $out/family.log "$out/bl.h5 is of family biharmonic, but $out/pg.h5 is of family poisson"
bin/gcvae-train -data $two $common -decoder cnn -edge_layers 0 -epochs 1 -o $out/x.bin > $out/cnn.log 2>&1 && fail "cnn decoder on two n accepted" \
  || refused "cnn decoder on n 71 and 75" $out/cnn.log "-decoder cnn generates matrices of one size, but $out/pg.h5 has n = 71 and $out/pl.h5 n = 75"
# the cnn decoder on two datasets of one n (one mesh, another seed) trains; the mesh is recorded once
bin/gcvae-datagen -family poisson -mesh meshes/graded_71.msh -samples 6 -seed 8 -o $out/pg2.h5 > /dev/null || fail "datagen graded, seed 8"
bin/gcvae-train -data $out/pg.h5,$out/pg2.h5 $common -decoder cnn -edge_layers 0 -epochs 1 -o $out/cnn.bin > $out/cnn_one_n.log 2>&1 \
  && [ "$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read()[400:656].split(b"\0")[0].decode())' $out/cnn.bin)" = meshes/graded_71.msh ] \
  && echo "ok   cnn decoder on two datasets of n 71 trains (mesh recorded once)" || fail "cnn decoder on one n: $(msg $out/cnn_one_n.log)"
bin/gcvae-train -data $out/pg.h5,$out/none.h5 $common -epochs 1 -o $out/x.bin > $out/none.log 2>&1 && fail "missing file accepted" \
  || refused "a missing file in the list" $out/none.log "Dataset file $out/none.h5 does not exist"
# -resume from full.bin.ckpt (epoch 4) to 5 epochs with another list
for v in "order:$out/pl.h5,$out/pg.h5:this run's dataset 1 ($out/pl.h5" "fewer:$out/pg.h5:than this run's 1" "max_train:$two -max_train 4:using 4 train) is not its dataset 1"; do
  name=${v%%:*}; rest=${v#*:}; args=${rest%%:*}; text=${rest#*:}
  cp $out/full.bin.ckpt $out/r_$name.bin.ckpt
  bin/gcvae-train -data $args $common -epochs 5 -o $out/r_$name.bin -resume > $out/r_$name.log 2>&1 && fail "resume with another list ($name) accepted" \
    || refused "resume with another dataset list ($name)" $out/r_$name.log "$text"
done
# the same datasets from another path are the same datasets
cp $out/pl.h5 $out/moved.h5
cp $out/full.bin.ckpt $out/r_moved.bin.ckpt
bin/gcvae-train -data $out/pg.h5,$out/moved.h5 $common -epochs 5 -o $out/r_moved.bin -resume > $out/r_moved.log 2>&1 && grep -q "resuming from $out/r_moved.bin.ckpt after epoch 4 " $out/r_moved.log \
  && echo "ok   a moved dataset file (same parameters) resumes" || fail "resume from a moved dataset: $(msg $out/r_moved.log)"
[ $fails -eq 0 ] && echo PASS || echo "FAIL ($fails)"
exit $fails
