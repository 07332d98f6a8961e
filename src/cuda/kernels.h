/* Private to src/cuda/: launchers of the CUDA kernels in kernels.cu. Plain C types and
   cudaError_t only (no PETSc), so that nvcc compiles kernels.cu without PETSc's headers;
   each launcher returns the launch status (cudaGetLastError) and the C side turns it into
   a PETSc error naming the kernel. All pointers are device pointers; all launches go to the
   default stream, so they run in order. */
#ifndef GCVAE_CUDA_KERNELS_H
#define GCVAE_CUDA_KERNELS_H

#include <stddef.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out (B, OC): each row = bias (OC), or 0 when bias is NULL (a linear layer before its GEMM) */
cudaError_t gcvae_k_bias_rows(float *out, const float *bias, int B, int OC);
/* out (N) = GELU(inp), tanh form; out may equal inp */
cudaError_t gcvae_k_gelu(float *out, const float *inp, size_t N);
/* y (N) += x (N) */
cudaError_t gcvae_k_add(float *y, const float *x, size_t N);
/* out (B, C) = (x - mean) / sqrt(var + eps) * weight + bias per row, one thread per row */
cudaError_t gcvae_k_layernorm(float *out, const float *inp, const float *weight, const float *bias, int B, int C, float eps);
/* GATv2 scores: for edge k = (erow[k], colind[k]) and head h, M_k += S_i + T_j (OC = H D) and
   alpha[k, h] = sum_d a[h, d] LeakyReLU(M_k[h D + d]) */
cudaError_t gcvae_k_gat_scores(float *M, float *alpha, const float *S, const float *T, const float *a, const int *erow, const int *colind, int nnz, int H, int D, float slope);
/* alpha (nnz, H): softmax over the edges of each CSR row, per head (max-shifted), in place */
cudaError_t gcvae_k_csr_softmax(float *alpha, const int *rowptr, int n, int H);
/* out (n, OC) = bias + sum_k alpha[k, h] T[colind[k]] per head block; bias may be NULL */
cudaError_t gcvae_k_gat_aggregate(float *out, const float *T, const float *alpha, const float *bias, const int *rowptr, const int *colind, int n, int H, int D);
/* out[e, off + c] (row length ldo) = src[row, c] (row length lds), row = idx ? idx[e] : e,
   for e < m, c < C; lds = 0 broadcasts src's first row */
cudaError_t gcvae_k_gather(float *out, int ldo, int off, const float *src, int lds, const int *idx, int m, int C);
/* out (n, C) = sum over k in [rowptr[i], rowptr[i+1]) of inp[k] (., C), in k order */
cudaError_t gcvae_k_rowsum(float *out, const float *inp, const int *rowptr, int n, int C);
/* r[e] += 1 where mrow[e] == mcol[e] (R~ = I + output) */
cudaError_t gcvae_k_add_diag(float *r, const int *mrow, const int *mcol, int m);

#ifdef __cplusplus
}
#endif

#endif
