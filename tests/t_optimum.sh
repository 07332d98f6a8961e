#!/bin/bash
# gcvae-compare's optimum row is the ceiling of the model it is compared with: the per-matrix
# minimiser of ||I - R^T A R||_F^2 on the mask that model's gcvae row uses (its mask_extra), unless
# -extra says otherwise. Asserted: the optimum's nnz(R)/nnz(A) is the model's mask (Poisson model
# pattern(A): 1.000; biharmonic model pattern(A) + 0.5 nnz(A): 1.4-1.5, the two-hop candidates
# rounded per row), -extra 0.2 overrides it, and on that mask the optimum's loss is below gcvae's
# (the optimum minimises exactly that loss; gcvae's R lies on the same mask, droptol only removes
# entries) and gcvae's below Jacobi's.
set -e
mkdir -p tests/out
bin/gcvae-datagen -family poisson -mesh meshes/square_102.msh -samples 10 -seed 55 -o tests/out/opt_p102.h5 > /dev/null
bin/gcvae-datagen -family biharmonic -mesh meshes/square_24.msh -samples 10 -seed 55 -o tests/out/opt_b113.h5 > /dev/null
check() { # label data model lo hi [options]
  local label=$1 data=$2 model=$3 lo=$4 hi=$5; shift 5
  bin/gcvae-compare -data $data -model $model -pcs jacobi,gcvae,optimum -format csv "$@" > tests/out/opt_$label.csv
  awk -F, -v label=$label -v lo=$lo -v hi=$hi '
    $1=="jacobi"{lj=$10} $1=="gcvae"{lg=$10; ig=$2} $1=="optimum"{lo_=$10; io=$2; nz=$9}
    END{ok=(nz>=lo && nz<=hi && lo_<lg && lg<lj);
        printf "%s %s: optimum nnz/nnz(A) %s (asserted in [%s, %s]), loss optimum %s < gcvae %s < jacobi %s; its optimum %s, gcvae %s\n",
               ok?"ok  ":"FAIL", label, nz, lo, hi, lo_, lg, lj, io, ig; exit !ok}' tests/out/opt_$label.csv
}
check poisson tests/out/opt_p102.h5 models/poisson.bin 0.999 1.001
check poisson_extra0.2 tests/out/opt_p102.h5 models/poisson.bin 1.15 1.25 -extra 0.2
check biharmonic tests/out/opt_b113.h5 models/biharmonic.bin 1.35 1.55
grep -q "optimum's mask pattern(A) + 0.5 nnz(A)" tests/out/opt_biharmonic.csv || { echo "FAIL: the header does not name the optimum's mask"; exit 1; }
