#!/usr/bin/env python3
"""The paper's Figures 3-5 on our code: PCGCVAE against the preconditioners users would pick.

For each family (P1 Poisson, P2 C0-IP biharmonic) at several sizes n: a dataset from a fixed seed
(bin/gcvae-datagen), a cnn-decoder model per n (bin/gcvae-train; the cnn decoder is fixed-n), and
on the held-out matrices (bin/gcvae-compare, CG rtol 1e-5, unpreconditioned norm):
  gcvae (graph decoder, the shipped size-independent model at every n), gcvae (cnn decoder),
  the per-matrix optimum of the loss (TAO; first --optimum test matrices only: it is expensive),
  fsai, jacobi, SuperLU ILU at the paper's fixed drop tolerance and at a drop tolerance tuned per n
  (bisection in log10) to match gcvae (graph)'s mean iterations, icc(0), ssor, parasails, gamg,
  boomeramg: mean iterations, kappa estimate, preconditioner nnz/nnz(A), setup and solve time.
Writes <out>/study.md (tables, goal checks, the regeneration command), <out>/study.csv (every
row), <out>/fig3_poisson.png, fig4_biharmonic.png, fig5_nnz.png.

Every stage writes one file in the work directory and is skipped when that file exists, so a
rerun is incremental (delete a file to redo its stage). Progress: one line per stage.

  make study                      # full study -> tutorials/results/ (about 50 min on 2 shared cores)
  make study STUDY_QUICK=1        # smoke version: two small sizes per family -> data/study_quick/
  python3 tutorials/study/study.py --help
"""
import argparse
import csv
import io
import json
import math
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLUMNS = ["pc", "its_mean", "its_min", "its_max", "not_converged", "kappa_mean", "setup_ms", "solve_ms", "nnz_ratio", "loss"]
BASELINES = ["fsai", "jacobi", "ilu", "icc", "sor", "parasails", "gamg", "boomeramg"]
# biharmonic (P2) n -> the mesh (named by its P1 n)
BIHARMONIC_MESH = {113: 24, 293: 66, 445: 102, 1029: 243}
GRAPH_MODEL = {"poisson": "models/poisson.bin", "biharmonic": "models/biharmonic.bin"}
# the shipped graph model with edge states (fits n 433 better, generalises worse; models/README.md)
EDGE_MODEL = {"poisson": "models/poisson_433_edge.bin"}
SHIPPED_CNN = {("poisson", 433): "models/poisson_cnn_433.bin"}  # trained by `make models` (CNN_TRAIN)
FIXED_DROPTOL = {"poisson": 0.12, "biharmonic": 1.2e-4}       # the paper's (section 4.2, 4.4)
# table rows: (key, label); keys ending in @K are on the first --optimum test matrices
ROW_LABELS = [
    ("gcvae", "gcvae (graph)"), ("gcvae_cnn", "gcvae (cnn)"), ("gcvae_edge", "gcvae (graph, edge states)"),
    ("optimum@K", "optimum [first K]"), ("gcvae@K", "gcvae (graph) [first K]"), ("gcvae_cnn@K", "gcvae (cnn) [first K]"),
    ("gcvae_edge@K", "gcvae (graph, edge states) [first K]"),
    ("fsai", "fsai"), ("jacobi", "jacobi"), ("ilu", "ilu (droptol fixed)"), ("ilu_tuned", "ilu (droptol tuned)"),
    ("icc", "icc(0)"), ("sor", "ssor"), ("parasails", "parasails"), ("gamg", "gamg"), ("boomeramg", "boomeramg"),
]


def log(msg):
    print(msg, flush=True)


def parse_compare(text):
    """gcvae-compare -format csv output -> (comments, {pc: row dict with floats})."""
    lines = text.splitlines()
    comments = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if l and not l.startswith("#")]
    rows = {}
    if not body:
        return comments, rows
    reader = csv.reader(io.StringIO("\n".join(body)))
    header = next(reader)
    if header != COLUMNS:
        raise ValueError("unexpected gcvae-compare columns: %s" % header)
    for r in reader:
        d = dict(zip(header, r))
        for k in COLUMNS[1:]:
            d[k] = float("nan") if d[k] == "-" else float(d[k])
        rows[d["pc"]] = d
    return comments, rows


class Study:
    def __init__(self, args):
        self.a = args
        self.work = os.path.abspath(args.work)
        self.out = os.path.abspath(args.out)
        os.makedirs(self.work, exist_ok=True)
        self.t0 = time.time()
        self.stages = []  # (label, output path, function)
        self.timings_file = os.path.join(self.work, "timings.json")
        self.timings = json.load(open(self.timings_file)) if os.path.exists(self.timings_file) else {}

    # ---- helpers -------------------------------------------------------------------------
    def run(self, cmd, logfile=None, echo=None):
        """Runs cmd (list) from the repository root under nice; returns (rc, stdout).
        stdout+stderr go to logfile; lines starting with `echo` are also printed (progress)."""
        if cmd[0].startswith("bin/"):
            cmd = [os.path.join(self.a.bindir, cmd[0][4:])] + cmd[1:]
        full = ["nice", "-n", str(self.a.nice)] + cmd
        p = subprocess.Popen(full, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        out = []
        lf = open(logfile, "a") if logfile else None
        if lf:
            lf.write("$ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        for line in p.stdout:
            out.append(line)
            if lf:
                lf.write(line)
                lf.flush()
            if echo and line.startswith(echo):
                log("      " + line.rstrip()[:160])
        rc = p.wait()
        if lf:
            lf.close()
        return rc, "".join(out)

    def compare(self, data, pcs, logfile, model=None, max_samples=None, droptol=None, extra=()):
        cmd = ["bin/gcvae-compare", "-data", data, "-pcs", ",".join(pcs), "-format", "csv"] + list(extra)
        if model:
            cmd += ["-model", model]
        if max_samples:
            cmd += ["-max_samples", str(max_samples)]
        if droptol is not None:
            cmd += ["-droptol", "%.6g" % droptol]
        rc, text = self.run(cmd, logfile)
        if rc != 0:
            return None, text
        return parse_compare(text), text

    def write_atomic(self, path, text):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def rows_stage(self, out, data, pcs, model=None, max_samples=None, rename=None):
        """One gcvae-compare run for several rows -> out (json). If the run fails, each row is run
        alone so one failing preconditioner does not hide the others; its error is recorded."""
        logf = out[:-5] + ".log"
        for f in (data, model or data):
            if not os.path.exists(os.path.join(ROOT, f)):
                raise RuntimeError("%s is missing (its stage failed?)" % os.path.relpath(f, ROOT))
        res, text = self.compare(data, pcs, logf, model, max_samples)
        rows, header = {}, []
        if res is not None:
            header, rows = res[0], res[1]
        else:
            for pc in pcs:
                r1, t1 = self.compare(data, [pc], logf, model, max_samples)
                if r1 is None:
                    tail = [l for l in t1.splitlines() if l.strip()][-3:]
                    rows[pc] = {"pc": pc, "error": " / ".join(tail)[-300:]}
                    log("      %s: gcvae-compare failed (see %s)" % (pc, os.path.relpath(logf, ROOT)))
                else:
                    header = header or r1[0]
                    rows.update(r1[1])
        if all("error" in r for r in rows.values()):  # nothing to keep: not cached, a rerun retries
            raise RuntimeError("gcvae-compare failed for every row (see %s)" % os.path.relpath(logf, ROOT))
        if rename:
            rows = {rename.get(k, k): dict(v, pc=rename.get(k, k)) for k, v in rows.items()}
        self.write_atomic(out, json.dumps({"comments": header, "rows": rows}, indent=1))

    # ---- stages ----------------------------------------------------------------------------
    def plan(self):
        a = self.a
        for fam, sizes in (("poisson", a.poisson), ("biharmonic", a.biharmonic)):
            for n in sizes:
                mesh = "meshes/square_%d.msh" % (n if fam == "poisson" else BIHARMONIC_MESH[n])
                d = os.path.join(self.work, "%s_%d" % (fam, n))
                data = os.path.join(d, "data.h5")
                graph = GRAPH_MODEL[fam]
                shipped = (fam, n) in SHIPPED_CNN and not a.quick
                cnn = SHIPPED_CNN[(fam, n)] if shipped else os.path.join(d, "cnn.bin")
                tag = "%s n %d" % (fam, n)

                def datagen(mesh=mesh, data=data, fam=fam, d=d):
                    os.makedirs(d, exist_ok=True)
                    rc, text = self.run(["bin/gcvae-datagen", "-family", fam, "-mesh", mesh, "-samples", str(a.samples),
                                         "-seed", str(a.seed), "-o", data], os.path.join(d, "datagen.log"))
                    if rc != 0:
                        raise RuntimeError("gcvae-datagen failed: " + text[-500:])
                self.stages.append((0, "%s: dataset (%d matrices, seed %d)" % (tag, a.samples, a.seed), data, datagen))

                if not shipped:
                    def train(data=data, cnn=cnn, d=d):
                        cmd = ["bin/gcvae-train", "-data", data, "-decoder", "cnn", "-epochs", str(a.cnn_epochs), "-seed", "1",
                               "-max_train", str(a.cnn_train), "-max_test", str(a.test), "-eval_every", str(a.cnn_epochs),
                               "-eval_samples", str(min(8, a.test)), "-o", cnn]
                        rc, text = self.run(cmd, os.path.join(d, "train_cnn.log"), echo="epoch")
                        if rc != 0:
                            raise RuntimeError("gcvae-train failed: " + text[-500:])
                        for ext in (".ckpt", ".ckpt.state"):
                            if os.path.exists(cnn + ext):
                                os.remove(cnn + ext)
                    self.stages.append((1, "%s: train cnn model (%d epochs, %d matrices)" % (tag, a.cnn_epochs, a.cnn_train), cnn, train))

                self.stages.append((0, "%s: baselines + gcvae (graph) on %d test matrices" % (tag, a.test), os.path.join(d, "main.json"),
                                    lambda d=d, data=data, graph=graph: self.rows_stage(os.path.join(d, "main.json"), data, BASELINES + ["gcvae"], graph, a.test)))
                self.stages.append((1, "%s: gcvae (cnn)" % tag, os.path.join(d, "cnn.json"),
                                    lambda d=d, data=data, cnn=cnn: self.rows_stage(os.path.join(d, "cnn.json"), data, ["gcvae"], cnn, a.test, {"gcvae": "gcvae_cnn"})))
                self.stages.append((2, "%s: optimum + gcvae (graph) on the first %d" % (tag, a.optimum), os.path.join(d, "optimum.json"),
                                    lambda d=d, data=data, graph=graph: self.rows_stage(os.path.join(d, "optimum.json"), data, ["gcvae", "optimum"], graph, a.optimum,
                                                                                       {"gcvae": "gcvae@K", "optimum": "optimum@K"})))
                self.stages.append((2, "%s: gcvae (cnn) on the first %d" % (tag, a.optimum), os.path.join(d, "cnn_k.json"),
                                    lambda d=d, data=data, cnn=cnn: self.rows_stage(os.path.join(d, "cnn_k.json"), data, ["gcvae"], cnn, a.optimum, {"gcvae": "gcvae_cnn@K"})))
                if fam in EDGE_MODEL:
                    em = EDGE_MODEL[fam]
                    self.stages.append((1, "%s: gcvae (graph, edge states)" % tag, os.path.join(d, "edge.json"),
                                        lambda d=d, data=data, em=em: self.rows_stage(os.path.join(d, "edge.json"), data, ["gcvae"], em, a.test, {"gcvae": "gcvae_edge"})))
                    self.stages.append((2, "%s: gcvae (graph, edge states) on the first %d" % (tag, a.optimum), os.path.join(d, "edge_k.json"),
                                        lambda d=d, data=data, em=em: self.rows_stage(os.path.join(d, "edge_k.json"), data, ["gcvae"], em, a.optimum, {"gcvae": "gcvae_edge@K"})))
                self.stages.append((0, "%s: ILU drop tolerance matching gcvae (graph), %d bisection steps" % (tag, a.bisect), os.path.join(d, "ilu_tuned.json"),
                                    lambda d=d, data=data: self.tune_ilu(d, data)))

        # cheap stages for every size first, then the cnn models, then the optimum (the slowest):
        # a run cut short still has every baseline at every n
        self.stages = [s[1:] for s in sorted(self.stages, key=lambda s: s[0])]

    def tune_ilu(self, d, data):
        """Bisection on log10(droptol) so that SuperLU ILU's mean CG iterations match gcvae (graph)'s
        on the same matrices; keeps the tried droptol closest to the target (ties: the larger)."""
        main = json.load(open(os.path.join(d, "main.json")))["rows"]
        if "its_mean" not in main.get("gcvae", {}):
            raise RuntimeError("no gcvae (graph) row to match")
        target = main["gcvae"]["its_mean"]
        lo, hi = math.log10(self.a.droptol_min), math.log10(self.a.droptol_max)
        tried = []
        logf = os.path.join(d, "ilu_tuned.log")
        # CG with SuperLU's (nonsymmetric) ILU can stall: cap the iterations well above the target,
        # a run that hits the cap has too many iterations anyway
        maxit = max(200, int(5 * target))
        for step in range(self.a.bisect):
            mid = 0.5 * (lo + hi)
            T = 10 ** mid
            res, text = self.compare(data, ["ilu"], logf, None, self.a.test, T, ["-ksp_max_it", str(maxit)])
            if res is None or "ilu" not in res[1]:
                its = float("inf")
                row = {"pc": "ilu_tuned", "error": "gcvae-compare failed at droptol %g" % T}
            else:
                row = dict(res[1]["ilu"], pc="ilu_tuned")
                # a run where CG failed on some matrix counts as too many iterations
                its = row["its_mean"] if row["not_converged"] == 0 else float("inf")
            tried.append({"droptol": T, "its": its, "row": row})
            log("      droptol %-10.4g its %-8s target %.2f" % (T, "%.2f" % its if its < float("inf") else "failed", target))
            if its > target:
                hi = mid   # too many iterations: drop less
            else:
                lo = mid
            if its == target:
                break
        ok = [t for t in tried if t["its"] < float("inf")]
        if not ok:
            raise RuntimeError("ILU failed at every drop tolerance tried")
        best = min(ok, key=lambda t: (abs(t["its"] - target), -t["droptol"]))
        row = dict(best["row"], droptol=best["droptol"])
        self.write_atomic(os.path.join(d, "ilu_tuned.json"),
                          json.dumps({"target": target, "tried": [{"droptol": t["droptol"], "its": None if t["its"] == float("inf") else t["its"]} for t in tried],
                                      "rows": {"ilu_tuned": row}}, indent=1))

    def execute(self):
        N = len(self.stages)
        try:
            self.head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"
        except OSError:
            self.head = "?"
        for i, (label, out, fn) in enumerate(self.stages, 1):
            el = (time.time() - self.t0) / 60
            if os.path.exists(out):
                log("[stage %d/%d, %5.1f min] %s: done before, skipped" % (i, N, el, label))
                continue
            log("[stage %d/%d, %5.1f min] %s ..." % (i, N, el, label))
            t = time.time()
            self.timings["argv"] = sys.argv[1:]  # how the stages in the cache were made (the last run that made any)
            self.timings["head"] = self.head
            try:
                fn()
            except Exception as e:  # record and go on: the report says what is missing
                log("      FAILED: %s" % str(e)[-400:])
                continue
            self.timings[os.path.relpath(out, self.work)] = time.time() - t
            self.write_atomic(self.timings_file, json.dumps(self.timings, indent=1))
            log("      %.1f s" % (time.time() - t))

    # ---- report ----------------------------------------------------------------------------
    def collect(self):
        """{family: {n: {"rows": {key: row}, "info": {...}}}}"""
        res = {}
        for fam, sizes in (("poisson", self.a.poisson), ("biharmonic", self.a.biharmonic)):
            for n in sizes:
                d = os.path.join(self.work, "%s_%d" % (fam, n))
                entry = {"rows": {}, "info": {}}
                for name in ("main", "cnn", "optimum", "cnn_k", "ilu_tuned", "edge", "edge_k"):
                    p = os.path.join(d, name + ".json")
                    if os.path.exists(p):
                        j = json.load(open(p))
                        entry["rows"].update(j["rows"])
                        if name == "main":
                            entry["info"]["comments"] = j["comments"]
                        if name == "ilu_tuned":
                            entry["info"]["tuned"] = j
                res.setdefault(fam, {})[n] = entry
        return res

    def report(self):
        a = self.a
        res = self.collect()
        os.makedirs(self.out, exist_ok=True)
        K = a.optimum
        # study.csv: every row
        lines = ["family,n,row,droptol," + ",".join(COLUMNS[1:]) + ",error"]
        for fam in res:
            for n, e in res[fam].items():
                for key, _ in ROW_LABELS:
                    r = e["rows"].get(key)
                    if not r:
                        continue
                    dt = r.get("droptol", FIXED_DROPTOL[fam] if key == "ilu" else "")
                    vals = ["" if "error" in r else ("%g" % r[c]) for c in COLUMNS[1:]]
                    lines.append("%s,%d,%s,%s,%s,%s" % (fam, n, key, dt, ",".join(vals), r.get("error", "").replace(",", ";")))
        self.write_atomic(os.path.join(self.out, "study.csv"), "\n".join(lines) + "\n")

        md = []
        cmd = "make study" if not a.quick else "make study STUDY_QUICK=1"
        md.append("# Study: the paper's Figures 3-5 on PCGCVAE\n")
        md.append("Regenerate (from the repository root; stages cached in `%s`, delete it to start over):\n" % os.path.relpath(self.work, ROOT))
        md.append("```\n%s        # = python3 tutorials/study/study.py%s\n```\n" % (cmd, " --quick" if a.quick else ""))
        ran = self.timings.get("argv")
        if ran:
            md.append("The stages here ran as `python3 tutorials/study/study.py %s`%s.\n" % (" ".join(ran), "" if a.bindir == "bin" and "--bindir" not in " ".join(ran) else
                      " (--bindir: the tools built from the commit below in a directory of their own, because bin/ was being rebuilt by other work during the run)"))
        total = sum(v for k, v in self.timings.items() if k not in ("argv", "head"))
        md.append("Tools: `gcvae-*` at repository commit %s (HEAD when the stages ran).\n" % self.timings.get("head", "?"))
        md.append("Generated %s; stage run time %.0f min in all (2-core machine shared with other work, `nice -n %d`)." %
                  (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), total / 60, a.nice))
        md.append("Matrices: a dataset of %d per family and n (`bin/gcvae-datagen -seed %d`, 80/20 split, not the seed the "
                  "models were trained on); every row is solved on the first %d held-out (test) matrices by CG "
                  "(`bin/gcvae-compare`: rtol 1e-5, unpreconditioned norm, zero initial guess, one random right-hand side). "
                  "The per-matrix optimum (TAO L-BFGS minimiser of ||I - R^T A R||_F^2 on gcvae's mask: the model's `mask_extra`, Poisson pattern(A), biharmonic pattern(A) + 0.5 nnz(A)) "
                  "costs minutes per matrix at the larger n, so it runs on the **first K = %d** test matrices only, beside "
                  "gcvae on the same K (rows marked [first K]).\n" % (a.samples, a.seed, a.test, K))
        md.append("- gcvae (graph): the shipped size-independent models at every n: `models/poisson.bin` (trained on "
                  "square n 102, 433, 1781 plus graded and L-shaped meshes: n 243 and 1005 are sizes it never saw), "
                  "`models/biharmonic.bin` (square n 445, 1029 plus graded and L-shaped: n 113 and 293 unseen); "
                  "`models/README.md` has the recipes. gcvae rows use the PC's default `-pc_gcvae_droptol 0.02`.")
        md.append("- gcvae (cnn): the paper's fixed-n decoder, one model per n trained here (`bin/gcvae-train -decoder cnn -epochs %d "
                  "-max_train %d -seed 1` on the train split of the study's dataset: short, so it fits the study's time)%s." %
                  (a.cnn_epochs, a.cnn_train, "" if a.quick else "; at Poisson n 433 the shipped `models/poisson_cnn_433.bin` (10 epochs, 400 matrices, `make models`)"))
        md.append("- ilu: SuperLU ILU (`-pc_factor_mat_solver_type superlu`, no row permutation); fixed: the paper's drop tolerance "
                  "(%g Poisson, %g biharmonic); tuned: bisection in log10(droptol) on [%g, %g] (%d steps) for the mean iterations of "
                  "gcvae (graph) on the same matrices. SuperLU's ILU is not symmetric, so CG may fail with it: failures are counted "
                  "in the `failed` column, never dropped." % (FIXED_DROPTOL["poisson"], FIXED_DROPTOL["biharmonic"], a.droptol_min, a.droptol_max, a.bisect))
        md.append("- its: mean CG iterations (min-max); kappa: the mean of CG's Lanczos estimate sigma_max/sigma_min of the "
                  "preconditioned operator; nnz: preconditioner nonzeros / nnz(A) (ILU: nnz(L)+nnz(U)-n; AMG: operator complexity; "
                  "jacobi n/nnz(A); hypre rows: not reported); setup and solve: wall ms per matrix; loss: ||I - R^T A R||_F^2/n "
                  "for the factor-form rows.\n")

        # headline tables
        md.append("## Headline: mean CG iterations vs n\n")
        head_rows = ["gcvae", "gcvae_cnn", "gcvae_edge", "optimum@K", "gcvae@K", "gcvae_edge@K", "fsai", "jacobi", "ilu", "ilu_tuned", "icc", "sor", "parasails", "gamg", "boomeramg"]
        for fam in res:
            sizes = list(res[fam].keys())
            md.append("**%s**\n" % fam.capitalize())
            md.append("| row | " + " | ".join("n %d" % n for n in sizes) + " |")
            md.append("|---|" + "---|" * len(sizes))
            for key in head_rows:
                if key.startswith("gcvae_edge") and fam not in EDGE_MODEL:
                    continue
                label = dict(ROW_LABELS)[key].replace("[first K]", "[first %d]" % K)
                cells = []
                for n in sizes:
                    r = res[fam][n]["rows"].get(key)
                    if not r and key.startswith("gcvae_edge"):
                        cells.append("-")
                    elif not r:
                        cells.append("n/a")
                    elif "error" in r:
                        cells.append("error")
                    else:
                        c = "%.1f" % r["its_mean"]
                        if key == "ilu_tuned":
                            c += " (%.3g)" % r["droptol"]
                        if r["not_converged"] > 0:
                            c += " (%d failed)" % r["not_converged"]
                        cells.append(c)
                md.append("| %s | %s |" % (label, " | ".join(cells)))
            md.append("")
        md.append("ilu (droptol tuned): the tuned drop tolerance in brackets.\n")

        # goals
        md.append("## Goals\n")
        md.append("GCVAE (graph, the default) mean iterations <= 1.1 x the per-matrix optimum's (on the first %d test matrices) and "
                  "<= FSAI's (on all %d), at every n; the cnn decoder and (Poisson) the edge-state graph model beside it.\n" % (K, a.test))
        md.append("| family | n | gcvae [K] | 1.1 x optimum [K] | goal 1 | gcvae | fsai | goal 2 | cnn [K] / 1.1 x opt | cnn / fsai | edge [K] / 1.1 x opt | edge / fsai |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        self.goals = []
        for fam in res:
            for n, e in res[fam].items():
                R = e["rows"]
                g = lambda k: R[k]["its_mean"] if k in R and "its_mean" in R[k] else float("nan")
                gk, ok_, gg, ff, ck, cc = g("gcvae@K"), g("optimum@K"), g("gcvae"), g("fsai"), g("gcvae_cnn@K"), g("gcvae_cnn")
                m1 = None if gk != gk or ok_ != ok_ else gk <= 1.1 * ok_
                m2 = None if gg != gg or ff != ff else gg <= ff
                self.goals.append((fam, n, m1, m2))
                verdict = lambda m, miss: "not run" if m is None else "met" if m else miss
                ek, ee = g("gcvae_edge@K"), g("gcvae_edge")
                md.append("| %s | %d | %.1f | %.1f | %s | %.1f | %.1f | %s | %.1f / %.1f | %.1f / %.1f | %s | %s |" % (
                    fam, n, gk, 1.1 * ok_, verdict(m1, "**missed** (%.2f x optimum)" % (gk / ok_)),
                    gg, ff, verdict(m2, "**missed** (%.2f x fsai)" % (gg / ff)), ck, 1.1 * ok_, cc, ff,
                    "-" if ek != ek else "%.1f / %.1f" % (ek, 1.1 * ok_), "-" if ee != ee else "%.1f / %.1f" % (ee, ff)))
        md.append("")

        # per family, per n
        for fam in res:
            md.append("## %s: every row\n" % fam.capitalize())
            for n, e in res[fam].items():
                info = e["info"].get("comments", [])
                md.append("### %s n %d\n" % (fam, n))
                if info:
                    md.append("`%s`\n" % info[0].lstrip("# ").strip())
                md.append("| row | its (min-max) | failed | kappa | nnz/nnz(A) | setup ms | solve ms | loss |")
                md.append("|---|---|---|---|---|---|---|---|")
                for key, label in ROW_LABELS:
                    if key.startswith("gcvae_edge") and fam not in EDGE_MODEL:
                        continue
                    r = e["rows"].get(key)
                    label = label.replace("[first K]", "[first %d]" % K)
                    if key == "ilu":
                        label = "ilu (droptol %g)" % FIXED_DROPTOL[fam]
                    if key == "ilu_tuned" and r and "droptol" in r:
                        label = "ilu (droptol %.3g, tuned)" % r["droptol"]
                    if not r:
                        md.append("| %s | not run | | | | | | |" % label)
                        continue
                    if "error" in r:
                        md.append("| %s | error: %s | | | | | | |" % (label, r["error"].replace("|", "/")[:200]))
                        continue
                    f = lambda v, fmt: "-" if v != v else fmt % v
                    md.append("| %s | %.1f (%d-%d) | %d | %s | %s | %s | %s | %s |" % (
                        label, r["its_mean"], r["its_min"], r["its_max"], r["not_converged"], f(r["kappa_mean"], "%.4g"),
                        f(r["nnz_ratio"], "%.3f"), f(r["setup_ms"], "%.3g"), f(r["solve_ms"], "%.3g"), f(r["loss"], "%.3e")))
                t = e["info"].get("tuned")
                if t:
                    md.append("\nILU bisection (target %.2f its; CG capped at max(200, 5 x target) iterations, a capped or failed run = too many): %s\n" % (t["target"], ", ".join(
                        "%.3g -> %s" % (x["droptol"], "failed" if x["its"] is None else "%.1f" % x["its"]) for x in t["tried"])))
                md.append("")
        md.append("## Figures\n")
        md.append("![Fig. 3](fig3_poisson.png)\n\n![Fig. 4](fig4_biharmonic.png)\n\n![Fig. 5](fig5_nnz.png)\n")
        self.write_atomic(os.path.join(self.out, "study.md"), "\n".join(md) + "\n")
        self.plots(res)
        log("study: wrote %s (study.md, study.csv, fig3_poisson.png, fig4_biharmonic.png, fig5_nnz.png)" % os.path.relpath(self.out, ROOT))

    def check(self):
        """What a smoke test asserts: the outputs exist and the key numbers parse back from study.csv."""
        bad = []
        for f in ("study.md", "study.csv", "fig3_poisson.png", "fig4_biharmonic.png", "fig5_nnz.png"):
            p = os.path.join(self.out, f)
            if not os.path.exists(p) or os.path.getsize(p) == 0:
                bad.append("%s missing or empty" % f)
        want = {"gcvae", "gcvae_cnn", "fsai", "jacobi", "ilu", "ilu_tuned", "optimum@K", "gcvae@K"}
        got = {}
        with open(os.path.join(self.out, "study.csv")) as f:
            for r in csv.DictReader(f):
                try:
                    its, kappa = float(r["its_mean"]), float(r["kappa_mean"])
                    ok = its > 0 and kappa >= 1 and math.isfinite(its)
                except ValueError:
                    ok = False
                if ok:
                    got.setdefault((r["family"], int(r["n"])), set()).add(r["row"])
        for fam, sizes in (("poisson", self.a.poisson), ("biharmonic", self.a.biharmonic)):
            for n in sizes:
                miss = want - got.get((fam, n), set())
                if miss:
                    bad.append("%s n %d: no numeric rows %s" % (fam, n, ",".join(sorted(miss))))
        md = open(os.path.join(self.out, "study.md")).read()
        if "## Goals" not in md or "fig3_poisson.png" not in md:
            bad.append("study.md lacks the goals table or the figures")
        return bad

    def plots(self, res):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
        style = {"gcvae": ("GCVAE (graph)", "o-", "C0"), "gcvae_cnn": ("GCVAE (cnn)", "o--", "C9"),
                 "gcvae_edge": ("GCVAE (graph, edge states)", "o-.", "C6"),
                 "optimum@K": ("optimum (first %d)" % self.a.optimum, ":", "k"), "fsai": ("FSAI", "s-", "C2"),
                 "jacobi": ("Jacobi", "^-", "C3"), "ilu": ("SPILU fixed droptol", "v--", "C1"),
                 "ilu_tuned": ("SPILU tuned droptol", "v-", "C4"), "icc": ("ICC(0)", "x-", "C5"), "gamg": ("GAMG", "d-", "C7")}

        def series(fam, key, col):
            xs, ys, fails = [], [], []
            for n, e in sorted(res.get(fam, {}).items()):
                r = e["rows"].get(key)
                if r and col in r and r[col] == r[col] and r[col] > 0:
                    xs.append(n)
                    ys.append(r[col])
                    fails.append(int(r["not_converged"]))
            return xs, ys, fails

        def draw(a_, fam, key, col):
            xs, ys, fails = series(fam, key, col)
            if not xs:
                return
            lab, fmt, c = style[key]
            a_.plot(xs, ys, fmt, color=c, label=lab, ms=5)
            for x, y, f in zip(xs, ys, fails):  # CG failures are in the mean: say so on the plot
                if f:
                    a_.annotate("%d/%d CG failed" % (f, self.a.test), (x, y), textcoords="offset points", xytext=(-70, 4), fontsize=7, color=c)

        def xaxis(a_, fam):
            sizes = sorted(res.get(fam, {}))
            a_.set_xscale("log")
            a_.set_xticks(sizes)
            a_.set_xticklabels([str(n) for n in sizes])
            a_.minorticks_off()
            a_.set_xlabel("n")

        for fam, fname, num in (("poisson", "fig3_poisson.png", 3), ("biharmonic", "fig4_biharmonic.png", 4)):
            fig, ax = plt.subplots(1, 2, figsize=(11, 4.3))
            for col, a_, title in (("kappa_mean", ax[0], "estimated condition number"), ("its_mean", ax[1], "mean CG iterations (rtol 1e-5)")):
                for key in ("jacobi", "fsai", "ilu", "ilu_tuned", "icc", "gamg", "gcvae_cnn", "gcvae_edge", "gcvae", "optimum@K"):
                    draw(a_, fam, key, col)
                a_.set_yscale("log")
                xaxis(a_, fam)
                a_.set_title(title)
                a_.grid(True, which="both", alpha=0.3)
            ax[1].legend(fontsize=8)
            fig.suptitle("Fig. %d: %s, held-out matrices (%s)" % (num, "P1 Poisson" if fam == "poisson" else "P2 C0-IP biharmonic",
                                                                   "quick mode" if self.a.quick else "make study"))
            fig.tight_layout()
            fig.savefig(os.path.join(self.out, fname), dpi=110)
            plt.close(fig)

        fig, ax = plt.subplots(1, 2, figsize=(11, 4.3))
        for a_, fam in zip(ax, ("poisson", "biharmonic")):
            for key in ("jacobi", "fsai", "ilu", "ilu_tuned", "gcvae"):
                draw(a_, fam, key, "nnz_ratio")
            a_.set_yscale("log")
            xaxis(a_, fam)
            a_.set_ylabel("preconditioner nnz / nnz(A)")
            a_.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            a_.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
            a_.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            a_.set_title("P1 Poisson" if fam == "poisson" else "P2 C0-IP biharmonic")
            a_.grid(True, which="both", alpha=0.3)
            a_.legend(fontsize=8)
        fig.suptitle("Fig. 5: nonzeros of the preconditioner (GCVAE: nnz(R); SPILU: nnz(L)+nnz(U)-n)")
        fig.tight_layout()
        fig.savefig(os.path.join(self.out, "fig5_nnz.png"), dpi=110)
        plt.close(fig)


def ints(s):
    return [int(x) for x in s.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--quick", action="store_true", help="smoke version: small sizes and counts (defaults below change)")
    ap.add_argument("--work", help="cache of the stages (default data/study, quick: data/study_quick)")
    ap.add_argument("--out", help="results (default tutorials/results, quick: <work>/results)")
    ap.add_argument("--poisson", type=ints, help="Poisson n (P1 mesh square_n.msh); default 102,243,433,1005,1781 (quick 24,66)")
    ap.add_argument("--biharmonic", type=ints, help="biharmonic n from 113,293,445,1029; default all (quick 113,293)")
    ap.add_argument("--samples", type=int, help="dataset size per n (default 250, quick 20)")
    ap.add_argument("--seed", type=int, default=7, help="dataset seed (default 7)")
    ap.add_argument("--test", type=int, help="test matrices per row (default 20, quick 4)")
    ap.add_argument("--optimum", type=int, help="test matrices for the optimum (default 5, quick 2)")
    ap.add_argument("--cnn-epochs", type=int, help="cnn training epochs (default 4, quick 1)")
    ap.add_argument("--cnn-train", type=int, help="cnn training matrices (default 200, quick 16)")
    ap.add_argument("--bisect", type=int, help="ILU drop tolerance bisection steps (default 12, quick 4)")
    ap.add_argument("--droptol-min", type=float, default=1e-8)
    ap.add_argument("--droptol-max", type=float, default=1.0)
    ap.add_argument("--nice", type=int, default=5)
    ap.add_argument("--bindir", default="bin", help="where gcvae-datagen/-train/-compare are (default bin; e.g. a build of a fixed commit "
                    "when bin/ is being rebuilt during the study)")
    ap.add_argument("--report-only", action="store_true", help="no stages: tables and plots from what the work dir has")
    ap.add_argument("--check", action="store_true", help="exit 1 unless every size has numeric gcvae/fsai/jacobi/optimum/ilu rows and every output file exists")
    a = ap.parse_args()
    q = a.quick
    dflt = {"work": "data/study_quick" if q else "data/study", "poisson": [24, 66] if q else [102, 243, 433, 1005, 1781],
            "biharmonic": [113, 293] if q else [113, 293, 445, 1029], "samples": 20 if q else 250, "test": 4 if q else 20,
            "optimum": 2 if q else 5, "cnn_epochs": 1 if q else 4, "cnn_train": 16 if q else 200, "bisect": 4 if q else 12}
    for k, v in dflt.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.out is None:
        a.out = os.path.join(a.work, "results") if q else "tutorials/results"
    for n in a.biharmonic:
        if n not in BIHARMONIC_MESH:
            ap.error("--biharmonic %d: known sizes %s" % (n, sorted(BIHARMONIC_MESH)))
    for n in a.poisson:
        if not os.path.exists(os.path.join(ROOT, "meshes/square_%d.msh" % n)):
            ap.error("--poisson %d: no meshes/square_%d.msh" % (n, n))
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    s = Study(a)
    if not a.report_only:
        s.plan()
        log("study: %d stages, work dir %s, results %s" % (len(s.stages), os.path.relpath(s.work, ROOT), os.path.relpath(s.out, ROOT)))
        s.execute()
    s.report()
    for i, what in ((2, "<= 1.1 x optimum"), (3, "<= fsai")):
        got = [g for g in s.goals if g[i] is not None]
        log("study: goal gcvae (graph) %s met at %d of %d sizes (%d not run)" % (what, sum(1 for g in got if g[i]), len(got), len(s.goals) - len(got)))
    if a.check:
        bad = s.check()
        for b in bad:
            log("check FAILED: " + b)
        log("check: %s" % ("ok" if not bad else "%d problems" % len(bad)))
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
