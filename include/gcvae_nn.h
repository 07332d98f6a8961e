/* PCGCVAE network layers (src/nn/): one file per layer, each a forward/backward pair.

   Conventions (llm.c style):
   - Tensors are row-major arrays of nnreal; shapes are given in the comments, e.g.
     inp (B, C) is B rows of C values. Images are NCHW: (B, C, H, W).
   - xxx_forward(out, inp, params..., dims) writes out (and whatever backward needs,
     named "saved" below); xxx_backward(dinp, dparams..., dout, inp, params..., saved, dims)
     ACCUMULATES (+=) into every gradient, so the caller zeroes gradients first.
     In the linear, layernorm, gatv2, conv, reparam and KL backwards any gradient
     pointer may be NULL (not computed); the elementwise and pooling ones need dinp.
   - Outputs never alias inputs unless a comment says so.
   - Functions that allocate or check arguments return PetscErrorCode (PETSc error
     discipline); pure compute kernels are void.
   - Precision: float by default; the gradient-check tests compile the same sources
     with -DGCVAE_NN_DOUBLE. Dense products go through BLAS sgemm/dgemm. */
#ifndef GCVAE_NN_H
#define GCVAE_NN_H

#include <stddef.h>
#include <petscsys.h>

#if defined(GCVAE_NN_DOUBLE)
typedef double nnreal;
#else
typedef float nnreal;
#endif

/* ---- linear.c: y = x W^T + b ------------------------------------------- */
/* out (B, OC), inp (B, C), weight (OC, C), bias (OC) or NULL */
PETSC_EXTERN void nn_linear_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int OC);
/* dinp (B, C), dweight (OC, C), dbias (OC), dout (B, OC) */
PETSC_EXTERN void nn_linear_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int OC);

/* ---- activation.c: elementwise, N values ------------------------------- */
/* out may equal inp; backward needs the input (for ReLU the output has the same signs
   and may stand in for it). */
PETSC_EXTERN void nn_relu_forward(nnreal *out, const nnreal *inp, size_t N);
PETSC_EXTERN void nn_relu_backward(nnreal *dinp, const nnreal *dout, const nnreal *inp, size_t N);
/* GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
PETSC_EXTERN void nn_gelu_forward(nnreal *out, const nnreal *inp, size_t N);
PETSC_EXTERN void nn_gelu_backward(nnreal *dinp, const nnreal *dout, const nnreal *inp, size_t N);

/* ---- layernorm.c: per row, out = (x - mean) / sqrt(var + eps) * weight + bias */
#define NN_LAYERNORM_EPS 1e-5
/* out (B, C), saved mean (B), rstd (B), inp (B, C), weight (C), bias (C) */
PETSC_EXTERN void nn_layernorm_forward(nnreal *out, nnreal *mean, nnreal *rstd, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C);
PETSC_EXTERN void nn_layernorm_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, const nnreal *mean, const nnreal *rstd, int B, int C);

/* ---- gatv2.c: GATv2 with edge features over a CSR graph (Brody et al.) --
   Graph: n nodes, nnz = rowptr[n] directed edges; row i lists the neighbours j of
   node i (colind[k], k in [rowptr[i], rowptr[i+1])), self loop included.
   H heads of width D, OC = H*D (heads concatenated). For edge k = (i, j), head h:
     m_k   = W_s h_i + W_t h_j + W_e x_k                         (OC)
     e_kh  = sum_d a[h,d] LeakyReLU(m_k[h*D+d], slope)
     alpha = softmax of e_kh over the edges k of row i
     out_i = bias + sum_k alpha_kh (W_t h_j)[h*D..h*D+D)
   Shapes: h (n, C), xe (nnz, E) edge features, Ws (OC, C), Wt (OC, C), We (OC, E),
   a (H, D), bias (OC) or NULL, out (n, OC).
   Saved by forward for backward: T = h Wt^T (n, OC), M = m (nnz, OC), alpha (nnz, H).
   M may be NULL (inference): then m_k is formed per edge and not kept (no backward). */
#define NN_GATV2_SLOPE 0.2 /* LeakyReLU slope of the attention, as in Brody et al. */
PETSC_EXTERN void nn_gatv2_forward(nnreal *out, nnreal *T, nnreal *M, nnreal *alpha, const nnreal *h, const nnreal *xe, const nnreal *Ws, const nnreal *Wt, const nnreal *We, const nnreal *a, const nnreal *bias, const PetscInt *rowptr, const PetscInt *colind, int n, int C, int E, int H, int D, nnreal slope);
/* dh (n, C), dxe (nnz, E), dWs, dWt (OC, C), dWe (OC, E), da (H, D), dbias (OC), dout (n, OC).
   Allocates its workspace (2 n OC + nnz (OC + 2 H) values). */
PETSC_EXTERN PetscErrorCode nn_gatv2_backward(nnreal *dh, nnreal *dxe, nnreal *dWs, nnreal *dWt, nnreal *dWe, nnreal *da, nnreal *dbias, const nnreal *dout, const nnreal *h, const nnreal *xe, const nnreal *Ws, const nnreal *Wt, const nnreal *We, const nnreal *a, const nnreal *T, const nnreal *M, const nnreal *alpha, const PetscInt *rowptr, const PetscInt *colind, int n, int C, int E, int H, int D, nnreal slope);
/* Softmax over the edges of each CSR row, per head (max-shifted): alpha, e (nnz, H).
   alpha may equal e. Backward: de (nnz, H) += alpha * (dalpha - sum_row alpha dalpha). */
PETSC_EXTERN void nn_csr_softmax_forward(nnreal *alpha, const nnreal *e, const PetscInt *rowptr, int n, int H);
PETSC_EXTERN void nn_csr_softmax_backward(nnreal *de, const nnreal *dalpha, const nnreal *alpha, const PetscInt *rowptr, int n, int H);

/* ---- conv2d.c: convolution and transposed convolution (im2col + GEMM) ---
   Square kernel K, the same stride and zero padding in both directions. */
/* Output size of a convolution / transposed convolution along one axis. */
PETSC_EXTERN int nn_conv2d_out_size(int H, int K, int stride, int pad);                       /* (H + 2 pad - K) / stride + 1 */
PETSC_EXTERN int nn_convt2d_out_size(int H, int K, int stride, int pad, int outpad);           /* (H - 1) stride - 2 pad + K + outpad */
/* out (B, OC, OH, OW), inp (B, C, H, W), weight (OC, C, K, K), bias (OC) or NULL */
PETSC_EXTERN PetscErrorCode nn_conv2d_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad);
PETSC_EXTERN PetscErrorCode nn_conv2d_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad);
/* Transposed convolution (the adjoint of nn_conv2d_forward without bias), PyTorch's
   ConvTranspose2d: out (B, OC, OH, OW) with OH = nn_convt2d_out_size(H, K, stride, pad, outpad),
   inp (B, C, H, W), weight (C, OC, K, K), bias (OC) or NULL; 0 <= outpad < stride. */
PETSC_EXTERN PetscErrorCode nn_convt2d_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad);
PETSC_EXTERN PetscErrorCode nn_convt2d_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad);
/* Another implementation of the four functions above (gcvae-train -device cuda installs cuDNN's,
   GCVAECudaUseConvBackend in include/gcvae_cuda.h): once set, each nn_conv* function checks its
   arguments, then calls the backend's function of the same signature instead of im2col + GEMM;
   a NULL member, or nn_conv2d_set_backend(NULL) (the default), keeps the CPU code. Process-wide;
   the table is not copied and must outlive its use. */
typedef struct {
  const char *name; /* for messages, e.g. "cuDNN" */
  PetscErrorCode (*conv2d_forward)(nnreal *, const nnreal *, const nnreal *, const nnreal *, int, int, int, int, int, int, int, int);
  PetscErrorCode (*conv2d_backward)(nnreal *, nnreal *, nnreal *, const nnreal *, const nnreal *, const nnreal *, int, int, int, int, int, int, int, int);
  PetscErrorCode (*convt2d_forward)(nnreal *, const nnreal *, const nnreal *, const nnreal *, int, int, int, int, int, int, int, int, int);
  PetscErrorCode (*convt2d_backward)(nnreal *, nnreal *, nnreal *, const nnreal *, const nnreal *, const nnreal *, int, int, int, int, int, int, int, int, int);
} NNConvBackend;
PETSC_EXTERN PetscErrorCode nn_conv2d_set_backend(const NNConvBackend *);
PETSC_EXTERN PetscErrorCode nn_conv2d_get_backend(const NNConvBackend **); /* NULL: the CPU */

/* ---- graphpool.c: pooling over the n nodes of one graph ------------------ */
/* out (C), inp (n, C); mean over rows */
PETSC_EXTERN void nn_graphpool_mean_forward(nnreal *out, const nnreal *inp, int n, int C);
PETSC_EXTERN void nn_graphpool_mean_backward(nnreal *dinp, const nnreal *dout, int n, int C);
/* out (C), saved argmax (C): node of each column's maximum; n >= 1 */
PETSC_EXTERN void nn_graphpool_max_forward(nnreal *out, int *argmax, const nnreal *inp, int n, int C);
PETSC_EXTERN void nn_graphpool_max_backward(nnreal *dinp, const nnreal *dout, const int *argmax, int n, int C);

/* ---- latent.c: reparameterisation and KL to N(0, I) ---------------------- */
/* z = mu + exp(0.5 logvar) eps; z, mu, logvar, eps (N) (N = batch x latent dim) */
PETSC_EXTERN void nn_reparam_forward(nnreal *z, const nnreal *mu, const nnreal *logvar, const nnreal *eps, size_t N);
PETSC_EXTERN void nn_reparam_backward(nnreal *dmu, nnreal *dlogvar, const nnreal *dz, const nnreal *logvar, const nnreal *eps, size_t N);
/* KL(N(mu, exp(logvar)) || N(0, I)) = -0.5 sum (1 + logvar - mu^2 - exp(logvar)), summed in double */
PETSC_EXTERN double nn_kl_forward(const nnreal *mu, const nnreal *logvar, size_t N);
/* dmu, dlogvar (N) += dloss * dKL/d(mu, logvar); dloss the scalar upstream gradient */
PETSC_EXTERN void nn_kl_backward(nnreal *dmu, nnreal *dlogvar, nnreal dloss, const nnreal *mu, const nnreal *logvar, size_t N);

/* ---- adam.c: AdamW (decoupled weight decay) and gradient clipping ------- */
/* One step over N parameters: params, grads, m, v (N); t >= 1 the step count
   (bias correction). p -= lr (mhat / (sqrt(vhat) + eps) + weight_decay p). */
PETSC_EXTERN PetscErrorCode nn_adamw_update(nnreal *params, const nnreal *grads, nnreal *m, nnreal *v, size_t N, nnreal lr, nnreal beta1, nnreal beta2, nnreal eps, nnreal weight_decay, int t);
/* Scales grads (N) so that ||grads||_2 <= max_norm; returns the norm before clipping. */
PETSC_EXTERN double nn_clip_grad_norm(nnreal *grads, size_t N, nnreal max_norm);

/* ---- params.c: one flat parameter buffer carved into named tensors ------ */
typedef struct {
  int     ntensors; /* number of named tensors */
  char  **names;    /* [ntensors] tensor names (owned copies) */
  size_t *sizes;    /* [ntensors] elements of each tensor */
  size_t *offsets;  /* [ntensors] start of each tensor in the flat buffers */
  size_t  count;    /* total elements, sum of sizes */
  nnreal *params;   /* [count] parameters; params, grads, m, v are one allocation */
  nnreal *grads;    /* [count] gradients, same layout */
  nnreal *m, *v;    /* [count] AdamW moments, same layout */
  int     step;     /* AdamW steps taken so far */
} NNParamBuffer;

/* Zero-initialised buffer for ntensors tensors of sizes[] elements, named names[] (distinct). */
PETSC_EXTERN PetscErrorCode nn_params_create(int ntensors, const char *const names[], const size_t sizes[], NNParamBuffer *buf);
PETSC_EXTERN PetscErrorCode nn_params_destroy(NNParamBuffer *buf);
/* Parameter and gradient of the tensor called name (either pointer may be NULL); error if none. */
PETSC_EXTERN PetscErrorCode nn_params_find(const NNParamBuffer *buf, const char name[], nnreal **param, nnreal **grad);
/* Carve base (buf->params, buf->grads, ...) into the tensors: *ptrs[i] = base + offsets[i]. */
PETSC_EXTERN void nn_params_point(const NNParamBuffer *buf, nnreal *base, nnreal **ptrs[]);
PETSC_EXTERN void nn_params_zero_grad(NNParamBuffer *buf);
/* One AdamW step over the whole buffer (step count kept in buf->step). */
PETSC_EXTERN PetscErrorCode nn_params_adamw_step(NNParamBuffer *buf, nnreal lr, nnreal beta1, nnreal beta2, nnreal eps, nnreal weight_decay);

#endif
