/* The CUDA device: whether one is there, the shared library handles, device memory. */
#include "cudaimpl.h"

static cublasHandle_t   cublas_handle;
static cusparseHandle_t cusparse_handle;
static PetscBool        finalizer_registered;

PetscErrorCode GCVAECudaAvailable(PetscBool *compiled, int *ndevices, char why[], size_t len)
{
  int         count = 0;
  cudaError_t err;

  PetscFunctionBegin;
  if (compiled) *compiled = PETSC_TRUE;
  err = cudaGetDeviceCount(&count); /* an error here (no driver, no device) is an answer, not a failure */
  if (err != cudaSuccess) {
    if (why) PetscCall(PetscSNPrintf(why, len, "cudaGetDeviceCount: %s (%s)", cudaGetErrorName(err), cudaGetErrorString(err)));
    (void)cudaGetLastError(); /* clear the sticky error state */
    count = 0;
  } else if (!count && why) PetscCall(PetscSNPrintf(why, len, "cudaGetDeviceCount found 0 devices"));
  else if (why) { /* the device in use, for the logs */
    struct cudaDeviceProp prop;
    int                   dev = 0;
    GCVAECallCUDA(cudaGetDevice(&dev));
    GCVAECallCUDA(cudaGetDeviceProperties(&prop, dev));
    PetscCall(PetscSNPrintf(why, len, "device %d of %d: %s, compute capability %d.%d, %.1f GiB", dev, count, prop.name, prop.major, prop.minor, (double)prop.totalGlobalMem / (1 << 30)));
  }
  if (ndevices) *ndevices = count;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCheckDevice(MPI_Comm comm)
{
  int  count;
  char why[256] = "";

  PetscFunctionBegin;
  PetscCall(GCVAECudaAvailable(NULL, &count, why, sizeof(why)));
  PetscCheck(count > 0, comm, PETSC_ERR_SUP_SYS, "no CUDA device: %s (use the CPU: -pc_gcvae_device cpu)", why);
  PetscFunctionReturn(0);
}

static PetscErrorCode DestroyHandles(void)
{
  PetscFunctionBegin;
  if (cublas_handle) GCVAECallCUBLAS(cublasDestroy(cublas_handle));
  if (cusparse_handle) GCVAECallCUSPARSE(cusparseDestroy(cusparse_handle));
  cublas_handle        = NULL;
  cusparse_handle      = NULL;
  finalizer_registered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode RegisterFinalizer(void)
{
  PetscFunctionBegin;
  if (!finalizer_registered) PetscCall(PetscRegisterFinalize(DestroyHandles));
  finalizer_registered = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaGetCublas(cublasHandle_t *h)
{
  PetscFunctionBegin;
  if (!cublas_handle) {
    PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
    GCVAECallCUBLAS(cublasCreate(&cublas_handle));
    /* plain FP32 GEMMs (no TF32 tensor cores): the network must match the CPU's float math */
    GCVAECallCUBLAS(cublasSetMathMode(cublas_handle, CUBLAS_PEDANTIC_MATH));
    PetscCall(RegisterFinalizer());
  }
  *h = cublas_handle;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaGetCusparse(cusparseHandle_t *h)
{
  PetscFunctionBegin;
  if (!cusparse_handle) {
    PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
    GCVAECallCUSPARSE(cusparseCreate(&cusparse_handle));
    PetscCall(RegisterFinalizer());
  }
  *h = cusparse_handle;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaMalloc(size_t bytes, void **dptr)
{
  PetscFunctionBegin;
  *dptr = NULL;
  if (bytes) GCVAECallCUDA(cudaMalloc(dptr, bytes));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFree(void *dptr)
{
  PetscFunctionBegin;
  if (dptr) GCVAECallCUDA(cudaFree(dptr));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCopyToDevice(void *dst, const void *src, size_t bytes)
{
  PetscFunctionBegin;
  if (bytes) GCVAECallCUDA(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCopyToHost(void *dst, const void *src, size_t bytes)
{
  PetscFunctionBegin;
  if (bytes) GCVAECallCUDA(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaSynchronize(void)
{
  PetscFunctionBegin;
  GCVAECallCUDA(cudaDeviceSynchronize());
  PetscFunctionReturn(0);
}
