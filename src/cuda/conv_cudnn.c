/* The CNN layers through cuDNN, for training (gcvae-train -device cuda): conv2d and transposed
   conv2d, forward and backward, float NCHW, with the semantics of src/nn/conv2d.c (the same
   weight layouts, padding, stride, output padding; backward accumulates into every gradient,
   any of which may be NULL).

   cuDNN's legacy API (v9: cudnn_cnn.h, cudnn_ops.h), cross-correlation as the CPU's im2col,
   deterministic algorithms only (IMPLICIT_GEMM forward, ALGO_1 backward data and filter: no
   atomics, so a run repeats bitwise) and CUDNN_FMA_MATH (FP32 FMA kernels; no TF32 tensor
   cores, which CUDNN_DEFAULT_MATH permits on Ampere and later). The transposed convolution is
   the adjoint of a convolution from its output (OC channels, OH x OW) to its input (C channels,
   H x W) with the filter (C, OC, K, K) read as cuDNN's (k = C, c = OC): its forward is
   cudnnConvolutionBackwardData, its input gradient cudnnConvolutionForward, its weight gradient
   cudnnConvolutionBackwardFilter with x and dy swapped.

   Host pointers: every call copies its operands to the device and its results back, since
   the rest of training (GATv2, linear, loss, AdamW) runs on the CPU and keeps the activations
   on the host. The device buffers and the workspace are kept between calls and grown. */
#include <cudnn.h>
#include "cudaimpl.h"

#define GCVAECallCUDNN(call) \
  do { \
    cudnnStatus_t gcvae_nerr_ = (call); \
    PetscCheck(gcvae_nerr_ == CUDNN_STATUS_SUCCESS, PETSC_COMM_SELF, PETSC_ERR_LIB, "cuDNN error %d (%s) from %s", (int)gcvae_nerr_, cudnnGetErrorString(gcvae_nerr_), #call); \
  } while (0)

#define FWD_ALGO  CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM
#define BWDD_ALGO CUDNN_CONVOLUTION_BWD_DATA_ALGO_1
#define BWDF_ALGO CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1

/* device buffers, each grown to the largest request */
enum {
  BUF_X,  /* the convolution's input x (or its gradient) */
  BUF_Y,  /* the convolution's output y (or its gradient) */
  BUF_Y2, /* a second y-shaped operand */
  BUF_W,  /* filter */
  BUF_DW, /* filter gradient */
  BUF_B,  /* bias or its gradient */
  BUF_WS, /* cuDNN workspace */
  NBUF
};

static struct {
  cudnnHandle_t                handle;
  cudnnTensorDescriptor_t      x, y, bias; /* x (B, Cx, Hx, Wx) -> y (B, Cy, Hy, Wy); bias (1, C, 1, 1) */
  cudnnFilterDescriptor_t      w;          /* (Cy, Cx, K, K) */
  cudnnConvolutionDescriptor_t conv;
  void                        *buf[NBUF];
  size_t                       bytes[NBUF];
  PetscBool                    finalizer;
} dnn;

static const float one = 1, zero = 0;

static PetscErrorCode Destroy(void)
{
  PetscFunctionBegin;
  for (int i = 0; i < NBUF; i++) {
    if (dnn.buf[i]) GCVAECallCUDA(cudaFree(dnn.buf[i]));
    dnn.buf[i]   = NULL;
    dnn.bytes[i] = 0;
  }
  if (dnn.conv) GCVAECallCUDNN(cudnnDestroyConvolutionDescriptor(dnn.conv));
  if (dnn.w) GCVAECallCUDNN(cudnnDestroyFilterDescriptor(dnn.w));
  if (dnn.bias) GCVAECallCUDNN(cudnnDestroyTensorDescriptor(dnn.bias));
  if (dnn.y) GCVAECallCUDNN(cudnnDestroyTensorDescriptor(dnn.y));
  if (dnn.x) GCVAECallCUDNN(cudnnDestroyTensorDescriptor(dnn.x));
  if (dnn.handle) GCVAECallCUDNN(cudnnDestroy(dnn.handle));
  PetscCall(PetscMemzero(&dnn, sizeof(dnn)));
  PetscFunctionReturn(0);
}

/* the handle and descriptors, created at the first call (default stream), destroyed at PetscFinalize */
static PetscErrorCode Initialize(void)
{
  PetscFunctionBegin;
  if (dnn.conv) PetscFunctionReturn(0); /* created last: everything is there */
  PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
  if (!dnn.finalizer) PetscCall(PetscRegisterFinalize(Destroy));
  dnn.finalizer = PETSC_TRUE;
  if (!dnn.handle) GCVAECallCUDNN(cudnnCreate(&dnn.handle));
  if (!dnn.x) GCVAECallCUDNN(cudnnCreateTensorDescriptor(&dnn.x));
  if (!dnn.y) GCVAECallCUDNN(cudnnCreateTensorDescriptor(&dnn.y));
  if (!dnn.bias) GCVAECallCUDNN(cudnnCreateTensorDescriptor(&dnn.bias));
  if (!dnn.w) GCVAECallCUDNN(cudnnCreateFilterDescriptor(&dnn.w));
  GCVAECallCUDNN(cudnnCreateConvolutionDescriptor(&dnn.conv));
  PetscFunctionReturn(0);
}

static PetscErrorCode Reserve(int which, size_t bytes, void **p)
{
  PetscFunctionBegin;
  if (bytes > dnn.bytes[which]) {
    if (dnn.buf[which]) GCVAECallCUDA(cudaFree(dnn.buf[which]));
    dnn.buf[which]   = NULL;
    dnn.bytes[which] = 0;
    GCVAECallCUDA(cudaMalloc(&dnn.buf[which], bytes));
    dnn.bytes[which] = bytes;
  }
  *p = dnn.buf[which];
  PetscFunctionReturn(0);
}

/* a device buffer holding the host array h (n floats) */
static PetscErrorCode Upload(int which, const float *h, size_t n, void **d)
{
  PetscFunctionBegin;
  PetscCall(Reserve(which, n * sizeof(float), d));
  GCVAECallCUDA(cudaMemcpy(*d, h, n * sizeof(float), cudaMemcpyHostToDevice));
  PetscFunctionReturn(0);
}

static PetscErrorCode Download(float *h, const void *d, size_t n)
{
  PetscFunctionBegin;
  GCVAECallCUDA(cudaMemcpy(h, d, n * sizeof(float), cudaMemcpyDeviceToHost));
  PetscFunctionReturn(0);
}

/* The descriptors of a convolution x (B, Cx, Hx, Wx) -> y (B, Cy, Hy, Wy) with the filter
   (Cy, Cx, K, K) and a bias of Cb channels; checks that cuDNN's output size is (Hy, Wy). */
static PetscErrorCode Describe(int B, int Cx, int Hx, int Wx, int Cy, int Hy, int Wy, int K, int stride, int pad, int Cb)
{
  int n, c, h, w;

  PetscFunctionBegin;
  PetscCheck(B >= 1 && Cx >= 1 && Hx >= 1 && Wx >= 1 && Cy >= 1 && Hy >= 1 && Wy >= 1 && K >= 1 && stride >= 1 && pad >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cuDNN conv: (%d, %d, %d, %d) -> (%d, %d, %d, %d), kernel %d, stride %d, padding %d: sizes must be positive", B, Cx, Hx, Wx, B, Cy, Hy, Wy, K, stride, pad);
  PetscCall(Initialize());
  GCVAECallCUDNN(cudnnSetTensor4dDescriptor(dnn.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, B, Cx, Hx, Wx));
  GCVAECallCUDNN(cudnnSetTensor4dDescriptor(dnn.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, B, Cy, Hy, Wy));
  GCVAECallCUDNN(cudnnSetTensor4dDescriptor(dnn.bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, Cb, 1, 1));
  GCVAECallCUDNN(cudnnSetFilter4dDescriptor(dnn.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, Cy, Cx, K, K));
  GCVAECallCUDNN(cudnnSetConvolution2dDescriptor(dnn.conv, pad, pad, stride, stride, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  GCVAECallCUDNN(cudnnSetConvolutionMathType(dnn.conv, CUDNN_FMA_MATH));
  GCVAECallCUDNN(cudnnGetConvolution2dForwardOutputDim(dnn.conv, dnn.x, dnn.w, &n, &c, &h, &w));
  PetscCheck(n == B && c == Cy && h == Hy && w == Wy, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cuDNN conv: output (%d, %d, %d, %d), expected (%d, %d, %d, %d)", n, c, h, w, B, Cy, Hy, Wy);
  PetscFunctionReturn(0);
}

/* y = conv(x, w) scaled: y = alpha conv + beta y (x, w, y device buffers) */
static PetscErrorCode Forward(const void *x, const void *w, float beta, void *y)
{
  size_t ws_bytes = 0;
  void  *ws       = NULL;

  PetscFunctionBegin;
  GCVAECallCUDNN(cudnnGetConvolutionForwardWorkspaceSize(dnn.handle, dnn.x, dnn.w, dnn.conv, dnn.y, FWD_ALGO, &ws_bytes));
  if (ws_bytes) PetscCall(Reserve(BUF_WS, ws_bytes, &ws));
  GCVAECallCUDNN(cudnnConvolutionForward(dnn.handle, &one, dnn.x, x, dnn.w, w, dnn.conv, FWD_ALGO, ws, ws_bytes, &beta, dnn.y, y));
  PetscFunctionReturn(0);
}

/* x = conv^T(y) + beta x */
static PetscErrorCode BackwardData(const void *w, const void *y, float beta, void *x)
{
  size_t ws_bytes = 0;
  void  *ws       = NULL;

  PetscFunctionBegin;
  GCVAECallCUDNN(cudnnGetConvolutionBackwardDataWorkspaceSize(dnn.handle, dnn.w, dnn.y, dnn.conv, dnn.x, BWDD_ALGO, &ws_bytes));
  if (ws_bytes) PetscCall(Reserve(BUF_WS, ws_bytes, &ws));
  GCVAECallCUDNN(cudnnConvolutionBackwardData(dnn.handle, &one, dnn.w, w, dnn.y, y, dnn.conv, BWDD_ALGO, ws, ws_bytes, &beta, dnn.x, x));
  PetscFunctionReturn(0);
}

/* dw += the filter gradient of conv for input x and output gradient dy */
static PetscErrorCode BackwardFilter(const void *x, const void *dy, void *dw)
{
  size_t ws_bytes = 0;
  void  *ws       = NULL;

  PetscFunctionBegin;
  GCVAECallCUDNN(cudnnGetConvolutionBackwardFilterWorkspaceSize(dnn.handle, dnn.x, dnn.y, dnn.conv, dnn.w, BWDF_ALGO, &ws_bytes));
  if (ws_bytes) PetscCall(Reserve(BUF_WS, ws_bytes, &ws));
  GCVAECallCUDNN(cudnnConvolutionBackwardFilter(dnn.handle, &one, dnn.x, x, dnn.y, dy, dnn.conv, BWDF_ALGO, ws, ws_bytes, &one, dnn.w, dw));
  PetscFunctionReturn(0);
}

/* host db (Cb) += the per-channel sums of the device tensor t described by tdesc */
static PetscErrorCode BackwardBias(float *db, int Cb, cudnnTensorDescriptor_t tdesc, const void *t)
{
  void *d = NULL;

  PetscFunctionBegin;
  PetscCall(Upload(BUF_B, db, (size_t)Cb, &d));
  GCVAECallCUDNN(cudnnConvolutionBackwardBias(dnn.handle, &one, tdesc, t, &one, dnn.bias, d));
  PetscCall(Download(db, d, (size_t)Cb));
  PetscFunctionReturn(0);
}

/* out (B, OC, OH, OW), inp (B, C, H, W), weight (OC, C, K, K), bias (OC) or NULL */
PetscErrorCode GCVAECudaConv2dForward(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad)
{
  const int OH = nn_conv2d_out_size(H, K, stride, pad), OW = nn_conv2d_out_size(W, K, stride, pad);
  void     *x, *w, *y, *b;

  PetscFunctionBegin;
  PetscCall(Describe(B, C, H, W, OC, OH, OW, K, stride, pad, OC));
  PetscCall(Upload(BUF_X, inp, (size_t)B * C * H * W, &x));
  PetscCall(Upload(BUF_W, weight, (size_t)OC * C * K * K, &w));
  PetscCall(Reserve(BUF_Y, (size_t)B * OC * OH * OW * sizeof(float), &y));
  PetscCall(Forward(x, w, zero, y));
  if (bias) {
    PetscCall(Upload(BUF_B, bias, (size_t)OC, &b));
    GCVAECallCUDNN(cudnnAddTensor(dnn.handle, &one, dnn.bias, b, &one, dnn.y, y));
  }
  PetscCall(Download(out, y, (size_t)B * OC * OH * OW));
  PetscFunctionReturn(0);
}

/* dinp (B, C, H, W), dweight (OC, C, K, K), dbias (OC) += (each may be NULL); dout (B, OC, OH, OW) */
PetscErrorCode GCVAECudaConv2dBackward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad)
{
  const int    OH = nn_conv2d_out_size(H, K, stride, pad), OW = nn_conv2d_out_size(W, K, stride, pad);
  const size_t nx = (size_t)B * C * H * W, nw = (size_t)OC * C * K * K;
  void        *x, *w, *dy;

  PetscFunctionBegin;
  if (!dinp && !dweight && !dbias) PetscFunctionReturn(0);
  PetscCall(Describe(B, C, H, W, OC, OH, OW, K, stride, pad, OC));
  PetscCall(Upload(BUF_Y, dout, (size_t)B * OC * OH * OW, &dy));
  if (dbias) PetscCall(BackwardBias(dbias, OC, dnn.y, dy));
  if (dweight) {
    PetscCall(Upload(BUF_X, inp, nx, &x));
    PetscCall(Upload(BUF_DW, dweight, nw, &w));
    PetscCall(BackwardFilter(x, dy, w));
    PetscCall(Download(dweight, w, nw));
  }
  if (dinp) {
    PetscCall(Upload(BUF_W, weight, nw, &w));
    PetscCall(Upload(BUF_X, dinp, nx, &x));
    PetscCall(BackwardData(w, dy, one, x));
    PetscCall(Download(dinp, x, nx));
  }
  PetscFunctionReturn(0);
}

/* Transposed: out (B, OC, OH, OW), inp (B, C, H, W), weight (C, OC, K, K), bias (OC) or NULL */
PetscErrorCode GCVAECudaConvT2dForward(float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad)
{
  const int OH = nn_convt2d_out_size(H, K, stride, pad, outpad), OW = nn_convt2d_out_size(W, K, stride, pad, outpad);
  void     *x, *w, *y, *b;

  PetscFunctionBegin;
  /* the convolution out (OC channels) -> inp (C channels) */
  PetscCall(Describe(B, OC, OH, OW, C, H, W, K, stride, pad, OC));
  PetscCall(Upload(BUF_Y, inp, (size_t)B * C * H * W, &y));
  PetscCall(Upload(BUF_W, weight, (size_t)C * OC * K * K, &w));
  PetscCall(Reserve(BUF_X, (size_t)B * OC * OH * OW * sizeof(float), &x));
  PetscCall(BackwardData(w, y, zero, x));
  if (bias) {
    PetscCall(Upload(BUF_B, bias, (size_t)OC, &b));
    GCVAECallCUDNN(cudnnAddTensor(dnn.handle, &one, dnn.bias, b, &one, dnn.x, x));
  }
  PetscCall(Download(out, x, (size_t)B * OC * OH * OW));
  PetscFunctionReturn(0);
}

/* dinp (B, C, H, W), dweight (C, OC, K, K), dbias (OC) += (each may be NULL); dout (B, OC, OH, OW) */
PetscErrorCode GCVAECudaConvT2dBackward(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad)
{
  const int    OH = nn_convt2d_out_size(H, K, stride, pad, outpad), OW = nn_convt2d_out_size(W, K, stride, pad, outpad);
  const size_t ny = (size_t)B * C * H * W, nw = (size_t)C * OC * K * K;
  void        *dx, *w, *y;

  PetscFunctionBegin;
  if (!dinp && !dweight && !dbias) PetscFunctionReturn(0);
  PetscCall(Describe(B, OC, OH, OW, C, H, W, K, stride, pad, OC));
  PetscCall(Upload(BUF_X, dout, (size_t)B * OC * OH * OW, &dx));
  if (dbias) PetscCall(BackwardBias(dbias, OC, dnn.x, dx));
  if (dweight) { /* the filter gradient of the convolution with input dout and output gradient inp */
    PetscCall(Upload(BUF_Y, inp, ny, &y));
    PetscCall(Upload(BUF_DW, dweight, nw, &w));
    PetscCall(BackwardFilter(dx, y, w));
    PetscCall(Download(dweight, w, nw));
  }
  if (dinp) { /* dinp += conv(dout) */
    PetscCall(Upload(BUF_W, weight, nw, &w));
    PetscCall(Upload(BUF_Y2, dinp, ny, &y));
    PetscCall(Forward(dx, w, one, y));
    PetscCall(Download(dinp, y, ny));
  }
  PetscFunctionReturn(0);
}
