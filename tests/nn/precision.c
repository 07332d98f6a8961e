/* The float32 layers against the double ones. This file is built twice:
   tests/bin/nn_precision_f32 (float, the library's objects) runs every layer on fixed
   inputs and writes the results to -file; tests/bin/nn_precision_f64 (-DGCVAE_NN_DOUBLE)
   runs the same and compares, per tensor, max |float - double| / max |double|.
   The inputs are float-representable, so both builds see the same numbers. */
#include <stdio.h>
#include <petscsys.h>
#include "gradcheck.h"

#define FLT_TOL 1e-5 /* float32 rounding (6e-8) times the depth of the sums here, with margin */

static FILE *fp;

/* f32: append x (N) to the file; f64: read the float results back and compare */
static PetscErrorCode emit(const char *name, const nnreal *x, size_t N)
{
  PetscFunctionBeginUser;
#if !defined(GCVAE_NN_DOUBLE)
  PetscCheck(fwrite(&N, sizeof(N), 1, fp) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write failed");
  for (size_t i = 0; i < N; i++) {
    double v = x[i];
    PetscCheck(fwrite(&v, sizeof(v), 1, fp) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write failed");
  }
  printf("  %-14s %5zu values written\n", name, N);
#else
  size_t Nf;
  double maxdiff = 0, maxabs = 0;
  PetscCheck(fread(&Nf, sizeof(Nf), 1, fp) == 1 && Nf == N, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: float results missing or of another size", name);
  for (size_t i = 0; i < N; i++) {
    double v;
    PetscCheck(fread(&v, sizeof(v), 1, fp) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: float results truncated", name);
    maxdiff = gc_max(maxdiff, fabs(v - x[i]));
    maxabs  = gc_max(maxabs, fabs(x[i]));
  }
  char what[64];
  PetscCall(PetscSNPrintf(what, sizeof(what), "%-14s (%zu): float vs double", name, N));
  gc_expect(what, maxdiff / maxabs, FLT_TOL);
#endif
  PetscFunctionReturn(0);
}

#define NV 7
static const PetscInt rowptr[NV + 1] = {0, 3, 8, 10, 13, 17, 20, 21};
static const PetscInt colind[]       = {0, 1, 3, 0, 1, 2, 4, 5, 1, 2, 0, 3, 4, 1, 3, 4, 5, 1, 4, 5, 6};

/* random tensor (N) in [lo, hi), freed by the caller */
#define RAND(x, N, lo, hi) PetscCall(gc_random((N), (lo), (hi), &(x)))

static PetscErrorCode dense_layers(void)
{
  enum { B = 8, C = 16, OC = 12, NA = 64 };
  nnreal *x, *W, *b, *y, *dy, *dx, *dW, *act, *mean, *rstd, *ln;

  PetscFunctionBeginUser;
  RAND(x, B * C, -1, 1);
  RAND(W, OC * C, -1, 1);
  RAND(b, OC, -1, 1);
  RAND(dy, B * OC, -1, 1);
  PetscCall(PetscCalloc6(B * OC, &y, B * C, &dx, OC * C, &dW, NA, &act, B * C, &ln, 2 * B, &mean));
  rstd = mean + B;
  nn_linear_forward(y, x, W, b, B, C, OC);
  PetscCall(emit("linear", y, B * OC));
  nn_linear_backward(dx, dW, NULL, dy, x, W, B, C, OC);
  PetscCall(emit("linear dinp", dx, B * C));
  PetscCall(emit("linear dweight", dW, OC * C));
  for (int i = 0; i < NA; i++) x[i] = (nnreal)gc_uniform(-3, 3);
  nn_relu_forward(act, x, NA);
  PetscCall(emit("relu", act, NA));
  nn_gelu_forward(act, x, NA);
  PetscCall(emit("gelu", act, NA));
  nn_layernorm_forward(ln, mean, rstd, x, W, b, B, C); /* first rows of W, b as gain, bias */
  PetscCall(emit("layernorm", ln, B * C));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(W));
  PetscCall(PetscFree(b));
  PetscCall(PetscFree(dy));
  PetscCall(PetscFree6(y, dx, dW, act, ln, mean));
  PetscFunctionReturn(0);
}

static PetscErrorCode graph_layers(void)
{
  enum { C = 4, E = 2, H = 2, D = 4, OC = H * D, NNZ = 21 };
  nnreal *h, *xe, *Ws, *Wt, *We, *a, *bias, *dout, *out, *T, *M, *alpha, *dh, *dWs, *pool;
  int     argmax[OC];

  PetscFunctionBeginUser;
  RAND(h, NV * C, -1, 1);
  RAND(xe, NNZ * E, -1, 1);
  RAND(Ws, OC * C, -1, 1);
  RAND(Wt, OC * C, -1, 1);
  RAND(We, OC * E, -1, 1);
  RAND(a, H * D, -1, 1);
  RAND(bias, OC, -1, 1);
  RAND(dout, NV * OC, -1, 1);
  PetscCall(PetscCalloc7(NV * OC, &out, NV * OC, &T, NNZ * OC, &M, NNZ * H, &alpha, NV * C, &dh, OC * C, &dWs, OC, &pool));
  nn_gatv2_forward(out, T, M, alpha, h, xe, Ws, Wt, We, a, bias, rowptr, colind, NV, C, E, H, D, (nnreal)NN_GATV2_SLOPE);
  PetscCall(emit("gatv2", out, NV * OC));
  PetscCall(emit("gatv2 alpha", alpha, NNZ * H));
  PetscCall(nn_gatv2_backward(dh, NULL, dWs, NULL, NULL, NULL, NULL, dout, h, xe, Ws, Wt, We, a, T, M, alpha, rowptr, colind, NV, C, E, H, D, (nnreal)NN_GATV2_SLOPE));
  PetscCall(emit("gatv2 dh", dh, NV * C));
  PetscCall(emit("gatv2 dWs", dWs, OC * C));
  nn_graphpool_mean_forward(pool, out, NV, OC);
  PetscCall(emit("graphpool mean", pool, OC));
  nn_graphpool_max_forward(pool, argmax, out, NV, OC);
  PetscCall(emit("graphpool max", pool, OC));
  PetscCall(PetscFree(h));
  PetscCall(PetscFree(xe));
  PetscCall(PetscFree(Ws));
  PetscCall(PetscFree(Wt));
  PetscCall(PetscFree(We));
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(bias));
  PetscCall(PetscFree(dout));
  PetscCall(PetscFree7(out, T, M, alpha, dh, dWs, pool));
  PetscFunctionReturn(0);
}

static PetscErrorCode image_layers(void)
{
  enum { B = 2, C = 3, HW = 9, OC = 4, K = 3, S = 2, P = 1 };
  const int OHW = nn_conv2d_out_size(HW, K, S, P), THW = nn_convt2d_out_size(OHW, K, S, P, 0);
  nnreal   *x, *w, *b, *dy, *y, *xt, *dx, *dw;

  PetscFunctionBeginUser;
  RAND(x, B * C * HW * HW, -1, 1);
  RAND(w, OC * C * K * K, -1, 1);
  RAND(b, OC, -1, 1);
  RAND(dy, B * OC * OHW * OHW, -1, 1);
  PetscCall(PetscCalloc4(B * OC * OHW * OHW, &y, B * C * THW * THW, &xt, B * C * HW * HW, &dx, OC * C * K * K, &dw));
  PetscCall(nn_conv2d_forward(y, x, w, b, B, C, HW, HW, OC, K, S, P));
  PetscCall(emit("conv2d", y, B * OC * OHW * OHW));
  PetscCall(nn_conv2d_backward(dx, dw, NULL, dy, x, w, B, C, HW, HW, OC, K, S, P));
  PetscCall(emit("conv2d dinp", dx, B * C * HW * HW));
  PetscCall(emit("conv2d dweight", dw, OC * C * K * K));
  PetscCall(nn_convt2d_forward(xt, y, w, NULL, B, OC, OHW, OHW, C, K, S, P, 0));
  PetscCall(emit("convt2d", xt, B * C * THW * THW));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree(w));
  PetscCall(PetscFree(b));
  PetscCall(PetscFree(dy));
  PetscCall(PetscFree4(y, xt, dx, dw));
  PetscFunctionReturn(0);
}

static PetscErrorCode latent_and_optimiser(void)
{
  enum { N = 24 };
  nnreal *mu, *lv, *eps, *g, z[N], m[N] = {0}, v[N] = {0}, kl;

  PetscFunctionBeginUser;
  RAND(mu, N, -1, 1);
  RAND(lv, N, -2, 1);
  RAND(eps, N, -2, 2);
  RAND(g, N, -1, 1);
  nn_reparam_forward(z, mu, lv, eps, N);
  PetscCall(emit("reparam", z, N));
  kl = (nnreal)nn_kl_forward(mu, lv, N);
  PetscCall(emit("kl", &kl, 1));
  for (int t = 1; t <= 3; t++) PetscCall(nn_adamw_update(mu, g, m, v, N, (nnreal)1e-2, (nnreal)0.9, (nnreal)0.999, (nnreal)1e-8, (nnreal)0.01, t));
  PetscCall(emit("adamw", mu, N));
  PetscCall(PetscFree(mu));
  PetscCall(PetscFree(lv));
  PetscCall(PetscFree(eps));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char file[PETSC_MAX_PATH_LEN] = "tests/out/nn_precision.bin";

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
#if !defined(GCVAE_NN_DOUBLE)
  printf("float32 layers -> %s\n", file);
  fp = fopen(file, "wb");
#else
  printf("double layers vs the float32 results in %s (max |f - d| / max |d|)\n", file);
  fp = fopen(file, "rb");
#endif
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open %s", file);
  gc_seed(21);
  PetscCall(dense_layers());
  PetscCall(graph_layers());
  PetscCall(image_layers());
  PetscCall(latent_and_optimiser());
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot close %s", file);
  PetscCall(PetscFinalize());
  return gc_failures() ? 1 : 0;
}
