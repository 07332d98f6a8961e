static char help[] = "The CUDA backend against the CPU reference (src/cuda/ vs src/nn/, src/model.c, PETSc MatMult).\n"
                     "  -test layers                      every device layer vs its CPU layer (random data)\n"
                     "  -test forward  -model F -mesh M   the whole network: GCVAECudaModelForward vs GCVAEModelForward\n"
                     "  -test factor   -model F -mesh M   cuSPARSE R, R^T and R R^T x vs MatMult\n"
                     "  -test generate -model F -mesh M   R from the device vs the CPU's, CG iterations (PCGCVAE cpu vs cuda)\n"
                     "  -test bench    -model F -grids 128,512,1024 -its N   apply time per iteration, CPU vs CUDA\n"
                     "  -test nodevice -model F -mesh M   without a device (or a CUDA build), -pc_gcvae_device cuda errors clearly\n"
                     "  -test cudnn_conv                  cuDNN conv2d / transposed conv2d forward and backward vs src/nn/conv2d.c\n"
                     "  -test device                      prints the device, or SKIP (a guard for scripts)\n"
                     "  -test convhook                    (no device needed) src/nn/conv2d.c's backend hook routes and restores\n"
                     "GPU modes print 'SKIP: ...' and exit 77 when there is no device or no CUDA build.\n";

/* Tolerances (float32 network; the GEMMs sum in another order on the device than OpenBLAS):
     layers   max |gpu - cpu| <= 1e-5 max(1, max |cpu|)          (one layer)
     forward  max |r_gpu - r_cpu| <= 1e-4 max(1, max |r_cpu|)   (4-6 layers with LayerNorm)
     factor   ||y_gpu - y_cpu||_inf <= 1e-12 ||y_cpu||_inf       (double SpMV)
     generate R values as forward; CG iterations equal within 1
     cudnn_conv  max |gpu - cpu| <= 1e-4 max(1, max |cpu|)     (one conv layer, forward or a gradient) */
#include <gcvae_cuda.h>
#include <pcgcvae.h>
#include "../training/family.h"

#define TOL_LAYER   1e-5
#define TOL_FORWARD 1e-4
#define TOL_FACTOR  1e-12
#define TOL_CONV    1e-4 /* cuDNN conv layers: max |gpu - cpu| <= 1e-4 max(1, max |cpu|) */
#define SKIP_RC     77

static PetscInt failures;

/* Prints the skip line and returns PETSC_TRUE when the GPU modes cannot run here. */
static PetscErrorCode NeedDevice(PetscBool *skip)
{
  PetscBool compiled;
  int       ndev;
  char      why[256];

  PetscFunctionBeginUser;
  PetscCall(GCVAECudaAvailable(&compiled, &ndev, why, sizeof(why)));
  *skip = PETSC_TRUE;
  if (!compiled) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "SKIP: %s: no GPU test was run\n", why));
  else if (!ndev) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "SKIP: no CUDA device (%s)\n", why));
  else *skip = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode Check(const char what[], double err, double scale, double tol)
{
  const PetscBool ok = (PetscBool)(err <= tol * scale && err == err);

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s %-28s max err %.3e (tolerance %.1e x %.3g)\n", ok ? "ok  " : "FAIL", what, err, tol, scale));
  if (!ok) failures++;
  PetscFunctionReturn(0);
}

/* max |a - b| and max(1, max |b|) over N floats */
static void Compare(const float *a, const float *b, size_t N, double *err, double *scale)
{
  *err   = 0;
  *scale = 1;
  for (size_t i = 0; i < N; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!(d <= *err)) *err = d; /* NaN wins */
    *scale = PetscMax(*scale, fabs((double)b[i]));
  }
}

/* ---- device buffers for the layer tests ---------------------------------- */

static PetscErrorCode Upload(const void *h, size_t bytes, void **d)
{
  PetscFunctionBeginUser;
  PetscCall(GCVAECudaMalloc(bytes ? bytes : 1, d));
  PetscCall(GCVAECudaCopyToDevice(*d, h, bytes));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareDevice(const char what[], const float *dgpu, const float *cpu, size_t N, double tol)
{
  float *g;
  double err, scale;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N ? N : 1, &g));
  PetscCall(GCVAECudaCopyToHost(g, dgpu, N * sizeof(float)));
  Compare(g, cpu, N, &err, &scale);
  PetscCall(Check(what, err, scale, tol));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

static void Fill(PetscRandom rnd, float *x, size_t N, double lo, double hi)
{
  for (size_t i = 0; i < N; i++) {
    PetscReal u;
    PetscRandomGetValueReal(rnd, &u);
    x[i] = (float)(lo + (hi - lo) * u);
  }
}

/* Every device layer on random data against its CPU reference. */
static PetscErrorCode TestLayers(void)
{
  const int   n = 700, C = 32, H = 2, D = C / H, E = GCVAE_EDGE_FEATURES, B = 1500, OC = 24;
  PetscRandom rnd;
  PetscInt   *rowptr, *colind;
  int        *erow, nnz = 0;

  PetscFunctionBeginUser;
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 8, &rnd));
  /* a random graph with self loops, sorted rows of 1 to 9 entries */
  PetscCall(PetscMalloc2(n + 1, &rowptr, 10 * n, &colind));
  rowptr[0] = 0;
  for (int i = 0; i < n; i++) {
    PetscReal u;
    int       deg;
    PetscCall(PetscRandomGetValueReal(rnd, &u));
    deg = 1 + (int)(8 * u);
    colind[nnz++] = i;
    for (int t = 1; t < deg; t++) {
      PetscCall(PetscRandomGetValueReal(rnd, &u));
      colind[nnz++] = (int)(u * n);
    }
    PetscCall(PetscSortRemoveDupsInt(&deg, colind + rowptr[i])); /* deg: the entries kept */
    nnz           = (int)rowptr[i] + deg;
    rowptr[i + 1] = nnz;
  }
  PetscCall(PetscMalloc1(nnz, &erow));
  for (int i = 0; i < n; i++)
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) erow[k] = i;
  {
    const size_t NB = (size_t)B * C;
    float *x, *y, *W, *b, *ref, *g, *be, *h, *xe, *Ws, *Wt, *We, *a, *bias, *out, *T, *M, *alpha, *mean, *rstd;
    void  *dx, *dy, *dW, *db, *dout, *dg, *dbe, *dh, *dxe, *dWs, *dWt, *dWe, *da, *dbias, *dT, *dM, *dalpha, *drow, *dcol, *derow;

    PetscCall(PetscMalloc5(NB, &x, NB, &y, (size_t)OC * C, &W, OC, &b, NB, &ref));
    PetscCall(PetscMalloc4(C, &g, C, &be, B, &mean, B, &rstd));
    PetscCall(PetscMalloc5((size_t)n * C, &h, (size_t)nnz * E, &xe, (size_t)C * C, &Ws, (size_t)C * C, &Wt, (size_t)C * E, &We));
    PetscCall(PetscMalloc6(C, &a, C, &bias, (size_t)n * C, &out, (size_t)n * C, &T, (size_t)nnz * C, &M, (size_t)nnz * H, &alpha));
    Fill(rnd, x, NB, -3, 3);
    Fill(rnd, y, NB, -1, 1);
    Fill(rnd, W, (size_t)OC * C, -0.5, 0.5);
    Fill(rnd, b, OC, -1, 1);
    Fill(rnd, g, C, 0.5, 1.5);
    Fill(rnd, be, C, -0.5, 0.5);
    PetscCall(Upload(x, NB * sizeof(float), &dx));
    PetscCall(Upload(y, NB * sizeof(float), &dy));
    PetscCall(Upload(W, (size_t)OC * C * sizeof(float), &dW));
    PetscCall(Upload(b, OC * sizeof(float), &db));
    PetscCall(Upload(g, C * sizeof(float), &dg));
    PetscCall(Upload(be, C * sizeof(float), &dbe));
    PetscCall(GCVAECudaMalloc(NB * sizeof(float), &dout));

    nn_linear_forward(ref, x, W, b, B, C, OC); /* linear, with and without bias */
    PetscCall(GCVAECudaLinear(dout, dx, dW, db, B, C, OC));
    PetscCall(CompareDevice("linear (cuBLAS sgemm)", dout, ref, (size_t)B * OC, TOL_LAYER));
    nn_linear_forward(ref, x, W, NULL, B, C, OC);
    PetscCall(GCVAECudaLinear(dout, dx, dW, NULL, B, C, OC));
    PetscCall(CompareDevice("linear, no bias", dout, ref, (size_t)B * OC, TOL_LAYER));
    nn_gelu_forward(ref, x, NB);
    PetscCall(GCVAECudaGelu(dout, dx, NB));
    PetscCall(CompareDevice("gelu", dout, ref, NB, TOL_LAYER));
    for (size_t i = 0; i < NB; i++) ref[i] = y[i] + x[i];
    PetscCall(GCVAECudaCopyToDevice(dout, y, NB * sizeof(float)));
    PetscCall(GCVAECudaAdd(dout, dx, NB));
    PetscCall(CompareDevice("add", dout, ref, NB, TOL_LAYER));
    nn_layernorm_forward(ref, mean, rstd, x, g, be, B, C);
    PetscCall(GCVAECudaLayerNorm(dout, dx, dg, dbe, B, C));
    PetscCall(CompareDevice("layernorm", dout, ref, NB, TOL_LAYER));

    /* GATv2 with bias: out, and the saved T, M, alpha */
    Fill(rnd, h, (size_t)n * C, -2, 2);
    Fill(rnd, xe, (size_t)nnz * E, -1, 1);
    Fill(rnd, Ws, (size_t)C * C, -0.3, 0.3);
    Fill(rnd, Wt, (size_t)C * C, -0.3, 0.3);
    Fill(rnd, We, (size_t)C * E, -0.5, 0.5);
    Fill(rnd, a, C, -0.5, 0.5);
    Fill(rnd, bias, C, -0.5, 0.5);
    PetscCall(Upload(h, (size_t)n * C * sizeof(float), &dh));
    PetscCall(Upload(xe, (size_t)nnz * E * sizeof(float), &dxe));
    PetscCall(Upload(Ws, (size_t)C * C * sizeof(float), &dWs));
    PetscCall(Upload(Wt, (size_t)C * C * sizeof(float), &dWt));
    PetscCall(Upload(We, (size_t)C * E * sizeof(float), &dWe));
    PetscCall(Upload(a, C * sizeof(float), &da));
    PetscCall(Upload(bias, C * sizeof(float), &dbias));
    PetscCall(Upload(rowptr, (n + 1) * sizeof(int), &drow));
    PetscCall(Upload(colind, nnz * sizeof(int), &dcol));
    PetscCall(Upload(erow, nnz * sizeof(int), &derow));
    PetscCall(GCVAECudaMalloc((size_t)n * C * sizeof(float), &dT));
    PetscCall(GCVAECudaMalloc((size_t)nnz * C * sizeof(float), &dM));
    PetscCall(GCVAECudaMalloc((size_t)nnz * H * sizeof(float), &dalpha));
    nn_gatv2_forward(out, T, M, alpha, h, xe, Ws, Wt, We, a, bias, rowptr, colind, n, C, E, H, D, (float)NN_GATV2_SLOPE);
    PetscCall(GCVAECudaGATv2(dout, dT, dM, dalpha, dh, dxe, dWs, dWt, dWe, da, dbias, drow, dcol, derow, n, C, E, H, D, (float)NN_GATV2_SLOPE));
    PetscCall(CompareDevice("gatv2 out", dout, out, (size_t)n * C, TOL_LAYER));
    PetscCall(CompareDevice("gatv2 T = h Wt^T", dT, T, (size_t)n * C, TOL_LAYER));
    PetscCall(CompareDevice("gatv2 M (edge messages)", dM, M, (size_t)nnz * C, TOL_LAYER));
    PetscCall(CompareDevice("gatv2 alpha (softmax)", dalpha, alpha, (size_t)nnz * H, TOL_LAYER));

    /* gather rows of h by colind into columns [5, 5 + C) of rows of length C + 9 */
    {
      const int ldo = C + 9;
      float    *gat;
      void     *dgat;
      PetscCall(PetscCalloc1((size_t)nnz * ldo, &gat));
      for (int e = 0; e < nnz; e++)
        for (int c = 0; c < C; c++) gat[(size_t)e * ldo + 5 + c] = h[(size_t)colind[e] * C + c];
      PetscCall(GCVAECudaMalloc((size_t)nnz * ldo * sizeof(float), &dgat));
      {
        float *zero;
        PetscCall(PetscCalloc1((size_t)nnz * ldo, &zero));
        PetscCall(GCVAECudaCopyToDevice(dgat, zero, (size_t)nnz * ldo * sizeof(float)));
        PetscCall(PetscFree(zero));
      }
      PetscCall(GCVAECudaGatherRows(dgat, ldo, 5, dh, dcol, nnz, C));
      PetscCall(CompareDevice("gather rows", dgat, gat, (size_t)nnz * ldo, 0));
      /* row sums of M (nnz, C) over the graph's rows, in order */
      for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
          float s = 0;
          for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) s += M[(size_t)k * C + c];
          out[(size_t)i * C + c] = s;
        }
      PetscCall(GCVAECudaCopyToDevice(dM, M, (size_t)nnz * C * sizeof(float)));
      PetscCall(GCVAECudaRowSum(dout, dM, drow, n, C));
      PetscCall(CompareDevice("row sums (edge -> node)", dout, out, (size_t)n * C, 0));
      PetscCall(GCVAECudaFree(dgat));
      PetscCall(PetscFree(gat));
    }
    {
      void *all[] = {dx, dy, dW, db, dout, dg, dbe, dh, dxe, dWs, dWt, dWe, da, dbias, dT, dM, dalpha, drow, dcol, derow};
      for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) PetscCall(GCVAECudaFree(all[i]));
    }
    PetscCall(PetscFree5(x, y, W, b, ref));
    PetscCall(PetscFree4(g, be, mean, rstd));
    PetscCall(PetscFree5(h, xe, Ws, Wt, We));
    PetscCall(PetscFree6(a, bias, out, T, M, alpha));
  }
  PetscCall(PetscFree(erow));
  PetscCall(PetscFree2(rowptr, colind));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

/* ---- matrices ---------------------------------------------------------------- */

/* The 5-point Laplacian on an m x m grid with a smooth coefficient of contrast ~1e2 (any size, fast) */
static PetscErrorCode GridMatrix(PetscInt m, Mat *A)
{
  const PetscInt n = m * m;
  const double   h = 1.0 / (m + 1);

  PetscFunctionBeginUser;
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, n, n, 5, NULL, A));
  for (PetscInt i = 0; i < m; i++)
    for (PetscInt j = 0; j < m; j++) {
      const PetscInt row = i * m + j;
      PetscInt       cols[5], nc = 0;
      PetscScalar    v[5], diag = 0;
#define COEF(X, Y) exp(4.6 * (X) * (Y)) /* f = e^{4.6 x y}: 1 to 100 */
      const double x = (i + 1) * h, y = (j + 1) * h;
      const double fw = COEF(x - h / 2, y), fe = COEF(x + h / 2, y), fs = COEF(x, y - h / 2), fn = COEF(x, y + h / 2);
#undef COEF
      if (i > 0) { cols[nc] = row - m; v[nc++] = -fw; }
      if (j > 0) { cols[nc] = row - 1; v[nc++] = -fs; }
      diag = fw + fe + fs + fn;
      cols[nc] = row;
      v[nc++]  = diag;
      if (j < m - 1) { cols[nc] = row + 1; v[nc++] = -fn; }
      if (i < m - 1) { cols[nc] = row + m; v[nc++] = -fe; }
      PetscCall(MatSetValues(*A, 1, &row, nc, cols, v, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* ---- whole network and factor ----------------------------------------------- */

static PetscErrorCode TestForward(const char model_file[], const char mesh[])
{
  GCVAEModel        model;
  GCVAEModelHeader *hdr;
  Mat               A, At, M;
  Vec               d;
  GCVAEInput        in;
  PetscInt          n, mnnz;
  nnreal           *rc, *rg, *eps;
  double            err, scale;
  char              what[64];

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, model_file, &model));
  PetscCall(GCVAEModelGetHeader(model, &hdr));
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_WORLD, mesh, 0, 3, 1e3, &A));
  PetscCall(GCVAEScale(A, &At, &d));
  PetscCall(GCVAEMaskBuild(At, hdr->mask_extra, &M));
  PetscCall(GCVAEInputCreate(At, M, &in));
  PetscCall(GCVAEInputGetSizes(in, &n, &mnnz));
  PetscCall(PetscMalloc3(mnnz, &rc, mnnz, &rg, hdr->latent, &eps));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "model %s (gat_layers %" PetscInt_FMT ", edge_layers %" PetscInt_FMT ", hidden %" PetscInt_FMT "), n %" PetscInt_FMT ", mask entries %" PetscInt_FMT "\n", model_file, hdr->gat_layers, hdr->edge_layers, hdr->hidden, n, mnnz));
  PetscCall(GCVAEModelForward(model, in, GCVAE_LATENT_MEAN, NULL, rc, NULL));
  PetscCall(GCVAECudaModelForward(model, in, GCVAE_LATENT_MEAN, NULL, rg));
  Compare(rg, rc, (size_t)mnnz, &err, &scale);
  PetscCall(Check("forward, latent mean", err, scale, TOL_FORWARD));
  for (PetscInt i = 0; i < hdr->latent; i++) eps[i] = (nnreal)(0.5 * PetscSinReal((PetscReal)(i + 1)));
  PetscCall(GCVAEModelForward(model, in, GCVAE_LATENT_SAMPLE, eps, rc, NULL));
  PetscCall(GCVAECudaModelForward(model, in, GCVAE_LATENT_SAMPLE, eps, rg));
  Compare(rg, rc, (size_t)mnnz, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "forward, latent sample"));
  PetscCall(Check(what, err, scale, TOL_FORWARD));
  PetscCall(PetscFree3(rc, rg, eps));
  PetscCall(GCVAEInputDestroy(&in));
  PetscCall(MatDestroy(&M));
  PetscCall(MatDestroy(&At));
  PetscCall(VecDestroy(&d));
  PetscCall(MatDestroy(&A));
  PetscCall(GCVAEModelDestroy(&model));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareVecs(const char what[], Vec gpu, Vec cpu, double tol)
{
  Vec       diff;
  PetscReal err, scale;

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(cpu, &diff));
  PetscCall(VecWAXPY(diff, -1.0, cpu, gpu));
  PetscCall(VecNorm(diff, NORM_INFINITY, &err));
  PetscCall(VecNorm(cpu, NORM_INFINITY, &scale));
  PetscCall(Check(what, (double)err, (double)scale, tol));
  PetscCall(VecDestroy(&diff));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestFactor(const char model_file[], const char mesh[])
{
  GCVAEModel      model;
  GCVAECudaFactor f;
  Mat             A, R;
  Vec             x, t, yc, yg;
  PetscRandom     rnd;

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, model_file, &model));
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_WORLD, mesh, 0, 4, 1e3, &A));
  PetscCall(GCVAEGenerate(model, A, -1, GCVAE_LATENT_MEAN, NULL, PETSC_FALSE, &R));
  PetscCall(GCVAECudaFactorCreate(R, &f));
  PetscCall(MatCreateVecs(R, &x, &t));
  PetscCall(VecDuplicate(x, &yc));
  PetscCall(VecDuplicate(x, &yg));
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 5, &rnd));
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(MatMultTranspose(R, x, t));
  PetscCall(MatMult(R, t, yc));
  PetscCall(GCVAECudaFactorApply(f, x, yg));
  PetscCall(CompareVecs("apply R R^T x (cuSPARSE)", yg, yc, TOL_FACTOR));
  PetscCall(GCVAECudaFactorApplyTranspose(f, x, yg));
  PetscCall(CompareVecs("R^T x (csr2csc + SpMV)", yg, t, TOL_FACTOR));
  PetscCall(MatMult(R, x, yc));
  PetscCall(GCVAECudaFactorApplyR(f, x, yg));
  PetscCall(CompareVecs("R x (SpMV)", yg, yc, TOL_FACTOR));
  PetscCall(GCVAECudaFactorDestroy(&f));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&yc));
  PetscCall(VecDestroy(&yg));
  PetscCall(MatDestroy(&R));
  PetscCall(MatDestroy(&A));
  PetscCall(GCVAEModelDestroy(&model));
  PetscFunctionReturn(0);
}

/* CG with PCGCVAE on A (device cpu or cuda); iterations, the time of KSPSetUp (PCSetUp: the
   generation) when setup != NULL, and the KSP kept when keep != NULL */
static PetscErrorCode SolvePC(Mat A, const char model_file[], PCGCVAEDevice device, PetscInt *its, PetscLogDouble *setup, KSP *keep)
{
  KSP            ksp;
  PC             pc;
  Vec            b, x;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(GCVAECreateRHS(A, 1, &b));
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, 100000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  PetscCall(PCGCVAESetModel(pc, model_file));
  PetscCall(PCGCVAESetDevice(pc, device));
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSetUp(ksp));
  PetscCall(PetscTime(&t1));
  if (setup) *setup = t1 - t0;
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, its));
  if (keep) *keep = ksp;
  else PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestGenerate(const char model_file[], const char mesh[])
{
  GCVAEModel  model;
  Mat         A, Rc, Rg;
  PetscInt    nc, ng, itc, itg;
  PetscBool   same;
  const PetscScalar *vc, *vg;
  double      err = 0, scale = 1;

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, model_file, &model));
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_WORLD, mesh, 0, 6, 1e3, &A));
  PetscCall(GCVAEGenerate(model, A, -1, GCVAE_LATENT_MEAN, NULL, PETSC_FALSE, &Rc));
  PetscCall(GCVAECudaGenerate(model, A, -1, GCVAE_LATENT_MEAN, NULL, &Rg));
  {
    MatInfo ic, ig;
    PetscCall(MatGetInfo(Rc, MAT_LOCAL, &ic));
    PetscCall(MatGetInfo(Rg, MAT_LOCAL, &ig));
    nc = (PetscInt)ic.nz_used;
    ng = (PetscInt)ig.nz_used;
  }
  same = (PetscBool)(nc == ng);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s nnz(R) cpu %" PetscInt_FMT ", cuda %" PetscInt_FMT "\n", same ? "ok  " : "FAIL", nc, ng));
  if (!same) failures++;
  else {
    /* the same mask, so the same CSR order: entry by entry, relative to max |R| */
    PetscCall(MatSeqAIJGetArrayRead(Rc, &vc));
    PetscCall(MatSeqAIJGetArrayRead(Rg, &vg));
    scale = 0;
    for (PetscInt k = 0; k < nc; k++) {
      err   = PetscMax(err, PetscAbsScalar(vg[k] - vc[k]));
      scale = PetscMax(scale, PetscAbsScalar(vc[k]));
    }
    PetscCall(MatSeqAIJRestoreArrayRead(Rc, &vc));
    PetscCall(MatSeqAIJRestoreArrayRead(Rg, &vg));
    PetscCall(Check("R values (cuda vs cpu)", err, scale, TOL_FORWARD));
  }
  PetscCall(SolvePC(A, model_file, PC_GCVAE_DEVICE_CPU, &itc, NULL, NULL));
  PetscCall(SolvePC(A, model_file, PC_GCVAE_DEVICE_CUDA, &itg, NULL, NULL));
  same = (PetscBool)(PetscAbsInt(itc - itg) <= 1);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s CG iterations with PCGCVAE: cpu %" PetscInt_FMT ", cuda %" PetscInt_FMT " (equal within 1)\n", same ? "ok  " : "FAIL", itc, itg));
  if (!same) failures++;
  PetscCall(MatDestroy(&Rc));
  PetscCall(MatDestroy(&Rg));
  PetscCall(MatDestroy(&A));
  PetscCall(GCVAEModelDestroy(&model));
  PetscFunctionReturn(0);
}

/* Apply time per iteration (PCApply, CPU MatMults vs the device with its two copies) and
   the generation time, on grids of several sizes. */
static PetscErrorCode Bench(const char model_file[], const PetscInt grids[], PetscInt ngrids, PetscInt its)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%9s %9s | %12s %12s | %14s %14s %8s\n", "n", "nnz(R)", "PCSetUp cpu s", "PCSetUp cuda s", "apply cpu us", "apply cuda us", "speedup"));
  for (PetscInt g = 0; g < ngrids; g++) {
    Mat            A, R;
    KSP            kc, kg;
    PC             pc_c, pc_g;
    Vec            x, y;
    PetscInt       itc, itg, n;
    PetscLogDouble t0, t1, tc, tg, sc, sg;
    MatInfo        info;

    PetscCall(GridMatrix(grids[g], &A));
    PetscCall(MatGetSize(A, &n, NULL));
    PetscCall(SolvePC(A, model_file, PC_GCVAE_DEVICE_CUDA, &itg, &sg, &kg)); /* first: the CUDA context starts in g = 0's setup */
    PetscCall(SolvePC(A, model_file, PC_GCVAE_DEVICE_CPU, &itc, &sc, &kc));
    PetscCall(KSPGetPC(kc, &pc_c));
    PetscCall(KSPGetPC(kg, &pc_g));
    PetscCall(PCGCVAEGetFactor(pc_c, &R));
    PetscCall(MatGetInfo(R, MAT_LOCAL, &info));
    PetscCall(MatCreateVecs(A, &x, &y));
    PetscCall(VecSet(x, 1.0));
    PetscCall(PCApply(pc_c, x, y)); /* warm up */
    PetscCall(PetscTime(&t0));
    for (PetscInt k = 0; k < its; k++) PetscCall(PCApply(pc_c, x, y));
    PetscCall(PetscTime(&t1));
    tc = (t1 - t0) / its;
    PetscCall(PCApply(pc_g, x, y));
    PetscCall(GCVAECudaSynchronize());
    PetscCall(PetscTime(&t0));
    for (PetscInt k = 0; k < its; k++) PetscCall(PCApply(pc_g, x, y));
    PetscCall(GCVAECudaSynchronize());
    PetscCall(PetscTime(&t1));
    tg = (t1 - t0) / its;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%9" PetscInt_FMT " %9.0f | %12.3f %12.3f | %14.1f %14.1f %8.2f   (CG its cpu %" PetscInt_FMT ", cuda %" PetscInt_FMT ")\n", n, info.nz_used, sc, sg, 1e6 * tc, 1e6 * tg, tc / tg, itc, itg));
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&y));
    PetscCall(KSPDestroy(&kc));
    PetscCall(KSPDestroy(&kg));
    PetscCall(MatDestroy(&A));
  }
  PetscFunctionReturn(0);
}

/* ---- the CNN layers through cuDNN (conv_cudnn.c) and src/nn/conv2d.c's backend hook ---- */

typedef struct {
  int B, C, H, W, OC, K, stride, pad, outpad;
} ConvCase;

static int RandInt(PetscRandom rnd, int lo, int hi) /* in [lo, hi] */
{
  PetscReal u;
  PetscRandomGetValueReal(rnd, &u);
  return PetscMin(hi, lo + (int)(u * (hi - lo + 1)));
}

/* One geometry, conv2d or transposed: forward with bias, then backward into gradients that
   already hold random values (both accumulate), then backward of dweight alone (NULL dinp and
   dbias, as the image encoder's first layer), each compared with the CPU's im2col. */
static PetscErrorCode ConvCaseCheck(PetscRandom rnd, const ConvCase *c, PetscBool transposed)
{
  const int    OH = transposed ? nn_convt2d_out_size(c->H, c->K, c->stride, c->pad, c->outpad) : nn_conv2d_out_size(c->H, c->K, c->stride, c->pad);
  const int    OW = transposed ? nn_convt2d_out_size(c->W, c->K, c->stride, c->pad, c->outpad) : nn_conv2d_out_size(c->W, c->K, c->stride, c->pad);
  const size_t nin = (size_t)c->B * c->C * c->H * c->W, nout = (size_t)c->B * c->OC * OH * OW, nw = (size_t)c->OC * c->C * c->K * c->K;
  float       *inp, *w, *b, *dout, *y[2], *dinp[2], *dw[2], *db[2];
  char         what[96], name[64];
  double       err, scale;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s %dx%dx%dx%d->%d k%d s%d p%d op%d", transposed ? "convt2d" : "conv2d", c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
  PetscCall(PetscMalloc4(nin, &inp, nw, &w, c->OC, &b, nout, &dout));
  for (int i = 0; i < 2; i++) PetscCall(PetscMalloc4(nout, &y[i], nin, &dinp[i], nw, &dw[i], c->OC, &db[i]));
  Fill(rnd, inp, nin, -1, 1);
  Fill(rnd, w, nw, -0.5, 0.5);
  Fill(rnd, b, c->OC, -1, 1);
  Fill(rnd, dout, nout, -1, 1);
  Fill(rnd, dinp[0], nin, -1, 1);
  Fill(rnd, dw[0], nw, -1, 1);
  Fill(rnd, db[0], c->OC, -1, 1);
  PetscCall(PetscArraycpy(dinp[1], dinp[0], nin));
  PetscCall(PetscArraycpy(dw[1], dw[0], nw));
  PetscCall(PetscArraycpy(db[1], db[0], c->OC));
  if (transposed) {
    PetscCall(nn_convt2d_forward(y[0], inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
    PetscCall(GCVAECudaConvT2dForward(y[1], inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
    PetscCall(nn_convt2d_backward(dinp[0], dw[0], db[0], dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
    PetscCall(GCVAECudaConvT2dBackward(dinp[1], dw[1], db[1], dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
  } else {
    PetscCall(nn_conv2d_forward(y[0], inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(GCVAECudaConv2dForward(y[1], inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(nn_conv2d_backward(dinp[0], dw[0], db[0], dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(GCVAECudaConv2dBackward(dinp[1], dw[1], db[1], dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
  }
  Compare(y[1], y[0], nout, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s forward", name));
  PetscCall(Check(what, err, scale, TOL_CONV));
  Compare(dinp[1], dinp[0], nin, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s dinp +=", name));
  PetscCall(Check(what, err, scale, TOL_CONV));
  Compare(dw[1], dw[0], nw, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s dweight +=", name));
  PetscCall(Check(what, err, scale, TOL_CONV));
  Compare(db[1], db[0], c->OC, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s dbias +=", name));
  PetscCall(Check(what, err, scale, TOL_CONV));
  /* dweight alone */
  if (transposed) {
    PetscCall(nn_convt2d_backward(NULL, dw[0], NULL, dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
    PetscCall(GCVAECudaConvT2dBackward(NULL, dw[1], NULL, dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad, c->outpad));
  } else {
    PetscCall(nn_conv2d_backward(NULL, dw[0], NULL, dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(GCVAECudaConv2dBackward(NULL, dw[1], NULL, dout, inp, w, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
  }
  Compare(dw[1], dw[0], nw, &err, &scale);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s dweight only", name));
  PetscCall(Check(what, err, scale, TOL_CONV));
  for (int i = 0; i < 2; i++) PetscCall(PetscFree4(y[i], dinp[i], dw[i], db[i]));
  PetscCall(PetscFree4(inp, w, b, dout));
  PetscFunctionReturn(0);
}

/* Every cuDNN operation against the CPU on the model's geometries (image encoder: 3x3, stride 2,
   padding 1; cnn decoder: 4x4 transposed, stride 2, padding 1), output padding 1 and random
   geometries; then the hook: with GCVAECudaUseConvBackend, nn_conv2d_forward is cuDNN's. */
static PetscErrorCode TestCudnnConv(void)
{
  const ConvCase conv[] = {
    {1, 1,  33, 33, 8, 3, 2, 1, 0}, /* image encoder, first layer */
    {2, 8,  17, 17, 8, 3, 2, 1, 0},
    {3, 4,  16, 16, 6, 3, 2, 1, 0},
    {2, 3,  9,  7,  5, 3, 1, 1, 0},
    {2, 3,  8,  10, 4, 4, 2, 0, 0},
  };
  const ConvCase convt[] = {
    {2, 8, 4, 4, 8, 4, 2, 1, 0}, /* cnn decoder */
    {1, 8, 8, 8, 1, 4, 2, 1, 0}, /* cnn decoder, last layer */
    {2, 3, 5, 6, 4, 3, 2, 1, 1}, /* output padding 1 */
    {2, 4, 7, 5, 3, 3, 1, 1, 0},
    {1, 2, 6, 6, 3, 5, 3, 2, 2},
  };
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 31, &rnd));
  for (size_t i = 0; i < PETSC_STATIC_ARRAY_LENGTH(conv); i++) PetscCall(ConvCaseCheck(rnd, &conv[i], PETSC_FALSE));
  for (size_t i = 0; i < PETSC_STATIC_ARRAY_LENGTH(convt); i++) PetscCall(ConvCaseCheck(rnd, &convt[i], PETSC_TRUE));
  for (int t = 0; t < 12; t++) { /* random geometries, conv2d and transposed in turn */
    ConvCase c;
    c.B      = RandInt(rnd, 1, 3);
    c.C      = RandInt(rnd, 1, 6);
    c.OC     = RandInt(rnd, 1, 6);
    c.K      = RandInt(rnd, 1, 5);
    c.stride = RandInt(rnd, 1, 3);
    c.pad    = RandInt(rnd, 0, c.K - 1);
    c.outpad = t % 2 ? RandInt(rnd, 0, c.stride - 1) : 0;
    c.H      = RandInt(rnd, c.K, 20);
    c.W      = RandInt(rnd, c.K, 20);
    PetscCall(ConvCaseCheck(rnd, &c, (PetscBool)(t % 2)));
  }
  { /* the hook: nn_conv2d_forward through the installed backend is cuDNN's, bitwise (deterministic algorithms) */
    const ConvCase *c = &conv[1];
    const int       OH = nn_conv2d_out_size(c->H, c->K, c->stride, c->pad);
    const size_t    nin = (size_t)c->B * c->C * c->H * c->W, nout = (size_t)c->B * c->OC * OH * OH, nw = (size_t)c->OC * c->C * c->K * c->K;
    float          *inp, *w, *b, *y0, *y1;
    double          err, scale;

    PetscCall(PetscMalloc5(nin, &inp, nw, &w, c->OC, &b, nout, &y0, nout, &y1));
    Fill(rnd, inp, nin, -1, 1);
    Fill(rnd, w, nw, -0.5, 0.5);
    Fill(rnd, b, c->OC, -1, 1);
    PetscCall(GCVAECudaConv2dForward(y0, inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(GCVAECudaUseConvBackend(PETSC_TRUE));
    PetscCall(nn_conv2d_forward(y1, inp, w, b, c->B, c->C, c->H, c->W, c->OC, c->K, c->stride, c->pad));
    PetscCall(GCVAECudaUseConvBackend(PETSC_FALSE));
    Compare(y1, y0, nout, &err, &scale);
    PetscCall(Check("hook: nn_conv2d_forward = cuDNN", err, scale, 0));
    PetscCall(PetscFree5(inp, w, b, y0, y1));
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

/* Runs everywhere (no device): src/nn/conv2d.c's hook routes all four functions to an installed
   backend (here one that counts its calls and runs the CPU code) and NULL restores the CPU code,
   whose results are bitwise those of a run that never set a backend. */
static int hook_calls;

#define HOOKED(fn, PARAMS, ARGS) \
  static PetscErrorCode Hooked_##fn PARAMS \
  { \
    const NNConvBackend *self; \
    PetscFunctionBeginUser; \
    hook_calls++; \
    PetscCall(nn_conv2d_get_backend(&self)); \
    PetscCall(nn_conv2d_set_backend(NULL)); \
    PetscCall(fn ARGS); \
    PetscCall(nn_conv2d_set_backend(self)); \
    PetscFunctionReturn(0); \
  }
HOOKED(nn_conv2d_forward, (float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad), (out, inp, weight, bias, B, C, H, W, OC, K, stride, pad))
HOOKED(nn_conv2d_backward, (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad), (dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad))
HOOKED(nn_convt2d_forward, (float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad), (out, inp, weight, bias, B, C, H, W, OC, K, stride, pad, outpad))
HOOKED(nn_convt2d_backward, (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad), (dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad, outpad))
#undef HOOKED

static PetscErrorCode TestConvHook(void)
{
  const NNConvBackend counting = {"counting", Hooked_nn_conv2d_forward, Hooked_nn_conv2d_backward, Hooked_nn_convt2d_forward, Hooked_nn_convt2d_backward};
  const int           B = 2, C = 3, H = 9, W = 8, OC = 4, K = 3, S = 2, P = 1, OP = 1;
  const int           OH = nn_conv2d_out_size(H, K, S, P), OW = nn_conv2d_out_size(W, K, S, P);
  const int           TH = nn_convt2d_out_size(H, K, S, P, OP), TW = nn_convt2d_out_size(W, K, S, P, OP);
  const size_t        nin = (size_t)B * C * H * W, nout = (size_t)B * OC * OH * OW, ntout = (size_t)B * OC * TH * TW, nw = (size_t)OC * C * K * K;
  float              *inp, *w, *b, *dout, *dtout, *r[2][8];
  PetscRandom         rnd;
  PetscBool           same = PETSC_TRUE;
  const NNConvBackend *now;

  PetscFunctionBeginUser;
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 5, &rnd));
  PetscCall(PetscMalloc5(nin, &inp, nw, &w, OC, &b, nout, &dout, ntout, &dtout));
  Fill(rnd, inp, nin, -1, 1);
  Fill(rnd, w, nw, -0.5, 0.5);
  Fill(rnd, b, OC, -1, 1);
  Fill(rnd, dout, nout, -1, 1);
  Fill(rnd, dtout, ntout, -1, 1);
  for (int pass = 0; pass < 2; pass++) { /* 0: no backend, 1: the counting one */
    float **q = r[pass];
    PetscCall(PetscCalloc4(nout, &q[0], nin, &q[1], nw, &q[2], OC, &q[3]));
    PetscCall(PetscCalloc4(ntout, &q[4], nin, &q[5], nw, &q[6], OC, &q[7]));
    PetscCall(nn_conv2d_set_backend(pass ? &counting : NULL));
    PetscCall(nn_conv2d_forward(q[0], inp, w, b, B, C, H, W, OC, K, S, P));
    PetscCall(nn_conv2d_backward(q[1], q[2], q[3], dout, inp, w, B, C, H, W, OC, K, S, P));
    PetscCall(nn_convt2d_forward(q[4], inp, w, b, B, C, H, W, OC, K, S, P, OP));
    PetscCall(nn_convt2d_backward(q[5], q[6], q[7], dtout, inp, w, B, C, H, W, OC, K, S, P, OP));
    PetscCall(nn_conv2d_get_backend(&now));
    PetscCall(nn_conv2d_set_backend(NULL));
  }
  {
    const size_t n[8] = {nout, nin, nw, OC, ntout, nin, nw, OC};
    for (int i = 0; i < 8; i++) same = (PetscBool)(same && !memcmp(r[0][i], r[1][i], n[i] * sizeof(float)));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s conv hook: %d of 4 calls through the backend, results bitwise the CPU's: %s\n", hook_calls == 4 && same && now == &counting ? "ok  " : "FAIL", hook_calls, same ? "yes" : "no"));
  if (hook_calls != 4 || !same || now != &counting) failures++;
  for (int pass = 0; pass < 2; pass++) {
    PetscCall(PetscFree4(r[pass][0], r[pass][1], r[pass][2], r[pass][3]));
    PetscCall(PetscFree4(r[pass][4], r[pass][5], r[pass][6], r[pass][7]));
  }
  PetscCall(PetscFree5(inp, w, b, dout, dtout));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

static char last_message[4096];

static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) PetscStrncpy(last_message, mess, sizeof(last_message));
  return n;
}

/* Runs where the GPU modes skip: -pc_gcvae_device cuda must fail in PCSetUp with a message
   that says why (no device, or a build without CUDA=1), and leave the PC usable on the CPU. */
static PetscErrorCode TestNoDevice(const char model_file[], const char mesh[], PetscBool compiled)
{
  Mat            A;
  KSP            ksp;
  PC             pc;
  PetscErrorCode ierr;
  PetscInt       its;
  const char    *want = compiled ? "no CUDA device" : "built without CUDA=1";
  PetscBool      found = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_WORLD, mesh, 0, 7, 1e3, &A));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  PetscCall(PCGCVAESetModel(pc, model_file));
  PetscCall(PetscOptionsInsertString(NULL, "-pc_gcvae_device cuda"));
  PetscCall(PCSetFromOptions(pc));
  PetscCall(PetscPushErrorHandler(RecordError, NULL));
  last_message[0] = 0;
  ierr            = PCSetUp(pc);
  PetscCall(PetscPopErrorHandler());
  found = (PetscBool)(ierr && strstr(last_message, want));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s -pc_gcvae_device cuda fails in PCSetUp: \"%s\"\n", found ? "ok  " : "FAIL", last_message));
  if (!found) failures++;
  PetscCall(KSPDestroy(&ksp));
  /* the CPU path is unaffected */
  PetscCall(PetscOptionsClearValue(NULL, "-pc_gcvae_device"));
  PetscCall(SolvePC(A, model_file, PC_GCVAE_DEVICE_CPU, &its, NULL, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s -pc_gcvae_device cpu still solves: %" PetscInt_FMT " CG iterations\n", its > 0 ? "ok  " : "FAIL", its));
  if (its <= 0) failures++;
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      test[32] = "layers", model[PETSC_MAX_PATH_LEN] = "models/poisson.bin", mesh[PETSC_MAX_PATH_LEN] = "meshes/square_433.msh";
  PetscInt  grids[8] = {128, 512, 1024}, ngrids = 8, its = 200;
  PetscBool skip = PETSC_TRUE, gpu, compiled, flg = PETSC_FALSE;
  int       ndev, rc = 0;
  char      why[256] = "";

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscDLLibraryRegister_pcgcvae());
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "t_cuda options", NULL);
  PetscCall(PetscOptionsString("-test", "layers, forward, factor, generate, bench, cudnn_conv, device, convhook, nodevice", NULL, test, test, sizeof(test), NULL));
  PetscCall(PetscOptionsString("-model", "model file", NULL, model, model, sizeof(model), NULL));
  PetscCall(PetscOptionsString("-mesh", "mesh of the Poisson matrix", NULL, mesh, mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsIntArray("-grids", "bench: grid sides m (n = m^2)", NULL, grids, &ngrids, &flg));
  PetscCall(PetscOptionsInt("-its", "bench: applies timed", NULL, its, &its, NULL));
  PetscOptionsEnd();
  if (!flg) ngrids = 3;
  PetscCall(GCVAECudaAvailable(&compiled, &ndev, why, sizeof(why)));
  gpu = (PetscBool)(compiled && ndev > 0);
  if (gpu) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "CUDA: %s\n", why));
  if (!strcmp(test, "convhook")) PetscCall(TestConvHook());
  else if (!strcmp(test, "nodevice")) {
    if (gpu) {
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "SKIP: a CUDA device is present (this test checks the error without one)\n"));
      rc = SKIP_RC;
    } else PetscCall(TestNoDevice(model, mesh, compiled));
  } else {
    PetscCall(NeedDevice(&skip));
    if (skip) rc = SKIP_RC;
    else if (!strcmp(test, "layers")) PetscCall(TestLayers());
    else if (!strcmp(test, "forward")) PetscCall(TestForward(model, mesh));
    else if (!strcmp(test, "factor")) PetscCall(TestFactor(model, mesh));
    else if (!strcmp(test, "generate")) PetscCall(TestGenerate(model, mesh));
    else if (!strcmp(test, "bench")) PetscCall(Bench(model, grids, ngrids, its));
    else if (!strcmp(test, "cudnn_conv")) PetscCall(TestCudnnConv());
    else if (strcmp(test, "device")) SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "-test %s: use layers, forward, factor, generate, bench, cudnn_conv, device, convhook or nodevice", test);
  }
  if (!rc && failures) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " check(s) failed\n", failures));
    rc = 1;
  }
  PetscCall(PetscFinalize());
  return rc;
}
