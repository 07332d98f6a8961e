/* The training loss L(R~) = ||I - R~^T A~ R~||_F^2 / n and its exact gradient on the
   entries of R~'s pattern (the mask): with A~ symmetric and E = I - R~^T A~ R~
   (symmetric), dL/dR~ = -(4/n) A~ R~ E, of which only the mask entries are formed:
   G_ij = -(4/n) sum_k (A~R~)_ik E_kj, a merge of row i of A~R~ with row j of E.
   R~ and A~ contain the diagonal (checked), so R~^T A~ R~ does too, and E is
   nonzero only on its pattern.
   Sparse products through PETSc (symbolic once, numeric per evaluation); nothing
   dense of size n x n. Sums in double. */
#include <gcvae.h>

struct _n_GCVAELoss {
  Mat      At;  /* A~ (borrowed reference) */
  Mat      AR;  /* A~ R~ */
  Mat      RtAR; /* R~^T A~ R~ */
  PetscInt n;
};

PetscErrorCode GCVAELossCreate(Mat At, Mat R, GCVAELoss *loss)
{
  GCVAELoss l;

  PetscFunctionBegin;
  {
    PetscBool missing;
    PetscInt  row;
    PetscCall(MatMissingDiagonal(R, &missing, &row));
    PetscCheck(!missing, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The pattern of R~ must contain the diagonal; row %" PetscInt_FMT " does not", row);
    PetscCall(MatMissingDiagonal(At, &missing, &row));
    PetscCheck(!missing, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The pattern of A~ must contain the diagonal; row %" PetscInt_FMT " does not", row);
  }
  PetscCall(PetscNew(&l));
  PetscCall(PetscObjectReference((PetscObject)At));
  l->At = At;
  PetscCall(MatGetSize(At, &l->n, NULL));
  PetscCall(MatMatMult(At, R, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &l->AR));
  PetscCall(MatTransposeMatMult(R, l->AR, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &l->RtAR));
  *loss = l;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAELossDestroy(GCVAELoss *loss)
{
  PetscFunctionBegin;
  if (!*loss) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&(*loss)->At));
  PetscCall(MatDestroy(&(*loss)->AR));
  PetscCall(MatDestroy(&(*loss)->RtAR));
  PetscCall(PetscFree(*loss));
  PetscFunctionReturn(0);
}

/* E_kj from row k of R~^T A~ R~ (value v at (k, j)): delta_kj - v */
static inline PetscReal EValue(PetscInt k, PetscInt j, PetscScalar v)
{
  return (k == j ? 1.0 : 0.0) - PetscRealPart(v);
}

PetscErrorCode GCVAELossEvaluate(GCVAELoss l, Mat R, PetscReal *value, PetscScalar grad[])
{
  const PetscInt    *ei, *ej, *pi, *pj, *ri, *rj;
  const PetscScalar *ev, *pv;
  PetscInt           n = l->n, nr;
  PetscBool          done;
  double             sum = 0;

  PetscFunctionBegin;
  PetscCall(MatMatMult(l->At, R, MAT_REUSE_MATRIX, PETSC_DEFAULT, &l->AR));
  PetscCall(MatTransposeMatMult(R, l->AR, MAT_REUSE_MATRIX, PETSC_DEFAULT, &l->RtAR));
  PetscCall(MatGetRowIJ(l->RtAR, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ei, &ej, &done));
  PetscCall(MatSeqAIJGetArrayRead(l->RtAR, &ev));
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt p = ei[k]; p < ei[k + 1]; p++) {
      const PetscReal e = EValue(k, ej[p], ev[p]);
      sum += e * e;
    }
  *value = sum / n;
  if (grad) {
    PetscCall(MatGetRowIJ(l->AR, 0, PETSC_FALSE, PETSC_FALSE, &nr, &pi, &pj, &done));
    PetscCall(MatSeqAIJGetArrayRead(l->AR, &pv));
    PetscCall(MatGetRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ri, &rj, &done));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt q = ri[i]; q < ri[i + 1]; q++) {
        const PetscInt j = rj[q];
        PetscInt       a = pi[i], b = ei[j];
        double         g = 0;
        while (a < pi[i + 1] && b < ei[j + 1]) { /* sum_k (AR)_ik E_jk, sorted merge */
          if (pj[a] < ej[b]) a++;
          else if (pj[a] > ej[b]) b++;
          else {
            g += PetscRealPart(pv[a]) * EValue(j, ej[b], ev[b]);
            a++;
            b++;
          }
        }
        grad[q] = -4.0 * g / n;
      }
    PetscCall(MatRestoreRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ri, &rj, &done));
    PetscCall(MatSeqAIJRestoreArrayRead(l->AR, &pv));
    PetscCall(MatRestoreRowIJ(l->AR, 0, PETSC_FALSE, PETSC_FALSE, &nr, &pi, &pj, &done));
  }
  PetscCall(MatSeqAIJRestoreArrayRead(l->RtAR, &ev));
  PetscCall(MatRestoreRowIJ(l->RtAR, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ei, &ej, &done));
  PetscFunctionReturn(0);
}
