/* Jacobi scaling: A~ = D^{-1/2} A D^{-1/2}, with the checks every entry point of the
   network needs (square, finite, positive diagonal). R = D^{-1/2} R~ then gives
   ||I - R^T A R|| = ||I - R~^T A~ R~||. */
#include <gcvae.h>

PetscErrorCode GCVAECheckMatrix(Mat A)
{
  PetscInt  m, n, imin;
  PetscReal nrm, dmin;
  Vec       d;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &n));
  PetscCheck(m == n, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_SIZ, "Matrix must be square, got %" PetscInt_FMT " x %" PetscInt_FMT, m, n);
  PetscCall(MatNorm(A, NORM_FROBENIUS, &nrm));
  PetscCheck(!PetscIsInfOrNanReal(nrm), PetscObjectComm((PetscObject)A), PETSC_ERR_FP, "Matrix has NaN or Inf entries");
  PetscCall(MatCreateVecs(A, &d, NULL));
  PetscCall(MatGetDiagonal(A, d));
  PetscCall(VecMin(d, &imin, &dmin));
  PetscCall(VecDestroy(&d)); /* before the check: an error leaves nothing behind */
  PetscCheck(dmin > 0, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_WRONG, "Matrix diagonal must be positive (an SPD matrix): entry %" PetscInt_FMT " is %g", imin, (double)dmin);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEScale(Mat A, Mat *At, Vec *dinvsqrt)
{
  Vec d;

  PetscFunctionBegin;
  PetscCall(GCVAECheckMatrix(A));
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
