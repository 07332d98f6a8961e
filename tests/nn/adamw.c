/* AdamW: minimises a badly scaled quadratic to tolerance; the first step against its
   closed form (with weight decay); argument checks; gradient-norm clipping. */
#include <petscsys.h>
#include "gradcheck.h"

#define N 10

int main(int argc, char **argv)
{
  nnreal x[N], g[N], m[N] = {0}, v[N] = {0}, c[N], d[N];
  double lr = 0.1, decay = 0.995, tol = 1e-9;
  int    steps = 2000;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(19);
  /* f(x) = 1/2 sum d_i (x_i - c_i)^2, curvatures d_i from 1e-2 to 1e2 */
  for (int i = 0; i < N; i++) {
    c[i] = (nnreal)gc_uniform(-2, 2);
    d[i] = (nnreal)pow(10.0, -2 + 4.0 * i / (N - 1));
    x[i] = 0;
  }
  for (int t = 1; t <= steps; t++) {
    for (int i = 0; i < N; i++) g[i] = d[i] * (x[i] - c[i]);
    PetscCall(nn_adamw_update(x, g, m, v, N, (nnreal)lr, (nnreal)0.9, (nnreal)0.999, (nnreal)1e-12, 0, t));
    lr *= decay;
  }
  double err = 0;
  for (int i = 0; i < N; i++) err = gc_max(err, fabs((double)x[i] - c[i]));
  printf("adamw on a quadratic (curvature 1e-2 .. 1e2), lr 0.1 decaying by %g a step: max |x - x*| = %.2e after %d steps\n", decay, err, steps);
  gc_expect("max |x - x*|", err, tol);

  /* step 1 is p -= lr (g / (|g| + eps) + wd p), bias corrections included */
  double lr1 = 0.01, wd = 0.1, eps = 1e-8, p0[N], e1 = 0;
  for (int i = 0; i < N; i++) {
    x[i] = (nnreal)(p0[i] = gc_uniform(-1, 1));
    g[i] = (nnreal)gc_uniform(-1, 1);
    m[i] = v[i] = 0;
  }
  PetscCall(nn_adamw_update(x, g, m, v, N, (nnreal)lr1, (nnreal)0.9, (nnreal)0.999, (nnreal)eps, (nnreal)wd, 1));
  for (int i = 0; i < N; i++) e1 = gc_max(e1, fabs((double)x[i] - (p0[i] - lr1 * (g[i] / (fabs(g[i]) + eps) + wd * p0[i]))));
  gc_expect("first step vs closed form", e1, 1e-15);

  /* bad arguments are errors, not crashes */
  PetscErrorCode ierr;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = nn_adamw_update(x, g, m, v, N, (nnreal)lr1, (nnreal)0.9, (nnreal)0.999, (nnreal)eps, 0, 0);
  gc_expect("step 0 rejected (0 = yes)", ierr ? 0 : 1, 0);
  ierr = nn_adamw_update(x, g, m, v, N, (nnreal)lr1, (nnreal)1.0, (nnreal)0.999, (nnreal)eps, 0, 1);
  gc_expect("beta1 = 1 rejected (0 = yes)", ierr ? 0 : 1, 0);
  PetscCall(PetscPopErrorHandler());

  /* clipping: (3, 4) has norm 5 */
  nnreal gc[2] = {3, 4};
  double n0    = nn_clip_grad_norm(gc, 2, 10);
  gc_expect("norm 5, max 10: |g - (3,4)| + |norm - 5|", fabs(gc[0] - 3) + fabs(gc[1] - 4) + fabs(n0 - 5), 0);
  double n1 = nn_clip_grad_norm(gc, 2, 4);
  gc_expect("norm 5, max 4: |g - (2.4,3.2)| + |norm - 5|", fabs(gc[0] - 2.4) + fabs(gc[1] - 3.2) + fabs(n1 - 5), 1e-15);
  double n2 = nn_clip_grad_norm(gc, 2, 1);
  gc_expect("norm 4, max 1: |g - (0.6,0.8)| + |norm - 4|", fabs(gc[0] - 0.6) + fabs(gc[1] - 0.8) + fabs(n2 - 4), 1e-15);
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
