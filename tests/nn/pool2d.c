/* Gradient checks of 2D average and max pooling (with overlapping windows too). */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  int     max, B, C, H, W, K, S, OH, OW;
  nnreal *inp, *out, *dout;
  int    *argmax;
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  if (c->max) nn_maxpool2d_forward(c->out, c->argmax, c->inp, c->B, c->C, c->H, c->W, c->K, c->S);
  else nn_avgpool2d_forward(c->out, c->inp, c->B, c->C, c->H, c->W, c->K, c->S);
  return gc_dot(c->dout, c->out, (size_t)c->B * c->C * c->OH * c->OW);
}

int main(int argc, char **argv)
{
  Ctx cases[] = {
    {.max = 0, .B = 2, .C = 2, .H = 7, .W = 6, .K = 2, .S = 2},
    {.max = 0, .B = 1, .C = 2, .H = 7, .W = 7, .K = 3, .S = 2},
    {.max = 1, .B = 2, .C = 2, .H = 7, .W = 6, .K = 2, .S = 2},
    {.max = 1, .B = 1, .C = 2, .H = 7, .W = 7, .K = 3, .S = 2},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(16);
  for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
    Ctx   *c  = &cases[t];
    nnreal *dinp;
    c->OH     = (c->H - c->K) / c->S + 1;
    c->OW     = (c->W - c->K) / c->S + 1;
    size_t ni = (size_t)c->B * c->C * c->H * c->W, no = (size_t)c->B * c->C * c->OH * c->OW;
    printf("%s B=%d C=%d %dx%d -> %dx%d, K=%d S=%d\n", c->max ? "maxpool2d" : "avgpool2d", c->B, c->C, c->H, c->W, c->OH, c->OW, c->K, c->S);
    PetscCall(gc_random(ni, -1, 1, &c->inp));
    PetscCall(gc_random(no, -1, 1, &c->dout));
    PetscCall(PetscMalloc2(no, &c->out, no, &c->argmax));
    PetscCall(gc_grad(ni, &dinp));
    loss(c);
    if (c->max) nn_maxpool2d_backward(dinp, c->dout, c->argmax, c->B, c->C, c->H, c->W, c->K, c->S);
    else nn_avgpool2d_backward(dinp, c->dout, c->B, c->C, c->H, c->W, c->K, c->S);
    gc_check("inp", c->inp, ni, dinp, loss, c);
    if (c->max) { /* each output is the largest value of its window */
      double err = 0;
      for (int bc = 0; bc < c->B * c->C; bc++)
        for (int oy = 0; oy < c->OH; oy++)
          for (int ox = 0; ox < c->OW; ox++)
            for (int ky = 0; ky < c->K; ky++)
              for (int kx = 0; kx < c->K; kx++)
                err = gc_max(err, c->inp[(bc * c->H + oy * c->S + ky) * c->W + ox * c->S + kx] - c->out[(bc * c->OH + oy) * c->OW + ox]);
      gc_expect("max over window: max(inp - out)", err, 0);
    }
    PetscCall(PetscFree(c->inp));
    PetscCall(PetscFree(c->dout));
    PetscCall(PetscFree2(c->out, c->argmax));
    PetscCall(PetscFree(dinp));
  }
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
