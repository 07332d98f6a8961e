static char help[] = "Scaling, mask and loss: the mask's contents, the loss against a dense computation,\n"
                     "its sparse gradient against central differences, and the scaling's bad-input errors.\n"
                     "  -mesh FILE -extra F -contrast C -perturb P\n";

#include <gcvae.h>
#include "../training/family.h"

static PetscErrorCode ToDense(Mat A, PetscInt n, PetscReal *D)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(D, n * n));
  for (PetscInt i = 0; i < n; i++) {
    PetscInt           nc;
    const PetscInt    *c;
    const PetscScalar *v;
    PetscCall(MatGetRow(A, i, &nc, &c, &v));
    for (PetscInt k = 0; k < nc; k++) D[i * n + c[k]] = PetscRealPart(v[k]);
    PetscCall(MatRestoreRow(A, i, &nc, &c, &v));
  }
  PetscFunctionReturn(0);
}

/* ||I - R^T A R||_F^2 / n with dense triple loops */
static PetscReal DenseLoss(PetscInt n, const PetscReal *A, const PetscReal *R)
{
  PetscReal *AR = malloc(sizeof(PetscReal) * n * n), s = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      PetscReal t = 0;
      for (PetscInt k = 0; k < n; k++) t += A[i * n + k] * R[k * n + j];
      AR[i * n + j] = t;
    }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      PetscReal t = (i == j);
      for (PetscInt k = 0; k < n; k++) t -= R[k * n + i] * AR[k * n + j];
      s += t * t;
    }
  free(AR);
  return s / n;
}

static PetscErrorCode ExpectError(PetscErrorCode ierr, const char what[], PetscInt *fails)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %s (error code %d)\n", what, ierr ? "rejected" : "NOT REJECTED", (int)ierr));
  if (!ierr) (*fails)++;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char               mesh[PETSC_MAX_PATH_LEN] = "meshes/square_102.msh";
  PetscReal          extra = 0.2, contrast = 1e3, perturb = 0.05, c[GCVAE_COEFF_MAX_COUNT];
  PetscInt           n, fails = 0, nnzA, nnzM;
  DM                 dm;
  Mat                A, At, M;
  PetscRandom        rnd;
  PetscReal         *Ad, *Md, *Rd, *W;
  GCVAELoss          loss;
  PetscScalar       *grad, *rv;
  const PetscInt    *mi, *mj;
  PetscBool          done;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh", mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-extra", &extra, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-contrast", &contrast, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-perturb", &perturb, NULL));
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 5, &rnd));
  PetscCall(GCVAEMeshLoad(PETSC_COMM_SELF, mesh, 0, &dm));
  PetscCall(GCVAEPoissonSetUp(dm, 2, PETSC_FALSE));
  PetscCall(GCVAECoeffRandom(rnd, 2, contrast, contrast, c));
  PetscCall(GCVAEFamilySetCoefficient(dm, 2, c));
  PetscCall(DMCreateMatrix(dm, &A));
  PetscCall(GCVAEPoissonAssemble(dm, A));
  PetscCall(MatGetSize(A, &n, NULL));

  /* scaling: unit diagonal */
  PetscCall(GCVAEScale(A, &At, NULL));
  {
    Vec       d;
    PetscReal dmin, dmax;
    PetscCall(MatCreateVecs(At, &d, NULL));
    PetscCall(MatGetDiagonal(At, d));
    PetscCall(VecMin(d, NULL, &dmin));
    PetscCall(VecMax(d, NULL, &dmax));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "scaled diagonal in [%.15f, %.15f]\n", (double)dmin, (double)dmax));
    if (PetscAbsReal(dmin - 1) > 1e-14 || PetscAbsReal(dmax - 1) > 1e-14) fails++;
    PetscCall(VecDestroy(&d));
  }

  /* mask: pattern(A~) + the largest |A~||A~| pairs outside it */
  PetscCall(GCVAEMaskBuild(At, extra, &M));
  PetscCall(PetscMalloc4(n * n, &Ad, n * n, &Md, n * n, &Rd, n * n, &W));
  PetscCall(ToDense(At, n, Ad));
  {
    MatInfo   info;
    PetscReal minin = PETSC_MAX_REAL, maxout = 0;
    PetscInt  bad = 0, nextra = 0;
    PetscCall(MatGetInfo(At, MAT_LOCAL, &info));
    nnzA = (PetscInt)info.nz_used;
    PetscCall(MatGetInfo(M, MAT_LOCAL, &info));
    nnzM = (PetscInt)info.nz_used;
    PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
    PetscCall(PetscArrayzero(Md, n * n));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = mi[i]; k < mi[i + 1]; k++) Md[i * n + mj[k]] = 1;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        PetscReal w = 0;
        for (PetscInt k = 0; k < n; k++) w += PetscAbsReal(Ad[i * n + k]) * PetscAbsReal(Ad[k * n + j]);
        W[i * n + j] = w;
      }
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        const PetscBool inA = (PetscBool)(Ad[i * n + j] != 0 || i == j), inM = (PetscBool)(Md[i * n + j] != 0);
        if (Md[i * n + j] != Md[j * n + i]) bad++;       /* symmetric */
        if (inA && !inM && Ad[i * n + j] != 0) bad++;   /* contains pattern(A) */
        if (!inA && inM) {
          nextra++;
          minin = PetscMin(minin, W[i * n + j]);
        }
        if (!inA && !inM && W[i * n + j] > 0) maxout = PetscMax(maxout, W[i * n + j]);
      }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "mask: nnz(A) %" PetscInt_FMT ", nnz(mask) %" PetscInt_FMT ", extra %" PetscInt_FMT " (asked %.0f), smallest chosen |A||A| %.4e >= largest left out %.4e, structural errors %" PetscInt_FMT "\n", nnzA, nnzM, nextra, (double)(2 * PetscFloorReal(0.5 * extra * nnzA + 0.5)), (double)minin, (double)maxout, bad));
    if (bad || nextra != nnzM - nnzA || PetscAbsReal(nextra - 2 * PetscFloorReal(0.5 * extra * nnzA + 0.5)) > 0 || (nextra && minin < maxout)) fails++;
  }

  /* R~ = I + perturbation on the mask; the loss against dense loops */
  {
    PetscScalar *v;
    PetscCall(MatSeqAIJGetArray(M, &v));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = mi[i]; k < mi[i + 1]; k++) {
        PetscReal u;
        PetscCall(PetscRandomGetValueReal(rnd, &u));
        v[k] = (mj[k] == i ? 1.0 : 0.0) + perturb * (2 * u - 1);
      }
    PetscCall(MatSeqAIJRestoreArray(M, &v));
  }
  PetscCall(GCVAELossCreate(At, M, &loss));
  PetscCall(PetscMalloc1(nnzM, &grad));
  {
    PetscReal L, Ld;
    PetscCall(GCVAELossEvaluate(loss, M, &L, grad));
    PetscCall(ToDense(M, n, Rd));
    Ld = DenseLoss(n, Ad, Rd);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "loss %.15e, dense %.15e, relative difference %.2e\n", (double)L, (double)Ld, (double)(PetscAbsReal(L - Ld) / Ld)));
    if (PetscAbsReal(L - Ld) > 1e-12 * Ld) fails++;
  }
  /* gradient against central differences, every mask entry */
  {
    PetscReal maxerr = 0, gmax = 0, h = 1e-6;
    PetscCall(MatSeqAIJGetArray(M, &rv));
    for (PetscInt k = 0; k < nnzM; k++) {
      PetscReal       Lp, Lm;
      const PetscScalar save = rv[k];
      rv[k] = save + h;
      PetscCall(MatSeqAIJRestoreArray(M, &rv));
      PetscCall(GCVAELossEvaluate(loss, M, &Lp, NULL));
      PetscCall(MatSeqAIJGetArray(M, &rv));
      rv[k] = save - h;
      PetscCall(MatSeqAIJRestoreArray(M, &rv));
      PetscCall(GCVAELossEvaluate(loss, M, &Lm, NULL));
      PetscCall(MatSeqAIJGetArray(M, &rv));
      rv[k]  = save;
      maxerr = PetscMax(maxerr, PetscAbsReal((Lp - Lm) / (2 * h) - PetscRealPart(grad[k])));
      gmax   = PetscMax(gmax, PetscAbsScalar(grad[k]));
    }
    PetscCall(MatSeqAIJRestoreArray(M, &rv));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "gradient vs central differences over %" PetscInt_FMT " entries: max error %.2e, relative to max |grad| %.2e\n", nnzM, (double)maxerr, (double)(maxerr / gmax)));
    if (maxerr > 1e-6 * gmax) fails++;
  }
  /* R~ = I (Jacobi): L = ||I - A~||_F^2 / n */
  {
    PetscScalar *v;
    PetscReal    L, ref = 0;
    PetscCall(MatSeqAIJGetArray(M, &v));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = mi[i]; k < mi[i + 1]; k++) v[k] = (mj[k] == i);
    PetscCall(MatSeqAIJRestoreArray(M, &v));
    PetscCall(GCVAELossEvaluate(loss, M, &L, NULL));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) ref += PetscSqr((i == j) - Ad[i * n + j]);
    ref /= n;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "Jacobi loss %.15e, ||I - A~||^2/n %.15e\n", (double)L, (double)ref));
    if (PetscAbsReal(L - ref) > 1e-12 * ref) fails++;
  }
  PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));

  /* bad inputs to the scaling */
  {
    Mat            B, Bt;
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, 3, 4, 2, NULL, &B));
    PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
    ierr = GCVAEScale(B, &Bt, NULL);
    PetscCall(ExpectError(ierr, "non-square matrix", &fails));
    PetscCall(MatDestroy(&B));
    PetscCall(MatDuplicate(A, MAT_COPY_VALUES, &B));
    PetscCall(MatSetValue(B, 3, 3, -1.0, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
    ierr = GCVAEScale(B, &Bt, NULL);
    PetscCall(ExpectError(ierr, "negative diagonal", &fails));
    PetscCall(MatSetValue(B, 3, 3, 0.0, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
    ierr = GCVAEScale(B, &Bt, NULL);
    PetscCall(ExpectError(ierr, "zero diagonal", &fails));
    PetscCall(MatSetValue(B, 3, 3, 4.0, INSERT_VALUES));
    PetscCall(MatSetValue(B, 2, 2, PETSC_MAX_REAL * 10, INSERT_VALUES));
    PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
    ierr = GCVAEScale(B, &Bt, NULL);
    PetscCall(ExpectError(ierr, "Inf entry", &fails));
    PetscCall(MatDestroy(&B));
    PetscCall(PetscPopErrorHandler());
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", fails ? "FAIL" : "PASS"));
  PetscCall(GCVAELossDestroy(&loss));
  PetscCall(PetscFree(grad));
  PetscCall(PetscFree4(Ad, Md, Rd, W));
  PetscCall(MatDestroy(&M));
  PetscCall(MatDestroy(&At));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&dm));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
