/* Gradient checks of nn_conv2d and nn_convt2d (im2col + GEMM), and the adjoint
   identity <conv(x), y> = <x, convT(y)> with shared weights and no bias. */
#include <petscsys.h>
#include "gradcheck.h"

typedef struct {
  int     transposed, B, C, H, W, OC, K, stride, pad, outpad, OH, OW;
  nnreal *inp, *w, *b, *out, *dout;
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  if (c->transposed) PetscCallAbort(PETSC_COMM_SELF, nn_convt2d_forward(c->out, c->inp, c->w, c->b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
  else PetscCallAbort(PETSC_COMM_SELF, nn_conv2d_forward(c->out, c->inp, c->w, c->b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
  return gc_dot(c->dout, c->out, (size_t)c->B * c->OC * c->OH * c->OW);
}

static PetscErrorCode check(Ctx *c)
{
  size_t  ni = (size_t)c->B * c->C * c->H * c->W, nw = (size_t)c->OC * c->C * c->K * c->K, no;
  nnreal *dinp, *dw, *db;

  PetscFunctionBeginUser;
  c->OH = c->transposed ? nn_convt2d_out_size(c->H, c->K, c->stride, c->pad, c->outpad) : nn_conv2d_out_size(c->H, c->K, c->stride, c->pad);
  c->OW = c->transposed ? nn_convt2d_out_size(c->W, c->K, c->stride, c->pad, c->outpad) : nn_conv2d_out_size(c->W, c->K, c->stride, c->pad);
  no    = (size_t)c->B * c->OC * c->OH * c->OW;
  printf("%s B=%d C=%d %dx%d -> OC=%d %dx%d, K=%d stride=%d pad=%d outpad=%d\n", c->transposed ? "convt2d" : "conv2d", c->B, c->C, c->H, c->W, c->OC, c->OH, c->OW, c->K, c->stride, c->pad, c->outpad);
  PetscCall(gc_random(ni, -1, 1, &c->inp));
  PetscCall(gc_random(nw, -1, 1, &c->w));
  PetscCall(gc_random(c->OC, -1, 1, &c->b));
  PetscCall(gc_random(no, -1, 1, &c->dout));
  PetscCall(PetscMalloc1(no, &c->out));
  PetscCall(gc_grad(ni, &dinp));
  PetscCall(gc_grad(nw, &dw));
  PetscCall(gc_grad(c->OC, &db));
  loss(c);
  if (c->transposed) PetscCall(nn_convt2d_backward(dinp, dw, db, c->dout, c->inp, c->w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
  else PetscCall(nn_conv2d_backward(dinp, dw, db, c->dout, c->inp, c->w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
  gc_check("inp", c->inp, ni, dinp, loss, c);
  gc_check("weight", c->w, nw, dw, loss, c);
  gc_check("bias", c->b, c->OC, db, loss, c);
  PetscCall(PetscFree(c->inp));
  PetscCall(PetscFree(c->w));
  PetscCall(PetscFree(c->b));
  PetscCall(PetscFree(c->dout));
  PetscCall(PetscFree(c->out));
  PetscCall(PetscFree(dinp));
  PetscCall(PetscFree(dw));
  PetscCall(PetscFree(db));
  PetscFunctionReturn(0);
}

/* conv: (B, C, H, W) -> (B, OC, OH, OW); convT with C and OC swapped maps back to H x W */
static PetscErrorCode adjoint(int B, int C, int H, int W, int OC, int K, int stride, int pad)
{
  int     OH = nn_conv2d_out_size(H, K, stride, pad), OW = nn_conv2d_out_size(W, K, stride, pad);
  int     outpad = H + 2 * pad - K - (OH - 1) * stride;
  size_t  nx = (size_t)B * C * H * W, ny = (size_t)B * OC * OH * OW;
  nnreal *x, *y, *w, *Ax, *ATy;

  PetscFunctionBeginUser;
  PetscCheck(outpad == W + 2 * pad - K - (OW - 1) * stride, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "pick H, W with the same output padding");
  PetscCall(gc_random(nx, -1, 1, &x));
  PetscCall(gc_random(ny, -1, 1, &y));
  PetscCall(gc_random((size_t)OC * C * K * K, -1, 1, &w));
  PetscCall(PetscMalloc2(ny, &Ax, nx, &ATy));
  PetscCall(nn_conv2d_forward(Ax, x, w, NULL, B, C, H, W, OC, K, stride, pad));
  PetscCall(nn_convt2d_forward(ATy, y, w, NULL, B, OC, OH, OW, C, K, stride, pad, outpad));
  double lhs = gc_dot(Ax, y, ny), rhs = gc_dot(x, ATy, nx);
  printf("adjoint %dx%d K=%d stride=%d pad=%d outpad=%d: <conv x, y> = %.15g\n", H, W, K, stride, pad, outpad, lhs);
  gc_expect("|<conv x, y> - <x, convT y>| / |<conv x, y>|", fabs(lhs - rhs) / fabs(lhs), 1e-13);
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(y));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree2(Ax, ATy));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Ctx conv[] = {
    {.B = 2, .C = 3, .H = 7, .W = 6, .OC = 4, .K = 3, .stride = 2, .pad = 1},
    {.B = 1, .C = 2, .H = 5, .W = 4, .OC = 3, .K = 2, .stride = 1, .pad = 0},
    {.transposed = 1, .B = 2, .C = 3, .H = 4, .W = 3, .OC = 2, .K = 3, .stride = 2, .pad = 1, .outpad = 1},
    {.transposed = 1, .B = 1, .C = 2, .H = 3, .W = 3, .OC = 3, .K = 4, .stride = 2, .pad = 1, .outpad = 0},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(15);
  for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) PetscCall(check(&conv[i]));
  PetscCall(adjoint(2, 3, 8, 6, 4, 3, 2, 1));
  PetscCall(adjoint(1, 2, 7, 5, 3, 3, 2, 1));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
