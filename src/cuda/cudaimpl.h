/* Private to src/cuda/: CUDA, cuBLAS and cuSPARSE calls with PETSc error handling, and
   the library's shared handles. Every status is checked; a failure becomes a PETSc error
   (PETSC_ERR_LIB) that names the call and the library's own message. */
#ifndef GCVAE_CUDAIMPL_H
#define GCVAE_CUDAIMPL_H

#include <gcvae_cuda.h>
#include <cuda_runtime_api.h>
#include <cublas_v2.h>
#include <cusparse.h>
#include "kernels.h"

#define GCVAECallCUDA(call) \
  do { \
    cudaError_t gcvae_cerr_ = (call); \
    PetscCheck(gcvae_cerr_ == cudaSuccess, PETSC_COMM_SELF, PETSC_ERR_LIB, "CUDA error %d (%s: %s) from %s", (int)gcvae_cerr_, cudaGetErrorName(gcvae_cerr_), cudaGetErrorString(gcvae_cerr_), #call); \
  } while (0)

#define GCVAECallCUBLAS(call) \
  do { \
    cublasStatus_t gcvae_berr_ = (call); \
    PetscCheck(gcvae_berr_ == CUBLAS_STATUS_SUCCESS, PETSC_COMM_SELF, PETSC_ERR_LIB, "cuBLAS error %d (%s) from %s", (int)gcvae_berr_, cublasGetStatusString(gcvae_berr_), #call); \
  } while (0)

#define GCVAECallCUSPARSE(call) \
  do { \
    cusparseStatus_t gcvae_serr_ = (call); \
    PetscCheck(gcvae_serr_ == CUSPARSE_STATUS_SUCCESS, PETSC_COMM_SELF, PETSC_ERR_LIB, "cuSPARSE error %d (%s) from %s", (int)gcvae_serr_, cusparseGetErrorString(gcvae_serr_), #call); \
  } while (0)

/* a launcher of kernels.h (it returns the launch status) */
#define GCVAECallKernel(call) \
  do { \
    cudaError_t gcvae_kerr_ = (call); \
    PetscCheck(gcvae_kerr_ == cudaSuccess, PETSC_COMM_SELF, PETSC_ERR_LIB, "CUDA kernel launch %s failed: %s (%s)", #call, cudaGetErrorName(gcvae_kerr_), cudaGetErrorString(gcvae_kerr_)); \
  } while (0)

/* The library's cuBLAS / cuSPARSE handles (default stream), created at the first use after
   GCVAECudaCheckDevice and destroyed at PetscFinalize. */
PETSC_INTERN PetscErrorCode GCVAECudaGetCublas(cublasHandle_t *);
PETSC_INTERN PetscErrorCode GCVAECudaGetCusparse(cusparseHandle_t *);

#endif
