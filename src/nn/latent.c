/* The VAE latent: reparameterisation z = mu + sigma eps and the KL term to N(0, I). */
#include "nnimpl.h"

/* z (N) = mu + exp(0.5 logvar) eps; eps given (drawn by the caller) */
void nn_reparam_forward(nnreal *z, const nnreal *mu, const nnreal *logvar, const nnreal *eps, size_t N)
{
  for (size_t i = 0; i < N; i++) z[i] = mu[i] + nnexp((nnreal)0.5 * logvar[i]) * eps[i];
}

/* dmu += dz; dlogvar += dz 0.5 exp(0.5 logvar) eps */
void nn_reparam_backward(nnreal *dmu, nnreal *dlogvar, const nnreal *dz, const nnreal *logvar, const nnreal *eps, size_t N)
{
  for (size_t i = 0; i < N; i++) {
    if (dmu) dmu[i] += dz[i];
    if (dlogvar) dlogvar[i] += dz[i] * (nnreal)0.5 * nnexp((nnreal)0.5 * logvar[i]) * eps[i];
  }
}

/* -0.5 sum (1 + logvar - mu^2 - exp(logvar)), accumulated in double */
double nn_kl_forward(const nnreal *mu, const nnreal *logvar, size_t N)
{
  double kl = 0;
  for (size_t i = 0; i < N; i++) kl += -0.5 * (1.0 + (double)logvar[i] - (double)mu[i] * mu[i] - exp((double)logvar[i]));
  return kl;
}

/* dmu += dloss mu; dlogvar += dloss 0.5 (exp(logvar) - 1) */
void nn_kl_backward(nnreal *dmu, nnreal *dlogvar, nnreal dloss, const nnreal *mu, const nnreal *logvar, size_t N)
{
  for (size_t i = 0; i < N; i++) {
    if (dmu) dmu[i] += dloss * mu[i];
    if (dlogvar) dlogvar[i] += dloss * (nnreal)0.5 * (nnexp(logvar[i]) - 1);
  }
}
