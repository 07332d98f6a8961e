/* The per-matrix optimum (the ceiling a learned model can reach on a mask): minimise
   the training loss L(R~) = ||I - R~^T A~ R~||_F^2 / n over the values of R~ on the
   mask with TAO (L-BFGS, TAOLMVM), starting from Jacobi (R~ = I). Options under the
   prefix "optimum_" (e.g. -optimum_tao_max_it, -optimum_tao_gatol, -optimum_tao_monitor). */
#include <gcvae.h>
#include <petsctao.h>

typedef struct {
  GCVAELoss loss;
  Mat       R;
  PetscInt  nnz;
} OptCtx;

static PetscErrorCode CopyIn(Mat R, Vec x)
{
  PetscScalar       *v;
  const PetscScalar *xa;
  PetscInt           nnz;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &nnz));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(MatSeqAIJGetArray(R, &v));
  PetscCall(PetscArraycpy(v, xa, nnz));
  PetscCall(MatSeqAIJRestoreArray(R, &v));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

static PetscErrorCode FormFunctionGradient(Tao tao, Vec x, PetscReal *f, Vec g, void *ctx)
{
  OptCtx      *o = (OptCtx *)ctx;
  PetscScalar *ga;

  PetscFunctionBegin;
  PetscCall(CopyIn(o->R, x));
  PetscCall(VecGetArray(g, &ga));
  PetscCall(GCVAELossEvaluate(o->loss, o->R, f, ga));
  PetscCall(VecRestoreArray(g, &ga));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEOptimum(Mat At, Mat R, PetscReal *loss, PetscInt *its)
{
  OptCtx              o;
  Tao                 tao;
  Vec                 x;
  PetscInt            nnz, n;
  const PetscInt     *ri, *rj;
  PetscBool           done;
  PetscScalar        *xa;
  TaoConvergedReason  reason;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  nnz = ri[n];
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nnz, &x));
  PetscCall(VecGetArray(x, &xa));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = ri[i]; k < ri[i + 1]; k++) xa[k] = (rj[k] == i) ? 1.0 : 0.0; /* Jacobi */
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(MatRestoreRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscCall(CopyIn(R, x));
  o.R   = R;
  o.nnz = nnz;
  PetscCall(GCVAELossCreate(At, R, &o.loss));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, FormFunctionGradient, &o));
  PetscCall(TaoSetTolerances(tao, 1e-9, 1e-9, 0));
  PetscCall(TaoSetMaximumIterations(tao, 3000));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 6000));
  PetscCall(TaoSetOptionsPrefix(tao, "optimum_"));
  PetscCall(TaoSetFromOptions(tao));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetSolutionStatus(tao, its, loss, NULL, NULL, NULL, &reason));
  /* at the optimum's rounding floor the line search can fail to make progress: that is converged enough */
  PetscCheck(reason > 0 || reason == TAO_DIVERGED_MAXITS || reason == TAO_DIVERGED_MAXFCN || reason == TAO_DIVERGED_LS_FAILURE, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "Per-matrix optimum: TAO stopped with %s", TaoConvergedReasons[reason]);
  PetscCall(CopyIn(R, x)); /* x is TAO's solution vector */
  PetscCall(GCVAELossEvaluate(o.loss, R, loss, NULL));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&x));
  PetscCall(GCVAELossDestroy(&o.loss));
  PetscFunctionReturn(0);
}
