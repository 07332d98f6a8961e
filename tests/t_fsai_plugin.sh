#!/usr/bin/env bash
# -dll_append lib/libgcvae.so -pc_type fsai in PETSc's own ksp/tutorials/ex2.c (compiled
# here from the Debian examples package into tests/out/, not kept in the repository):
# it must run with PC type fsai, converge, and beat Jacobi's iteration count.
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
PETSC_DIR=${PETSC_DIR:-/usr/lib/petsc}
src=$(ls /usr/share/petsc/3.*/share/petsc/examples/src/ksp/ksp/tutorials/ex2.c 2>/dev/null | head -n 1)
[ -n "$src" ] || { echo "skip: PETSc's ksp/tutorials/ex2.c not installed (libpetsc3.18-dev-examples)"; exit 77; }
out=tests/out/plugin; mkdir -p $out
cat > $out/makefile <<MK
include $PETSC_DIR/lib/petsc/conf/variables
ex2: $src
	\$(PCC) -O2 \$(PETSC_CC_INCLUDES) \$< -o \$@ \$(PETSC_LIB)
MK
make -s -C $out ex2 || { echo "FAIL: could not compile $src"; exit 1; }
lib=$PWD/lib/libgcvae.so
status=0
for np in 1 2; do
  f=$($MPIEXEC -n $np $out/ex2 -m 40 -n 40 -ksp_type cg -dll_append $lib -pc_type fsai -ksp_view < /dev/null | tee $out/fsai_np$np.txt)
  j=$($MPIEXEC -n $np $out/ex2 -m 40 -n 40 -ksp_type cg -pc_type jacobi < /dev/null)
  grep -q 'type: fsai' $out/fsai_np$np.txt || { echo "FAIL (np $np): PC type fsai not in -ksp_view"; status=1; }
  grep 'nnz(G)' $out/fsai_np$np.txt
  itf=$(echo "$f" | awk '/^Norm of error/ { print $NF }'); itj=$(echo "$j" | awk '/^Norm of error/ { print $NF }')
  echo "np $np: ex2 CG iterations fsai $itf, jacobi $itj"
  [ -n "$itf" ] && [ -n "$itj" ] && [ "$itf" -lt "$itj" ] || { echo "FAIL (np $np): fsai should need fewer iterations than jacobi"; status=1; }
done
[ $status -eq 0 ] && echo PASS
exit $status
