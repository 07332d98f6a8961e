#!/usr/bin/env bash
# gcvae-train -device cuda (the conv layers through cuDNN) against -device cpu: a tiny P1
# Poisson dataset (n = 66), the cnn decoder (image encoder convs and decoder transposed convs
# both on cuDNN), 2 epochs with the same seed; every epoch's train and test loss must agree to
# 1e-3 relative (float32 layers summed in another order; the rest of training is the same code).
# Without a device (or a CUDA=1 build) it prints "SKIP: ..." and exits 77.
set -u
cd "$(dirname "$0")/.."
tests/bin/t_cuda -test device || exit $?
out=tests/out/cuda_train; rm -rf $out; mkdir -p $out
bin/gcvae-datagen -family poisson -mesh meshes/square_66.msh -samples 8 -seed 21 -o $out/ds66.h5 > /dev/null || exit 1
for d in cpu cuda; do
  bin/gcvae-train -data $out/ds66.h5 -decoder cnn -epochs 2 -batch 4 -seed 3 -eval_every 100 -device $d -o $out/$d.bin > $out/$d.log 2>&1 || { echo "FAIL gcvae-train -device $d:"; cat $out/$d.log; exit 1; }
done
grep '^train: on cuDNN' $out/cuda.log || { echo "FAIL -device cuda did not say which layers run on cuDNN"; exit 1; }
losses() { sed -n 's/^epoch *\([0-9]*\) *train loss \([^ ]*\).*test loss \([^ ]*\).*/\1 \2 \3/p' "$1"; }
paste -d' ' <(losses $out/cpu.log) <(losses $out/cuda.log) | awk '
  function rel(a, b) { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; return d / (s > 1e-30 ? s : 1e-30) }
  NF == 6 { n++; r1 = rel($5, $2); r2 = rel($6, $3); ok = (r1 <= 1e-3 && r2 <= 1e-3); bad += !ok
            printf "%s epoch %d: train loss cpu %s cuda %s (rel %.1e), test loss cpu %s cuda %s (rel %.1e)\n", ok ? "ok  " : "FAIL", $1, $2, $5, r1, $3, $6, r2 }
  END { if (n != 2) { print "FAIL expected 2 epochs from each run, compared " n; exit 1 } exit bad > 0 }'
