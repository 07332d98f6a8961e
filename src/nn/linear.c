/* Fully connected layer over a batch of rows: out = inp W^T + b. */
#include "nnimpl.h"

/* out (B, OC), inp (B, C), weight (OC, C), bias (OC) or NULL */
void nn_linear_forward(nnreal *out, const nnreal *inp, const nnreal *weight, const nnreal *bias, int B, int C, int OC)
{
  for (int b = 0; b < B; b++)
    for (int o = 0; o < OC; o++) out[(size_t)b * OC + o] = bias ? bias[o] : 0;
  nn_gemm('N', 'T', B, OC, C, 1, inp, C, weight, C, 1, out, OC);
}

/* dinp (B, C) += dout W; dweight (OC, C) += dout^T inp; dbias (OC) += column sums of dout */
void nn_linear_backward(nnreal *dinp, nnreal *dweight, nnreal *dbias, const nnreal *dout, const nnreal *inp, const nnreal *weight, int B, int C, int OC)
{
  if (dinp) nn_gemm('N', 'N', B, C, OC, 1, dout, OC, weight, C, 1, dinp, C);
  if (dweight) nn_gemm('T', 'N', OC, C, B, 1, dout, OC, inp, C, 1, dweight, C);
  if (dbias)
    for (int b = 0; b < B; b++)
      for (int o = 0; o < OC; o++) dbias[o] += dout[(size_t)b * OC + o];
}
