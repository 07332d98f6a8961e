#!/usr/bin/python3
"""Helper of tests/t_record.sh (Debian's python3 with petsc4py, like tutorials/ex4.py).

  record_helper.py bad DIR     writes PETSc binary files gcvae-datagen -matrices must refuse:
                               nonsquare.bin, nonsymmetric.bin, negdiag.bin, indefinite.bin
                               (symmetric, positive diagonal, one negative eigenvalue), vector.bin
  record_helper.py every DIR   solves 5 systems of one pattern (5-point Laplacian of 12 x 12 plus
                               c_k I) with one KSP, PCGCVAE without a model, -pc_gcvae_record DIR
                               -pc_gcvae_record_every 2: prints the setups and the matrices recorded
"""
import os
import sys

import petsc4py

here = os.path.dirname(os.path.abspath(__file__))
petsc4py.init(sys.argv[:1] + ['-dll_append', os.path.join(here, '..', 'lib', 'libpcgcvae.so')])
from petsc4py import PETSc  # noqa: E402


def save(obj, path):
    v = PETSc.Viewer().createBinary(path, 'w', comm=PETSc.COMM_SELF)
    obj.view(v)
    v.destroy()


def laplacian(m, shift=0.0, comm=PETSc.COMM_SELF):
    n = m * m
    A = PETSc.Mat().createAIJ([n, n], nnz=5, comm=comm)
    A.setUp()
    r0, r1 = A.getOwnershipRange()
    for i in range(r0, r1):
        x, y = i % m, i // m
        A.setValue(i, i, 4.0 + shift)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            if 0 <= x + dx < m and 0 <= y + dy < m:
                A.setValue(i, i + dx + m * dy, -1.0)
    A.assemble()
    return A


def bad(d):
    A = PETSc.Mat().createAIJ([3, 4], comm=PETSc.COMM_SELF)
    A.setUp()
    A.setValue(0, 0, 1.0)
    A.assemble()
    save(A, os.path.join(d, 'nonsquare.bin'))
    A = laplacian(4)
    A.setValue(0, 1, -2.0)  # A[1, 0] stays -1
    A.assemble()
    save(A, os.path.join(d, 'nonsymmetric.bin'))
    A = laplacian(4)
    A.setValue(5, 5, -4.0)
    A.assemble()
    save(A, os.path.join(d, 'negdiag.bin'))
    A = laplacian(4, shift=-3.5)  # diagonal 0.5 > 0; eigenvalues 0.5 - 2 cos(i pi/5) - 2 cos(j pi/5), the smallest -2.7
    save(A, os.path.join(d, 'indefinite.bin'))
    v = PETSc.Vec().createSeq(4)
    v.set(1.0)
    save(v, os.path.join(d, 'vector.bin'))


def every(d):
    ksp = PETSc.KSP().create(comm=PETSc.COMM_WORLD)
    ksp.setType('cg')
    pc = ksp.getPC()
    pc.setType('gcvae')
    opts = PETSc.Options()
    opts['pc_gcvae_record'] = d
    opts['pc_gcvae_record_every'] = 2
    ksp.setFromOptions()
    setups = 0
    for k in range(5):
        A = laplacian(12, shift=0.1 * (k + 1), comm=PETSc.COMM_WORLD)
        ksp.setOperators(A)
        b = A.createVecLeft()
        b.set(1.0)
        x = b.duplicate()
        ksp.solve(b, x)
        assert ksp.getConvergedReason() > 0
        setups += 1
    files = sorted(f for f in os.listdir(d) if f.endswith('.bin'))
    PETSc.Sys.Print('setups %d recorded %d' % (setups, len(files)))


if __name__ == '__main__':
    {'bad': bad, 'every': every}[sys.argv[1]](sys.argv[2])
