#!/usr/bin/python3
"""
ex4: PCGCVAE from petsc4py.

Solves A x = b, A the 5-point Laplacian of an m x m grid (Dirichlet boundary eliminated),
b = A 1, by CG preconditioned with PCGCVAE and then with Jacobi, in one run. The plugin
(lib/libpcgcvae.so of this tree, built by make) is loaded as by any PETSc program:

    petsc4py.init(sys.argv + ['-dll_append', '<repo>/lib/libpcgcvae.so'])

after which 'gcvae' is a PC type like any other, with its -pc_gcvae_* options.

Run with Debian's python, whose petsc4py (python3-petsc4py) is built against Debian's PETSc,
the one the plugin is built against (a pyenv or venv python3 earlier on PATH has no petsc4py):

    /usr/bin/python3 tutorials/ex4.py
    mpiexec -n 2 /usr/bin/python3 tutorials/ex4.py -m 96 -ksp_view

Options (and any PETSc option: -ksp_*, -pc_gcvae_* apply to the PCGCVAE solve, the same with
the prefix -jacobi_ to the Jacobi one):
    -m M                   grid points per side (64: n 4096, PETSc's ksp ex2 size)
    -plugin FILE           the PCGCVAE library to load (lib/libpcgcvae.so beside this tutorial;
                           an installed one: pkg-config --variable=plugin pcgcvae)
    -pc_gcvae_model FILE   the model (models/poisson.bin of this tree)
    -ratio R               the bound below (0.8)

Both solves stop at the same test (rtol 1e-8 in the unpreconditioned residual norm). The script
exits 1 unless both converge, both errors against the exact solution are < 1e-5, and PCGCVAE
takes fewer than R x Jacobi's iterations. R = 0.8 asks for a clear gain (at least 20% fewer):
on this machine at m 64 it is 82 against 122 (0.67), while CG's counts move by an iteration or
two with the BLAS kernels, far less than that margin; Jacobi is plain CG here (constant
diagonal), so a model that fell back to Jacobi, or did not fit, fails.
"""

import os
import sys

import petsc4py

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(here)


def pop_option(argv, name, default):
    """Removes '-name VALUE' from argv (read before PETSc starts) and returns VALUE."""
    if name in argv:
        i = argv.index(name)
        if i + 1 >= len(argv):
            sys.exit(f"ex4.py: {name} needs a value")
        value = argv[i + 1]
        del argv[i:i + 2]
        return value
    return default


argv = list(sys.argv)
plugin = pop_option(argv, "-plugin", os.path.join(top, "lib", "libpcgcvae.so"))
if not os.path.isfile(plugin):
    sys.exit(f"ex4.py: {plugin} not found: build it with 'make' (or give -plugin FILE)")
petsc4py.init(argv + ["-dll_append", plugin])
from petsc4py import PETSc  # noqa: E402 (after init, as petsc4py requires)

opts = PETSc.Options()
m = opts.getInt("m", 64)
ratio = opts.getReal("ratio", 0.8)
if not opts.hasName("pc_gcvae_model"):
    opts["pc_gcvae_model"] = os.path.join(top, "models", "poisson.bin")


def laplacian(m):
    """The 5-point Laplacian of an m x m grid, rows distributed by PETSc."""
    A = PETSc.Mat().createAIJ([m * m, m * m], nnz=(5, 4), comm=PETSc.COMM_WORLD)
    rstart, rend = A.getOwnershipRange()
    for row in range(rstart, rend):
        i, j = divmod(row, m)
        if i > 0:
            A[row, row - m] = -1.0
        if i < m - 1:
            A[row, row + m] = -1.0
        if j > 0:
            A[row, row - 1] = -1.0
        if j < m - 1:
            A[row, row + 1] = -1.0
        A[row, row] = 4.0
    A.assemble()
    return A


def solve(A, b, pctype, prefix):
    """CG with the given PC; returns iterations, converged reason and max error."""
    ksp = PETSc.KSP().create(comm=A.getComm())
    ksp.setOptionsPrefix(prefix)
    ksp.setOperators(A)
    ksp.setType(PETSc.KSP.Type.CG)
    ksp.setNormType(PETSc.KSP.NormType.UNPRECONDITIONED)
    ksp.setTolerances(rtol=1e-8, max_it=1000)
    ksp.getPC().setType(pctype)
    ksp.setFromOptions()
    x = A.createVecLeft()
    ksp.solve(b, x)
    got = ksp.getPC().getType()
    if got != pctype:
        sys.exit(f"ex4.py: the PC is {got}, not {pctype}")
    x.shift(-1.0)
    result = ksp.getIterationNumber(), ksp.getConvergedReason(), x.norm(PETSc.NormType.INFINITY)
    ksp.destroy()
    return result


reasons = {v: k for k, v in vars(PETSc.KSP.ConvergedReason).items() if isinstance(v, int) and not k.startswith("_")}

A = laplacian(m)
one, b = A.createVecs()
one.set(1.0)
A.mult(one, b)
itg, rg, errg = solve(A, b, "gcvae", "")
itj, rj, errj = solve(A, b, PETSc.PC.Type.JACOBI, "jacobi_")
PETSc.Sys.Print(f"5-point Laplacian {m} x {m}, CG rtol 1e-8: gcvae {itg} iterations "
                f"({reasons.get(rg, rg)}, error {errg:.1e}), jacobi {itj} ({reasons.get(rj, rj)}, error {errj:.1e})")
ok = rg > 0 and rj > 0 and errg < 1e-5 and errj < 1e-5 and itg < ratio * itj
PETSc.Sys.Print(f"gcvae / jacobi iterations {itg / itj:.2f}, asserted < {ratio}: {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
