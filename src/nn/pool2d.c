/* 2D average and max pooling, NCHW, K x K windows at stride S, no padding. */
#include "nnimpl.h"

/* out (B, C, OH, OW) = window means of inp (B, C, H, W); OH = (H - K) / S + 1 */
void nn_avgpool2d_forward(nnreal *out, const nnreal *inp, int B, int C, int H, int W, int K, int S)
{
  const int OH = (H - K) / S + 1, OW = (W - K) / S + 1;
  for (int bc = 0; bc < B * C; bc++) {
    const nnreal *x = inp + (size_t)bc * H * W;
    nnreal       *y = out + (size_t)bc * OH * OW;
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        nnreal s = 0;
        for (int ky = 0; ky < K; ky++)
          for (int kx = 0; kx < K; kx++) s += x[(oy * S + ky) * W + ox * S + kx];
        y[oy * OW + ox] = s / (K * K);
      }
  }
}

/* dinp (B, C, H, W) += dout (B, C, OH, OW) spread evenly over each window */
void nn_avgpool2d_backward(nnreal *dinp, const nnreal *dout, int B, int C, int H, int W, int K, int S)
{
  const int OH = (H - K) / S + 1, OW = (W - K) / S + 1;
  for (int bc = 0; bc < B * C; bc++) {
    nnreal       *dx = dinp + (size_t)bc * H * W;
    const nnreal *dy = dout + (size_t)bc * OH * OW;
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        nnreal g = dy[oy * OW + ox] / (K * K);
        for (int ky = 0; ky < K; ky++)
          for (int kx = 0; kx < K; kx++) dx[(oy * S + ky) * W + ox * S + kx] += g;
      }
  }
}

/* out (B, C, OH, OW) = window maxima, argmax (B, C, OH, OW) = their indices into inp */
void nn_maxpool2d_forward(nnreal *out, int *argmax, const nnreal *inp, int B, int C, int H, int W, int K, int S)
{
  const int OH = (H - K) / S + 1, OW = (W - K) / S + 1;
  for (int bc = 0; bc < B * C; bc++) {
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        int best = bc * H * W + oy * S * W + ox * S;
        for (int ky = 0; ky < K; ky++)
          for (int kx = 0; kx < K; kx++) {
            int idx = bc * H * W + (oy * S + ky) * W + ox * S + kx;
            if (inp[idx] > inp[best]) best = idx;
          }
        out[((size_t)bc * OH + oy) * OW + ox]    = inp[best];
        argmax[((size_t)bc * OH + oy) * OW + ox] = best;
      }
  }
}

/* dinp (B, C, H, W) += dout routed to each window's maximum */
void nn_maxpool2d_backward(nnreal *dinp, const nnreal *dout, const int *argmax, int B, int C, int H, int W, int K, int S)
{
  const size_t N = (size_t)B * C * ((H - K) / S + 1) * ((W - K) / S + 1);
  for (size_t i = 0; i < N; i++) dinp[argmax[i]] += dout[i];
}
