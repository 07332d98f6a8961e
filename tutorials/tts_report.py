#!/usr/bin/env python3
"""The table and plot of tutorials/tts.sh: reads each run's output and -log_view file.

Times (PETSc's -log_view, the max over ranks; one rank here). ex1 and ex2 call KSPSetUp in a log
stage "PC setup" and KSPSolve in a stage "Solve":
  setup = PCSetUp in "PC setup" + PCSetUp in "Solve"  (the second: inner PCs PETSc sets up lazily
          inside KSPSolve, e.g. GAMG's coarse-grid LU at the first apply; microseconds here)
  solve = KSPSolve in "Solve" - PCSetUp in "Solve"
  total = setup + solve = PCSetUp in "PC setup" + KSPSolve in "Solve"
KSPSolve's event begins after its own KSPSetUp, and nested events of one name are logged once, so
no time is counted twice. Usage: tts_report.py MANIFEST OUT.md (the plot: OUT with .png).
"""
import os
import re
import sys
import time

PC_NAMES = {"gcvae": "gcvae", "fsai": "fsai", "parasails": "hypre parasails (SPD)", "icc": "icc(0)",
            "sor": "sor (SSOR)", "jacobi": "jacobi", "gamg": "gamg", "boomeramg": "hypre boomeramg",
            "gamg_gcvae": "gamg + gcvae smoother"}
SPAI = ("fsai", "parasails")


def parse_log(path):
    """{stage name: {event: (count, max time in s)}} from a -log_view file (default format)."""
    stages, stage = {}, None
    for line in open(path):
        if line.startswith("Memory usage is given in bytes") or line.startswith("Object Type Creations"):
            break  # the object tables below repeat the stage headers
        m = re.match(r"^--- Event Stage \d+: (.*?)\s*$", line)
        if m:
            stage = stages.setdefault(m.group(1), {})
            continue
        m = re.match(r"^(\S+)\s+(\d+)\s+\S+\s+([0-9.eE+-]+)\s", line)
        if m and stage is not None and m.group(1) not in stage:
            stage[m.group(1)] = (int(m.group(2)), float(m.group(3)))
    return stages


def parse_run(fam, size, pc, rc, outf, logf, mesh, refine):
    r = {"family": fam, "size": size, "pc": pc, "mesh": mesh, "refine": int(refine), "log": logf, "notes": []}
    text = open(outf).read()
    m = re.search(r"^n (\d+), PC (\S+): CG (converged|DID NOT CONVERGE) in (\d+) iterations", text, re.M)
    if not m:
        raise RuntimeError("%s: no 'n ..., PC ...: CG ...' line" % outf)
    r["n"], r["its"] = int(m.group(1)), int(m.group(4))
    m = re.search(r"^Linear solve (?:converged|did not converge) due to (\S+) iterations", text, re.M)
    if not m:
        raise RuntimeError("%s: no -ksp_converged_reason line" % outf)
    reason = m.group(1)
    r["reason"] = reason
    r["status"] = "ok" if reason.startswith("CONVERGED") else ("capped" if reason == "DIVERGED_ITS" else "failed")
    st = parse_log(logf)
    for need in ("PC setup", "Solve"):
        if need not in st:
            raise RuntimeError("%s: no -log_view stage '%s' (ex1/ex2 too old?)" % (logf, need))
    su, so = st["PC setup"], st["Solve"]
    if "PCSetUp" not in su or "KSPSolve" not in so:
        raise RuntimeError("%s: PCSetUp or KSPSolve missing from the log" % logf)
    lazy = so.get("PCSetUp", (0, 0.0))[1]
    r["setup"] = su["PCSetUp"][1] + lazy
    r["solve"] = so["KSPSolve"][1] - lazy
    r["total"] = su["PCSetUp"][1] + so["KSPSolve"][1]
    r["lazy"] = lazy
    # what is inside gcvae's setup: its generation event (network, probe, R^T) against the whole
    # PCSetUp (the rest: reading the model file, the input checks)
    if pc == "gcvae" and "PCGCVAEGenerate" in su:
        r["notes"].append("of the setup: generation %s ms, network forward %s ms" % (
            fmt_ms(1e3 * su["PCGCVAEGenerate"][1]), fmt_ms(1e3 * su.get("GCVAEForward", (0, 0.0))[1])))
    if pc in ("gcvae", "gamg_gcvae"):
        # each gcvae PC in -ksp_view (one per GAMG level): its n and whether it kept its R
        pcsv = re.findall(r"n = (\d+), nnz\(R\)/nnz\(A\) = [^\n]*\n(?:[^\n]*probe[^\n]*\n)?\s*using (Jacobi \(fallback\)|the generated R)", text)
        models = set(re.findall(r"^\s*model: (\S+)", text, re.M))
        if not pcsv:
            raise RuntimeError("%s: -ksp_view shows no set-up gcvae PC" % outf)
        fb = [n for n, how in pcsv if how.startswith("Jacobi")]
        r["fallbacks"] = fb
        if pc == "gamg_gcvae":
            r["notes"].append("gcvae (%s) on the levels of n = %s" % (", ".join(sorted(models)), ", ".join(
                n + (" (fell back to Jacobi)" if how.startswith("Jacobi") else "") for n, how in pcsv)))
        elif fb:
            r["notes"].append("**fell back to Jacobi**")
    if pc == "icc":  # tts.sh runs it with -info :mat, which says whether the shift was needed
        m = re.search(r"number of shift_pd tries (\d+), shift_amount (\S+)", text)
        if m and int(m.group(1)) > 0:
            r["notes"].append("ICC(0) broke down: PETSc's default positive-definite shift moved the diagonal (%s tries, shift %s)" % (m.group(1), m.group(2).rstrip(",")))
    if pc in ("gamg", "gamg_gcvae"):
        m = re.search(r"levels=(\d+)", text)
        if m: r["notes"].append("%s levels" % m.group(1))
    if r["status"] != "ok":
        r["notes"].append("%s after %d its" % (reason, r["its"]))
    return r


def fmt_ms(v):
    if v >= 100: return "%.0f" % v
    if v >= 1: return "%.3g" % v
    return "%.2g" % v


def log_total(path):
    """PCSetUp + KSPSolve (s) of a -log_view file, as the table's total; inf when missing."""
    st = parse_log(path)
    try:
        return st["PC setup"]["PCSetUp"][1] + st["Solve"]["KSPSolve"][1]
    except KeyError:
        return float("inf")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--total":  # tutorials/tts.sh: the best of TTS_REPS runs
        print("%.9g" % log_total(sys.argv[2]))
        return 0
    manifest, out = sys.argv[1], sys.argv[2]
    rows = [parse_run(*line.split()) for line in open(manifest) if line.strip()]
    if not rows:
        raise RuntimeError("no runs in %s" % manifest)
    # best SPAI total at each size: converged FSAI/ParaSails only; when both are capped, the
    # smaller of their (lower-bound) totals, and the ratios say so
    best = {}
    for s in dict.fromkeys(r["size"] for r in rows):
        spai = [r for r in rows if r["size"] == s and r["pc"] in SPAI and r["status"] != "failed"]
        ok = [r for r in spai if r["status"] == "ok"]
        if ok: best[s] = (min(r["total"] for r in ok), True)
        elif spai: best[s] = (min(r["total"] for r in spai), False)
    L = ["# Time to solution: PC setup + CG solve (`make bench-tts`)", ""]
    L.append("Generated by `tutorials/tts.sh` on %s, commit %s, in %s s. CPU: %s (%d cores, shared: load average %s); "
             "one MPI process, OpenBLAS with 1 thread (its kernels: %s); PETSc %s. Each (n, PC) ran %s times "
             "(`TTS_REPS`), the run with the smallest total kept."
             % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.environ.get("TTS_COMMIT", "?"),
                os.environ.get("TTS_SECONDS", "?"), os.environ.get("TTS_CPU") or "?", os.cpu_count(),
                os.environ.get("TTS_LOAD", "?"), os.environ.get("TTS_BLAS_CORE") or "?", petsc_version(rows),
                os.environ.get("TTS_REPS", "1")))
    if os.environ.get("TTS_SUBSET"):
        L.append("")
        L.append("**Only some sizes were run: TTS_SIZES = %s.**" % os.environ["TTS_SUBSET"])
    L.append("")
    L.append("Problems: `tutorials/ex1` (P1 Poisson -div(f grad u), f = exp(p) of contrast 1e3) and `tutorials/ex2` "
             "(P2 C0 interior-penalty biharmonic, contrast 1e2) on gmsh meshes of the unit square (`-mesh`, `-refine`). "
             "CG, rtol 1e-5 on the unpreconditioned residual norm, zero initial guess, at most %s iterations: "
             "a run that hits the cap has '>' values (lower bounds), one that breaks down is 'failed'. "
             "gcvae uses the family's shipped model (models/poisson.bin, models/biharmonic.bin)."
             % os.environ.get("TTS_MAX_IT", "?"))
    L.append("")
    L.append("Times from `-log_view` (ex1 and ex2 log KSPSetUp in a stage 'PC setup' and KSPSolve in a stage 'Solve'): "
             "setup = PCSetUp (both stages: some inner PCs are set up lazily inside KSPSolve, e.g. GAMG's coarse LU); "
             "solve = KSPSolve - the PCSetUp inside it; total = setup + solve, so nothing is counted twice. "
             "Ratio: total / the best SPAI total (min of FSAI's and ParaSails' totals) at that n.")
    L.append("")
    L.append("| family | n | PC | setup (ms) | solve (ms) | total (ms) | CG its | total / best SPAI | notes |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        gt = ">" if r["status"] == "capped" else ""
        b = best.get(r["size"])
        if r["status"] == "failed" or not b:
            ratio = "-"
        elif b[1]:
            ratio = gt + "%.2f" % (r["total"] / b[0])
        else:  # the best SPAI total is itself a lower bound
            ratio = "?" if gt else "<%.2f" % (r["total"] / b[0])
        solve = "failed" if r["status"] == "failed" else gt + fmt_ms(1e3 * r["solve"])
        total = "failed" if r["status"] == "failed" else gt + fmt_ms(1e3 * r["total"])
        L.append("| %s | %d | %s | %s | %s | %s | %s%d | %s | %s |" % (
            r["family"], r["n"], PC_NAMES.get(r["pc"], r["pc"]), fmt_ms(1e3 * r["setup"]), solve, total, gt, r["its"],
            ratio, "; ".join(r["notes"])))
    L.append("")
    capped = ["%s n %d %s" % (r["family"], r["n"], r["pc"]) for r in rows if r["status"] == "capped"]
    failed = ["%s n %d %s (%s)" % (r["family"], r["n"], r["pc"], r["reason"]) for r in rows if r["status"] == "failed"]
    fell = ["%s n %d %s (on n = %s)" % (r["family"], r["n"], r["pc"], ", ".join(r["fallbacks"])) for r in rows if r.get("fallbacks")]
    L.append("Capped at the iteration limit: %s." % (", ".join(capped) or "none"))
    L.append("Failed (broke down): %s." % (", ".join(failed) or "none"))
    L.append("PCGCVAE fell back to Jacobi (its probe found the generated R worse than Jacobi, or A not symmetric; "
             "-ksp_view in the raw logs says which): %s." % (", ".join(fell) or "nowhere"))
    L.append("")
    L.append("What the setups hold: gcvae's PCSetUp reads the model file (once per process), checks A's symmetry, runs "
             "the network (GCVAEForward), compares a probe of ||I - R^T A R|| with Jacobi's and forms R^T; GAMG's holds "
             "the aggregation, the Galerkin products and the Chebyshev smoothers' eigenvalue estimates (GMRES on each "
             "level's preconditioned operator, so with the gcvae smoother also every level's gcvae setup); SOR and Jacobi "
             "have (almost) none. Timings on a shared machine are noisy: compare orders of magnitude, not percent.")
    L.append("")
    png = os.path.splitext(out)[0] + ".png"
    if plot(rows, png):
        L.append("![total time against n](%s)" % os.path.basename(png))
    open(out, "w").write("\n".join(L) + "\n")
    print("\n".join(L))
    print("tts: wrote %s%s" % (out, " and " + png if os.path.exists(png) else ""))


def petsc_version(rows):
    m = re.search(r"Using Petsc Release Version (\S+?),", open(rows[0]["log"]).read())
    return m.group(1) if m else "?"


def plot(rows, png):
    """Total time against n, log-log, a panel per family; capped runs as open markers."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("tts: no matplotlib (use Debian's /usr/bin/python3, make deps): no plot")
        return False
    fams = list(dict.fromkeys(r["family"] for r in rows))
    fig, axes = plt.subplots(1, len(fams), figsize=(6.5 * len(fams), 5), squeeze=False)
    markers = "osD^v<>pXh"
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, fam in zip(axes[0], fams):
        for k, pc in enumerate(dict.fromkeys(r["pc"] for r in rows)):  # same color per PC in each panel
            pts = sorted((r["n"], 1e3 * r["total"], r["status"]) for r in rows
                         if r["family"] == fam and r["pc"] == pc and r["status"] != "failed")
            if not pts: continue
            line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", marker=markers[k % len(markers)],
                            label=PC_NAMES.get(pc, pc), lw=2.5 if "gcvae" in pc else 1.2, color=colors[k % len(colors)])
            capped = [p for p in pts if p[2] == "capped"]
            if capped:  # open marker: a lower bound (iteration cap)
                ax.plot([p[0] for p in capped], [p[1] for p in capped], marker=markers[k % len(markers)], ls="none",
                        ms=11, mfc="white", mec=line.get_color())
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_xlabel("n"); ax.set_ylabel("setup + solve (ms)")
        ax.set_title("%s (open marker: iteration cap, a lower bound)" % fam, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return True


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, OSError, ValueError) as e:
        print("tts: %s" % e)
        sys.exit(1)
