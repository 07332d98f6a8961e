/* Gradient checks of mean and max pooling over the nodes of a graph. */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  int     max, n, C;
  nnreal *inp, *out, *dout;
  int    *argmax;
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  if (c->max) nn_graphpool_max_forward(c->out, c->argmax, c->inp, c->n, c->C);
  else nn_graphpool_mean_forward(c->out, c->inp, c->n, c->C);
  return gc_dot(c->dout, c->out, c->C);
}

int main(int argc, char **argv)
{
  Ctx     c = {.n = 7, .C = 4};
  nnreal *dinp;
  int     argmax[4];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(17);
  c.argmax = argmax;
  PetscCall(gc_random((size_t)c.n * c.C, -1, 1, &c.inp));
  PetscCall(gc_random(c.C, -1, 1, &c.dout));
  PetscCall(PetscMalloc1(c.C, &c.out));
  PetscCall(PetscMalloc1((size_t)c.n * c.C, &dinp));
  for (c.max = 0; c.max <= 1; c.max++) {
    printf("graphpool %s n=%d C=%d\n", c.max ? "max" : "mean", c.n, c.C);
    for (int i = 0; i < c.n * c.C; i++) dinp[i] = (nnreal)GC_PREFILL;
    loss(&c);
    if (c.max) nn_graphpool_max_backward(dinp, c.dout, c.argmax, c.n, c.C);
    else nn_graphpool_mean_backward(dinp, c.dout, c.n, c.C);
    gc_check("inp", c.inp, (size_t)c.n * c.C, dinp, loss, &c);
  }
  double err = 0; /* the max is the column maximum */
  for (int i = 0; i < c.n; i++)
    for (int k = 0; k < c.C; k++) err = gc_max(err, c.inp[i * c.C + k] - c.out[k]);
  gc_expect("max: max(inp - out)", err, 0);
  PetscCall(PetscFree(c.inp));
  PetscCall(PetscFree(c.dout));
  PetscCall(PetscFree(c.out));
  PetscCall(PetscFree(dinp));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
