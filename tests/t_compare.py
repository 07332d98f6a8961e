#!/usr/bin/env python3
"""bin/gcvae-compare on a small Poisson dataset: the CSV parses with the right columns and one
row per requested preconditioner, the baselines rank as they must, command-line options reach
PETSc, and bad input fails with a message naming it. Standard library only.

Usage: python3 tests/t_compare.py [--mesh meshes/square_433.msh] [--samples 25]
Run from the repository root (tests/run.sh does); exit 0 = pass."""
import argparse
import csv
import io
import os
import shlex
import subprocess
import sys

COLUMNS = ["pc", "its_mean", "its_min", "its_max", "not_converged", "kappa_mean", "setup_ms", "solve_ms", "nnz_ratio", "loss"]
ALL_PCS = ["none", "jacobi", "icc", "ilu", "sor", "parasails", "gamg", "boomeramg", "fsai"]
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def run(cmd, expect_ok=True):
    """Runs cmd (a list), returns (returncode, stdout, stderr); stdin is closed."""
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    if expect_ok and p.returncode != 0:
        print("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr[-3000:]))
        sys.exit(1)
    return p.returncode, p.stdout, p.stderr


def parse_csv(text):
    """Header comments ('# ...') and the table: returns (comments, list of dict rows)."""
    comments = [l for l in text.splitlines() if l.startswith("#")]
    body = "\n".join(l for l in text.splitlines() if l and not l.startswith("#"))
    reader = csv.reader(io.StringIO(body))
    header = next(reader)
    check(header == COLUMNS, "csv columns are %s" % ",".join(COLUMNS))
    rows = []
    for r in reader:
        check(len(r) == len(COLUMNS), "row %s has %d fields" % (r[0], len(COLUMNS)))
        rows.append(dict(zip(header, r)))
    return comments, rows


def number(x):
    return float("nan") if x == "-" else float(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mesh", default="meshes/square_433.msh")
    ap.add_argument("--samples", type=int, default=25)
    args = ap.parse_args()
    mpiexec = shlex.split(os.environ.get("MPIEXEC", "mpiexec --allow-run-as-root --oversubscribe"))
    os.makedirs("tests/out", exist_ok=True)
    data = "tests/out/compare_poisson.h5"
    run(["bin/gcvae-datagen", "-family", "poisson", "-mesh", args.mesh, "-samples", str(args.samples), "-seed", "3", "-o", data])
    compare = ["bin/gcvae-compare", "-data", data]

    # every row, csv
    _, out, _ = run(compare + ["-format", "csv"])
    print(out)
    comments, rows = parse_csv(out)
    check([r["pc"] for r in rows] == ALL_PCS, "default: one row per preconditioner, in order")
    head = comments[0].split(", ") if comments else []
    check(any(h.startswith("# family poisson") for h in head), "header names the family")
    n = int(next(h.split()[1] for h in head if h.startswith("n ")))
    nnz = int(next(h.split()[1] for h in head if h.startswith("nnz ")))
    ntest = int(next(h.split()[2] for h in head if h.startswith("test matrices")))
    check(ntest == args.samples // 5, "test matrices = 20%% of the samples (%d)" % ntest)
    by = {r["pc"]: r for r in rows}
    its = {k: float(v["its_mean"]) for k, v in by.items()}
    for k, r in by.items():
        check(int(r["not_converged"]) == 0, "%s: every solve converged" % k)
        check(int(r["its_min"]) <= its[k] <= int(r["its_max"]), "%s: min <= mean <= max iterations" % k)
    check(its["jacobi"] < its["none"], "jacobi (%.1f) < none (%.1f)" % (its["jacobi"], its["none"]))
    check(its["fsai"] < its["jacobi"], "fsai (%.1f) < jacobi (%.1f)" % (its["fsai"], its["jacobi"]))
    check(its["icc"] < its["jacobi"], "icc (%.1f) < jacobi (%.1f)" % (its["icc"], its["jacobi"]))
    check(its["boomeramg"] < its["jacobi"], "boomeramg (%.1f) < jacobi (%.1f)" % (its["boomeramg"], its["jacobi"]))
    check(its["gamg"] < its["fsai"], "gamg (%.1f) < fsai (%.1f)" % (its["gamg"], its["fsai"]))
    check(number(by["jacobi"]["kappa_mean"]) > number(by["fsai"]["kappa_mean"]) > 1, "kappa: jacobi > fsai > 1")
    check(abs(number(by["jacobi"]["nnz_ratio"]) - n / nnz) < 1e-3, "jacobi nnz ratio = n/nnz(A)")
    check(abs(number(by["fsai"]["nnz_ratio"]) - (nnz + n) / (2 * nnz)) < 1e-3, "fsai nnz ratio = nnz(tril A)/nnz(A)")
    check(abs(number(by["sor"]["nnz_ratio"]) - 1) < 1e-9, "sor nnz ratio = 1")
    check(number(by["ilu"]["nnz_ratio"]) > 1, "SuperLU ILU(0.12) keeps more than nnz(A)")
    check(by["boomeramg"]["nnz_ratio"] == "-", "hypre nnz unknown: '-'")
    check(number(by["gamg"]["nnz_ratio"]) > 1, "gamg operator complexity > 1")
    # the loss ||I - R^T A R||_F^2/n of the factor-form rows, '-' elsewhere
    check(number(by["jacobi"]["loss"]) > number(by["fsai"]["loss"]) > 0, "loss: jacobi (%s) > fsai (%s) > 0" % (by["jacobi"]["loss"], by["fsai"]["loss"]))
    check(by["icc"]["loss"] == "-" and by["gamg"]["loss"] == "-", "loss '-' for preconditioners not of the form R R^T")

    # the per-matrix optimum of the loss on the mask: below Jacobi's loss, and fewer iterations
    _, out, _ = run(compare + ["-format", "csv", "-pcs", "jacobi,optimum", "-max_samples", "2"])
    _, ro = parse_csv(out)
    bo = {r["pc"]: r for r in ro}
    check(number(bo["optimum"]["loss"]) < 0.5 * number(bo["jacobi"]["loss"]), "optimum loss (%s) < half of jacobi's (%s)" % (bo["optimum"]["loss"], bo["jacobi"]["loss"]))
    check(float(bo["optimum"]["its_mean"]) < float(bo["jacobi"]["its_mean"]), "optimum iterations (%s) < jacobi's (%s)" % (bo["optimum"]["its_mean"], bo["jacobi"]["its_mean"]))
    check(number(bo["optimum"]["nnz_ratio"]) > 1, "optimum nnz(R)/nnz(A) > 1 (mask = pattern + 20%%): %s" % bo["optimum"]["nnz_ratio"])

    # pass-through: the command line wins over the row's defaults
    _, out, _ = run(compare + ["-format", "csv", "-pcs", "jacobi", "-ksp_rtol", "1e-8"])
    _, r8 = parse_csv(out)
    check(float(r8[0]["its_mean"]) > its["jacobi"] + 5, "-ksp_rtol 1e-8 raises jacobi's iterations (%s > %.1f)" % (r8[0]["its_mean"], its["jacobi"]))
    _, out, _ = run(compare + ["-format", "csv", "-pcs", "ilu", "-mat_superlu_ilu_droptol", "0.01"])
    _, rd = parse_csv(out)
    check(number(rd[0]["nnz_ratio"]) > number(by["ilu"]["nnz_ratio"]), "-mat_superlu_ilu_droptol 0.01 keeps more fill (%s > %s)" % (rd[0]["nnz_ratio"], by["ilu"]["nnz_ratio"]))
    check(float(rd[0]["its_mean"]) < its["ilu"], "... and needs fewer iterations")

    # selection, -max_samples, table format
    _, out, _ = run(compare + ["-pcs", "fsai,jacobi", "-max_samples", "2"])
    print(out)
    lines = [l for l in out.splitlines() if l and not l.startswith("#")]
    check(lines[0].split()[:2] == ["pc", "its"] and [l.split()[0] for l in lines[1:]] == ["fsai", "jacobi"], "table: header and the two requested rows, in the order asked")
    check("test matrices 2 " in out, "-max_samples 2 uses two matrices")

    # two processes: icc/ilu skipped, fsai and jacobi iterations as in serial
    _, out, _ = run(mpiexec + ["-n", "2"] + compare + ["-format", "csv", "-pcs", "jacobi,icc,fsai"])
    comments, rp = parse_csv(out)
    check([r["pc"] for r in rp] == ["jacobi", "fsai"] and any("icc: skipped" in c for c in comments), "-n 2: icc skipped with a note")
    check(all(abs(float(r["its_mean"]) - its[r["pc"]]) <= 0.2 for r in rp), "-n 2: same mean iterations as serial for jacobi and fsai")

    # bad input
    rc, out, err = run(compare + ["-pcs", "jacobi,bogus"], expect_ok=False)
    check(rc != 0 and "unknown preconditioner 'bogus'" in err, "-pcs bogus fails and names it")
    rc, out, err = run(["bin/gcvae-compare", "-data", "tests/out/no_such_file.h5"], expect_ok=False)
    check(rc != 0 and "no_such_file.h5" in err, "missing data file fails and names it")
    rc, out, err = run(compare + ["-format", "xml"], expect_ok=False)
    check(rc != 0 and "xml" in err, "unknown -format fails and names it")

    print("%d failed" % len(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
