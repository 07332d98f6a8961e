/* The CNN encoder's input: |A^{-1}| average-pooled to a P x P image (training only).
   The inverse comes from a dense Cholesky factorisation (LAPACK potrf + potri); the
   full inverse is never kept beyond the caller's one dense work array. */
#include <gcvae.h>
#include <petscblaslapack.h>

/* Bin of row/column i of an n x n array in a P x P image. */
static inline PetscInt PoolBin(PetscInt i, PetscInt n, PetscInt P)
{
  return (PetscInt)(((long long)i * P) / n);
}

PetscErrorCode GCVAEPoolAbs(PetscInt n, const PetscScalar dense[], PetscInt P, float image[])
{
  PetscReal *sum;
  PetscInt  *count;

  PetscFunctionBegin;
  PetscCheck(n > 0 && P > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Pooling needs n > 0 and P > 0, got n = %" PetscInt_FMT ", P = %" PetscInt_FMT, n, P);
  PetscCall(PetscCalloc2(P * P, &sum, P, &count));
  for (PetscInt i = 0; i < n; i++) count[PoolBin(i, n, P)]++;
  for (PetscInt j = 0; j < n; j++) {
    const PetscInt bj = PoolBin(j, n, P);
    for (PetscInt i = 0; i < n; i++) sum[bj * P + PoolBin(i, n, P)] += PetscAbsScalar(dense[i + j * n]);
  }
  /* image is row-major [P][P]: image[bi*P + bj] pools rows in bin bi, columns in bin bj */
  for (PetscInt bi = 0; bi < P; bi++)
    for (PetscInt bj = 0; bj < P; bj++) {
      const PetscInt c = count[bi] * count[bj];
      image[bi * P + bj] = c ? (float)(sum[bj * P + bi] / c) : 0.0f;
    }
  PetscCall(PetscFree2(sum, count));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInverseImage(PetscInt n, PetscScalar dense[], PetscInt P, float image[])
{
  PetscBLASInt bn, info;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(n, &bn));
  PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bn, dense, &bn, &info));
  PetscCheck(info >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK potrf: illegal argument %d", (int)-info);
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "Matrix is not positive definite: Cholesky breaks down at leading minor %d of %" PetscInt_FMT, (int)info, n);
  PetscCallBLAS("LAPACKpotri", LAPACKpotri_("L", &bn, dense, &bn, &info));
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK potri failed with info %d", (int)info);
  /* potri leaves the lower triangle; mirror it so pooling sees the full inverse */
  for (PetscInt j = 0; j < n; j++)
    for (PetscInt i = 0; i < j; i++) dense[i + j * n] = dense[j + i * n];
  PetscCall(GCVAEPoolAbs(n, dense, P, image));
  PetscFunctionReturn(0);
}
