/* PCGCVAE CUDA backend (src/cuda/, built with `make CUDA=1` into lib/libgcvae_cuda.so):
   generation of R on the device and its apply with cuSPARSE. Every function below is in
   lib/libgcvae.so in every build (src/cuda/dispatch.c): it loads the backend at its first use,
   or fails with "built without CUDA=1", so callers need no #ifdef. Device pointers are plain
   pointers: no CUDA header is needed to use this API. Serial (one process, one device). */
#ifndef GCVAE_CUDA_H
#define GCVAE_CUDA_H

#include <gcvae_model.h>

/* ---- device.c: is there a device? ---------------------------------------- */
/* compiled: built with CUDA=1; ndevices: CUDA devices visible (0 when none or no driver);
   why (may be NULL): a one-line reason when ndevices is 0 or not compiled. Never errors for a
   missing device: tests use it to skip. */
PETSC_EXTERN PetscErrorCode GCVAECudaAvailable(PetscBool *compiled, int *ndevices, char why[], size_t len);
/* Errors (on comm) unless built with CUDA=1 and a device is present, saying which is missing. */
PETSC_EXTERN PetscErrorCode GCVAECudaCheckDevice(MPI_Comm comm);
/* Device memory (the tests' and the layers' helpers); errors name the failing CUDA call. */
PETSC_EXTERN PetscErrorCode GCVAECudaMalloc(size_t bytes, void **dptr);
PETSC_EXTERN PetscErrorCode GCVAECudaFree(void *dptr);
PETSC_EXTERN PetscErrorCode GCVAECudaCopyToDevice(void *dst, const void *src, size_t bytes);
PETSC_EXTERN PetscErrorCode GCVAECudaCopyToHost(void *dst, const void *src, size_t bytes);
/* Waits for the device (timings). */
PETSC_EXTERN PetscErrorCode GCVAECudaSynchronize(void);

/* ---- layers.c: the network's layers on the device (float, device pointers) ----------
   The same shapes and semantics as the CPU reference in include/gcvae_nn.h (forward only). */
/* out (B, OC) = inp (B, C) W^T + b; weight (OC, C), bias (OC) or NULL: cuBLAS sgemm */
PETSC_EXTERN PetscErrorCode GCVAECudaLinear(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int OC);
/* out (N) = GELU(inp) (tanh form), out may equal inp */
PETSC_EXTERN PetscErrorCode GCVAECudaGelu(float *out, const float *inp, size_t N);
/* y (N) += x (N) */
PETSC_EXTERN PetscErrorCode GCVAECudaAdd(float *y, const float *x, size_t N);
/* out (B, C) = LayerNorm of each row of inp with weight, bias (C) */
PETSC_EXTERN PetscErrorCode GCVAECudaLayerNorm(float *out, const float *inp, const float *weight, const float *bias, int B, int C);
/* GATv2 as nn_gatv2_forward: out (n, OC), saved T (n, OC), M (nnz, OC), alpha (nnz, H);
   rowptr (n + 1), colind (nnz) and erow (nnz: the row of each edge) on the device. */
PETSC_EXTERN PetscErrorCode GCVAECudaGATv2(float *out, float *T, float *M, float *alpha, const float *h, const float *xe, const float *Ws, const float *Wt, const float *We, const float *a, const float *bias, const int *rowptr, const int *colind, const int *erow, int n, int C, int E, int H, int D, float slope);
/* out (m, ldo) columns [off, off + C) = src (., C) row idx[e] of each output row e (idx on the device) */
PETSC_EXTERN PetscErrorCode GCVAECudaGatherRows(float *out, int ldo, int off, const float *src, const int *idx, int m, int C);
/* out (n, C) = sum of the rows rowptr[i] .. rowptr[i+1]-1 of inp (., C), in order (rowptr on the device) */
PETSC_EXTERN PetscErrorCode GCVAECudaRowSum(float *out, const float *inp, const int *rowptr, int n, int C);

/* ---- forward.c: the whole network on the device ------------------------------------
   GCVAEModelForward for a graph-decoder model in MEAN or SAMPLE mode (inference): the
   input (features, graph, mask) is prepared on the host by GCVAEInputCreate and uploaded;
   every per-node and per-edge layer runs on the device; r (mask_nnz, host) as the CPU's.
   cnn-decoder models and TRAIN mode are errors ("not implemented on CUDA"). */
PETSC_EXTERN PetscErrorCode GCVAECudaModelForward(GCVAEModel, GCVAEInput, GCVAELatentMode, const nnreal eps[], nnreal r[]);
/* GCVAEGenerate (without reordering: graph decoders only) with the network on the device
   (GCVAEGeneratorApply with GCVAECudaModelForward); R is the host AIJ in A's layout. */
PETSC_EXTERN PetscErrorCode GCVAECudaGenerate(GCVAEModel, Mat A, PetscReal extra, GCVAELatentMode, const nnreal eps[], Mat *R);

/* ---- conv_cudnn.c: the CNN layers through cuDNN, for training (gcvae-train -device cuda) ----
   nn_conv2d_* and nn_convt2d_* of include/gcvae_nn.h (the same arguments and semantics: float
   NCHW, backward accumulates, NULL gradients skipped) through cuDNN's legacy convolution API with
   deterministic algorithms and FP32 FMA math (no TF32). HOST pointers: each call copies its
   operands to the device and its results back (the rest of training runs on the CPU). */
PETSC_EXTERN PetscErrorCode GCVAECudaConv2dForward(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad);
PETSC_EXTERN PetscErrorCode GCVAECudaConv2dBackward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad);
PETSC_EXTERN PetscErrorCode GCVAECudaConvT2dForward(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad);
PETSC_EXTERN PetscErrorCode GCVAECudaConvT2dBackward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad);
/* PETSC_TRUE: checks the device (GCVAECudaCheckDevice), then routes every nn_conv2d_* /
   nn_convt2d_* call of the process to the four functions above (nn_conv2d_set_backend);
   PETSC_FALSE: back to the CPU's im2col + GEMM. */
PETSC_EXTERN PetscErrorCode GCVAECudaUseConvBackend(PetscBool);

/* ---- factor.c: R and R^T as cuSPARSE CSR (double) and the apply ---------------------- */
typedef struct _n_GCVAECudaFactor *GCVAECudaFactor;
/* Uploads R (MATSEQAIJ) and forms R^T on the device (cusparseCsr2cscEx2). */
PETSC_EXTERN PetscErrorCode GCVAECudaFactorCreate(Mat R, GCVAECudaFactor *);
/* y = R (R^T x): x copied to the device, two cusparseSpMV, y copied back (host Vecs). */
PETSC_EXTERN PetscErrorCode GCVAECudaFactorApply(GCVAECudaFactor, Vec x, Vec y);
/* y = R^T x and y = R x (PCApplySymmetricLeft / Right) */
PETSC_EXTERN PetscErrorCode GCVAECudaFactorApplyTranspose(GCVAECudaFactor, Vec x, Vec y);
PETSC_EXTERN PetscErrorCode GCVAECudaFactorApplyR(GCVAECudaFactor, Vec x, Vec y);
PETSC_EXTERN PetscErrorCode GCVAECudaFactorDestroy(GCVAECudaFactor *);

#endif
