#!/usr/bin/env bash
# make bench-tts: time to solution (PC setup + CG solve) of PCGCVAE against the other PCs, on the
# tutorials' two families: tutorials/ex1 (P1 Poisson, contrast 1e3) and tutorials/ex2 (P2 C0
# interior-penalty biharmonic, contrast 1e2), one process, CG, rtol 1e-5 in the unpreconditioned
# norm, zero initial guess (what ex1 and ex2 set). One process per (size, PC); every number of
# one table comes from one run of this script. Table: tutorials/results/tts.md, plot tts.png.
#   TTS_SIZES  sizes (default "p1e3 p1e4 p1e5 b1e3 b4e3 b2e4 b7e4"; p = Poisson, b = biharmonic;
#              "smoke": n = 102 and 113, for the tests)
#   TTS_PCS    PCs (default all: gcvae fsai parasails icc sor jacobi gamg boomeramg gamg_gcvae)
#   TTS_MAX_IT CG iteration cap (default 20000): a capped run is reported as '>' values
#   TTS_REPS   runs per (size, PC), the one with the smallest total kept (default 2: on a shared
#              machine one run's times can be 1.5x another's, memory placement and neighbours)
#   TTS_OUT    the markdown table (default tutorials/results/tts.md; the plot beside it, .png)
#   TTS_DIR    meshes (shared with tutorials/bench.sh) and, in tts/, the raw logs (default data/bench)
# Times are PETSc's -log_view events (tutorials/tts_report.py says exactly which). It reports; it
# fails only when a program fails or a result is missing, never on timing values.
set -u
cd "$(dirname "$0")/.."
all_sizes="p1e3 p1e4 p1e5 b1e3 b4e3 b2e4 b7e4"
sizes=${TTS_SIZES:-$all_sizes}
[ "$sizes" = smoke ] && sizes="psmoke bsmoke"
pcs=${TTS_PCS:-gcvae fsai parasails icc sor jacobi gamg boomeramg gamg_gcvae}
maxit=${TTS_MAX_IT:-20000}
reps=${TTS_REPS:-2}
out=${TTS_OUT:-tutorials/results/tts.md}
dir=${TTS_DIR:-data/bench}
raw=$dir/tts
# Debian's python3 has matplotlib (make deps); a python3 earlier on PATH (pyenv) may not
py=/usr/bin/python3; [ -x $py ] || py=python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$dir" "$(dirname "$out")"
rm -rf "$raw"; mkdir -p "$raw"
manifest=$raw/manifest.txt
: > "$manifest"
for ex in tutorials/ex1 tutorials/ex2 lib/libpcgcvae.so; do
  [ -e $ex ] || { echo "tts: $ex is missing (make all)"; exit 1; }
done
start=$(date +%s)
load0=$(cut -d' ' -f1 /proc/loadavg)
for s in $sizes; do
  # family, program, model; mesh (a shipped one or gmsh h, named as tutorials/bench.sh names them,
  # so both share data/bench) and uniform refinements (ex1/ex2 -refine: n x4 each)
  h=""; refine=0
  case $s in
    psmoke) mesh=meshes/square_102.msh ;;
    p1e3) mesh=meshes/square_1005.msh ;;
    p1e4) h=0.01055 ;;
    p1e5) h=0.003336 ;;
    bsmoke) mesh=meshes/square_24.msh ;;
    b1e3) mesh=meshes/square_243.msh ;;            # n 1029
    b4e3) mesh=meshes/square_1005.msh ;;           # n 4137
    b2e4) mesh=meshes/square_1005.msh; refine=1 ;; # n 16785
    b7e4) mesh=meshes/square_1005.msh; refine=2 ;; # n 67617
    *) echo "tts: unknown size $s (p1e3 p1e4 p1e5 b1e3 b4e3 b2e4 b7e4, smoke)"; exit 1 ;;
  esac
  case $s in
    p*) fam=poisson; ex=tutorials/ex1; model=models/poisson.bin ;;
    b*) fam=biharmonic; ex=tutorials/ex2; model=models/biharmonic.bin ;;
  esac
  if [ -n "$h" ]; then
    mesh=$dir/square_h$h.msh
    if [ ! -f "$mesh" ]; then
      echo "tts [$s]: gmsh h = $h -> $mesh"
      gmsh -2 -format msh22 -setnumber h "$h" meshes/unit_square.geo -o "$mesh.tmp" > /dev/null && mv "$mesh.tmp" "$mesh" || { echo "tts: gmsh failed"; exit 1; }
    fi
  fi
  for pc in $pcs; do
    case $pc in
      gcvae) opts="-dll_append lib/libpcgcvae.so -pc_type gcvae -pc_gcvae_model $model" ;;
      fsai) opts="-dll_append lib/libpcgcvae.so -pc_type fsai" ;;
      parasails) opts="-pc_type hypre -pc_hypre_type parasails -pc_hypre_parasails_sym SPD" ;;
      # PETSc's defaults: ICC(0) with the Manteuffel shift (positive definite), which keeps the
      # biharmonic factorization from breaking down; -info :mat says whether it had to shift
      icc) opts="-pc_type icc -info :mat" ;;
      # PCSOR's default is symmetric SOR (SSOR, omega 1), which CG needs
      sor) opts="-pc_type sor" ;;
      jacobi) opts="-pc_type jacobi" ;;
      gamg) opts="-pc_type gamg" ;;
      boomeramg) opts="-pc_type hypre -pc_hypre_type boomeramg" ;;
      # GAMG's default smoother (Chebyshev) with PCGCVAE as its PC on every level: the options
      # prefix mg_levels_ reaches each level's PC (-ksp_view in the log shows the model per level)
      gamg_gcvae) opts="-dll_append lib/libpcgcvae.so -pc_type gamg -mg_levels_pc_type gcvae -mg_levels_pc_gcvae_model $model" ;;
      *) echo "tts: unknown PC $pc"; exit 1 ;;
    esac
    o=$raw/${s}_$pc.out; lv=$raw/${s}_$pc.log
    # -ksp_view and -ksp_converged_reason print after the KSPSolve event ends (not in its time)
    best=""
    for r in $(seq 1 "$reps"); do
      $ex -mesh "$mesh" -refine $refine $opts -ksp_max_it "$maxit" -ksp_converged_reason -ksp_view -log_view ":$lv.$r" > "$o.$r" 2>&1 < /dev/null
      rc=$?
      [ $rc -eq 0 ] || { mv "$o.$r" "$o"; mv "$lv.$r" "$lv" 2>/dev/null; break; }
      t=$($py tutorials/tts_report.py --total "$lv.$r")
      if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; mv "$o.$r" "$o"; mv "$lv.$r" "$lv"; else rm -f "$o.$r" "$lv.$r"; fi
    done
    echo "$fam $s $pc $rc $o $lv $mesh $refine" >> "$manifest"
    summary=$(grep -E '^n [0-9]+, PC' "$o" | head -n 1)
    echo "tts [$s] $(printf '%-10s' $pc) rc $rc: ${summary:-no result line} ($(( $(date +%s) - start )) s)"
    [ $rc -eq 0 ] || { echo "tts: $ex failed for $pc on $mesh (refine $refine):"; tail -n 15 "$o"; exit 1; }
  done
done
# OpenBLAS picks its kernels for the CPU at load time (Debian's 0.3.21 falls back to its SSE3
# "Prescott" kernels on CPUs it does not know): the table says which ones it used.
export TTS_BLAS_CORE=$(OPENBLAS_VERBOSE=2 tutorials/ex1 -version 2>&1 | sed -n 's/^Core: //p' | head -n 1)
export TTS_CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
export TTS_COMMIT=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- 2>/dev/null || echo "+uncommitted changes")
export TTS_LOAD="$load0 at the start, $(cut -d' ' -f1 /proc/loadavg) at the end" TTS_MAX_IT=$maxit TTS_REPS=$reps
export TTS_SECONDS=$(( $(date +%s) - start ))
# the table says when it is not the full set of sizes
[ "$sizes" = "$all_sizes" ] && export TTS_SUBSET= || export TTS_SUBSET="$sizes (the full set: $all_sizes)"
$py tutorials/tts_report.py "$manifest" "$out"
rc=$?
echo "tts: raw logs in $raw ($(( $(date +%s) - start )) s)"
exit $rc
