/*
   PCGCVAE's device apply (-pc_gcvae_device cuda with PETSc's host Vecs): R and R^T live on the
   device as cuSPARSE matrices and the PC's ops switch to applies that copy x in and y out
   (GCVAECudaFactorApply*); PCReset switches them back. Without a CUDA=1 build the
   GCVAECuda* calls error "built without CUDA=1" (src/cuda/dispatch.c).
*/
#include "pcgcvaeimpl.h"

static PetscErrorCode PCApply_GCVAE_CUDA(PC pc, Vec x, Vec y)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCall(GCVAECudaFactorApply(gc->dR, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplySymmetricLeft_GCVAE_CUDA(PC pc, Vec x, Vec y)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCall(GCVAECudaFactorApplyTranspose(gc->dR, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplySymmetricRight_GCVAE_CUDA(PC pc, Vec x, Vec y)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCall(GCVAECudaFactorApplyR(gc->dR, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAESetUpDevice_CUDA(PC pc)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCall(GCVAECudaFactorCreate(gc->R, &gc->dR));
  pc->ops->apply               = PCApply_GCVAE_CUDA;
  pc->ops->applytranspose      = PCApply_GCVAE_CUDA; /* M^{-1} is symmetric */
  pc->ops->applysymmetricleft  = PCApplySymmetricLeft_GCVAE_CUDA;
  pc->ops->applysymmetricright = PCApplySymmetricRight_GCVAE_CUDA;
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAEResetDevice_CUDA(PC pc)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCall(GCVAECudaFactorDestroy(&gc->dR));
  pc->ops->apply               = PCApply_GCVAE;
  pc->ops->applytranspose      = PCApply_GCVAE;
  pc->ops->applysymmetricleft  = PCApplySymmetricLeft_GCVAE;
  pc->ops->applysymmetricright = PCApplySymmetricRight_GCVAE;
  PetscFunctionReturn(0);
}
