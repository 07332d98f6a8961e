#!/usr/bin/env bash
# make bench: the cost of PCGCVAE (models/poisson.bin, graph decoder) against FSAI, ParaSails (SPD)
# and ICC(0) on P1 Poisson matrices (f = exp(p), contrast 1e3) from gmsh meshes of the unit square,
# at n ~ 1e3, 1e4, 1e5, 1e6: setup time, one apply against one SpMV with A (ratio from the same
# process), CG iterations, memory. One process per (matrix, PC) so each memory peak is its own.
# Everything runs on one core (OPENBLAS_NUM_THREADS=1; PETSc's kernels are serial too).
#   BENCH_SIZES  sizes to run (default "1e3 1e4 1e5 1e6"; "smoke" is n = 102 for the tests)
#   BENCH_OUT    the markdown table (default tutorials/results/bench.md)
#   BENCH_DIR    meshes, matrices and raw results (default data/bench; kept for the next run)
#   BENCH_RCM    1 (default): measure on the matrix in RCM order, as the training matrices were made
#                and as an application would order its unknowns (gmsh's and DMRefine's numbering
#                make every product 2-4x slower at n = 1e6); 0: as assembled
# It reports; it does not fail on timings (only when a program fails or a result is missing).
set -u
cd "$(dirname "$0")/.."
sizes=${BENCH_SIZES:-1e3 1e4 1e5 1e6}
out=${BENCH_OUT:-tutorials/results/bench.md}
dir=${BENCH_DIR:-data/bench}
model=${BENCH_MODEL:-models/poisson.bin}
pcs=${BENCH_PCS:-gcvae fsai parasails icc}
rcm=${BENCH_RCM:-1}
order=""; [ "$rcm" = 1 ] && order="-rcm"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$dir" "$(dirname "$out")"
raw=$dir/results_$$.txt
: > "$raw"
[ -x tutorials/bench ] || { echo "bench: tutorials/bench is missing (make all)"; exit 1; }
[ -f "$model" ] || { echo "bench: $model is missing"; exit 1; }
start=$(date +%s)
for s in $sizes; do
  # mesh (gmsh h, or a shipped mesh) and uniform refinements: n ~ 1781 (0.025 / h)^2, x4 per refinement
  case $s in
    smoke) mesh=meshes/square_102.msh; refine=0 ;;
    1e3) mesh=meshes/square_1005.msh; refine=0 ;;
    1e4) h=0.01055; mesh=$dir/square_h$h.msh; refine=0 ;;
    1e5) h=0.003336; mesh=$dir/square_h$h.msh; refine=0 ;;
    1e6) h=0.00211; mesh=$dir/square_h$h.msh; refine=1 ;;
    *) echo "bench: unknown size $s (use smoke, 1e3, 1e4, 1e5, 1e6)"; exit 1 ;;
  esac
  if [ ! -f "$mesh" ]; then
    echo "bench [$s]: gmsh h = $h -> $mesh ($(( $(date +%s) - start )) s)"
    gmsh -2 -format msh22 -setnumber h "$h" meshes/unit_square.geo -o "$mesh.tmp" > /dev/null && mv "$mesh.tmp" "$mesh" || { echo "bench: gmsh failed"; exit 1; }
  fi
  mat=$dir/poisson_$s.bin
  if [ ! -f "$mat" ] || [ "$mesh" -nt "$mat" ]; then
    echo "bench [$s]: assembling the matrix on $mesh (refine $refine) ($(( $(date +%s) - start )) s)"
    tutorials/bench -mesh "$mesh" -refine "$refine" -o "$mat" || { echo "bench: assembly failed"; exit 1; }
  fi
  for pc in $pcs; do
    line=$(tutorials/bench -load "$mat" -pc "$pc" -model "$model" $order 2>&1 | grep '^bench ') || true
    [ -n "$line" ] || { echo "bench [$s]: $pc failed:"; tutorials/bench -load "$mat" -pc "$pc" -model "$model" $order 2>&1 | tail -5; exit 1; }
    echo "size=$s $line" >> "$raw"
    echo "$line" | awk -v s="$s" -v t=$(( $(date +%s) - start )) '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "bench [%s]: %-9s n %s: setup %.3g ms (CPU %.3g ms), apply/SpMV %.2f, %s CG its (%s s so far)\n", s, v["pc"], v["n"], 1e3 * v["setup"], 1e3 * v["setup_cpu"], v["apply"] / v["spmv"], v["its"], t }'
  done
done
# OpenBLAS picks its kernels for the CPU at load time (Debian's 0.3.21 falls back to its SSE3
# "Prescott" kernels on CPUs it does not know, e.g. Emerald Rapids): the table says which it used.
export BENCH_BLAS_CORE=$(OPENBLAS_VERBOSE=2 tutorials/bench -version 2>&1 | sed -n 's/^Core: //p' | head -n 1)
BENCH_ORDER=$([ "$rcm" = 1 ] && echo "in RCM order" || echo "in the assembly's order") python3 - "$raw" "$out" <<'EOF'
import math, sys, os, time, platform
raw, out = sys.argv[1], sys.argv[2]
rows = []
for line in open(raw):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    for k in ("n", "its", "converged", "reps"): d[k] = int(d[k])
    for k in ("nnz", "setup", "setup_cpu", "apply", "spmv", "solve", "pcnnz", "setup_peak", "held", "base", "peak"): d[k] = float(d[k])
    rows.append(d)
sizes = []
for r in rows:
    if r["size"] not in sizes: sizes.append(r["size"])
by = {(r["size"], r["pc"]): r for r in rows}
pcs = []
for r in rows:
    if r["pc"] not in pcs: pcs.append(r["pc"])
def fsai(s): return by.get((s, "fsai"))
cpu = "?"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"): cpu = l.split(":", 1)[1].strip(); break
except OSError: pass
L = []
L.append("# PCGCVAE benchmark (`make bench`)\n")
L.append("P1 Poisson -div(f grad u), f = exp(p) of contrast 1e3, gmsh meshes of the unit square (n = 1e6: one uniform refinement), matrices %s; CG rtol 1e-5 "
         "(unpreconditioned norm); model `%s`. One core (OpenBLAS and PETSc serial; OpenBLAS kernels: %s), %s, %d cores, load average %.1f at the end. "
         "Setup: wall and CPU time (user + system: what the wall time is without other processes on the machine), each the fastest of %s fresh PCs (after one untimed setup when more than one is timed). Apply / SpMV: one PCApply against "
         "one MatMult with A, each the fastest of 3 interleaved rounds in the same process. Stored nnz: the preconditioner's factors "
         "(gcvae: R and the stored R^T; fsai: G; icc: the factor; parasails: not exposed by hypre). Setup peak: peak RSS during the setups above "
         "the RSS with A loaded; held: RSS the set-up PC keeps. %s.\n"
         % (os.environ.get("BENCH_ORDER", ""), os.environ.get("BENCH_MODEL", "models/poisson.bin"), os.environ.get("BENCH_BLAS_CORE") or "?", cpu, os.cpu_count(), os.getloadavg()[0] if hasattr(os, "getloadavg") else "?",
            "/".join(sorted({str(r["reps"]) for r in rows})), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
L.append("| n | nnz(A) | PC | setup (ms) | setup CPU (ms) | CPU setup / FSAI's | apply / SpMV | CG its | solve (s) | stored nnz / nnz(A) | setup peak (MB) | held (MB) | process peak (MB) |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for s in sizes:
    for pc in pcs:
        r = by.get((s, pc))
        if not r: continue
        f = fsai(s)
        L.append("| %d | %d | %s | %.3g | %.3g | %s | %.2f | %s | %.3g | %s | %.1f | %.1f | %.0f |" % (
            r["n"], r["nnz"], pc, 1e3 * r["setup"], 1e3 * r["setup_cpu"], "%.1f" % (r["setup_cpu"] / f["setup_cpu"]) if f else "-", r["apply"] / r["spmv"],
            str(r["its"]) + ("" if r["converged"] else " (not converged)"), r["solve"],
            "%.2f" % (r["pcnnz"] / r["nnz"]) if r["pcnnz"] >= 0 else "-", max(0.0, r["setup_peak"]), max(0.0, r["held"]), r["peak"]))
L.append("")
# growth: log(time) against log(nnz) between consecutive sizes, and a least-squares fit over all
def slope(xs, ys):
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else float("nan")
big = [s for s in sizes if by.get((s, pcs[0])) and by[(s, pcs[0])]["n"] >= 900]
if len(big) >= 2:
    L.append("Growth exponents p of cost ~ nnz(A)^p (log-log slope between consecutive sizes; last column a least-squares fit over them):\n")
    L.append("| PC | quantity | " + " | ".join("%s -> %s" % (a, b) for a, b in zip(big, big[1:])) + " | fit |")
    L.append("|---|---|" + "---|" * (len(big)) )
    for pc in pcs:
        for q, name in (("setup", "setup"), ("setup_cpu", "setup CPU"), ("apply", "apply"), ("pcmem", "setup peak")):
            xs, ys = [], []
            for s in big:
                r = by.get((s, pc))
                if not r: continue
                v = r["setup_peak"] if q == "pcmem" else r[q]
                if v > 0: xs.append(math.log(r["nnz"])); ys.append(math.log(v))
            if len(xs) < 2: continue
            steps = ["%.2f" % slope(xs[i:i + 2], ys[i:i + 2]) for i in range(len(xs) - 1)]
            L.append("| %s | %s | %s | %.2f |" % (pc, name, " | ".join(steps), slope(xs, ys)))
    L.append("")
# the goals of issue 7
g = by_pc = [by.get((s, "gcvae")) for s in sizes]
L.append("Goals (issue 7):\n")
for s in sizes:
    r, f = by.get((s, "gcvae")), fsai(s)
    if not r: continue
    if f and r["n"] >= 9000:
        ratio = r["setup_cpu"] / f["setup_cpu"]
        L.append("- n = %d: GCVAE setup %.3g ms CPU (%.3g ms wall) vs FSAI %.3g ms CPU (%.3g ms wall): %s (%.1fx FSAI's)" % (r["n"], 1e3 * r["setup_cpu"], 1e3 * r["setup"], 1e3 * f["setup_cpu"], 1e3 * f["setup"], "met" if ratio <= 1 else "MISSED", ratio))
for s in sizes:
    r = by.get((s, "gcvae"))
    if not r: continue
    ratio = r["apply"] / r["spmv"]
    L.append("- n = %d: GCVAE apply = %.2f x one SpMV with A: %s (goal <= 2.5)" % (r["n"], ratio, "met" if ratio <= 2.5 else "MISSED"))
open(out, "w").write("\n".join(L) + "\n")
print("\n".join(L))
print("bench: wrote %s" % out)
EOF
rc=$?
echo "bench: raw results in $raw ($(( $(date +%s) - start )) s)"
exit $rc
