/* Gradient check of nn_gatv2 (2 heads, edge features) on a 7-node directed CSR graph
   with self loops and irregular degrees, node 6 having only its self loop; and the
   CSR softmax: rows sum to 1, invariant to a shift per row, stable for large scores. */
#include <petscsys.h>
#include "gradcheck.h"

#define NV 7
static const PetscInt rowptr[NV + 1] = {0, 3, 8, 10, 13, 17, 20, 21};
static const PetscInt colind[]       = {0, 1, 3, /**/ 0, 1, 2, 4, 5, /**/ 1, 2, /**/ 0, 3, 4, /**/ 1, 3, 4, 5, /**/ 1, 4, 5, /**/ 6};

typedef struct {
  int     n, C, E, H, D, nnz;
  nnreal  slope;
  nnreal *h, *xe, *Ws, *Wt, *We, *a, *bias;  /* inputs and parameters */
  nnreal *out, *T, *M, *alpha, *dout;       /* outputs, saved, upstream gradient */
} Ctx;

static double loss(void *ctx)
{
  Ctx *c = ctx;
  nn_gatv2_forward(c->out, c->T, c->M, c->alpha, c->h, c->xe, c->Ws, c->Wt, c->We, c->a, c->bias, rowptr, colind, c->n, c->C, c->E, c->H, c->D, c->slope);
  return gc_dot(c->dout, c->out, (size_t)c->n * c->H * c->D);
}

/* softmax alone: L = <dalpha, softmax(e)> */
typedef struct {
  nnreal *e, *alpha, *dalpha;
  int     nnz, H;
} SoftCtx;

static double softloss(void *ctx)
{
  SoftCtx *s = ctx;
  nn_csr_softmax_forward(s->alpha, s->e, rowptr, NV, s->H);
  return gc_dot(s->dalpha, s->alpha, (size_t)s->nnz * s->H);
}

int main(int argc, char **argv)
{
  Ctx     c = {.n = NV, .C = 3, .E = 2, .H = 2, .D = 3, .nnz = rowptr[NV], .slope = (nnreal)NN_GATV2_SLOPE};
  int     OC = c.H * c.D;
  nnreal *dh, *dxe, *dWs, *dWt, *dWe, *da, *dbias;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  gc_seed(14);
  PetscCall(gc_random((size_t)c.n * c.C, -1, 1, &c.h));
  PetscCall(gc_random((size_t)c.nnz * c.E, -1, 1, &c.xe));
  PetscCall(gc_random((size_t)OC * c.C, -1, 1, &c.Ws));
  PetscCall(gc_random((size_t)OC * c.C, -1, 1, &c.Wt));
  PetscCall(gc_random((size_t)OC * c.E, -1, 1, &c.We));
  PetscCall(gc_random((size_t)c.H * c.D, -1.5, 1.5, &c.a));
  PetscCall(gc_random(OC, -1, 1, &c.bias));
  PetscCall(gc_random((size_t)c.n * OC, -1, 1, &c.dout));
  PetscCall(PetscMalloc4((size_t)c.n * OC, &c.out, (size_t)c.n * OC, &c.T, (size_t)c.nnz * OC, &c.M, (size_t)c.nnz * c.H, &c.alpha));
  PetscCall(gc_grad((size_t)c.n * c.C, &dh));
  PetscCall(gc_grad((size_t)c.nnz * c.E, &dxe));
  PetscCall(gc_grad((size_t)OC * c.C, &dWs));
  PetscCall(gc_grad((size_t)OC * c.C, &dWt));
  PetscCall(gc_grad((size_t)OC * c.E, &dWe));
  PetscCall(gc_grad((size_t)c.H * c.D, &da));
  PetscCall(gc_grad(OC, &dbias));

  printf("gatv2 n=%d nnz=%d C=%d E=%d heads=%d x %d\n", c.n, c.nnz, c.C, c.E, c.H, c.D);
  loss(&c);
  PetscCall(nn_gatv2_backward(dh, dxe, dWs, dWt, dWe, da, dbias, c.dout, c.h, c.xe, c.Ws, c.Wt, c.We, c.a, c.T, c.M, c.alpha, rowptr, colind, c.n, c.C, c.E, c.H, c.D, c.slope));
  gc_check("h", c.h, (size_t)c.n * c.C, dh, loss, &c);
  gc_check("xe", c.xe, (size_t)c.nnz * c.E, dxe, loss, &c);
  gc_check("Ws", c.Ws, (size_t)OC * c.C, dWs, loss, &c);
  gc_check("Wt", c.Wt, (size_t)OC * c.C, dWt, loss, &c);
  gc_check("We", c.We, (size_t)OC * c.E, dWe, loss, &c);
  gc_check("a", c.a, (size_t)c.H * c.D, da, loss, &c);
  gc_check("bias", c.bias, OC, dbias, loss, &c);

  /* attention weights: rows sum to 1; the lone node attends to itself only */
  double err = 0, spread = 0;
  loss(&c);
  for (int i = 0; i < c.n; i++)
    for (int hd = 0; hd < c.H; hd++) {
      double s = 0, lo = 1, hi = 0;
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
        s += c.alpha[k * c.H + hd];
        lo = fmin(lo, c.alpha[k * c.H + hd]);
        hi = gc_max(hi, c.alpha[k * c.H + hd]);
      }
      err    = gc_max(err, fabs(s - 1));
      spread = gc_max(spread, hi - lo);
    }
  gc_expect("|sum_j alpha_ij - 1|", err, 1e-14);
  gc_expect_min("attention not uniform: max spread in a row", spread, 0.05);
  err = 0;
  for (int o = 0; o < OC; o++) err = gc_max(err, fabs((double)c.out[6 * OC + o] - c.T[6 * OC + o] - c.bias[o]));
  gc_expect("self-loop-only node: |out - Wt h - b|", err, 1e-14);

  /* CSR softmax on its own: gradient, shift invariance per row, large scores */
  SoftCtx s = {.nnz = c.nnz, .H = c.H};
  nnreal *de, *alpha2;
  PetscCall(gc_random((size_t)s.nnz * s.H, -3, 3, &s.e));
  PetscCall(gc_random((size_t)s.nnz * s.H, -1, 1, &s.dalpha));
  PetscCall(PetscMalloc2((size_t)s.nnz * s.H, &s.alpha, (size_t)s.nnz * s.H, &alpha2));
  PetscCall(gc_grad((size_t)s.nnz * s.H, &de));
  printf("csr softmax nnz=%d heads=%d\n", s.nnz, s.H);
  softloss(&s);
  nn_csr_softmax_backward(de, s.dalpha, s.alpha, rowptr, NV, s.H);
  gc_check("e", s.e, (size_t)s.nnz * s.H, de, softloss, &s);
  for (int i = 0; i < NV; i++)
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++)
      for (int hd = 0; hd < s.H; hd++) s.e[k * s.H + hd] += (nnreal)(1000 * (i + 1) * (hd ? -1 : 1)); /* exp overflows unshifted */
  nn_csr_softmax_forward(alpha2, s.e, rowptr, NV, s.H);
  err = 0;
  for (int k = 0; k < s.nnz * s.H; k++) err = gc_max(err, fabs((double)alpha2[k] - s.alpha[k])); /* NaN fails below */
  gc_expect("shift by +-1000 i per row: max |d alpha|", err, 1e-10);

  PetscCall(PetscFree(s.e));
  PetscCall(PetscFree(s.dalpha));
  PetscCall(PetscFree2(s.alpha, alpha2));
  PetscCall(PetscFree(de));
  PetscCall(PetscFree(c.h));
  PetscCall(PetscFree(c.xe));
  PetscCall(PetscFree(c.Ws));
  PetscCall(PetscFree(c.Wt));
  PetscCall(PetscFree(c.We));
  PetscCall(PetscFree(c.a));
  PetscCall(PetscFree(c.bias));
  PetscCall(PetscFree(c.dout));
  PetscCall(PetscFree4(c.out, c.T, c.M, c.alpha));
  PetscCall(PetscFree(dh));
  PetscCall(PetscFree(dxe));
  PetscCall(PetscFree(dWs));
  PetscCall(PetscFree(dWt));
  PetscCall(PetscFree(dWe));
  PetscCall(PetscFree(da));
  PetscCall(PetscFree(dbias));
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
