/* Gradient check of nn_layernorm (per row of inp (B, C), gain and bias (C)). */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  int     B, C;
  nnreal *inp, *w, *b, *out, *mean, *rstd, *dout;
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  nn_layernorm_forward(c->out, c->mean, c->rstd, c->inp, c->w, c->b, c->B, c->C);
  return gc_dot(c->dout, c->out, (size_t)c->B * c->C);
}

int main(int argc, char **argv)
{
  Ctx     c = {.B = 4, .C = 7};
  nnreal *dinp, *dw, *db;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(13);
  PetscCall(gc_random((size_t)c.B * c.C, -2, 2, &c.inp));
  PetscCall(gc_random(c.C, 0.5, 1.5, &c.w));
  PetscCall(gc_random(c.C, -1, 1, &c.b));
  PetscCall(gc_random((size_t)c.B * c.C, -1, 1, &c.dout));
  PetscCall(PetscMalloc3((size_t)c.B * c.C, &c.out, c.B, &c.mean, c.B, &c.rstd));
  PetscCall(gc_grad((size_t)c.B * c.C, &dinp));
  PetscCall(gc_grad(c.C, &dw));
  PetscCall(gc_grad(c.C, &db));

  printf("layernorm B=%d C=%d\n", c.B, c.C);
  loss(&c);
  nn_layernorm_backward(dinp, dw, db, c.dout, c.inp, c.w, c.mean, c.rstd, c.B, c.C);
  gc_check("inp", c.inp, (size_t)c.B * c.C, dinp, loss, &c);
  gc_check("weight", c.w, c.C, dw, loss, &c);
  gc_check("bias", c.b, c.C, db, loss, &c);

  /* with unit gain and zero bias every row has mean 0 and variance var/(var+eps) */
  double err = 0;
  for (int k = 0; k < c.C; k++) c.w[k] = 1, c.b[k] = 0;
  loss(&c);
  for (int i = 0; i < c.B; i++) {
    double m = 0, v = 0;
    for (int k = 0; k < c.C; k++) m += c.out[i * c.C + k] / c.C;
    for (int k = 0; k < c.C; k++) v += (c.out[i * c.C + k] - m) * (c.out[i * c.C + k] - m) / c.C;
    double var = 1 / ((double)c.rstd[i] * c.rstd[i]) - NN_LAYERNORM_EPS;
    err        = gc_max(err, gc_max(fabs(m), fabs(v - var / (var + NN_LAYERNORM_EPS))));
  }
  gc_expect("normalised rows: mean 0, variance", err, 1e-12);

  PetscCall(PetscFree(c.inp));
  PetscCall(PetscFree(c.w));
  PetscCall(PetscFree(c.b));
  PetscCall(PetscFree(c.dout));
  PetscCall(PetscFree3(c.out, c.mean, c.rstd));
  PetscCall(PetscFree(dinp));
  PetscCall(PetscFree(dw));
  PetscCall(PetscFree(db));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
