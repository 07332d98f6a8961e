/* Gradient check of nn_linear: out (B, OC) = inp (B, C) W^T + b. */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  int     B, C, OC;
  nnreal *inp, *W, *b, *out, *dout;
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  nn_linear_forward(c->out, c->inp, c->W, c->b, c->B, c->C, c->OC);
  return gc_dot(c->dout, c->out, (size_t)c->B * c->OC);
}

int main(int argc, char **argv)
{
  Ctx     c = {.B = 5, .C = 4, .OC = 3};
  nnreal *dinp, *dW, *db, *out0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(11);
  PetscCall(gc_random((size_t)c.B * c.C, -1, 1, &c.inp));
  PetscCall(gc_random((size_t)c.OC * c.C, -1, 1, &c.W));
  PetscCall(gc_random(c.OC, -1, 1, &c.b));
  PetscCall(gc_random((size_t)c.B * c.OC, -1, 1, &c.dout));
  PetscCall(PetscMalloc2((size_t)c.B * c.OC, &c.out, (size_t)c.B * c.OC, &out0));
  PetscCall(gc_grad((size_t)c.B * c.C, &dinp));
  PetscCall(gc_grad((size_t)c.OC * c.C, &dW));
  PetscCall(gc_grad(c.OC, &db));

  printf("linear B=%d C=%d OC=%d\n", c.B, c.C, c.OC);
  loss(&c);
  nn_linear_backward(dinp, dW, db, c.dout, c.inp, c.W, c.B, c.C, c.OC);
  gc_check("inp", c.inp, (size_t)c.B * c.C, dinp, loss, &c);
  gc_check("weight", c.W, (size_t)c.OC * c.C, dW, loss, &c);
  gc_check("bias", c.b, c.OC, db, loss, &c);

  /* without a bias: the same as a zero bias, and the NULL gradients are skipped */
  double err = 0;
  nn_linear_forward(out0, c.inp, c.W, NULL, c.B, c.C, c.OC);
  loss(&c);
  for (int i = 0; i < c.B * c.OC; i++) err = gc_max(err, fabs((double)(out0[i] + c.b[i % c.OC] - c.out[i])));
  nn_linear_backward(NULL, NULL, NULL, c.dout, c.inp, c.W, c.B, c.C, c.OC);
  gc_expect("no bias: |out + b - out(bias)|", err, 1e-14);

  PetscCall(PetscFree(c.inp));
  PetscCall(PetscFree(c.W));
  PetscCall(PetscFree(c.b));
  PetscCall(PetscFree(c.dout));
  PetscCall(PetscFree2(c.out, out0));
  PetscCall(PetscFree(dinp));
  PetscCall(PetscFree(dW));
  PetscCall(PetscFree(db));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
