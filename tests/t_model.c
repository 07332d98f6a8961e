static char help[] = "The GCVAE network (src/model.c, src/input.c) in float:\n"
                     "  -test jacobi     an untrained model gives R~ = I exactly, and the Jacobi loss\n"
                     "  -test errors     bad inputs and headers fail with the expected messages\n"
                     "  -test saveload   save + load reproduce the parameters and the forward\n"
                     "  -test learn      AdamW on one matrix (mean mode) takes the loss below\n"
                     "                   -ratio (default 0.7) x the Jacobi loss in -steps (200) steps\n"
                     "  -test precision -file F   write the float forward for nn_model to compare\n"
                     "  -grid N -contrast C       learn: the N x N grid Laplacian (20, 1e3)\n";

#include <gcvae_model.h>
#include "nn/model_test.h"

static int nfail = 0;

static PetscErrorCode Expect(PetscBool ok, const char what[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-66s %s\n", what, ok ? "ok" : "FAIL"));
  nfail += !ok;
  PetscFunctionReturn(0);
}

/* ---- Jacobi at initialisation ---------------------------------------------- */
static PetscErrorCode TestJacobi(void)
{
  MTProblem p;
  PetscReal jac = 0;

  PetscFunctionBeginUser;
  mt_seed(11);
  PetscCall(MTProblemCreate(6, 1e2, 0.2, 16, &p));
  { /* ||I - A~||_F^2 / n straight from A~'s entries (unit diagonal) */
    const PetscScalar *v;
    const PetscInt    *ia, *ja;
    PetscInt           n;
    PetscBool          done;
    PetscCall(MatGetRowIJ(p.At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
    PetscCall(MatSeqAIJGetArrayRead(p.At, &v));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = ia[i]; k < ia[i + 1]; k++) jac += ja[k] == i ? 0 : PetscSqr(PetscRealPart(v[k]));
    jac /= n;
    PetscCall(MatSeqAIJRestoreArrayRead(p.At, &v));
    PetscCall(MatRestoreRowIJ(p.At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  }
  for (int v = 0; v < 3; v++) /* graph, cnn, graph with edge states */
    for (int mode = 0; mode < 3; mode++) {
      const char      *mname[3] = {"train", "mean", "sample"}, *dname[3] = {"graph", "cnn", "graph+edges"};
      const int        dec      = v == 1;
      GCVAEModelHeader h;
      GCVAEModel       model;
      nnreal          *r, eps[4];
      PetscReal        L;
      PetscInt         nbad = 0;
      char             what[128];
      MTHeader((GCVAEDecoderKind)dec, p.n, &h);
      h.edge_layers = v == 2 ? 2 : 0;
      PetscCall(GCVAEModelCreate(&h, 1 + mode, &model));
      PetscCall(PetscMalloc1(p.mnnz, &r));
      for (int i = 0; i < 4; i++) eps[i] = (nnreal)mt_uniform(-2, 2);
      PetscCall(GCVAEModelForward(model, p.in, (GCVAELatentMode)mode, eps, r, NULL));
      for (PetscInt e = 0; e < p.mnnz; e++) nbad += r[e] != (nnreal)p.diag[e];
      PetscCall(MTLoss(&p, r, &L, NULL));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s decoder, %s mode: %" PetscInt_FMT " of %" PetscInt_FMT " entries differ from I; loss %.15f, Jacobi %.15f\n", dname[v], mname[mode], nbad, p.mnnz, (double)L, (double)jac));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s/%s: r~ = I exactly", dname[v], mname[mode]));
      PetscCall(Expect((PetscBool)(nbad == 0), what));
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s/%s: loss = ||I - A~||^2 / n to 1e-13", dname[v], mname[mode]));
      PetscCall(Expect((PetscBool)(PetscAbsReal(L - jac) <= 1e-13 * jac), what));
      PetscCall(PetscFree(r));
      PetscCall(GCVAEModelDestroy(&model));
    }
  PetscCall(MTProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* ---- errors -------------------------------------------------------------------- */
static PetscErrorCode ExpectError(PetscErrorCode ierr, const char what[], const char expect[])
{
  const char *text = NULL;
  char       *msg  = NULL, *hit = NULL;

  PetscFunctionBeginUser;
  if (ierr) {
    PetscCall(PetscErrorMessage(ierr, &text, &msg));
    if (msg) PetscCall(PetscStrstr(msg, expect, &hit));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: error %d: %s\n", what, (int)ierr, msg ? msg : "(none)"));
  PetscCall(Expect((PetscBool)(ierr && hit), what));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestErrors(void)
{
  MTProblem        p36, p49;
  GCVAEModelHeader h;
  GCVAEModel       model = NULL;
  PetscErrorCode   ierr;
  nnreal          *r, eps[4] = {0, 0, 0, 0};

  PetscFunctionBeginUser;
  mt_seed(12);
  PetscCall(MTProblemCreate(6, 10, 0.2, 0, &p36)); /* no image */
  PetscCall(MTProblemCreate(7, 10, 0.2, 16, &p49));
  PetscCall(PetscMalloc1(PetscMax(p36.mnnz, p49.mnnz), &r));

  MTHeader(GCVAE_DECODER_CNN, 36, &h);
  PetscCall(GCVAEModelCreate(&h, 1, &model));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelForward(model, p49.in, GCVAE_LATENT_MEAN, NULL, r, NULL);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "cnn model (n = 36) on n = 49", "this cnn model was trained for n = 36, the matrix has n = 49; use a graph-decoder model"));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelForward(model, p36.in, GCVAE_LATENT_TRAIN, eps, r, NULL);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "train mode without the inverse image", "needs the |A^-1| image"));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelForward(model, p36.in, GCVAE_LATENT_SAMPLE, NULL, r, NULL);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "sample mode without eps", "need eps"));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelBackward(model, p36.in, r, 0.1);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "backward before any forward", "call GCVAEModelForward on this input first"));
  PetscCall(GCVAEModelDestroy(&model));

  MTHeader(GCVAE_DECODER_GRAPH, 0, &h);
  h.heads = 3;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelCreate(&h, 1, &model);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "heads = 3 with hidden = 8", "heads = 3 must be >= 1 and divide hidden = 8"));
  MTHeader(GCVAE_DECODER_GRAPH, 0, &h);
  h.node_features = 1;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelCreate(&h, 1, &model);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "node_features = 1", "node_features = 1, this build computes 4"));
  MTHeader(GCVAE_DECODER_CNN, 0, &h);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelCreate(&h, 1, &model);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "cnn decoder with cnn_n = 0", "a cnn decoder needs the matrix size cnn_n"));
  MTHeader(GCVAE_DECODER_GRAPH, 0, &h);
  h.edge_layers = 3; /* gat_layers = 2 */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelCreate(&h, 1, &model);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "edge_layers = 3 with gat_layers = 2", "edge_layers = 3 must be in [0, gat_layers = 2]"));
  MTHeader(GCVAE_DECODER_CNN, 36, &h);
  h.edge_layers = 1;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelCreate(&h, 1, &model);
  PetscCall(PetscPopErrorHandler());
  PetscCall(ExpectError(ierr, "cnn decoder with edge_layers = 1", "edge_layers = 1 must be 0 for the cnn decoder"));

  { /* an unscaled matrix */
    Mat        A, M;
    GCVAEInput in = NULL;
    PetscCall(MTGridMatrix(4, 10, &A));
    PetscCall(GCVAEMaskBuild(A, 0.2, &M));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = GCVAEInputCreate(A, M, &in);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "unscaled matrix", "must have a unit diagonal (GCVAEScale)"));
    PetscCall(MatDestroy(&M));
    PetscCall(MatDestroy(&A));
  }
  { /* a mask of the wrong size */
    GCVAEInput in = NULL;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = GCVAEInputCreate(p36.At, p49.M, &in);
    PetscCall(PetscPopErrorHandler());
    PetscCall(ExpectError(ierr, "mask of another size", "mask is 49 x 49 but A~ is 36 x 36"));
  }
  PetscCall(PetscFree(r));
  PetscCall(MTProblemDestroy(&p36));
  PetscCall(MTProblemDestroy(&p49));
  PetscFunctionReturn(0);
}

/* ---- save / load ----------------------------------------------------------------- */
static PetscErrorCode TestSaveLoad(const char dir[])
{
  MTProblem         p;
  GCVAEModelHeader  h, *hl;
  GCVAEModel        model, loaded;
  NNParamBuffer    *b0, *b1;
  nnreal           *r0, *r1;
  PetscInt          diff = 0;
  char              path[PETSC_MAX_PATH_LEN], bad[PETSC_MAX_PATH_LEN];
  PetscErrorCode    ierr;

  PetscFunctionBeginUser;
  mt_seed(13);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/t_model_roundtrip.bin", dir));
  PetscCall(PetscSNPrintf(bad, sizeof(bad), "%s/t_model_badcount.bin", dir));
  PetscCall(MTProblemCreate(6, 10, 0.2, 16, &p));
  for (int v = 0; v < 3; v++) { /* graph, cnn, graph with edge states */
    const int dec = v == 1;
    MTHeader((GCVAEDecoderKind)dec, p.n, &h);
    h.edge_layers = v == 2 ? 2 : 0;
    PetscCall(GCVAEModelCreate(&h, 4, &model));
    PetscCall(GCVAEModelGetParams(model, &b0));
    MTPerturb(b0, 0.2);
    PetscCall(GCVAEModelSave(model, path));
    PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, path, &loaded));
    PetscCall(GCVAEModelGetParams(loaded, &b1));
    PetscCall(GCVAEModelGetHeader(loaded, &hl));
    for (size_t i = 0; i < b0->count; i++) diff += b0->params[i] != b1->params[i];
    PetscCall(PetscMalloc2(p.mnnz, &r0, p.mnnz, &r1));
    PetscCall(GCVAEModelForward(model, p.in, GCVAE_LATENT_MEAN, NULL, r0, NULL));
    PetscCall(GCVAEModelForward(loaded, p.in, GCVAE_LATENT_MEAN, NULL, r1, NULL));
    for (PetscInt e = 0; e < p.mnnz; e++) diff += r0[e] != r1[e];
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s decoder: %" PetscInt_FMT " parameters saved and loaded, %" PetscInt_FMT " differences (parameters + forward)\n", v == 2 ? "graph (edge_layers 2)" : dec ? "cnn" : "graph", hl->nparams, diff));
    PetscCall(Expect((PetscBool)(diff == 0 && hl->nparams == (PetscInt)b0->count && hl->decoder == h.decoder && hl->edge_layers == h.edge_layers), v == 2 ? "graph (edge_layers 2): save + load is exact" : dec ? "cnn: save + load is exact" : "graph: save + load is exact"));
    PetscCall(PetscFree2(r0, r1));
    PetscCall(GCVAEModelDestroy(&loaded));
    if (v == 0) { /* a file whose parameter count does not match its architecture */
      GCVAEModelHeader *hm, hb;
      float            *f;
      PetscCall(GCVAEModelGetHeader(model, &hm));
      hb = *hm;
      hb.hidden = 10; /* nparams stays that of hidden = 8 */
      PetscCall(PetscMalloc1(b0->count, &f));
      for (size_t i = 0; i < b0->count; i++) f[i] = (float)b0->params[i];
      PetscCall(GCVAEModelWrite(bad, &hb, f));
      PetscCall(PetscFree(f));
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = GCVAEModelLoad(PETSC_COMM_SELF, bad, &loaded);
      PetscCall(PetscPopErrorHandler());
      PetscCall(ExpectError(ierr, "model file with the wrong parameter count", "parameters but its architecture"));
      (void)remove(bad);
    }
    PetscCall(GCVAEModelDestroy(&model));
  }
  (void)remove(path);
  PetscCall(MTProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* ---- learning on one matrix ------------------------------------------------------- */
static PetscErrorCode TestLearn(PetscInt N, PetscReal contrast, PetscInt steps, PetscReal ratio)
{
  MTProblem        p;
  GCVAEModelHeader h;
  GCVAEModel       model;
  NNParamBuffer   *buf;
  PetscScalar     *grad;
  nnreal          *r, *dr;
  PetscReal        L = 0, L0 = 0, Lbest = PETSC_MAX_REAL, Lopt;
  PetscInt         its;
  PetscLogDouble   t0, t1;

  PetscFunctionBeginUser;
  mt_seed(14);
  PetscCall(MTProblemCreate(N, contrast, 0.2, 0, &p));
  MTHeader(GCVAE_DECODER_GRAPH, 0, &h);
  h.hidden         = 16;
  h.heads          = 2;
  h.gat_layers     = 3;
  h.decoder_hidden = 32;
  PetscCall(GCVAEModelCreate(&h, 1, &model));
  PetscCall(GCVAEModelGetParams(model, &buf));
  PetscCall(PetscMalloc3(p.mnnz, &grad, p.mnnz, &r, p.mnnz, &dr));
  PetscCall(PetscTime(&t0));
  for (PetscInt s = 0; s <= steps; s++) {
    PetscCall(GCVAEModelForward(model, p.in, GCVAE_LATENT_MEAN, NULL, r, NULL));
    PetscCall(MTLoss(&p, r, &L, grad));
    if (s == 0) L0 = L;
    Lbest = PetscMin(Lbest, L);
    if (s % 25 == 0) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  step %3" PetscInt_FMT "  loss %.6f  (%.3f x Jacobi)\n", s, (double)L, (double)(L / L0)));
    if (s == steps) break;
    for (PetscInt e = 0; e < p.mnnz; e++) dr[e] = (nnreal)grad[e];
    nn_params_zero_grad(buf);
    PetscCall(GCVAEModelBackward(model, p.in, dr, 0));
    PetscCall(nn_params_adamw_step(buf, 3e-3, 0.9, 0.999, 1e-8, 0));
  }
  PetscCall(PetscTime(&t1));
  { /* reference only: the per-matrix optimum on the same mask (its default tolerances
       1e-9 end in a line-search failure here, hence the looser ones) */
    PetscErrorCode ierr;
    PetscCall(PetscOptionsSetValue(NULL, "-optimum_tao_gatol", "1e-7"));
    PetscCall(PetscOptionsSetValue(NULL, "-optimum_tao_grtol", "1e-7"));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = GCVAEOptimum(p.At, p.R, &Lopt, &its);
    PetscCall(PetscPopErrorHandler());
    if (ierr) Lopt = NAN;
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%" PetscInt_FMT "x%" PetscInt_FMT " grid, contrast %g, n %" PetscInt_FMT ", mask nnz %" PetscInt_FMT ", %zu parameters: Jacobi loss %.6f, after %" PetscInt_FMT " AdamW steps %.6f (%.3f x Jacobi), per-matrix optimum %.6f (%.3f x Jacobi), %.2f s\n", N, N, (double)contrast, p.n, p.mnnz, buf->count, (double)L0, steps, (double)L, (double)(L / L0), (double)Lopt, (double)(Lopt / L0), t1 - t0));
  PetscCall(Expect((PetscBool)(L < ratio * L0), "trained loss < ratio x Jacobi loss"));
  PetscCall(PetscFree3(grad, r, dr));
  PetscCall(GCVAEModelDestroy(&model));
  PetscCall(MTProblemDestroy(&p));
  PetscFunctionReturn(0);
}

/* ---- float forward for nn_model -test precision ------------------------------------ */
static PetscErrorCode WritePrecision(const char file[])
{
  FILE *fp = fopen(file, "wb");

  PetscFunctionBeginUser;
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write %s", file);
  for (int v = 0; v < 3; v++) { /* the same sequence as nn_model's Precision(): graph, cnn, graph with edge states */
    const int        dec = v == 1;
    MTProblem        p;
    GCVAEModelHeader h;
    GCVAEModel       model;
    NNParamBuffer   *buf;
    nnreal          *eps, *r;
    double           kl;
    int64_t          count;

    mt_seed(100 + v);
    PetscCall(MTProblemCreate(6, 10, 0.2, 16, &p));
    MTHeader((GCVAEDecoderKind)dec, p.n, &h);
    h.edge_layers = v == 2 ? 2 : 0;
    PetscCall(GCVAEModelCreate(&h, 5, &model));
    PetscCall(GCVAEModelGetParams(model, &buf));
    MTPerturb(buf, 0.2);
    PetscCall(PetscMalloc2(h.latent, &eps, p.mnnz, &r));
    for (PetscInt i = 0; i < h.latent; i++) eps[i] = (nnreal)mt_uniform(-1.5, 1.5);
    PetscCall(GCVAEModelForward(model, p.in, GCVAE_LATENT_TRAIN, eps, r, &kl));
    count = p.mnnz;
    PetscCheck(fwrite(&count, sizeof(count), 1, fp) == 1 && fwrite(&kl, sizeof(kl), 1, fp) == 1 && fwrite(r, sizeof(float), (size_t)p.mnnz, fp) == (size_t)p.mnnz, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", file);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s decoder: float forward of %" PetscInt_FMT " entries written\n", v == 2 ? "graph (edge_layers 2)" : dec ? "cnn" : "graph", p.mnnz));
    PetscCall(PetscFree2(eps, r));
    PetscCall(GCVAEModelDestroy(&model));
    PetscCall(MTProblemDestroy(&p));
  }
  fclose(fp);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      test[32] = "jacobi", file[PETSC_MAX_PATH_LEN] = "tests/out/model_precision.bin", dir[PETSC_MAX_PATH_LEN] = "tests/out";
  PetscInt  N = 20, steps = 200;
  PetscReal contrast = 1e3, ratio = 0.7;
  PetscBool is;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test", test, sizeof(test), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-grid", &N, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-steps", &steps, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-contrast", &contrast, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-ratio", &ratio, NULL));
  PetscCall(PetscStrcmp(test, "jacobi", &is));
  if (is) PetscCall(TestJacobi());
  PetscCall(PetscStrcmp(test, "errors", &is));
  if (is) PetscCall(TestErrors());
  PetscCall(PetscStrcmp(test, "saveload", &is));
  if (is) PetscCall(TestSaveLoad(dir));
  PetscCall(PetscStrcmp(test, "learn", &is));
  if (is) PetscCall(TestLearn(N, contrast, steps, ratio));
  PetscCall(PetscStrcmp(test, "precision", &is));
  if (is) PetscCall(WritePrecision(file));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", nfail ? "FAILED" : "passed"));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
