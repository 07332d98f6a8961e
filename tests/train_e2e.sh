#!/usr/bin/env bash
# Train then solve, end to end, on a small Poisson dataset:
#  - the trained graph model beats Jacobi in CG iterations and loss on the held-out matrices;
#  - training is deterministic for a seed, and a run stopped after 3 epochs and resumed to 6
#    gives the same parameters as an uninterrupted 6-epoch run;
#  - a killed run leaves a checkpoint -resume continues from;
#  - bad inputs (missing data, bad decoder, edge layers with the cnn decoder) fail with a message.
set -u
cd "$(dirname "$0")/.."
out=tests/out/train_e2e; rm -rf $out; mkdir -p $out
fails=0
fail() { echo "FAIL $*"; fails=$((fails+1)); }
fp() { grep -o 'fingerprint [0-9a-f]*' "$1" | awk '{print $2}'; }
bin/gcvae-datagen -family poisson -mesh meshes/square_102.msh -samples 60 -seed 4 -o $out/d.h5 > /dev/null || { echo "FAIL datagen"; exit 1; }
common="-data $out/d.h5 -decoder graph -hidden 16 -gat_layers 3 -heads 2 -latent 4 -decoder_hidden 16 -batch 4 -lr 3e-3 -seed 9 -eval_every 3"
bin/gcvae-train $common -epochs 6 -o $out/full.bin > $out/full.log 2>&1 || fail "training (see $out/full.log)"
cat $out/full.log
bin/gcvae-train $common -epochs 6 -o $out/again.bin > $out/again.log 2>&1 || fail "second training"
[ -n "$(fp $out/full.log)" ] && [ "$(fp $out/full.log)" = "$(fp $out/again.log)" ] && echo "ok   same seed, same parameters ($(fp $out/full.log))" || fail "same seed gave different parameters"
bin/gcvae-train $common -epochs 3 -o $out/part.bin > $out/part.log 2>&1 || fail "3-epoch training"
bin/gcvae-train $common -epochs 6 -o $out/part.bin -resume > $out/resume.log 2>&1 || fail "resume"
grep -q "resuming from $out/part.bin.ckpt after epoch 3" $out/resume.log && echo "ok   resumed after epoch 3" || fail "resume message"
[ "$(fp $out/full.log)" = "$(fp $out/resume.log)" ] && echo "ok   3 epochs + resume to 6 = 6 epochs ($(fp $out/resume.log))" || fail "resumed run differs: $(fp $out/resume.log) vs $(fp $out/full.log)"
# a killed run: the checkpoint of the last finished epoch survives and resumes
bin/gcvae-train $common -epochs 100000 -o $out/kill.bin > $out/kill.log 2>&1 &
pid=$!
for i in $(seq 100); do [ -f $out/kill.bin.ckpt ] && break; sleep 0.1; done
sleep 0.3; kill -9 $pid; wait $pid 2>/dev/null
ls $out/kill.bin.ckpt $out/kill.bin.ckpt.state > /dev/null 2>&1 && echo "ok   killed run left its checkpoint" || fail "no checkpoint after kill"
done_epochs=$(grep -c '^epoch' $out/kill.log)
bin/gcvae-train $common -epochs $((done_epochs + 1)) -o $out/kill.bin -resume > $out/kill_resume.log 2>&1 && grep -q "resuming" $out/kill_resume.log && echo "ok   resumed the killed run (it had finished $done_epochs epochs)" || fail "resume after kill: $(tail -3 $out/kill_resume.log)"
# the trained model against Jacobi on the held-out matrices
bin/gcvae-compare -data $out/d.h5 -model $out/full.bin -pcs jacobi,gcvae -format csv > $out/compare.csv 2>&1 || fail "compare"
cat $out/compare.csv
awk -F, '$1=="jacobi"{ij=$2; lj=$10} $1=="gcvae"{ig=$2; lg=$10} END{ok=(ig<ij && lg<0.6*lj); printf "%s  gcvae %.1f its, loss %g; jacobi %.1f its, loss %g (asserted: fewer its, loss < 0.6 x jacobi)\n", ok?"ok  ":"FAIL", ig, lg, ij, lj; exit !ok}' $out/compare.csv || fails=$((fails+1))
# bad inputs
bin/gcvae-train -data $out/none.h5 -epochs 1 -o $out/x.bin > $out/bad1.log 2>&1 && fail "missing data accepted" || { grep -q "does not exist" $out/bad1.log && echo "ok   missing data rejected" || fail "missing data message"; }
bin/gcvae-train -data $out/d.h5 -decoder mlp -epochs 1 -o $out/x.bin > $out/bad2.log 2>&1 && fail "bad decoder accepted" || { grep -q "use graph or cnn" $out/bad2.log && echo "ok   bad decoder rejected" || fail "bad decoder message"; }
bin/gcvae-train -data $out/d.h5 -epochs 0 -o $out/x.bin > $out/bad3.log 2>&1 && fail "0 epochs accepted" || { grep -q "must be > 0" $out/bad3.log && echo "ok   -epochs 0 rejected" || fail "-epochs 0 message"; }
bin/gcvae-train -data $out/d.h5 -decoder cnn -edge_layers 2 -epochs 1 -o $out/x.bin > $out/bad4.log 2>&1 && fail "cnn with edge layers accepted" || { grep -q "the cnn decoder has no edge states" $out/bad4.log && echo "ok   -decoder cnn -edge_layers 2 rejected" || fail "cnn edge_layers message"; }
[ $fails -eq 0 ] && echo PASS || echo "FAIL ($fails)"
exit $fails
