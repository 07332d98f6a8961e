/* The CUDA kernels of the device forward (src/cuda/forward.c): the elementwise and sparse
   pieces around cuBLAS's GEMMs. Each mirrors a loop of the CPU reference in src/nn/ or
   src/model.c with the same float operations in the same order, so the two agree to a few
   ulps (the GEMMs' summation orders differ: tests/t_cuda.c states the tolerances).

   Each kernel is a body run(t, ...) for one thread index t, launched by Launch<Body> on the
   device. Compiled by a host C++ compiler instead of nvcc (cuda.mk's emulation build for
   tests/bin/t_cuda_emu), the same bodies run in a loop over t on the host, so the index
   arithmetic of every kernel is tested on machines without a GPU. */
#include <math.h>
#include "kernels.h"

#if defined(__CUDACC__)
  #define HD __host__ __device__
#else
  #define HD /* a host compiler: the bodies are plain functions */
#endif

#define GCVAE_HD HD
#include "../nn/gelutanh.h" /* the CPU forward's tanh, so GELU rounds alike */

#define GCVAE_BLOCK 256

#if defined(__CUDACC__)
template <typename Body, typename... Args>
__global__ static void Kernel(size_t N, Args... args)
{
  size_t t = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t < N) Body::run(t, args...);
}
#endif

/* N threads of Body (none: success without a zero-sized grid, an invalid configuration) */
template <typename Body, typename... Args>
static cudaError_t Launch(size_t N, Args... args)
{
  if (N == 0) return cudaSuccess;
#if defined(__CUDACC__)
  Kernel<Body><<<(unsigned int)((N + GCVAE_BLOCK - 1) / GCVAE_BLOCK), GCVAE_BLOCK>>>(N, args...);
  return cudaGetLastError();
#else
  for (size_t t = 0; t < N; t++) Body::run(t, args...);
  return cudaSuccess;
#endif
}

struct BiasRows { /* t: entry of out (B, OC) */
  HD static void run(size_t t, float *out, const float *bias, int OC) { out[t] = bias ? bias[t % OC] : 0.0f; }
};

cudaError_t gcvae_k_bias_rows(float *out, const float *bias, int B, int OC)
{
  return Launch<BiasRows>((size_t)B * OC, out, bias, OC);
}

#define GELU_SCALE 0.7978845608028654f /* sqrt(2/pi), as src/nn/activation.c */
#define GELU_CUBIC 0.044715f

struct Gelu {
  HD static void run(size_t i, float *out, const float *inp)
  {
    float x = inp[i];
    out[i]  = 0.5f * x * (1 + gcvae_gelu_tanhf(GELU_SCALE * (x + GELU_CUBIC * x * x * x)));
  }
};

cudaError_t gcvae_k_gelu(float *out, const float *inp, size_t N)
{
  return Launch<Gelu>(N, out, inp);
}

struct Add {
  HD static void run(size_t i, float *y, const float *x) { y[i] += x[i]; }
};

cudaError_t gcvae_k_add(float *y, const float *x, size_t N)
{
  return Launch<Add>(N, y, x);
}

/* t: a row (rows are short, C = hidden width 16-64), as nn_layernorm_forward */
struct LayerNorm {
  HD static void run(size_t b, float *out, const float *inp, const float *weight, const float *bias, int C, float eps)
  {
    const float *x = inp + b * C;
    float       *y = out + b * C;
    float        mu = 0, var = 0;
    for (int c = 0; c < C; c++) mu += x[c];
    mu /= C;
    for (int c = 0; c < C; c++) var += (x[c] - mu) * (x[c] - mu);
    var /= C;
    float s = 1 / sqrtf(var + eps);
    for (int c = 0; c < C; c++) y[c] = (x[c] - mu) * s * weight[c] + bias[c];
  }
};

cudaError_t gcvae_k_layernorm(float *out, const float *inp, const float *weight, const float *bias, int B, int C, float eps)
{
  return Launch<LayerNorm>((size_t)B, out, inp, weight, bias, C, eps);
}

/* t: (edge k, head hd) */
struct GatScores {
  HD static void run(size_t t, float *M, float *alpha, const float *S, const float *T, const float *a, const int *erow, const int *colind, int H, int D, float slope)
  {
    const size_t k = t / H;
    const int    hd = (int)(t % H), OC = H * D;
    const float *Si = S + (size_t)erow[k] * OC + hd * D, *Tj = T + (size_t)colind[k] * OC + hd * D;
    float       *Mk = M + k * OC + hd * D;
    float        s  = 0;
    for (int d = 0; d < D; d++) {
      float m = Mk[d] + (Si[d] + Tj[d]);
      Mk[d]   = m;
      s += a[hd * D + d] * (m > 0 ? m : slope * m);
    }
    alpha[t] = s;
  }
};

cudaError_t gcvae_k_gat_scores(float *M, float *alpha, const float *S, const float *T, const float *a, const int *erow, const int *colind, int nnz, int H, int D, float slope)
{
  return Launch<GatScores>((size_t)nnz * H, M, alpha, S, T, a, erow, colind, H, D, slope);
}

/* t: (row i, head hd), as nn_csr_softmax_forward */
struct CsrSoftmax {
  HD static void run(size_t t, float *alpha, const int *rowptr, int H)
  {
    const size_t i  = t / H;
    const int    hd = (int)(t % H);
    float        emax = -INFINITY, sum = 0;
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) emax = fmaxf(emax, alpha[(size_t)k * H + hd]);
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) {
      float e                   = expf(alpha[(size_t)k * H + hd] - emax);
      alpha[(size_t)k * H + hd] = e;
      sum += e;
    }
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) alpha[(size_t)k * H + hd] /= sum;
  }
};

cudaError_t gcvae_k_csr_softmax(float *alpha, const int *rowptr, int n, int H)
{
  return Launch<CsrSoftmax>((size_t)n * H, alpha, rowptr, H);
}

/* t: (row i, output column c) */
struct GatAggregate {
  HD static void run(size_t t, float *out, const float *T, const float *alpha, const float *bias, const int *rowptr, const int *colind, int H, int D)
  {
    const int    OC = H * D, c = (int)(t % OC), hd = c / D;
    const size_t i  = t / OC;
    float        o  = bias ? bias[c] : 0.0f;
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) o += alpha[(size_t)k * H + hd] * T[(size_t)colind[k] * OC + c];
    out[t] = o;
  }
};

cudaError_t gcvae_k_gat_aggregate(float *out, const float *T, const float *alpha, const float *bias, const int *rowptr, const int *colind, int n, int H, int D)
{
  return Launch<GatAggregate>((size_t)n * H * D, out, T, alpha, bias, rowptr, colind, H, D);
}

/* t: (output row e, column c) */
struct Gather {
  HD static void run(size_t t, float *out, int ldo, int off, const float *src, int lds, const int *idx, int C)
  {
    const size_t e = t / C, row = idx ? (size_t)idx[e] : e;
    const int    c = (int)(t % C);
    out[e * ldo + off + c] = src[row * lds + c];
  }
};

cudaError_t gcvae_k_gather(float *out, int ldo, int off, const float *src, int lds, const int *idx, int m, int C)
{
  return Launch<Gather>((size_t)m * C, out, ldo, off, src, lds, idx, C);
}

/* t: (row i, column c) */
struct RowSum {
  HD static void run(size_t t, float *out, const float *inp, const int *rowptr, int C)
  {
    const size_t i = t / C;
    const int    c = (int)(t % C);
    float        s = 0;
    for (int k = rowptr[i]; k < rowptr[i + 1]; k++) s += inp[(size_t)k * C + c];
    out[t] = s;
  }
};

cudaError_t gcvae_k_rowsum(float *out, const float *inp, const int *rowptr, int n, int C)
{
  return Launch<RowSum>((size_t)n * C, out, inp, rowptr, C);
}

struct AddDiag {
  HD static void run(size_t e, float *r, const int *mrow, const int *mcol)
  {
    if (mrow[e] == mcol[e]) r[e] += 1.0f;
  }
};

cudaError_t gcvae_k_add_diag(float *r, const int *mrow, const int *mcol, int m)
{
  return Launch<AddDiag>((size_t)m, r, mrow, mcol);
}
