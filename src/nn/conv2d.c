/* 2D convolution and transposed convolution, NCHW, square K x K kernel, equal stride
   and zero padding in both directions, through im2col + GEMM (one image at a time), or
   through an installed backend (nn_conv2d_set_backend: cuDNN for gcvae-train -device cuda). */
#include "nnimpl.h"

static const NNConvBackend *backend; /* NULL: im2col + GEMM below */

PetscErrorCode nn_conv2d_set_backend(const NNConvBackend *b)
{
  PetscFunctionBegin;
  backend = b;
  PetscFunctionReturn(0);
}

PetscErrorCode nn_conv2d_get_backend(const NNConvBackend **b)
{
  PetscFunctionBegin;
  *b = backend;
  PetscFunctionReturn(0);
}

int nn_conv2d_out_size(int H, int K, int stride, int pad)
{
  return (H + 2 * pad - K) / stride + 1;
}

int nn_convt2d_out_size(int H, int K, int stride, int pad, int outpad)
{
  return (H - 1) * stride - 2 * pad + K + outpad;
}

/* col (C K K, OH OW) = the K x K patches of img (C, H, W) read at stride and padding:
   col[(c K + ky) K + kx][oy OW + ox] = img[c][oy stride - pad + ky][ox stride - pad + kx] (0 outside). */
static void im2col(nnreal *col, const nnreal *img, int C, int H, int W, int K, int stride, int pad, int OH, int OW)
{
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < K; ky++)
      for (int kx = 0; kx < K; kx++) {
        nnreal *row = col + ((size_t)(c * K + ky) * K + kx) * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
          int y = oy * stride - pad + ky;
          for (int ox = 0; ox < OW; ox++) {
            int x              = ox * stride - pad + kx;
            row[oy * OW + ox] = (y >= 0 && y < H && x >= 0 && x < W) ? img[((size_t)c * H + y) * W + x] : 0;
          }
        }
      }
}

/* img (C, H, W) += the adjoint of im2col applied to col (C K K, OH OW) */
static void col2im(nnreal *img, const nnreal *col, int C, int H, int W, int K, int stride, int pad, int OH, int OW)
{
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < K; ky++)
      for (int kx = 0; kx < K; kx++) {
        const nnreal *row = col + ((size_t)(c * K + ky) * K + kx) * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
          int y = oy * stride - pad + ky;
          if (y < 0 || y >= H) continue;
          for (int ox = 0; ox < OW; ox++) {
            int x = ox * stride - pad + kx;
            if (x >= 0 && x < W) img[((size_t)c * H + y) * W + x] += row[oy * OW + ox];
          }
        }
      }
}

static PetscErrorCode check_geometry(int C, int H, int W, int OC, int K, int stride, int pad, int outpad)
{
  PetscFunctionBegin;
  PetscCheck(C >= 1 && OC >= 1 && H >= 1 && W >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "conv2d: channels %d -> %d and image %d x %d must be positive", C, OC, H, W);
  PetscCheck(K >= 1 && stride >= 1 && pad >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "conv2d: kernel %d >= 1, stride %d >= 1, padding %d >= 0 required", K, stride, pad);
  PetscCheck(outpad >= 0 && outpad < stride, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "conv2d: output padding %d must be in [0, stride %d)", outpad, stride);
  PetscFunctionReturn(0);
}

/* out (B, OC, OH, OW), inp (B, C, H, W), weight (OC, C, K, K), bias (OC) or NULL */
PetscErrorCode nn_conv2d_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad)
{
  const int OH = nn_conv2d_out_size(H, K, stride, pad), OW = nn_conv2d_out_size(W, K, stride, pad), CKK = C * K * K, P = OH * OW;
  nnreal   *col;

  PetscFunctionBegin;
  PetscCall(check_geometry(C, H, W, OC, K, stride, pad, 0));
  PetscCheck(OH >= 1 && OW >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "conv2d: kernel %d larger than the padded image %d x %d", K, H + 2 * pad, W + 2 * pad);
  if (backend && backend->conv2d_forward) {
    PetscCall(backend->conv2d_forward(out, inp, weight, bias, B, C, H, W, OC, K, stride, pad));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1((size_t)CKK * P, &col));
  for (int b = 0; b < B; b++) {
    nnreal *ob = out + (size_t)b * OC * P;
    im2col(col, inp + (size_t)b * C * H * W, C, H, W, K, stride, pad, OH, OW);
    for (int o = 0; o < OC; o++)
      for (int p = 0; p < P; p++) ob[(size_t)o * P + p] = bias ? bias[o] : 0;
    nn_gemm('N', 'N', OC, P, CKK, 1, weight, CKK, col, P, 1, ob, P); /* out_b += W col */
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

/* dinp (B, C, H, W), dweight (OC, C, K, K), dbias (OC); dout (B, OC, OH, OW) */
PetscErrorCode nn_conv2d_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad)
{
  const int OH = nn_conv2d_out_size(H, K, stride, pad), OW = nn_conv2d_out_size(W, K, stride, pad), CKK = C * K * K, P = OH * OW;
  nnreal   *col;

  PetscFunctionBegin;
  PetscCall(check_geometry(C, H, W, OC, K, stride, pad, 0));
  if (backend && backend->conv2d_backward) {
    PetscCall(backend->conv2d_backward(dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1((size_t)CKK * P, &col));
  for (int b = 0; b < B; b++) {
    const nnreal *db = dout + (size_t)b * OC * P;
    if (dbias)
      for (int o = 0; o < OC; o++)
        for (int p = 0; p < P; p++) dbias[o] += db[(size_t)o * P + p];
    if (dweight) {
      im2col(col, inp + (size_t)b * C * H * W, C, H, W, K, stride, pad, OH, OW);
      nn_gemm('N', 'T', OC, CKK, P, 1, db, P, col, P, 1, dweight, CKK); /* dW += dout_b col^T */
    }
    if (dinp) {
      nn_gemm('T', 'N', CKK, P, OC, 1, weight, CKK, db, P, 0, col, P); /* dcol = W^T dout_b */
      col2im(dinp + (size_t)b * C * H * W, col, C, H, W, K, stride, pad, OH, OW);
    }
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

/* Transposed convolution: out_b = col2im(W^T inp_b) + bias, the conv2d geometry read
   backwards (an OC x OH x OW image whose convolution has H x W outputs).
   out (B, OC, OH, OW), inp (B, C, H, W), weight (C, OC, K, K), bias (OC) or NULL */
PetscErrorCode nn_convt2d_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad)
{
  const int OH = nn_convt2d_out_size(H, K, stride, pad, outpad), OW = nn_convt2d_out_size(W, K, stride, pad, outpad), OKK = OC * K * K, P = H * W;
  nnreal   *col;

  PetscFunctionBegin;
  PetscCall(check_geometry(C, H, W, OC, K, stride, pad, outpad));
  PetscCheck(OH >= 1 && OW >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "convt2d: padding %d leaves no output for a %d x %d input", pad, H, W);
  if (backend && backend->convt2d_forward) {
    PetscCall(backend->convt2d_forward(out, inp, weight, bias, B, C, H, W, OC, K, stride, pad, outpad));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1((size_t)OKK * P, &col));
  for (int b = 0; b < B; b++) {
    nnreal *ob = out + (size_t)b * OC * OH * OW;
    for (int o = 0; o < OC; o++)
      for (int p = 0; p < OH * OW; p++) ob[(size_t)o * OH * OW + p] = bias ? bias[o] : 0;
    nn_gemm('T', 'N', OKK, P, C, 1, weight, OKK, inp + (size_t)b * C * P, P, 0, col, P); /* col = W^T inp_b */
    col2im(ob, col, OC, OH, OW, K, stride, pad, H, W);
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

/* dinp (B, C, H, W), dweight (C, OC, K, K), dbias (OC); dout (B, OC, OH, OW) */
PetscErrorCode nn_convt2d_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad)
{
  const int OH = nn_convt2d_out_size(H, K, stride, pad, outpad), OW = nn_convt2d_out_size(W, K, stride, pad, outpad), OKK = OC * K * K, P = H * W;
  nnreal   *col;

  PetscFunctionBegin;
  PetscCall(check_geometry(C, H, W, OC, K, stride, pad, outpad));
  if (backend && backend->convt2d_backward) {
    PetscCall(backend->convt2d_backward(dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad, outpad));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1((size_t)OKK * P, &col));
  for (int b = 0; b < B; b++) {
    const nnreal *db = dout + (size_t)b * OC * OH * OW;
    if (dbias)
      for (int o = 0; o < OC; o++)
        for (int p = 0; p < OH * OW; p++) dbias[o] += db[(size_t)o * OH * OW + p];
    im2col(col, db, OC, OH, OW, K, stride, pad, H, W);                                                 /* (OKK, P) */
    if (dinp) nn_gemm('N', 'N', C, P, OKK, 1, weight, OKK, col, P, 1, dinp + (size_t)b * C * P, P);    /* dinp_b += W col   */
    if (dweight) nn_gemm('N', 'T', C, OKK, P, 1, inp + (size_t)b * C * P, P, col, P, 1, dweight, OKK); /* dW += inp_b col^T */
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}
