/* Graph pooling: mean and max over the nodes of one graph (the pooled graph code g). */
#include "nnimpl.h"

/* out (C) = mean over the n rows of inp (n, C) */
void nn_graphpool_mean_forward(nnreal *out, const nnreal *inp, int n, int C)
{
  for (int c = 0; c < C; c++) out[c] = 0;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < C; c++) out[c] += inp[(size_t)i * C + c];
  for (int c = 0; c < C; c++) out[c] /= n;
}

/* dinp (n, C) += dout (C) / n */
void nn_graphpool_mean_backward(nnreal *dinp, const nnreal *dout, int n, int C)
{
  for (int i = 0; i < n; i++)
    for (int c = 0; c < C; c++) dinp[(size_t)i * C + c] += dout[c] / n;
}

/* out (C) = column maxima of inp (n, C), argmax (C) = their rows (first on ties) */
void nn_graphpool_max_forward(nnreal *out, int *argmax, const nnreal *inp, int n, int C)
{
  for (int c = 0; c < C; c++) {
    int best = 0;
    for (int i = 1; i < n; i++)
      if (inp[(size_t)i * C + c] > inp[(size_t)best * C + c]) best = i;
    argmax[c] = best;
    out[c]    = inp[(size_t)best * C + c];
  }
}

/* dinp (n, C) += dout (C) at the rows of the maxima */
void nn_graphpool_max_backward(nnreal *dinp, const nnreal *dout, const int *argmax, int n, int C)
{
  for (int c = 0; c < C; c++) dinp[(size_t)argmax[c] * C + c] += dout[c];
}
