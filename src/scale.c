/* Jacobi scaling: A~ = D^{-1/2} A D^{-1/2}, with the checks every entry point of the
   network needs (square, finite, positive diagonal). R = D^{-1/2} R~ then gives
   ||I - R^T A R|| = ||I - R~^T A~ R~||. */
#include "localimpl.h"

/* NaN or Inf in the local rows? Entry by entry: a norm of the entries would overflow for
   finite matrices with entries near 1e154 and call them "Inf". */
static PetscErrorCode CheckFinite(Mat A)
{
  PetscInt  rstart, rend, bad = -1, badany;
  PetscReal badval = 0;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  for (PetscInt i = rstart; i < rend && bad < 0; i++) {
    PetscInt           nc;
    const PetscScalar *v;
    PetscCall(MatGetRow(A, i, &nc, NULL, &v));
    for (PetscInt k = 0; k < nc; k++)
      if (PetscIsInfOrNanScalar(v[k])) {
        bad    = i;
        badval = PetscRealPart(v[k]);
        break;
      }
    PetscCall(MatRestoreRow(A, i, &nc, NULL, &v));
  }
  PetscCall(MPIU_Allreduce(&bad, &badany, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)A)));
  PetscCheck(badany < 0, PetscObjectComm((PetscObject)A), PETSC_ERR_FP, "Matrix has NaN or Inf entries (row %" PetscInt_FMT "%s%g)", badany, bad == badany ? ": " : "", bad == badany ? (double)badval : 0.0);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECheckMatrix(Mat A)
{
  PetscInt  m, n, imin;
  PetscReal dmin;
  Vec       d;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &n));
  PetscCheck(m == n, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_SIZ, "Matrix must be square, got %" PetscInt_FMT " x %" PetscInt_FMT, m, n);
  if (!n) PetscFunctionReturn(0); /* 0 x 0: nothing to check */
  PetscCall(CheckFinite(A));
  PetscCall(MatCreateVecs(A, &d, NULL));
  PetscCall(MatGetDiagonal(A, d));
  PetscCall(VecMin(d, &imin, &dmin));
  PetscCall(VecDestroy(&d)); /* before the check: an error leaves nothing behind */
  PetscCheck(dmin > 0, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_WRONG, "Matrix diagonal must be positive (an SPD matrix): entry %" PetscInt_FMT " is %g", imin, (double)dmin);
  PetscFunctionReturn(0);
}

/* max_i ||row_i(A) - row_i(A^T)||_1 / ||row_i(A)||_1: each row against the matching column,
   relative to the row's own entries, so it does not depend on how rows are scaled against
   each other (a Dirichlet row set to the identity without eliminating its column shows
   up as O(1)). O(nnz) work and one transpose (PETSc's, parallel) of memory. */
PetscErrorCode GCVAEMatAsymmetry(Mat A, PetscReal *asym)
{
  Mat       At;
  PetscInt  rstart, rend;
  PetscReal local = 0;

  PetscFunctionBegin;
  PetscCall(MatTranspose(A, MAT_INITIAL_MATRIX, &At));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  for (PetscInt i = rstart; i < rend; i++) {
    PetscInt           na, nt, ka = 0, kt = 0;
    const PetscInt    *ja, *jt;
    const PetscScalar *va, *vt;
    PetscReal          diff = 0, size = 0;
    PetscCall(MatGetRow(A, i, &na, &ja, &va));
    PetscCall(MatGetRow(At, i, &nt, &jt, &vt));
    while (ka < na || kt < nt) { /* merge the two sorted rows */
      if (kt == nt || (ka < na && ja[ka] < jt[kt])) {
        diff += PetscAbsScalar(va[ka]);
        size += PetscAbsScalar(va[ka++]);
      } else if (ka == na || jt[kt] < ja[ka]) diff += PetscAbsScalar(vt[kt++]);
      else {
        diff += PetscAbsScalar(va[ka] - vt[kt++]);
        size += PetscAbsScalar(va[ka++]);
      }
    }
    PetscCall(MatRestoreRow(At, i, &nt, &jt, &vt));
    PetscCall(MatRestoreRow(A, i, &na, &ja, &va));
    if (diff > 0) local = PetscMax(local, size > 0 ? diff / size : PETSC_MAX_REAL);
  }
  PetscCall(MatDestroy(&At));
  PetscCall(MPIU_Allreduce(&local, asym, 1, MPIU_REAL, MPIU_MAX, PetscObjectComm((PetscObject)A)));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEScale(Mat A, Mat *At, Vec *dinvsqrt)
{
  PetscFunctionBegin;
  PetscCall(GCVAECheckMatrix(A));
  PetscCall(GCVAEScale_Private(A, At, dinvsqrt));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEScale_Private(Mat A, Mat *At, Vec *dinvsqrt)
{
  Vec d;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(A, &d, NULL));
  PetscCall(MatGetDiagonal(A, d));
  PetscCall(VecSqrtAbs(d));
  PetscCall(VecReciprocal(d));
  PetscCall(MatDuplicate(A, MAT_COPY_VALUES, At));
  PetscCall(MatDiagonalScale(*At, d, d));
  if (dinvsqrt) *dinvsqrt = d;
  else PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEJacobiFactor(Mat A, Mat *R)
{
  Vec      d;
  PetscInt m, N;

  PetscFunctionBegin;
  PetscCall(MatGetLocalSize(A, &m, NULL));
  PetscCall(MatGetSize(A, &N, NULL));
  PetscCall(MatCreateVecs(A, &d, NULL));
  PetscCall(MatGetDiagonal(A, d));
  PetscCall(VecSqrtAbs(d));
  PetscCall(VecReciprocal(d));
  PetscCall(MatCreateAIJ(PetscObjectComm((PetscObject)A), m, m, N, N, 1, NULL, 0, NULL, R));
  PetscCall(MatDiagonalSet(*R, d, INSERT_VALUES));
  PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}
