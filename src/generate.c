/* From a PETSc Mat to the factor R of M^{-1} = R R^T with a trained model:
   A -> A~ = D^{-1/2} A D^{-1/2} -> mask -> GCVAE -> r~ on the mask -> R = D^{-1/2} R~.
   Serial (MATSEQAIJ) for now. */
#include "generateimpl.h"

PetscErrorCode GCVAELatentDraw(PetscRandom rnd, PetscInt k, nnreal eps[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < k; i++) { /* Box-Muller */
    PetscReal u1, u2;
    PetscCall(PetscRandomGetValueReal(rnd, &u1));
    PetscCall(PetscRandomGetValueReal(rnd, &u2));
    eps[i] = (nnreal)(PetscSqrtReal(-2 * PetscLogReal(1 - u1)) * PetscCosReal(2 * PETSC_PI * u2));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEFactorFromValues(Mat M, const nnreal r[], Vec dinvsqrt, Mat *R)
{
  PetscScalar *v;
  PetscInt     n, nnz;
  MatInfo      info;

  PetscFunctionBegin;
  PetscCall(MatDuplicate(M, MAT_DO_NOT_COPY_VALUES, R));
  PetscCall(MatGetSize(M, &n, NULL));
  PetscCall(MatGetInfo(M, MAT_LOCAL, &info));
  nnz = (PetscInt)info.nz_used;
  PetscCall(MatSeqAIJGetArray(*R, &v));
  for (PetscInt k = 0; k < nnz; k++) {
    PetscCheck(PetscIsNormalReal((PetscReal)r[k]) || r[k] == 0, PETSC_COMM_SELF, PETSC_ERR_FP, "The network produced a non-finite entry of R (mask entry %" PetscInt_FMT ")", k);
    v[k] = r[k];
  }
  PetscCall(MatSeqAIJRestoreArray(*R, &v));
  PetscCall(MatDiagonalScale(*R, dinvsqrt, NULL));
  PetscFunctionReturn(0);
}

/* -log_view events of the stages of the generation */
static PetscLogEvent GCVAE_Scale, GCVAE_Mask, GCVAE_Input, GCVAE_Forward, GCVAE_Factor;

static PetscErrorCode GenerateRegisterEvents(void)
{
  PetscFunctionBegin;
  if (GCVAE_Scale) PetscFunctionReturn(0);
  PetscCall(PetscLogEventRegister("GCVAEScale", MAT_CLASSID, &GCVAE_Scale));
  PetscCall(PetscLogEventRegister("GCVAEMask", MAT_CLASSID, &GCVAE_Mask));
  PetscCall(PetscLogEventRegister("GCVAEInput", MAT_CLASSID, &GCVAE_Input));
  PetscCall(PetscLogEventRegister("GCVAEForward", MAT_CLASSID, &GCVAE_Forward));
  PetscCall(PetscLogEventRegister("GCVAEFactor", MAT_CLASSID, &GCVAE_Factor));
  PetscFunctionReturn(0);
}

/* The network on A as given (any ordering serves the graph decoder: it is permutation
   equivariant); forward is the CPU's GCVAEModelInfer or the device's GCVAECudaModelForward. */
PetscErrorCode GCVAEGenerateOrdered_Private(GCVAEModel model, Mat A, PetscReal extra, GCVAELatentMode mode, const nnreal eps[], GCVAEForwardFn forward, Mat *R)
{
  Mat               At, M;
  Vec               d;
  GCVAEInput        in;
  PetscInt          n, mnnz;
  nnreal           *r;
  GCVAEModelHeader *hdr;

  PetscFunctionBegin;
  PetscCall(GenerateRegisterEvents());
  PetscCall(GCVAEModelGetHeader(model, &hdr));
  PetscCall(PetscLogEventBegin(GCVAE_Scale, A, 0, 0, 0));
  PetscCall(GCVAEScale(A, &At, &d));
  PetscCall(PetscLogEventEnd(GCVAE_Scale, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Mask, A, 0, 0, 0));
  PetscCall(GCVAEMaskBuild(At, extra >= 0 ? extra : hdr->mask_extra, &M));
  PetscCall(PetscLogEventEnd(GCVAE_Mask, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Input, A, 0, 0, 0));
  PetscCall(GCVAEInputCreate(At, M, &in));
  PetscCall(PetscLogEventEnd(GCVAE_Input, A, 0, 0, 0));
  PetscCall(GCVAEInputGetSizes(in, &n, &mnnz));
  PetscCall(PetscMalloc1(mnnz, &r));
  PetscCall(PetscLogEventBegin(GCVAE_Forward, A, 0, 0, 0));
  PetscCall(forward(model, in, mode, eps, r));
  PetscCall(PetscLogEventEnd(GCVAE_Forward, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Factor, A, 0, 0, 0));
  PetscCall(GCVAEFactorFromValues(M, r, d, R));
  PetscCall(PetscLogEventEnd(GCVAE_Factor, A, 0, 0, 0));
  PetscCall(PetscFree(r));
  PetscCall(GCVAEInputDestroy(&in));
  PetscCall(MatDestroy(&M));
  PetscCall(MatDestroy(&At));
  PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}

/* With reorder the network sees A in RCM order, A^ = P A P^T, and R = P^T R^ P gives
   R R^T = P^T (R^ R^^T) P ~ A^{-1}.
   The cnn decoder reads an n x n image at (i, j): it was trained on RCM-ordered matrices
   (gcvae-datagen orders them by RCM from the mesh's numbering), so it must see A in that order.
   PETSc's RCM is not idempotent: a matrix that is already in the training order (a dataset
   matrix) must be given with reorder = PETSC_FALSE.
   The graph decoder is permutation equivariant (the same R to float rounding in any order), but
   its gathers of neighbour states (GATv2, the mask's two-hop rows, the decoder's pairs) touch
   rows i and j of every edge: in a mesh generator's numbering (median |i - j| of thousands)
   nearly each is a cache miss, in RCM order (a band) nearly none, which repays the two
   permutations several times over from n ~ 1e4 on. */
PetscErrorCode GCVAEGenerate(GCVAEModel model, Mat A, PetscReal extra, GCVAELatentMode mode, const nnreal eps[], PetscBool reorder, Mat *R)
{
  GCVAEModelHeader *hdr;
  IS                rperm, cperm, rinv, cinv;
  Mat               Ap, Rp;

  PetscFunctionBegin;
  PetscCheck(mode != GCVAE_LATENT_TRAIN, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEGenerate is inference: use GCVAE_LATENT_MEAN or GCVAE_LATENT_SAMPLE");
  PetscCall(GCVAEModelGetHeader(model, &hdr));
  if (!reorder) {
    PetscCall(GCVAEGenerateOrdered_Private(model, A, extra, mode, eps, GCVAEModelInfer, R));
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetOrdering(A, MATORDERINGRCM, &rperm, &cperm));
  PetscCall(MatPermute(A, rperm, cperm, &Ap));
  PetscCall(GCVAEGenerateOrdered_Private(model, Ap, extra, mode, eps, GCVAEModelInfer, &Rp));
  PetscCall(ISInvertPermutation(rperm, PETSC_DECIDE, &rinv));
  PetscCall(ISInvertPermutation(cperm, PETSC_DECIDE, &cinv));
  PetscCall(MatPermute(Rp, rinv, cinv, R));
  PetscCall(ISDestroy(&rperm));
  PetscCall(ISDestroy(&cperm));
  PetscCall(ISDestroy(&rinv));
  PetscCall(ISDestroy(&cinv));
  PetscCall(MatDestroy(&Ap));
  PetscCall(MatDestroy(&Rp));
  PetscFunctionReturn(0);
}
