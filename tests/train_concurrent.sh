#!/usr/bin/env bash
# Two gcvae-train runs with the same -o at the same time (different seeds): both succeed,
# and what is left is one valid model and one valid checkpoint, each complete and from one
# of the runs (last rename wins), and no temporaries. GCVAE_TEST_HOLD (training/checkpoint.h)
# parks each run before the rename of its first checkpoint until both temporaries exist, so
# the runs overlap for sure (with one shared "<o>.tmp" name they could not both get there).
set -u
cd "$(dirname "$0")/.."
out=tests/out/train_concurrent; rm -rf $out; mkdir -p $out
fails=0
fail() { echo "FAIL $*"; fails=$((fails+1)); }
fp() { grep -o 'fingerprint [0-9a-f]*' "$1" | awk '{print $2}'; }
bin/gcvae-datagen -family poisson -mesh meshes/square_102.msh -samples 30 -seed 4 -o $out/d.h5 > /dev/null || { echo "FAIL datagen"; exit 1; }
common="-data $out/d.h5 -decoder graph -hidden 16 -gat_layers 3 -heads 2 -latent 4 -decoder_hidden 16 -batch 4 -lr 3e-3 -eval_every 3 -epochs 3"
o=$out/m.bin
GCVAE_TEST_HOLD=$out/go bin/gcvae-train $common -seed 1 -o $o > $out/a.log 2>&1 & pa=$!
GCVAE_TEST_HOLD=$out/go bin/gcvae-train $common -seed 2 -o $o > $out/b.log 2>&1 & pb=$!
for i in $(seq 1200); do [ "$(ls $o.ckpt.tmp.* 2>/dev/null | wc -l)" -ge 2 ] && break; kill -0 $pa $pb 2>/dev/null || break; sleep 0.1; done
n=$(ls $o.ckpt.tmp.* 2>/dev/null | wc -l)
[ $n -eq 2 ] && echo "ok   both runs hold a complete checkpoint temporary of their own at once" || fail "$n checkpoint temporaries at the hold, expected 2"
touch $out/go
wait $pa; ra=$?; wait $pb; rb=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] && echo "ok   both runs succeeded" || fail "exit codes $ra, $rb: $(grep -h -m1 'ERROR: [^-]' $out/a.log $out/b.log)"
left=$(ls $o.tmp.* $o.ckpt.tmp.* 2>/dev/null)
[ -z "$left" ] && echo "ok   no temporaries left" || fail "temporaries left: $left"
fa=$(fp $out/a.log); fb=$(fp $out/b.log)
[ -n "$fa" ] && [ -n "$fb" ] && [ "$fa" != "$fb" ] || fail "the two seeds gave the fingerprints '$fa' and '$fb'"
# the model file: its CRC-32 holds, and its parameters (bytes 728..end-4) are one run's
fm=$(python3 -c '
import sys, zlib
b = open(sys.argv[1], "rb").read()
ok = b[:8] == b"PCGCVAE\0" and zlib.crc32(b[:-4]) == int.from_bytes(b[-4:], "little")
print("%08x" % zlib.crc32(b[728:-4]) if ok else "invalid")' $o)
[ "$fm" = "$fa" ] || [ "$fm" = "$fb" ] && echo "ok   $o is a valid model, one run's whole ($fm; runs $fa, $fb)" || fail "$o: $fm is neither run ($fa, $fb)"
# the checkpoint: valid, at epoch 3, and resuming it reproduces one run's parameters
bin/gcvae-train $common -seed 1 -o $o -resume > $out/r.log 2>&1 || fail "resume of the shared checkpoint: $(grep -m1 'ERROR: [^-]' $out/r.log)"
fr=$(fp $out/r.log)
grep -q "resuming from $o.ckpt after epoch 3 " $out/r.log && { [ "$fr" = "$fa" ] || [ "$fr" = "$fb" ]; } && echo "ok   $o.ckpt is a valid checkpoint of one run (epoch 3, $fr)" || fail "$o.ckpt: $(grep -m1 resuming $out/r.log), $fr"
[ $fails -eq 0 ] && echo PASS || echo "FAIL ($fails)"
exit $fails
