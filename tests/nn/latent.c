/* Gradient checks of the reparameterisation z = mu + exp(logvar / 2) eps and of the
   KL divergence to N(0, I), plus the KL's closed form on known values. */
#include <petscsys.h>
#include "gradcheck.h"

#define N     12
#define DLOSS 0.7

typedef struct {
  int    kl;
  nnreal mu[N], logvar[N], eps[N], z[N], dz[N];
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  if (c->kl) return DLOSS * nn_kl_forward(c->mu, c->logvar, N);
  nn_reparam_forward(c->z, c->mu, c->logvar, c->eps, N);
  return gc_dot(c->dz, c->z, N);
}

int main(int argc, char **argv)
{
  Ctx    c;
  nnreal dmu[N], dlogvar[N];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(18);
  for (int i = 0; i < N; i++) {
    c.mu[i]     = (nnreal)gc_uniform(-1, 1);
    c.logvar[i] = (nnreal)gc_uniform(-2, 1);
    c.eps[i]    = (nnreal)gc_uniform(-2, 2);
    c.dz[i]     = (nnreal)gc_uniform(-1, 1);
  }
  for (c.kl = 0; c.kl <= 1; c.kl++) {
    printf("%s N=%d\n", c.kl ? "kl" : "reparam", N);
    for (int i = 0; i < N; i++) dmu[i] = dlogvar[i] = (nnreal)GC_PREFILL;
    loss(&c);
    if (c.kl) nn_kl_backward(dmu, dlogvar, (nnreal)DLOSS, c.mu, c.logvar, N);
    else nn_reparam_backward(dmu, dlogvar, c.dz, c.logvar, c.eps, N);
    gc_check("mu", c.mu, N, dmu, loss, &c);
    gc_check("logvar", c.logvar, N, dlogvar, loss, &c);
  }
  /* KL(N(1, e) || N(0, 1)) = -0.5 (1 + 1 - 1 - e) = (e - 1) / 2; KL(N(0, 1) || N(0, 1)) = 0 */
  nnreal mu[2] = {1, 0}, logvar[2] = {1, 0};
  gc_expect("KL closed form", fabs(nn_kl_forward(mu, logvar, 2) - 0.5 * (exp(1.0) - 1)), 1e-15);
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
