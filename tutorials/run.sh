#!/usr/bin/env bash
# The main job (make run): tutorials/ex1 (P1 Poisson, DMPlex, gmsh meshes) solved by CG with the
# shipped model (PCGCVAE, loaded with -dll_append) beside jacobi, icc, ilu and fsai, at two sizes.
# Prints one table: iterations, setup and solve time (s), L2 error of the discrete solution.
set -u
cd "$(dirname "$0")/.."
model=${MODEL:-models/poisson.bin}
[ -f "$model" ] || { echo "run: $model is missing (make models)"; exit 1; }
printf "%-6s %-8s %6s %12s %12s %10s\n" n pc its setup_s solve_s L2_error
for mesh in meshes/square_433.msh meshes/square_1781.msh; do
  for pc in jacobi icc ilu fsai gcvae; do
    case $pc in
      fsai) opts="-dll_append lib/libgcvae.so -pc_type fsai" ;;
      gcvae) opts="-dll_append lib/libpcgcvae.so -pc_type gcvae -pc_gcvae_model $model" ;;
      *) opts="-pc_type $pc" ;;
    esac
    out=$(tutorials/ex1 -mesh $mesh $opts -timing 2>&1) || { echo "$out" | tail -5; exit 1; }
    echo "$out" | awk -v pc=$pc '
      /^n / { n = $2; sub(",", "", n); its = $8; err = $NF }
      /^timing/ { setup = $3; solve = $6 }
      END { printf "%-6s %-8s %6s %12s %12s %10s\n", n, pc, its, setup, solve, err }'
  done
done
