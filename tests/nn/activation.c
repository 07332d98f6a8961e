/* Gradient checks of ReLU and GELU (inputs kept away from the kink at 0). */
#include <petscsys.h>
#include "gradcheck.h"

enum { RELU, GELU };
#define N 64

typedef struct {
  int    kind;
  nnreal inp[N], out[N], dout[N];
} Ctx;

static void forward(Ctx *c)
{
  switch (c->kind) {
  case RELU: nn_relu_forward(c->out, c->inp, N); break;
  default: nn_gelu_forward(c->out, c->inp, N);
  }
}

static double loss(void *ctx)
{
  Ctx *c = ctx;
  forward(c);
  return gc_dot(c->dout, c->out, N);
}

int main(int argc, char **argv)
{
  static const char *names[] = {"relu", "gelu"};
  Ctx                c;
  nnreal             dinp[N];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(12);
  for (int i = 0; i < N; i++) {
    double x   = gc_uniform(-3, 3);
    c.inp[i]   = (nnreal)(fabs(x) < 0.05 ? x + 0.1 : x); /* finite differences need no kink within h */
    c.dout[i]  = (nnreal)gc_uniform(-1, 1);
  }
  for (c.kind = RELU; c.kind <= GELU; c.kind++) {
    printf("%s N=%d\n", names[c.kind], N);
    for (int i = 0; i < N; i++) dinp[i] = (nnreal)GC_PREFILL;
    forward(&c);
    switch (c.kind) {
    case RELU: nn_relu_backward(dinp, c.dout, c.inp, N); break;
    default: nn_gelu_backward(dinp, c.dout, c.inp, N);
    }
    gc_check("inp", c.inp, N, dinp, loss, &c);
  }
  /* in place: out = inp allowed */
  nnreal x[N], err = 0;
  for (int i = 0; i < N; i++) x[i] = c.inp[i];
  nn_gelu_forward(x, x, N);
  nn_gelu_forward(c.out, c.inp, N);
  for (int i = 0; i < N; i++) err = gc_max(err, PetscAbsReal(x[i] - c.out[i]));
  gc_expect("gelu in place vs out of place", err, 0);
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
