/* The CNN encoder's input: |A^{-1}| average-pooled to a P x P image (training only).
   GCVAEInverseImage: the inverse from a dense Cholesky factorisation (LAPACK potrf + potri); the
   full inverse is never kept beyond the caller's one dense work array (8 n^2 bytes).
   GCVAEBlockInverseImage: the block averages of A^{-1} from P solves with a sparse Cholesky,
   for matrices too large for a dense inverse. */
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

PetscErrorCode GCVAEMatInverseImage(Mat A, PetscBool block, PetscScalar work[], PetscInt P, float image[])
{
  const PetscInt    *ia, *ja;
  const PetscScalar *va;
  PetscInt           n;
  PetscBool          done;

  PetscFunctionBegin;
  if (block) {
    PetscCall(GCVAEBlockInverseImage(A, P, image));
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cannot read the CSR pattern");
  PetscCall(MatSeqAIJGetArrayRead(A, &va));
  PetscCall(PetscArrayzero(work, (size_t)n * n));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = ia[i]; k < ia[i + 1]; k++) work[i + (size_t)ja[k] * n] = va[k];
  PetscCall(MatSeqAIJRestoreArrayRead(A, &va));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCall(MatGetSize(A, &n, NULL)); /* Restore may zero n */
  PetscCall(GCVAEInverseImage(n, work, P, image));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEBlockInverseImage(Mat A, PetscInt P, float image[])
{
  Mat                F, B, X;
  PetscInt           n, nneg, nzero, npos, *count;
  const PetscScalar *x;
  PetscScalar       *b;
  PetscReal         *sum;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCheck(n > 0 && P > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Block inverse image needs n > 0 and P > 0, got n = %" PetscInt_FMT ", P = %" PetscInt_FMT, n, P);
  /* LDL^T (MUMPS sym = 2: A is not flagged SPD, so an indefinite A factors and shows in the inertia) */
  PetscCall(MatGetFactor(A, MATSOLVERMUMPS, MAT_FACTOR_CHOLESKY, &F));
  PetscCall(MatMumpsSetIcntl(F, 24, 1)); /* null pivot detection: a singular A shows as zero inertia */
  PetscCall(MatCholeskyFactorSymbolic(F, A, NULL, NULL));
  PetscCall(MatCholeskyFactorNumeric(F, A, NULL));
  PetscCall(MatGetInertia(F, &nneg, &nzero, &npos));
  PetscCheck(!nneg && !nzero, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT, "Matrix is not positive definite: inertia of its LDL^T (negative %" PetscInt_FMT ", zero %" PetscInt_FMT ", positive %" PetscInt_FMT ")", nneg, nzero, npos);
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n, P, NULL, &B));
  PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n, P, NULL, &X));
  PetscCall(PetscCalloc2(P, &count, P * P, &sum));
  PetscCall(MatDenseGetArrayWrite(B, &b));
  PetscCall(PetscArrayzero(b, (size_t)n * P));
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt bi = PoolBin(i, n, P);
    b[i + (size_t)bi * n] = 1;
    count[bi]++;
  }
  PetscCall(MatDenseRestoreArrayWrite(B, &b));
  PetscCall(MatMatSolve(F, B, X)); /* X = A^{-1} B */
  PetscCall(MatDenseGetArrayRead(X, &x));
  for (PetscInt bj = 0; bj < P; bj++)
    for (PetscInt i = 0; i < n; i++) sum[PoolBin(i, n, P) * P + bj] += PetscRealPart(x[i + (size_t)bj * n]);
  PetscCall(MatDenseRestoreArrayRead(X, &x));
  /* row-major like GCVAEPoolAbs: image[bi*P + bj]; an empty bin (n < P) gives 0 */
  for (PetscInt bi = 0; bi < P; bi++)
    for (PetscInt bj = 0; bj < P; bj++) {
      const PetscInt c = count[bi] * count[bj];
      image[bi * P + bj] = c ? (float)(PetscAbsReal(sum[bi * P + bj]) / c) : 0.0f;
    }
  PetscCall(PetscFree2(count, sum));
  PetscCall(MatDestroy(&X));
  PetscCall(MatDestroy(&B));
  PetscCall(MatDestroy(&F));
  PetscFunctionReturn(0);
}
