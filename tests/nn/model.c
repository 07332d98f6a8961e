static char help[] = "The whole GCVAE network in double: gradient of L(R~) + 0.1 KL against fourth-order\n"
                     "central differences for a sample of every parameter tensor (graph and cnn decoders, train\n"
                     "mode; graph decoder with edge states (3 GATv2 layers, the last 2 with edge layers) in train\n"
                     "and mean mode; graph decoder in mean mode), and the double forward against the float one.\n"
                     "  -test gradcheck|precision   what to run (default gradcheck)\n"
                     "  -samples S                  parameters to check per model, about (default 300)\n"
                     "  -corrupt                    add an error to one analytic gradient entry of dec.l2.w:\n"
                     "                              passes only if the check catches exactly that tensor\n"
                     "  -fd_step H                  finite-difference step (default 1e-4)\n"
                     "  -file F                     precision: the float forward written by t_model\n";

#include <petscsys.h>
#include "gradcheck.h"
#include "model_test.h"

static double fd_step = 1e-4; /* step h of the fourth-order central difference (-fd_step) */
#define MODEL_FD_FLOOR 1e-3 /* relative error = |g - fd| / max(|g|, |fd|, floor), as GC_FLOOR */
#define MODEL_FD_TOL   1e-6
#define MODEL_KL_W     0.1  /* the paper's alpha */

typedef struct {
  GCVAEModel      model;
  MTProblem      *p;
  GCVAELatentMode mode;
  nnreal         *eps, *r;
} Ctx;

/* J = L(R~(r)) + 0.1 KL */
static PetscErrorCode Objective(Ctx *c, double *J, PetscScalar grad[])
{
  double    kl;
  PetscReal L;

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelForward(c->model, c->p->in, c->mode, c->eps, c->r, &kl));
  PetscCall(MTLoss(c->p, c->r, &L, grad));
  *J = L + MODEL_KL_W * kl;
  PetscFunctionReturn(0);
}

/* edge_layers > 0: the graph decoder with 3 GATv2 layers, the last edge_layers of them with edge states */
static PetscErrorCode CheckModel(const char *title, GCVAEDecoderKind dec, PetscInt edge_layers, GCVAELatentMode mode, MTProblem *p, PetscInt samples, PetscBool corrupt, int *fails)
{
  GCVAEModelHeader h;
  NNParamBuffer   *buf;
  Ctx              c = {.p = p, .mode = mode};
  PetscScalar     *grad;
  nnreal          *dr, *ga;
  double           J = 0, worst = 0;
  int              nbad = 0, corrupted_caught = 0;

  PetscFunctionBeginUser;
  MTHeader(dec, p->n, &h);
  if (edge_layers) {
    h.gat_layers  = 3;
    h.edge_layers = edge_layers;
  }
  PetscCall(GCVAEModelCreate(&h, 3, &c.model));
  PetscCall(GCVAEModelGetParams(c.model, &buf));
  MTPerturb(buf, 0.2);
  PetscCall(PetscMalloc5(h.latent, &c.eps, p->mnnz, &c.r, p->mnnz, &grad, p->mnnz, &dr, buf->count, &ga));
  for (PetscInt i = 0; i < h.latent; i++) c.eps[i] = (nnreal)mt_uniform(-1.5, 1.5);

  /* analytic gradient */
  nn_params_zero_grad(buf);
  PetscCall(Objective(&c, &J, grad));
  for (PetscInt e = 0; e < p->mnnz; e++) dr[e] = (nnreal)grad[e];
  PetscCall(GCVAEModelBackward(c.model, p->in, dr, MODEL_KL_W));
  PetscCall(PetscArraycpy(ga, buf->grads, buf->count));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: n %" PetscInt_FMT ", mask nnz %" PetscInt_FMT ", %zu parameters in %d tensors, objective %.6f\n", title, p->n, p->mnnz, buf->count, buf->ntensors, J));

  for (int t = 0; t < buf->ntensors; t++) {
    const size_t size = buf->sizes[t], off = buf->offsets[t];
    const int    unused = mode != GCVAE_LATENT_TRAIN && (!strncmp(buf->names[t], "inv.", 4) || !strncmp(buf->names[t], "lat.", 4));
    size_t       q      = PetscMin(size, 6 + (size_t)samples * size / buf->count);
    double       gmax = 0, emax = 0;
    int          bad;
    for (size_t i = 0; i < size; i++) gmax = gc_max(gmax, PetscAbsReal(ga[off + i]));
    if (unused) { /* the inverse encoder and latent MLP are not used outside training */
      bad = gmax != 0;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s %6zu values  unused in this mode, max |g| %.1e%s\n", buf->names[t], size, gmax, bad ? "  FAIL" : ""));
      nbad += bad;
      continue;
    }
    if (corrupt && !strcmp(buf->names[t], "dec.l2.w")) q = size; /* check every entry: the corrupted one too */
    for (size_t s = 0; s < q; s++) {
      const size_t i  = off + (q == size ? s : (size_t)mt_uniform(0, (double)size - 0.5));
      const nnreal x0 = buf->params[i];
      double       Jp, Jm, Jp2, Jm2, fd, g = ga[i], err;
      if (corrupt && !strcmp(buf->names[t], "dec.l2.w") && s == size / 2) g += 1e-3 * (PetscAbsReal(g) + 1e-2);
      /* (8 (J(h) - J(-h)) - (J(2h) - J(-2h))) / 12h: truncation O(h^4), so that h can be
         large enough for rounding (eps J / h) to stay far below the tolerance */
      buf->params[i] = x0 + fd_step;
      PetscCall(Objective(&c, &Jp, NULL));
      buf->params[i] = x0 - fd_step;
      PetscCall(Objective(&c, &Jm, NULL));
      buf->params[i] = x0 + 2 * fd_step;
      PetscCall(Objective(&c, &Jp2, NULL));
      buf->params[i] = x0 - 2 * fd_step;
      PetscCall(Objective(&c, &Jm2, NULL));
      buf->params[i] = x0;
      fd             = (8 * (Jp - Jm) - (Jp2 - Jm2)) / (12 * fd_step);
      err            = PetscAbsReal(g - fd) / PetscMax(PetscMax(PetscAbsReal(g), PetscAbsReal(fd)), MODEL_FD_FLOOR);
      emax           = gc_max(emax, err);
    }
    bad = !(emax < MODEL_FD_TOL) || gmax == 0; /* an all-zero gradient means a disconnected tensor */
    if (bad && corrupt && !strcmp(buf->names[t], "dec.l2.w")) corrupted_caught = 1;
    else nbad += bad;
    worst = gc_max(worst, emax);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-16s %6zu values, %4zu checked  max |g| %.2e  max rel err %.2e%s\n", buf->names[t], size, q, gmax, emax, bad ? "  FAIL" : ""));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  worst relative error %.2e (tol %.0e, floor %.0e)%s\n", worst, MODEL_FD_TOL, MODEL_FD_FLOOR, nbad ? "  FAIL" : ""));
  if (corrupt) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  corrupted entry of dec.l2.w %s\n", corrupted_caught ? "caught" : "NOT CAUGHT"));
    if (dec == GCVAE_DECODER_GRAPH) nbad += !corrupted_caught;
  }
  *fails += nbad;
  PetscCall(PetscFree5(c.eps, c.r, grad, dr, ga));
  PetscCall(GCVAEModelDestroy(&c.model));
  PetscFunctionReturn(0);
}

/* The float forward (t_model -test precision) against this double one, same parameters */
static PetscErrorCode Precision(const char file[], int *fails)
{
  FILE *fp;

  PetscFunctionBeginUser;
  fp = fopen(file, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open %s (run tests/bin/t_model -test precision -file %s first)", file, file);
  for (int v = 0; v < 3; v++) { /* graph, cnn, graph with edge states */
    const int        dec = v == 1;
    MTProblem        p;
    GCVAEModelHeader h;
    GCVAEModel       model;
    NNParamBuffer   *buf;
    nnreal          *eps, *r;
    double           kl, klf, err = 0, rmax = 0;
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
    PetscCheck(fread(&count, sizeof(count), 1, fp) == 1 && count == p.mnnz && fread(&klf, sizeof(klf), 1, fp) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: unexpected contents", file);
    for (PetscInt e = 0; e < p.mnnz; e++) {
      float rf;
      PetscCheck(fread(&rf, sizeof(rf), 1, fp) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: too short", file);
      err  = gc_max(err, PetscAbsReal(rf - r[e]));
      rmax = gc_max(rmax, PetscAbsReal(r[e]));
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s decoder, train mode: max |r~ - r~_float| / max |r~| = %.2e, KL %.6f vs float %.6f\n", v == 2 ? "graph (edge_layers 2)" : dec ? "cnn" : "graph", err / rmax, kl, klf));
    gc_expect("float vs double forward, relative", err / rmax, 1e-5);
    gc_expect("float vs double KL, relative", PetscAbsReal(kl - klf) / PetscMax(kl, 1e-3), 1e-5);
    PetscCall(PetscFree2(eps, r));
    PetscCall(GCVAEModelDestroy(&model));
    PetscCall(MTProblemDestroy(&p));
  }
  fclose(fp);
  *fails += gc_failures();
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      test[32] = "gradcheck", file[PETSC_MAX_PATH_LEN] = "";
  PetscInt  samples  = 300;
  PetscBool corrupt  = PETSC_FALSE, isgc;
  int       fails    = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test", test, sizeof(test), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-file", file, sizeof(file), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-samples", &samples, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-corrupt", &corrupt, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-fd_step", &fd_step, NULL));
  PetscCall(PetscStrcmp(test, "gradcheck", &isgc));
  if (isgc) {
    MTProblem p;
    mt_seed(7);
    /* 6 x 6 grid (n = 36), contrast 10, mask extra 0.2, 16 x 16 image */
    PetscCall(MTProblemCreate(6, 10, 0.2, 16, &p));
    PetscCall(CheckModel("graph decoder, train mode", GCVAE_DECODER_GRAPH, 0, GCVAE_LATENT_TRAIN, &p, samples, corrupt, &fails));
    if (!corrupt) {
      PetscCall(CheckModel("cnn decoder (cnn_n = n = 36, 40 x 40 image cropped), train mode", GCVAE_DECODER_CNN, 0, GCVAE_LATENT_TRAIN, &p, samples, PETSC_FALSE, &fails));
      PetscCall(CheckModel("graph decoder, mean mode (dr path only)", GCVAE_DECODER_GRAPH, 0, GCVAE_LATENT_MEAN, &p, samples, PETSC_FALSE, &fails));
      PetscCall(CheckModel("graph decoder, 3 GATv2 layers, edge_layers 2, train mode", GCVAE_DECODER_GRAPH, 2, GCVAE_LATENT_TRAIN, &p, samples, PETSC_FALSE, &fails));
      PetscCall(CheckModel("graph decoder, 3 GATv2 layers, edge_layers 2, mean mode", GCVAE_DECODER_GRAPH, 2, GCVAE_LATENT_MEAN, &p, samples, PETSC_FALSE, &fails));
    }
    PetscCall(MTProblemDestroy(&p));
  } else {
    PetscCall(Precision(file, &fails));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", fails ? "FAILED" : "passed"));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
