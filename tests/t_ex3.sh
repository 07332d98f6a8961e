#!/usr/bin/env bash
# tutorials/ex3.sh --quick: the whole "train on your own matrices" pipeline on small sizes (record
# from tutorials/ex3 without a model, gcvae-datagen -matrices -image block with two patterns,
# gcvae-train one epoch, held-out runs of five PCs). Asserted: it runs; the table has the five
# rows with numbers; the shipped model and FSAI need fewer iterations than Jacobi (3-D Poisson,
# kappa ~ 1e2-1e3: any working SPAI does); the recorded sets are the two sizes; bad ex3 input is
# a clear error. The quality targets are for the full run (tutorials/results/ex3.md), not this one.
set -u
cd "$(dirname "$0")/.."
fail() { echo "FAIL: $*"; exit 1; }
bash tutorials/ex3.sh --quick > tests/out/ex3_quick.txt 2>&1 || fail "ex3.sh --quick: $(tail -5 tests/out/ex3_quick.txt)"
md=data/ex3_quick/ex3.md
[ -f $md ] || fail "no $md"
rows=$(grep -c '^| 512 |' $md)
[ "$rows" = 5 ] || fail "$rows table rows for n 512, expected 5: $(cat $md)"
its() { grep "^| 512 | $1[ |]" $md | awk -F'|' '{ print $4 + 0 }'; }
j=$(its jacobi); f=$(its fsai); g=$(its gcvae_shipped)
awk -v j=$j -v f=$f -v g=$g 'BEGIN { exit !(j > 0 && f > 0 && g > 0 && f < j && g < j) }' || fail "iterations jacobi $j, fsai $f, shipped gcvae $g: the SPAIs should beat Jacobi"
grep -q "wrote data/ex3_quick/set_0.h5: n = 216, 10 matrices" data/ex3_quick/datagen.txt && grep -q "wrote data/ex3_quick/set_1.h5: n = 512, 10 matrices" data/ex3_quick/datagen.txt || fail "datasets: $(cat data/ex3_quick/datagen.txt)"
tutorials/ex3 -contrast 0.5 > tests/out/ex3_bad.txt 2>&1 && fail "ex3 -contrast 0.5 accepted"
grep -q "contrast 0.5 must be >= 1" tests/out/ex3_bad.txt || fail "ex3 -contrast 0.5: $(grep ERROR tests/out/ex3_bad.txt | sed -n 3p)"
echo "ok: ex3 pipeline; n 512 iterations jacobi $j, fsai $f, shipped gcvae $g"
echo PASS
