/* The sparsity mask of R~: pattern(A) plus the `extra` fraction (of nnz(A)) of the
   largest entries of |A~| |A~| outside it, added in symmetric pairs. |A~||A~| (not
   |A~^2|) so that cancellation cannot hide a strong two-hop coupling. Ties are broken
   by (row, column), so the mask is a deterministic function of A. */
#include <gcvae.h>

typedef struct {
  PetscReal v;
  PetscInt  i, j;
} Candidate;

static int CandidateCompare(const void *a, const void *b)
{
  const Candidate *x = (const Candidate *)a, *y = (const Candidate *)b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  if (x->i != y->i) return x->i < y->i ? -1 : 1;
  return x->j < y->j ? -1 : (x->j > y->j);
}

static PetscBool InRow(const PetscInt *cols, PetscInt len, PetscInt j)
{
  PetscInt lo = 0, hi = len - 1;
  while (lo <= hi) {
    PetscInt mid = (lo + hi) / 2;
    if (cols[mid] == j) return PETSC_TRUE;
    if (cols[mid] < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return PETSC_FALSE;
}

PetscErrorCode GCVAEMaskBuild(Mat At, PetscReal extra, Mat *M)
{
  Mat                Abs, A2;
  PetscInt           n, ncand = 0, nextra, *nnzrow;
  const PetscInt    *ai, *aj, *bi, *bj;
  const PetscScalar *bv;
  PetscBool          done;
  Candidate         *cand;
  PetscMPIInt        size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)At), &size));
  PetscCheck(size == 1, PetscObjectComm((PetscObject)At), PETSC_ERR_SUP, "GCVAEMaskBuild is serial (MATSEQAIJ)");
  PetscCheck(extra >= 0 && extra <= 10, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Mask extra fraction %g must be in [0, 10]", (double)extra);
  PetscCall(MatGetSize(At, &n, NULL));
  PetscCall(MatDuplicate(At, MAT_COPY_VALUES, &Abs));
  {
    PetscScalar *v;
    PetscInt     nz;
    PetscCall(MatSeqAIJGetArray(Abs, &v));
    PetscCall(MatGetRowIJ(Abs, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
    nz = ai[n];
    for (PetscInt k = 0; k < nz; k++) v[k] = PetscAbsScalar(v[k]);
    PetscCall(MatRestoreRowIJ(Abs, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
    PetscCall(MatSeqAIJRestoreArray(Abs, &v));
  }
  PetscCall(MatMatMult(Abs, Abs, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &A2));
  PetscCall(MatGetRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCall(MatGetRowIJ(A2, 0, PETSC_FALSE, PETSC_FALSE, &n, &bi, &bj, &done));
  PetscCall(MatSeqAIJGetArrayRead(A2, &bv));
  PetscCall(PetscMalloc1(bi[n] + 1, &cand));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = bi[i]; k < bi[i + 1]; k++) {
      const PetscInt j = bj[k];
      if (j <= i || InRow(aj + ai[i], ai[i + 1] - ai[i], j)) continue;
      cand[ncand].v   = PetscRealPart(bv[k]);
      cand[ncand].i   = i;
      cand[ncand++].j = j;
    }
  qsort(cand, (size_t)ncand, sizeof(Candidate), CandidateCompare);
  nextra = PetscMin(ncand, (PetscInt)PetscFloorReal(0.5 * extra * ai[n] + 0.5)); /* pairs */
  PetscCall(PetscCalloc1(n, &nnzrow));
  for (PetscInt i = 0; i < n; i++) nnzrow[i] = ai[i + 1] - ai[i];
  for (PetscInt k = 0; k < nextra; k++) {
    nnzrow[cand[k].i]++;
    nnzrow[cand[k].j]++;
  }
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 0, nnzrow, M));
  {
    const PetscScalar *av;
    PetscScalar        zero = 0;
    PetscCall(MatSeqAIJGetArrayRead(At, &av));
    for (PetscInt i = 0; i < n; i++) PetscCall(MatSetValues(*M, 1, &i, ai[i + 1] - ai[i], aj + ai[i], av + ai[i], INSERT_VALUES));
    PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
    for (PetscInt k = 0; k < nextra; k++) {
      PetscCall(MatSetValues(*M, 1, &cand[k].i, 1, &cand[k].j, &zero, INSERT_VALUES));
      PetscCall(MatSetValues(*M, 1, &cand[k].j, 1, &cand[k].i, &zero, INSERT_VALUES));
    }
  }
  PetscCall(MatSetOption(*M, MAT_IGNORE_ZERO_ENTRIES, PETSC_FALSE));
  PetscCall(MatAssemblyBegin(*M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*M, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSeqAIJRestoreArrayRead(A2, &bv));
  PetscCall(MatRestoreRowIJ(A2, 0, PETSC_FALSE, PETSC_FALSE, &n, &bi, &bj, &done));
  PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCall(PetscFree(nnzrow));
  PetscCall(PetscFree(cand));
  PetscCall(MatDestroy(&A2));
  PetscCall(MatDestroy(&Abs));
  PetscFunctionReturn(0);
}
