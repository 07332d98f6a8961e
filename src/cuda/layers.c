/* The network's layers on the device (forward only, float): cuBLAS for the dense products,
   the kernels of kernels.cu for the rest. Same shapes and results as src/nn/ (the CPU
   reference; tests/t_cuda.c compares them). */
#include "cudaimpl.h"
#include <gcvae_nn.h>

#if defined(GCVAE_CUDA_EMULATE) /* src/cuda/emulate.c: host BLAS in place of cuBLAS */
void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const float *alpha, const float *A, const int *lda, const float *B, const int *ldb, const float *beta, float *C, const int *ldc);
#endif

/* Row-major C (M, N) = alpha op(A) op(B) + beta C, as nn_gemm in src/nn/nnimpl.h: cuBLAS is
   column-major, so it computes C^T = op(B)^T op(A)^T on the same arrays. */
static PetscErrorCode Gemm(char ta, char tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
  PetscFunctionBegin;
  if (M <= 0 || N <= 0) PetscFunctionReturn(0);
  lda = PetscMax(lda, 1);
  ldb = PetscMax(ldb, 1);
#if defined(GCVAE_CUDA_EMULATE)
  sgemm_(&tb, &ta, &N, &M, &K, &alpha, B, &ldb, A, &lda, &beta, C, &ldc);
#else
  {
    cublasHandle_t h;
    PetscCall(GCVAECudaGetCublas(&h));
    GCVAECallCUBLAS(cublasSgemm(h, tb == 'T' ? CUBLAS_OP_T : CUBLAS_OP_N, ta == 'T' ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
  }
#endif
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaLinear(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int OC)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_bias_rows(out, bias, B, OC));
  PetscCall(Gemm('N', 'T', B, OC, C, 1, inp, C, weight, C, 1, out, OC));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaGelu(float *out, const float *inp, size_t N)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_gelu(out, inp, N));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaAdd(float *y, const float *x, size_t N)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_add(y, x, N));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaLayerNorm(float *out, const float *inp, const float *weight, const float *bias, int B, int C)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_layernorm(out, inp, weight, bias, B, C, (float)NN_LAYERNORM_EPS));
  PetscFunctionReturn(0);
}

/* As nn_gatv2_forward: S = h Ws^T (in out), T = h Wt^T, M = xe We^T, then per edge
   M_k += S_i + T_j and the scores, the row softmax, and the aggregation over out. */
PetscErrorCode GCVAECudaGATv2(float *out, float *T, float *M, float *alpha, const float *h, const float *xe, const float *Ws, const float *Wt, const float *We, const float *a, const float *bias, const int *rowptr, const int *colind, const int *erow, int n, int C, int E, int H, int D, float slope)
{
  const int OC = H * D;
  int       nnz;

  PetscFunctionBegin;
  PetscCall(GCVAECudaCopyToHost(&nnz, rowptr + n, sizeof(int)));
  PetscCall(Gemm('N', 'T', n, OC, C, 1, h, C, Ws, C, 0, out, OC));
  PetscCall(Gemm('N', 'T', n, OC, C, 1, h, C, Wt, C, 0, T, OC));
  PetscCall(Gemm('N', 'T', nnz, OC, E, 1, xe, E, We, E, 0, M, OC));
  GCVAECallKernel(gcvae_k_gat_scores(M, alpha, out, T, a, erow, colind, nnz, H, D, slope));
  GCVAECallKernel(gcvae_k_csr_softmax(alpha, rowptr, n, H));
  GCVAECallKernel(gcvae_k_gat_aggregate(out, T, alpha, bias, rowptr, colind, n, H, D));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaGatherRows(float *out, int ldo, int off, const float *src, const int *idx, int m, int C)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_gather(out, ldo, off, src, C, idx, m, C));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaRowSum(float *out, const float *inp, const int *rowptr, int n, int C)
{
  PetscFunctionBegin;
  GCVAECallKernel(gcvae_k_rowsum(out, inp, rowptr, n, C));
  PetscFunctionReturn(0);
}
