/* The parameter buffer: tensors carved contiguously in order, lookup by name, errors
   on unknown and duplicate names, and a two-layer model trained through it (llm.c
   style: struct of named pointers, one flat AdamW step over the whole buffer). */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  nnreal *W1, *b1, *W2, *b2; /* (HID, IN), (HID), (OUT, HID), (OUT) */
} Tensors;

#define IN  3
#define HID 8
#define OUT 2
#define B   16

int main(int argc, char **argv)
{
  static const char *names[] = {"W1", "b1", "W2", "b2"};
  const size_t       sizes[] = {HID * IN, HID, OUT * HID, OUT};
  NNParamBuffer      buf;
  Tensors            p, g;
  nnreal           **pp[] = {&p.W1, &p.b1, &p.W2, &p.b2}, **gp[] = {&g.W1, &g.b1, &g.W2, &g.b2};
  nnreal            *x, *y, *h, *a, *o, *dh, *da, *dout, *W2, *gW2;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(20);
  PetscCall(nn_params_create(4, names, sizes, &buf));
  nn_params_point(&buf, buf.params, pp);
  nn_params_point(&buf, buf.grads, gp);
  PetscCall(nn_params_find(&buf, "W2", &W2, &gW2));
  gc_expect("count = sum of sizes", fabs((double)buf.count - (HID * IN + HID + OUT * HID + OUT)), 0);
  gc_expect("contiguous: b2 ends the buffer", fabs((double)(buf.params + buf.count - (p.b2 + OUT))), 0);
  gc_expect("find(W2) = the carved W2 and its gradient", (double)((W2 != p.W2) + (gW2 != g.W2) + (g.W2 - buf.grads != p.W2 - buf.params)), 0);

  PetscErrorCode ierr;
  NNParamBuffer  dup;
  const char    *dupnames[] = {"W", "W"};
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = nn_params_find(&buf, "W3", &W2, NULL);
  gc_expect("unknown name rejected (0 = yes)", ierr ? 0 : 1, 0);
  ierr = nn_params_create(2, dupnames, sizes, &dup);
  gc_expect("duplicate name rejected (0 = yes)", ierr ? 0 : 1, 0);
  PetscCall(PetscPopErrorHandler());

  /* fit the outputs of a random teacher of the same form but half the width */
  PetscCall(gc_random((size_t)B * IN, -1, 1, &x));
  PetscCall(PetscCalloc3((size_t)B * OUT, &y, (size_t)B * HID, &h, (size_t)B * HID, &a));
  PetscCall(PetscCalloc4((size_t)B * OUT, &o, (size_t)B * HID, &dh, (size_t)B * HID, &da, (size_t)B * OUT, &dout));
  for (size_t i = 0; i < buf.count; i++) buf.params[i] = (nnreal)gc_uniform(-1, 1);
  for (int k = 0; k < OUT * HID; k++)
    if (k % HID >= HID / 2) p.W2[k] = 0;
  nn_linear_forward(h, x, p.W1, p.b1, B, IN, HID);
  nn_relu_forward(a, h, (size_t)B * HID);
  nn_linear_forward(y, a, p.W2, p.b2, B, HID, OUT);
  for (size_t i = 0; i < buf.count; i++) buf.params[i] = (nnreal)gc_uniform(-1, 1);
  double mse = 0, mse0 = 0, lr = 0.02;
  for (int it = 0; it < 10000; it++) {
    nn_linear_forward(h, x, p.W1, p.b1, B, IN, HID);
    nn_relu_forward(a, h, (size_t)B * HID);
    nn_linear_forward(o, a, p.W2, p.b2, B, HID, OUT);
    mse = 0; /* L = 1/2B sum (o - y)^2 */
    for (int i = 0; i < B * OUT; i++) {
      mse += 0.5 * (o[i] - y[i]) * (o[i] - y[i]) / B;
      dout[i] = (o[i] - y[i]) / B;
    }
    if (it == 0) mse0 = mse;
    nn_params_zero_grad(&buf);
    PetscCall(PetscArrayzero(da, (size_t)B * HID));
    PetscCall(PetscArrayzero(dh, (size_t)B * HID));
    nn_linear_backward(da, g.W2, g.b2, dout, a, p.W2, B, HID, OUT);
    nn_relu_backward(dh, da, h, (size_t)B * HID);
    nn_linear_backward(NULL, g.W1, g.b1, dh, x, p.W1, B, IN, HID);
    PetscCall(nn_params_adamw_step(&buf, (nnreal)lr, (nnreal)0.9, (nnreal)0.999, (nnreal)1e-8, 0));
    lr *= 0.9997;
  }
  printf("two-layer fit through the buffer: loss %.3e -> %.3e in %d AdamW steps\n", mse0, mse, buf.step);
  gc_expect("fitted loss / initial loss", mse / mse0, 1e-10);

  PetscCall(PetscFree(x));
  PetscCall(PetscFree3(y, h, a));
  PetscCall(PetscFree4(o, dh, da, dout));
  PetscCall(nn_params_destroy(&buf));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
