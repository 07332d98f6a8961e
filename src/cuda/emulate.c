/* The CUDA backend emulated on the host, for tests/bin/t_cuda_emu only (src/cuda/cuda.mk; never
   in lib/libgcvae.so). With device.c and factor.c replaced by this file, layers.c compiled
   with -DGCVAE_CUDA_EMULATE (host BLAS for cuBLAS) and kernels.cu compiled by a host C++
   compiler (every kernel body run in a loop), t_cuda runs the backend's own code on a machine
   without a GPU: the kernels' index arithmetic, the forward's layout, buffers and layer order,
   and the plugin's device path. What it cannot check: the cuBLAS argument mapping, the launch
   configurations, cuSPARSE (the factor here is host MatMults), transfers. */
#include "cudaimpl.h"

PetscErrorCode GCVAECudaAvailable(PetscBool *compiled, int *ndevices, char why[], size_t len)
{
  PetscFunctionBegin;
  if (compiled) *compiled = PETSC_TRUE;
  if (ndevices) *ndevices = 1;
  if (why) PetscCall(PetscSNPrintf(why, len, "host emulation of the CUDA backend (no GPU is used)"));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCheckDevice(MPI_Comm comm)
{
  PetscFunctionBegin;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaMalloc(size_t bytes, void **dptr)
{
  PetscFunctionBegin;
  *dptr = NULL;
  if (bytes) PetscCall(PetscMalloc(bytes, dptr));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFree(void *dptr)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(dptr));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCopyToDevice(void *dst, const void *src, size_t bytes)
{
  PetscFunctionBegin;
  if (bytes) PetscCall(PetscMemcpy(dst, src, bytes));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCopyToHost(void *dst, const void *src, size_t bytes)
{
  PetscFunctionBegin;
  if (bytes) PetscCall(PetscMemcpy(dst, src, bytes));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaSynchronize(void)
{
  PetscFunctionBegin;
  PetscFunctionReturn(0);
}

/* the factor as host Mats: R and a stored R^T, as the CPU path */
struct _n_GCVAECudaFactor {
  Mat R, Rt;
  Vec w;
};

PetscErrorCode GCVAECudaFactorCreate(Mat R, GCVAECudaFactor *factor)
{
  GCVAECudaFactor f;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  PetscCall(PetscObjectReference((PetscObject)R));
  f->R = R;
  PetscCall(MatTranspose(R, MAT_INITIAL_MATRIX, &f->Rt));
  PetscCall(MatCreateVecs(R, &f->w, NULL));
  *factor = f;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApply(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(MatMult(f->Rt, x, f->w));
  PetscCall(MatMult(f->R, f->w, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApplyTranspose(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(MatMult(f->Rt, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApplyR(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(MatMult(f->R, x, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorDestroy(GCVAECudaFactor *factor)
{
  PetscFunctionBegin;
  if (!factor || !*factor) PetscFunctionReturn(0);
  PetscCall(MatDestroy(&(*factor)->R));
  PetscCall(MatDestroy(&(*factor)->Rt));
  PetscCall(VecDestroy(&(*factor)->w));
  PetscCall(PetscFree(*factor));
  PetscFunctionReturn(0);
}
