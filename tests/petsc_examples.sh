#!/usr/bin/env bash
# PETSc's own programs, unchanged, with the shipped model: ksp/tutorials/ex2.c (5-point
# Laplacian, -m 64 -n 64) and snes/tutorials/ex12.c (P1 Poisson on a gmsh mesh), built here
# from Debian's libpetsc3.18-dev-examples into tests/out/ (not kept in the repository), run with
#   -dll_append lib/libpcgcvae.so -pc_type gcvae -pc_gcvae_model models/poisson.bin
# They must converge, report PC type gcvae, and need fewer CG iterations than Jacobi in the same run.
# The gcvae runs of ex2 use -fp_trap: generating R must raise no floating-point exception
# (division by zero, invalid, overflow), which a vectorized or speculated operation could.
set -u
cd "$(dirname "$0")/.."
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
PETSC_DIR=${PETSC_DIR:-/usr/lib/petsc}
ex=/usr/share/petsc/3.18/share/petsc/examples/src
[ -f $ex/ksp/ksp/tutorials/ex2.c ] && [ -f $ex/snes/tutorials/ex12.c ] || { echo "skip: PETSc's examples not installed (libpetsc3.18-dev-examples)"; exit 77; }
[ -f models/poisson.bin ] || { echo "FAIL: models/poisson.bin is missing (make models)"; exit 1; }
out=tests/out/petsc_examples; mkdir -p $out
cat > $out/makefile <<MK
include $PETSC_DIR/lib/petsc/conf/variables
ex2: $ex/ksp/ksp/tutorials/ex2.c
	\$(PCC) -O2 \$(PETSC_CC_INCLUDES) \$< -o \$@ \$(PETSC_LIB)
ex12: $ex/snes/tutorials/ex12.c
	\$(PCC) -O2 \$(PETSC_CC_INCLUDES) \$< -o \$@ \$(PETSC_LIB)
MK
make -s -C $out ex2 ex12 || { echo "FAIL: could not compile PETSc's examples"; exit 1; }
gc="-dll_append $PWD/lib/libpcgcvae.so -pc_type gcvae -pc_gcvae_model models/poisson.bin"
status=0
for np in 1 2; do
  g=$($MPIEXEC -n $np $out/ex2 -m 64 -n 64 -ksp_type cg $gc -fp_trap -ksp_view < /dev/null 2>&1 | tee $out/ex2_gcvae_np$np.txt)
  j=$($MPIEXEC -n $np $out/ex2 -m 64 -n 64 -ksp_type cg -pc_type jacobi < /dev/null 2>&1)
  grep -q 'type: gcvae' $out/ex2_gcvae_np$np.txt || { echo "FAIL ex2 np $np: PC type gcvae not in -ksp_view"; status=1; }
  grep 'probe' $out/ex2_gcvae_np$np.txt
  itg=$(echo "$g" | awk '/^Norm of error/ { print $NF }'); itj=$(echo "$j" | awk '/^Norm of error/ { print $NF }')
  echo "ksp ex2 -m 64 -n 64, np $np: CG iterations gcvae $itg, jacobi $itj"
  [ -n "$itg" ] && [ -n "$itj" ] && [ "$itg" -lt "$itj" ] || { echo "FAIL ex2 np $np: gcvae should need fewer iterations than jacobi"; status=1; }
  m="-dm_plex_filename meshes/square_433.msh -dm_plex_boundary_label marker -petscspace_degree 1 -bc_type dirichlet -ksp_type cg -ksp_converged_reason"
  g=$($MPIEXEC -n $np $out/ex12 $m $gc < /dev/null 2>&1); j=$($MPIEXEC -n $np $out/ex12 $m -pc_type jacobi < /dev/null 2>&1)
  itg=$(echo "$g" | awk '/Linear solve converged/ { print $NF; exit }'); itj=$(echo "$j" | awk '/Linear solve converged/ { print $NF; exit }')
  echo "snes ex12 on meshes/square_433.msh, np $np: first linear solve, CG iterations gcvae $itg, jacobi $itj"
  [ -n "$itg" ] && [ -n "$itj" ] && [ "$itg" -lt "$itj" ] || { echo "FAIL ex12 np $np: gcvae should converge in fewer iterations than jacobi"; echo "$g" | tail -5; status=1; }
done
[ $status -eq 0 ] && echo PASS
exit $status
