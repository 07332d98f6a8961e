/* Elementwise activations: ReLU, GELU (tanh form). */
#include "nnimpl.h"

void nn_relu_forward(nnreal *out, const nnreal *inp, size_t N)
{
  for (size_t i = 0; i < N; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
}

void nn_relu_backward(nnreal *dinp, const nnreal *dout, const nnreal *inp, size_t N)
{
  for (size_t i = 0; i < N; i++)
    if (inp[i] > 0) dinp[i] += dout[i];
}

#define GELU_SCALE ((nnreal)0.7978845608028654) /* sqrt(2/pi) */
#define GELU_CUBIC ((nnreal)0.044715)

#if defined(GCVAE_NN_DOUBLE)
  #define gelu_tanh tanh
#else
  /* the float forward: a rational tanh (gelutanh.h); the backward keeps tanhf, the two differ by
     float rounding only */
  #include "gelutanh.h"
  #define gelu_tanh gcvae_gelu_tanhf
#endif

NN_VECTOR_CLONES
void nn_gelu_forward(nnreal *out, const nnreal *inp, size_t N)
{
  for (size_t i = 0; i < N; i++) {
    nnreal x = inp[i];
    out[i]   = (nnreal)0.5 * x * (1 + gelu_tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x)));
  }
}

/* d/dx [x/2 (1 + tanh u)] = (1 + tanh u)/2 + x/2 sech^2(u) u', u = s (x + c x^3) */
void nn_gelu_backward(nnreal *dinp, const nnreal *dout, const nnreal *inp, size_t N)
{
  for (size_t i = 0; i < N; i++) {
    nnreal x = inp[i], u = GELU_SCALE * (x + GELU_CUBIC * x * x * x);
    nnreal t = nntanh(u), du = GELU_SCALE * (1 + 3 * GELU_CUBIC * x * x);
    dinp[i] += dout[i] * ((nnreal)0.5 * (1 + t) + (nnreal)0.5 * x * (1 - t * t) * du);
  }
}
