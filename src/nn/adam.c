/* AdamW (Loshchilov & Hutter: Adam with decoupled weight decay) over a flat
   parameter buffer, and gradient-norm clipping. */
#include "nnimpl.h"

/* params, grads, m, v (N); t >= 1 the step number, for the bias corrections */
PetscErrorCode nn_adamw_update(nnreal *params, const nnreal *grads, nnreal *m, nnreal *v, size_t N, nnreal lr, nnreal beta1, nnreal beta2, nnreal eps, nnreal weight_decay, int t)
{
  nnreal c1, c2;

  PetscFunctionBegin;
  PetscCheck(t >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "AdamW step count %d must be >= 1", t);
  PetscCheck(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "AdamW betas %g, %g must lie in [0, 1)", (double)beta1, (double)beta2);
  PetscCheck(lr >= 0 && eps > 0 && weight_decay >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "AdamW lr %g >= 0, eps %g > 0, weight decay %g >= 0 required", (double)lr, (double)eps, (double)weight_decay);
  c1 = (nnreal)(1.0 - pow((double)beta1, t)); /* bias corrections */
  c2 = (nnreal)(1.0 - pow((double)beta2, t));
  for (size_t i = 0; i < N; i++) {
    nnreal g = grads[i];
    m[i]     = beta1 * m[i] + (1 - beta1) * g;
    v[i]     = beta2 * v[i] + (1 - beta2) * g * g;
    params[i] -= lr * ((m[i] / c1) / (nnsqrt(v[i] / c2) + eps) + weight_decay * params[i]);
  }
  PetscFunctionReturn(0);
}

/* grads (N) scaled by max_norm / ||grads|| when the norm exceeds max_norm; returns the norm */
double nn_clip_grad_norm(nnreal *grads, size_t N, nnreal max_norm)
{
  double sq = 0;
  for (size_t i = 0; i < N; i++) sq += (double)grads[i] * grads[i];
  double norm = sqrt(sq);
  if (norm > max_norm) {
    nnreal s = (nnreal)(max_norm / norm);
    for (size_t i = 0; i < N; i++) grads[i] *= s;
  }
  return norm;
}
