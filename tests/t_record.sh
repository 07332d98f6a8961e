#!/usr/bin/env bash
# Recording matrices from PETSc programs (-pc_gcvae_record) and datasets from them
# (gcvae-datagen -matrices), end to end. Asserted:
#  1. tutorials/ex1 without a model records one matrix per run, uses Jacobi and says why (PCView),
#     and so needs exactly Jacobi's iterations; nothing but complete *.bin files is left in DIR.
#  2. PETSc's own ksp ex2 (compiled from the Debian examples) records on 1, 2 and 3 processes the
#     same file byte for byte (PETSc's binary format does not depend on the layout), with a model.
#  3. -pc_gcvae_record_every 2 over 5 setups of one KSP (petsc4py) records setups 1, 3, 5.
#  4. gcvae-datagen -matrices makes a dataset that gcvae-compare and gcvae-train read (one epoch),
#     and the model trained on it loads in ex1; two patterns give two datasets (<o>_0, <o>_1).
#  5. Every bad input is an error naming its file, and leaves no output and no temporary.
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
PETSC_DIR=${PETSC_DIR:-/usr/lib/petsc}
out=tests/out/record; rm -rf $out; mkdir -p $out
plugin="-dll_append lib/libpcgcvae.so"
fail() { echo "FAIL: $*"; exit 1; }
its() { awk '/CG converged in/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i + 1) }'; }

# 1. ex1, no model
for s in 1 2 3; do
  tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/rec -coeff_seed $s -ksp_view > $out/ex1_$s.txt 2>&1 || fail "ex1 recording run $s: $(tail -3 $out/ex1_$s.txt)"
  grep -q "using Jacobi (fallback): no model (-pc_gcvae_model): recording to $out/rec only" $out/ex1_$s.txt || fail "ex1 run $s: PCView does not say it records with Jacobi"
  g=$(its < $out/ex1_$s.txt); j=$(tutorials/ex1 -pc_type jacobi -coeff_seed $s | its)
  [ -n "$g" ] && [ "$g" = "$j" ] || fail "ex1 run $s: $g iterations recording without a model, Jacobi $j"
done
n=$(ls $out/rec | wc -l); nb=$(ls $out/rec/*.bin | wc -l)
[ "$n" = 3 ] && [ "$nb" = 3 ] || fail "3 runs left $n files in $out/rec ($nb *.bin): $(ls $out/rec)"
echo "ok 1: ex1 without a model: 3 matrices recorded, Jacobi's iterations ($j at seed 3)"

# 2. PETSc's ksp ex2 on 1, 2, 3 processes: the same bytes
src=$(ls /usr/share/petsc/3.*/share/petsc/examples/src/ksp/ksp/tutorials/ex2.c 2>/dev/null | head -n 1)
if [ -n "$src" ]; then
  cat > $out/makefile <<MK
include $PETSC_DIR/lib/petsc/conf/variables
ex2: $src
	\$(PCC) -O2 \$(PETSC_CC_INCLUDES) \$< -o \$@ \$(PETSC_LIB)
MK
  make -s -C $out ex2 || fail "could not compile $src"
  for np in 1 2 3; do
    $MPIEXEC -n $np $out/ex2 -m 20 -n 20 -ksp_type cg $plugin -pc_type gcvae -pc_gcvae_model models/poisson.bin -pc_gcvae_record $out/ex2_np$np < /dev/null > $out/ex2_np$np.txt 2>&1 || fail "ksp ex2 on $np processes: $(tail -3 $out/ex2_np$np.txt)"
    [ "$(ls $out/ex2_np$np | wc -l)" = 1 ] || fail "ksp ex2 on $np processes: $(ls $out/ex2_np$np | wc -l) files, not 1"
  done
  for np in 2 3; do cmp -s $out/ex2_np1/*.bin $out/ex2_np$np/*.bin || fail "ksp ex2: the matrix recorded on $np processes differs from the one recorded on 1"; done
  echo "ok 2: PETSc ksp ex2 records the same matrix on 1, 2, 3 processes ($(stat -c %s $out/ex2_np1/*.bin) bytes)"
else
  echo "skip 2: PETSc's ksp/tutorials/ex2.c not installed (libpetsc3.18-dev-examples)"
fi

# 3. every 2nd of 5 setups
r=$(/usr/bin/python3 tests/record_helper.py every $out/every 2>&1) || fail "record_helper.py every: $r"
[ "$r" = "setups 5 recorded 3" ] || fail "-pc_gcvae_record_every 2: '$r', expected 'setups 5 recorded 3'"
echo "ok 3: -pc_gcvae_record_every 2: $r"

# 4. dataset, compare, train, use
bin/gcvae-datagen -matrices "$out/rec,$out/every/*.bin" -test_fraction 0.34 -o $out/set.h5 > $out/datagen.txt 2>&1 || fail "datagen -matrices: $(tail -3 $out/datagen.txt)"
grep -q "6 matrices from $out/rec,$out/every/\*.bin, 2 sparsity patterns" $out/datagen.txt || fail "datagen: expected 6 matrices of 2 patterns: $(cat $out/datagen.txt)"
[ -f $out/set_0.h5 ] && [ -f $out/set_1.h5 ] && [ ! -e $out/set.h5 ] || fail "two patterns should give set_0.h5 and set_1.h5: $(ls $out)"
grep -q "wrote $out/set_0.h5: n = 433, 3 matrices" $out/datagen.txt && grep -q "wrote $out/set_1.h5: n = 144, 3 matrices" $out/datagen.txt || fail "datagen: $(cat $out/datagen.txt)"
bin/gcvae-compare -data $out/set_0.h5 -model models/poisson.bin -pcs jacobi,gcvae -format csv > $out/compare.csv 2>&1 || fail "compare on the recorded set: $(tail -3 $out/compare.csv)"
grep -q "n 433, nnz 2873" $out/compare.csv || fail "compare: the recorded set is not ex1's n 433, nnz 2873 matrix: $(head -2 $out/compare.csv)"
bin/gcvae-train -data $out/set_0.h5,$out/set_1.h5 -epochs 1 -hidden 8 -gat_layers 2 -heads 2 -decoder_hidden 8 -extra 0 -o $out/mine.bin > $out/train.txt 2>&1 || fail "train on the recorded sets: $(tail -3 $out/train.txt)"
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_model $out/mine.bin -ksp_view > $out/use.txt 2>&1 || fail "ex1 with the recorded model: $(tail -3 $out/use.txt)"
grep -q "trained on recorded (recorded:" $out/use.txt || fail "PCView does not name the recorded training set: $(grep 'trained on' $out/use.txt)"
echo "ok 4: datagen -matrices: 2 datasets (n 433, 144), compare and train read them, ex1 loads the model"

# 5. bad inputs
mkdir -p $out/bad && /usr/bin/python3 tests/record_helper.py bad $out/bad || fail "record_helper.py bad"
mkdir -p $out/empty
bad() { # label list expected-message [options]
  local label=$1 list=$2 msg=$3; shift 3
  bin/gcvae-datagen -matrices "$list" -o $out/bad.h5 "$@" > $out/bad_$label.txt 2>&1 && fail "$label: datagen accepted $list"
  grep -qF -- "$msg" $out/bad_$label.txt || fail "$label: expected the error '$msg', got: $(grep ERROR $out/bad_$label.txt | sed -n 3p)"
  [ -z "$(ls $out | grep '^bad\.h5')" ] || fail "$label: output left behind: $(ls $out | grep '^bad\.h5')"
}
bad nonsquare "$out/rec,$out/bad/nonsquare.bin" "$out/bad/nonsquare.bin: the matrix is 3 x 4, not square"
bad nonsymmetric "$out/rec,$out/bad/nonsymmetric.bin" "$out/bad/nonsymmetric.bin: the matrix is not symmetric"
bad negdiag "$out/bad/negdiag.bin" "$out/bad/negdiag.bin: Matrix diagonal must be positive (an SPD matrix): entry 5"
bad indefinite "$out/rec,$out/bad/indefinite.bin" "$out/bad/indefinite.bin: Matrix is not positive definite"
bad vector "$out/bad/vector.bin" "$out/bad/vector.bin: Not a matrix object in file"
bad missing "$out/nope" "-matrices: $out/nope: no such file"
bad empty "$out/empty" "-matrices: the directory $out/empty holds no *.bin file"
bad noglob "$out/empty/*.bin" "-matrices: no file matches $out/empty/*.bin"
bad too_large "$out/rec" "n = 433: the dataset's |A^-1| image needs a dense inverse" -max_n 400
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/bad/vector.bin/deeper > $out/bad_dir.txt 2>&1 && fail "recording into a directory under a file succeeded"
grep -q "pc_gcvae_record $out/bad/vector.bin/deeper: the directory does not exist and cannot be created" $out/bad_dir.txt || fail "bad record dir: $(grep ERROR $out/bad_dir.txt | sed -n 3p)"
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/bad/vector.bin > $out/bad_dir2.txt 2>&1 && fail "recording into a file succeeded"
grep -q "pc_gcvae_record $out/bad/vector.bin: exists and is not a directory" $out/bad_dir2.txt || fail "record dir is a file: $(grep ERROR $out/bad_dir2.txt | sed -n 3p)"
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/new/deeper > /dev/null 2>&1 && [ "$(ls $out/new/deeper | wc -l)" = 1 ] || fail "recording into a new directory with a new parent (mkdir -p) did not record one file"
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/rec -pc_gcvae_fallback error > $out/bad_fb.txt 2>&1 && fail "recording without a model and -pc_gcvae_fallback error succeeded"
grep -q "keep -pc_gcvae_fallback jacobi" $out/bad_fb.txt || fail "no-model error: $(grep ERROR $out/bad_fb.txt | sed -n 3p)"
tutorials/ex1 $plugin -pc_type gcvae -pc_gcvae_record $out/rec -pc_gcvae_record_every 0 > $out/bad_every.txt 2>&1 && fail "-pc_gcvae_record_every 0 accepted"
grep -q "pc_gcvae_record_every 0 must be >= 1" $out/bad_every.txt || fail "record_every 0: $(grep ERROR $out/bad_every.txt | sed -n 3p)"
echo "ok 5: 13 bad inputs, each a clear error naming its file or option, no output left"
echo PASS
