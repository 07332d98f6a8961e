/* Private to src/nn/: BLAS prototypes, precision-generic math, a row-major GEMM. */
#ifndef GCVAE_NNIMPL_H
#define GCVAE_NNIMPL_H

#include <math.h>
#include <gcvae_nn.h>

/* Fortran BLAS (LP64: 32-bit integers), linked through PETSc's -lblas. */
void sgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const float *alpha, const float *A, const int *lda, const float *B, const int *ldb, const float *beta, float *C, const int *ldc);
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k, const double *alpha, const double *A, const int *lda, const double *B, const int *ldb, const double *beta, double *C, const int *ldc);

#if defined(GCVAE_NN_DOUBLE)
  #define nn_gemm_ dgemm_
  #define nnexp    exp
  #define nnsqrt   sqrt
  #define nntanh   tanh
#else
  #define nn_gemm_ sgemm_
  #define nnexp    expf
  #define nnsqrt   sqrtf
  #define nntanh   tanhf
#endif

/* The hot elementwise and per-edge loops get AVX-512 and AVX2 clones, picked at load time for
   the CPU (GCC's target_clones). The makefile's -ffp-contract=off keeps every clone's rounding
   that of the baseline SSE2 code: no FMA, and IEEE +, -, *, / round alike at any vector width
   (float sums are not reassociated), so results do not depend on the CPU. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__NVCC__)
  #define NN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
  #define NN_VECTOR_CLONES
#endif

/* Row-major C (M, N) = alpha op(A) op(B) + beta C with op(A) (M, K), op(B) (K, N).
   ta = 'N': A is stored (M, K); ta = 'T': A is stored (K, M). lda, ldb, ldc are the
   row lengths of the stored arrays. Column-major BLAS sees the transposes, so it
   computes C^T = op(B)^T op(A)^T. */
static inline void nn_gemm(char ta, char tb, int M, int N, int K, nnreal alpha, const nnreal *A, int lda, const nnreal *B, int ldb, nnreal beta, nnreal *C, int ldc)
{
  if (M <= 0 || N <= 0) return;
  if (lda < 1) lda = 1; /* BLAS wants ld >= 1 even when K = 0 */
  if (ldb < 1) ldb = 1;
  nn_gemm_(&tb, &ta, &N, &M, &K, &alpha, B, &ldb, A, &lda, &beta, C, &ldc);
}

#endif
