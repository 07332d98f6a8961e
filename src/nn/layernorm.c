/* Layer normalisation of each row, with a gain and a bias per column. */
#include "nnimpl.h"

/* out (B, C), mean (B), rstd (B), inp (B, C), weight (C), bias (C) */
NN_VECTOR_CLONES
void nn_layernorm_forward(nnreal *out, nnreal *mean, nnreal *rstd, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C)
{
  for (int b = 0; b < B; b++) {
    const nnreal *x = inp + (size_t)b * C;
    nnreal       *y = out + (size_t)b * C;
    nnreal        mu = 0, var = 0;
    for (int c = 0; c < C; c++) mu += x[c];
    mu /= C;
    for (int c = 0; c < C; c++) var += (x[c] - mu) * (x[c] - mu);
    var /= C;
    nnreal s = 1 / nnsqrt(var + (nnreal)NN_LAYERNORM_EPS);
    for (int c = 0; c < C; c++) y[c] = (x[c] - mu) * s * weight[c] + bias[c];
    mean[b] = mu;
    rstd[b] = s;
  }
}

/* With xn = (x - mean) rstd and g = dout * weight:
   dx = rstd (g - mean(g) - xn mean(g xn)), dweight += dout xn, dbias += dout. */
void nn_layernorm_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, const nnreal *mean, const nnreal *rstd, int B, int C)
{
  for (int b = 0; b < B; b++) {
    const nnreal *x = inp + (size_t)b * C, *dy = dout + (size_t)b * C;
    nnreal        mu = mean[b], s = rstd[b], gmean = 0, gxmean = 0;
    for (int c = 0; c < C; c++) {
      nnreal g = dy[c] * weight[c], xn = (x[c] - mu) * s;
      gmean += g;
      gxmean += g * xn;
    }
    gmean /= C;
    gxmean /= C;
    for (int c = 0; c < C; c++) {
      nnreal xn = (x[c] - mu) * s;
      if (dinp) dinp[(size_t)b * C + c] += s * (dy[c] * weight[c] - gmean - xn * gxmean);
      if (dweight) dweight[c] += dy[c] * xn;
      if (dbias) dbias[c] += dy[c];
    }
  }
}
