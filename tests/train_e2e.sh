#!/usr/bin/env bash
# Train then solve, end to end, on a small Poisson dataset:
#  - the trained graph model beats Jacobi in CG iterations and loss on the held-out matrices;
#  - training is deterministic for a seed, and a run stopped after 3 epochs and resumed to 6
#    gives the same parameters as an uninterrupted 6-epoch run;
#  - killed runs always resume to the uninterrupted run's parameters, bit for bit. The kills
#    are deterministic (GCVAE_TEST_KILL, training/checkpoint.h), no sleep-then-kill: right
#    after epoch K's checkpoint is renamed into place, and halfway through writing it (the
#    previous checkpoint must survive, the temporary is left by SIGKILL and removed by the
#    next run), also in the first epoch (no checkpoint yet: -resume starts clean, saying so);
#  - an old-format or corrupt checkpoint is refused with a message;
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
# -resume before any checkpoint exists: starts from epoch 0, says so, same result
bin/gcvae-train $common -epochs 6 -o $out/fresh.bin -resume > $out/fresh.log 2>&1 || fail "-resume without a checkpoint: $(tail -3 $out/fresh.log)"
grep -q "no checkpoint $out/fresh.bin.ckpt yet: starting from epoch 0" $out/fresh.log && [ "$(fp $out/fresh.log)" = "$(fp $out/full.log)" ] && echo "ok   -resume without a checkpoint starts from epoch 0 ($(fp $out/fresh.log))" || fail "-resume without a checkpoint: $(grep train: $out/fresh.log | head -2)"
# killed runs: point K, the epoch -resume must continue after ("none": no checkpoint yet)
kill_case() {
  local point=$1 k=$2 after=$3 o=$out/kill_$1_$2.bin rc
  { GCVAE_TEST_KILL=$point:$k bin/gcvae-train $common -epochs 6 -o $o > $o.log 2>&1; rc=$?; } 2> /dev/null # no "Killed" from bash
  [ $rc -eq 137 ] || { fail "$point:$k: exit $rc, not killed (137): $(tail -2 $o.log)"; return; }
  [ ! -e $o ] || fail "$point:$k: the killed run wrote its final model"
  [ "$(grep -c '^epoch' $o.log)" = "$k" ] || fail "$point:$k: $(grep -c '^epoch' $o.log) epochs ran, expected $k"
  local tmps=$(ls $o.ckpt.tmp.* 2>/dev/null | wc -l)
  if [ $point = ckpt_partial ]; then
    # SIGKILL cannot clean up: the partial temporary stays, the complete checkpoint is untouched
    [ $tmps -eq 1 ] || fail "$point:$k: $tmps partial temporaries, expected 1"
    [ $tmps -eq 1 ] && [ $(stat -c %s $o.ckpt.tmp.*) -lt $(stat -c %s $out/full.bin.ckpt) ] || fail "$point:$k: the temporary is not a partial checkpoint"
  else
    [ $tmps -eq 0 ] || fail "$point:$k: $tmps temporaries left after the rename"
  fi
  bin/gcvae-train $common -epochs 6 -o $o -resume > $o.resume.log 2>&1 || { fail "$point:$k: resume failed: $(grep -m2 'ERROR: [^-]' $o.resume.log)"; return; }
  if [ $after = none ]; then after="from scratch"
    grep -q "no checkpoint $o.ckpt yet: starting from epoch 0" $o.resume.log || fail "$point:$k: resume did not start clean: $(grep -m1 train: $o.resume.log)"
  else
    after="after epoch $3"
    grep -q "resuming from $o.ckpt after epoch $3 " $o.resume.log || fail "$point:$k: resume not after epoch $after: $(grep -m1 resuming $o.resume.log)"
  fi
  if [ $point = ckpt_partial ]; then
    grep -q "train: removed $o.ckpt.tmp.[^ ]*, the temporary of process" $o.resume.log || fail "$point:$k: the stale temporary was not reported removed"
  fi
  ls $o.tmp.* $o.ckpt.tmp.* > /dev/null 2>&1 && fail "$point:$k: temporaries left after the resumed run: $(ls $o.tmp.* $o.ckpt.tmp.* 2>/dev/null)"
  [ "$(fp $o.resume.log)" = "$(fp $out/full.log)" ] && echo "ok   killed at $point:$k, resumed ($after): same parameters as 6 uninterrupted epochs ($(fp $o.resume.log))" || fail "$point:$k: resumed run differs: $(fp $o.resume.log) vs $(fp $out/full.log)"
}
kill_case ckpt_written 2 2    # the checkpoint of epoch 2 is in place
kill_case ckpt_partial 3 2    # epoch 3's is half-written: epoch 2's survives
kill_case ckpt_partial 1 none # epoch 1's is half-written: there is no checkpoint
# SIGINT/SIGTERM: the handlers remove the run's temporaries. GCVAE_TEST_HOLD parks the run
# before the rename of its first checkpoint (the temporary complete) until a file that never
# appears, so the signal lands while the temporary exists, whatever the timing.
for sig in INT TERM; do
  o=$out/sig$sig.bin
  GCVAE_TEST_HOLD=$out/never bin/gcvae-train $common -epochs 6 -o $o > $o.log 2>&1 & pid=$!
  for i in $(seq 600); do ls $o.ckpt.tmp.* > /dev/null 2>&1 && break; sleep 0.1; done
  ls $o.ckpt.tmp.* > /dev/null 2>&1 || fail "SIG$sig: no checkpoint temporary appeared"
  kill -$sig $pid; wait $pid; rc=$?
  [ $rc -ne 0 ] && ! ls $o* 2>/dev/null | grep -qv "\.log$" && echo "ok   SIG$sig while holding a checkpoint temporary (exit $rc) left nothing" || fail "SIG$sig: exit $rc, left: $(ls $o* | grep -v '\.log$')"
done
# a checkpoint of the old two-file format (a model file) and a corrupt one are refused by name
cp $out/full.bin $out/old.bin.ckpt
bin/gcvae-train $common -epochs 6 -o $out/old.bin -resume > $out/old.log 2>&1 && fail "old-format checkpoint accepted" || { grep -q "$out/old.bin.ckpt is a checkpoint of an older gcvae-train" $out/old.log && echo "ok   old-format checkpoint refused" || fail "old-format checkpoint message: $(grep -m1 'ERROR: [^-]' $out/old.log)"; }
cp $out/full.bin.ckpt $out/bad.bin.ckpt
printf '\x55' | dd of=$out/bad.bin.ckpt bs=1 seek=5000 conv=notrunc status=none
bin/gcvae-train $common -epochs 6 -o $out/bad.bin -resume > $out/bad.log 2>&1 && fail "corrupt checkpoint accepted" || { grep -q "checkpoint $out/bad.bin.ckpt: checksum mismatch" $out/bad.log && echo "ok   corrupt checkpoint refused" || fail "corrupt checkpoint message: $(grep -m1 'ERROR: [^-]' $out/bad.log)"; }
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
