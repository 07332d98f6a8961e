#!/usr/bin/env bash
# make bench-mpi: distributed generation (each process generates its rows of R from its rows of A
# and a halo, src/local.c) on 1 and 2 processes, measured in one run, and a simulation of many.
#  - strong scaling: PCSetUp of gcvae (and FSAI for reference) on the P1 Poisson matrix of
#    make bench at n ~ 1e6 (models/poisson.bin), and on a P2 biharmonic matrix at n ~ 2.7e5
#    (models/biharmonic.bin), on 1 and 2 processes: setup time and setup peak memory of the
#    largest process (tutorials/bench), as ratios;
#  - weak scaling: n / p fixed, Poisson n ~ 5e5 on 1 process against n ~ 1e6 on 2;
#  - many processes, simulated on one (tutorials/halo): for p = 2 ... 1024 parts of each matrix
#    (PTScotch, as a PETSc application would distribute it), the largest piece (owned rows + the
#    halo of the model's depth, and of a smaller approximate depth) and what setup memory per
#    process that implies, scaled from the one-process measurement by the piece's nonzeros.
# Matrices are in RCM order (as make bench measures; the partitioner does not care). Every run
# uses OPENBLAS_NUM_THREADS=1. Reports; it never fails on timings.
#   BENCHMPI_OUT  the markdown (default tutorials/results/bench_mpi.md)
#   BENCH_DIR     meshes and matrices, shared with make bench (default data/bench)
#   BENCHMPI_QUICK=1  small matrices (n ~ 1e4, 2e4; parts 2..64): for the tests
set -u
cd "$(dirname "$0")/.."
out=${BENCHMPI_OUT:-tutorials/results/bench_mpi.md}
dir=${BENCH_DIR:-data/bench}
quick=${BENCHMPI_QUICK:-0}
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$dir" "$(dirname "$out")"
for b in tutorials/bench tutorials/halo tutorials/ex2; do [ -x $b ] || { echo "bench-mpi: $b is missing (make all)"; exit 1; }; done
start=$(date +%s)
say() { echo "bench-mpi: $* ($(( $(date +%s) - start )) s)"; }
# poisson_<tag>.bin from gmsh h and uniform refinements (n ~ 1781 (0.025 / h)^2 4^refine), in RCM order
poisson() { # tag h refine
  local mesh=$dir/square_h$2.msh mat=$dir/poisson_$1.bin
  if [ ! -f "$mesh" ]; then
    say "gmsh h = $2"
    gmsh -2 -format msh22 -setnumber h "$2" meshes/unit_square.geo -o "$mesh.tmp" > /dev/null && mv "$mesh.tmp" "$mesh" || { echo "bench-mpi: gmsh failed"; exit 1; }
  fi
  if [ ! -f "$mat" ]; then say "Poisson matrix $1"; tutorials/bench -mesh "$mesh" -refine "$3" -o "$mat" > /dev/null || exit 1; fi
  if [ ! -f "${mat%.bin}_rcm.bin" ]; then tutorials/bench -load "$mat" -rcm -o "${mat%.bin}_rcm.bin" || exit 1; fi
}
if [ "$quick" = 1 ]; then
  poisson q1 0.0125 0; poisson q2 0.0088 0; P=$dir/poisson_q2_rcm.bin; P5=$dir/poisson_q1_rcm.bin
  bmesh=meshes/square_433.msh; brefine=1; btag=bq; parts=2,4,8,16,32,64
else
  poisson 1e6 0.00211 1; poisson 5e5 0.002984 1; P=$dir/poisson_1e6_rcm.bin; P5=$dir/poisson_5e5_rcm.bin
  bmesh=meshes/square_1005.msh; brefine=3; btag=b3e5; parts=2,4,8,16,32,64,128,256,512,1024
fi
B=$dir/biharmonic_${btag}_rcm.bin
if [ ! -f "$B" ]; then
  say "biharmonic matrix on $bmesh, refine $brefine (serial assembly)"
  tutorials/ex2 -mesh $bmesh -refine $brefine -pc_type jacobi -ksp_max_it 1 -ksp_view_mat binary:$dir/biharmonic_$btag.bin > /dev/null 2>&1
  tutorials/bench -load $dir/biharmonic_$btag.bin -rcm -o "$B" || exit 1
fi
raw=$dir/bench_mpi_$$.txt; : > "$raw"
run() { # label np matrix pc model [options]
  local label=$1 np=$2 mat=$3 pc=$4 model=$5; shift 5
  local line
  line=$($MPIEXEC -n $np tutorials/bench -load "$mat" -pc $pc -model $model -reps 2 "$@" 2>&1 < /dev/null | grep '^bench ') || { echo "bench-mpi: $label np $np $pc failed"; $MPIEXEC -n $np tutorials/bench -load "$mat" -pc $pc -model $model -reps 2 "$@" 2>&1 < /dev/null | tail -5; exit 1; }
  echo "label=$label $line" >> "$raw"
  say "$label np $np $pc: $(echo "$line" | grep -o 'setup=[^ ]*\|setup_peak=[^ ]*' | xargs)"
}
for np in 1 2; do
  run poisson $np "$P" gcvae models/poisson.bin
  run poisson $np "$P" fsai models/poisson.bin
  run biharmonic $np "$B" gcvae models/biharmonic.bin -ksp_max_it 200
  run biharmonic $np "$B" fsai models/biharmonic.bin -ksp_max_it 200
done
run weak 1 "$P5" gcvae models/poisson.bin
# control for the weak pair: two independent one-process runs at n / 2 at the same time, no
# communication at all: what two processes sharing the machine's memory bandwidth cost alone
for k in 1 2; do tutorials/bench -load "$P5" -pc gcvae -model models/poisson.bin -reps 2 < /dev/null > $dir/pair_$k.txt 2>&1 & done; wait
for k in 1 2; do grep '^bench ' $dir/pair_$k.txt | sed 's/^/label=pair /' >> "$raw" || { echo "bench-mpi: the paired run failed"; cat $dir/pair_$k.txt | tail -5; exit 1; }; done
say "pair of independent np 1 runs: $(grep -h -o 'setup=[^ ]*' $dir/pair_1.txt $dir/pair_2.txt | xargs)"
say "halo simulation"
for spec in "poisson $P models/poisson.bin" "poisson $P models/poisson.bin 2" "biharmonic $B models/biharmonic.bin" "biharmonic $B models/biharmonic.bin 4"; do
  set -- $spec
  tutorials/halo -load $2 -model $3 ${4:+-depth $4} -parts $parts | sed "s/^halo /halo family=$1 /" >> "$raw" || { echo "bench-mpi: tutorials/halo failed"; exit 1; }
done
/usr/bin/python3 - "$raw" "$out" <<'PY'
import sys, os, time
raw, out = sys.argv[1], sys.argv[2]
bench, halo = [], []
for line in open(raw):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    (halo if line.startswith("halo") else bench).append(d)
def get(label, np, pc):
    for d in bench:
        if d["label"] == label and d["np"] == str(np) and d["pc"] == pc: return d
cpu = "?"
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"): cpu = l.split(":", 1)[1].strip(); break
L = ["# Distributed generation (`make bench-mpi`)\n",
     "%s, %d cores, %s; one OpenBLAS thread per process; matrices in RCM order, rows split in contiguous blocks (PETSc's default layout). "
     "Setup: PCSetUp wall time of the slowest process, fastest of 2 fresh PCs; setup peak: the largest process's peak RSS during the setups above its RSS with A loaded.\n"
     % (cpu, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))]
L.append("## Strong scaling: 1 and 2 processes\n")
L.append("| matrix | n | PC | setup 1 proc (ms) | setup 2 procs (ms) | ratio | setup peak 1 proc (MB) | 2 procs, per process (MB) | ratio |")
L.append("|---|---|---|---|---|---|---|---|---|")
for label in ("poisson", "biharmonic"):
    for pc in ("gcvae", "fsai"):
        a, b = get(label, 1, pc), get(label, 2, pc)
        if not (a and b): continue
        sa, sb, ma, mb = float(a["setup"]), float(b["setup"]), float(a["setup_peak"]), float(b["setup_peak"])
        L.append("| %s | %s | %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |" % (label, a["n"], pc, 1e3 * sa, 1e3 * sb, sb / sa, ma, mb, mb / ma if ma > 0 else float("nan")))
w1, w2 = get("weak", 1, "gcvae"), get("poisson", 2, "gcvae")
if w1 and w2:
    L.append("\n## Weak scaling (n / p fixed)\n")
    L.append("| | n | processes | setup (ms) | setup peak per process (MB) |")
    L.append("|---|---|---|---|---|")
    L.append("| Poisson | %s | 1 | %.0f | %.0f |" % (w1["n"], 1e3 * float(w1["setup"]), float(w1["setup_peak"])))
    L.append("| Poisson | %s | 2 | %.0f | %.0f |" % (w2["n"], 1e3 * float(w2["setup"]), float(w2["setup_peak"])))
    L.append("\nSetup time per process, 2 processes at 2n against 1 at n: %.2f; setup peak: %.2f.\n" % (float(w2["setup"]) / float(w1["setup"]), float(w2["setup_peak"]) / float(w1["setup_peak"])))
    pair = [d for d in bench if d["label"] == "pair"]
    if len(pair) == 2:
        ps = max(float(d["setup"]) for d in pair)
        L.append("Control: two independent one-process runs at n %s at the same time (no communication; they share the machine's memory bandwidth): setup %.0f ms, %.2f of one alone. "
                 "The weak-scaling ratio against this control: %.2f.\n" % (pair[0]["n"], 1e3 * ps, ps / float(w1["setup"]), float(w2["setup"]) / ps))
L.append("\n## Many processes, simulated: pieces of p-way partitions (tutorials/halo)\n")
L.append("Parts from PTScotch; a piece is a part's rows plus every row within the halo depth (what MatIncreaseOverlap returns). "
         "Memory per process: the one-process setup peak times the largest piece's nonzeros / nnz(A) (generation is linear in the piece: its features, mask and network states), plus nothing for A itself. "
         "Depths: the model's (R exactly as one process makes it) and a smaller one (`-pc_gcvae_halo_depth`, an approximate R).\n")
for fam in ("poisson", "biharmonic"):
    rows = [h for h in halo if h["family"] == fam]
    one = get(fam, 1, "gcvae")
    for depth in sorted({int(h["depth"]) for h in rows}, reverse=True):
        L.append("%s (n %s, nnz %s), halo %d hops:\n" % (fam, rows[0]["n"], rows[0]["nnz"], depth))
        L.append("| p | largest part (rows) | largest piece (rows) | piece / part, mean | largest piece nnz / nnz(A) | setup memory per process (MB, est.) |")
        L.append("|---|---|---|---|---|---|")
        for h in rows:
            if int(h["depth"]) != depth: continue
            f = int(h["piece_nnz_max"]) / int(h["nnz"])
            L.append("| %s | %s | %s | %s | %.4f | %s |" % (h["p"], h["owned_max"], h["piece_rows_max"], h["piece_over_owned_mean"], f, "%.1f" % (f * float(one["setup_peak"])) if one else "-"))
        L.append("")
open(out, "w").write("\n".join(L) + "\n")
print("bench-mpi: wrote", out)
PY
