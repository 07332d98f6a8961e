static char help[] = "gcvae-datagen: datasets of SPD matrices from one PDE family on one mesh, or from files.\n"
                     "  -family poisson|biharmonic  P1 -div(f grad u) or P2 C0-IP lap(f lap u)\n"
                     "  -matrices LIST           instead: PETSc binary matrices (e.g. -pc_gcvae_record DIR's); LIST\n"
                     "                           is comma-separated paths, quoted globs ('DIR/*.bin') or directories\n"
                     "                           (their *.bin); one dataset per sparsity pattern (several: <o>_0.h5,\n"
                     "                           <o>_1.h5, ...); -family NAME names it (default recorded); -max_n N\n"
                     "                           the largest n taken (8000: the |A^-1| image needs 8 n^2 bytes)\n"
                     "  -mesh FILE               gmsh mesh of the unit square\n"
                     "  -samples N               number of matrices (random coefficients)\n"
                     "  -seed S                  generator seed (same seed, same file)\n"
                     "  -o FILE                  output HDF5 dataset\n"
                     "  -contrast_min C -contrast_max C   max f/min f drawn log-uniform in [C1, C2] (1e2, 1e3)\n"
                     "  -degree D                degree of the polynomial p in f = exp(p) (2)\n"
                     "  -image_size P            pooled |A^-1| image is P x P (64)\n"
                     "  -image dense|block       dense: block averages of |A^-1| from a dense inverse (8 n^2 bytes,\n"
                     "                           O(n^3)); block: |block averages of A^-1| from a sparse Cholesky and\n"
                     "                           P solves (memory O(nnz(L) + n P); equal where A^-1 >= 0) (dense)\n"
                     "  -refine R                uniform refinements of the mesh (0)\n"
                     "  -test_fraction F         fraction of samples held out for testing (0.2)\n"
                     "  -sigma S                 interior penalty of the biharmonic family (8)\n"
                     "The dataset is written to <o>.tmp.<host>.<pid> and renamed to <o> when complete: a reader\n"
                     "sees the old file or the new one. Runs writing the same -o do not break each other; the\n"
                     "last rename wins. An error or SIGINT/SIGTERM/SIGHUP leaves nothing; kill -9 leaves the\n"
                     "temporary, which the next run writing <o> on this host removes.\n";

/* For each sample: draw f, assemble A on the DMPlex, reorder by RCM (computed once:
   the pattern is the same for every f), check A is symmetric, compute |A^-1| by
   dense Cholesky and pool it, and append values, coefficients and image to the
   dataset. The file is written to this process's temporary <o>.tmp.<host>.<pid> and renamed
   when complete (src/dataset.c), so concurrent runs with one -o each install a whole file. */
#include <gcvae.h>
#include <signal.h>
#include <unistd.h>
#include "family.h"
#include "checkpoint.h" /* the test hooks */
#include "recorded.h"

typedef struct {
  char      family[GCVAE_NAME_LEN];
  char      mesh[PETSC_MAX_PATH_LEN];
  char      out[PETSC_MAX_PATH_LEN];
  char      matrices[4096]; /* -matrices */
  PetscInt  samples, seed, degree, image_size, refine, max_n;
  PetscBool block;          /* -image block */
  PetscReal cmin, cmax, test_fraction, sigma;
  const GCVAEFamily *fam;
} AppCtx;

static char tmp_path[PETSC_MAX_PATH_LEN]; /* the writer's temporary, removed if the run is interrupted */

static void OnSignal(int sig)
{
  if (tmp_path[0]) (void)unlink(tmp_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

static PetscErrorCode ProcessOptions(AppCtx *ctx)
{
  PetscBool has_mesh, has_out, has_family, has_matrices;
  char      image[16] = "dense";

  PetscFunctionBeginUser;
  ctx->samples       = 0;
  ctx->seed          = 0;
  ctx->degree        = 2;
  ctx->image_size    = 64;
  ctx->refine        = 0;
  ctx->cmin          = 1e2;
  ctx->cmax          = 1e3;
  ctx->test_fraction = 0.2;
  ctx->sigma         = GCVAE_BIHARMONIC_SIGMA;
  ctx->max_n         = 8000;
  ctx->matrices[0]   = 0; /* PetscOptionsString leaves the buffer alone when the option is absent */
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "gcvae-datagen options", NULL);
  PetscCall(PetscOptionsString("-family", "PDE family: poisson or biharmonic", NULL, "", ctx->family, sizeof(ctx->family), &has_family));
  PetscCall(PetscOptionsString("-mesh", "gmsh mesh file", NULL, "", ctx->mesh, sizeof(ctx->mesh), &has_mesh));
  PetscCall(PetscOptionsString("-matrices", "PETSc binary matrices: paths, globs, directories", NULL, "", ctx->matrices, sizeof(ctx->matrices), &has_matrices));
  PetscCall(PetscOptionsInt("-max_n", "largest n of -matrices", NULL, ctx->max_n, &ctx->max_n, NULL));
  PetscCall(PetscOptionsInt("-samples", "number of matrices", NULL, ctx->samples, &ctx->samples, NULL));
  PetscCall(PetscOptionsInt("-seed", "generator seed", NULL, ctx->seed, &ctx->seed, NULL));
  PetscCall(PetscOptionsString("-o", "output HDF5 file", NULL, "", ctx->out, sizeof(ctx->out), &has_out));
  PetscCall(PetscOptionsReal("-contrast_min", "smallest max f / min f", NULL, ctx->cmin, &ctx->cmin, NULL));
  PetscCall(PetscOptionsReal("-contrast_max", "largest max f / min f", NULL, ctx->cmax, &ctx->cmax, NULL));
  PetscCall(PetscOptionsInt("-degree", "degree of p in f = exp(p)", NULL, ctx->degree, &ctx->degree, NULL));
  PetscCall(PetscOptionsInt("-image_size", "pooled inverse image size P", NULL, ctx->image_size, &ctx->image_size, NULL));
  PetscCall(PetscOptionsString("-image", "how the image is computed: dense or block", NULL, image, image, sizeof(image), NULL));
  PetscCall(PetscOptionsInt("-refine", "uniform mesh refinements", NULL, ctx->refine, &ctx->refine, NULL));
  PetscCall(PetscOptionsReal("-test_fraction", "held-out fraction", NULL, ctx->test_fraction, &ctx->test_fraction, NULL));
  PetscCall(PetscOptionsReal("-sigma", "biharmonic interior penalty", NULL, ctx->sigma, &ctx->sigma, NULL));
  PetscOptionsEnd();
  PetscCheck(!strcmp(image, "dense") || !strcmp(image, "block"), PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-image %s: use dense or block", image);
  ctx->block = (PetscBool)!strcmp(image, "block");
  PetscCheck(has_out, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "Missing -o FILE");
  PetscCheck(ctx->image_size > 0 && ctx->image_size <= 1024, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-image_size %" PetscInt_FMT " must be in [1, 1024]", ctx->image_size);
  PetscCheck(ctx->test_fraction >= 0 && ctx->test_fraction < 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-test_fraction %g must be in [0, 1)", (double)ctx->test_fraction);
  PetscCheck(ctx->seed >= 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-seed %" PetscInt_FMT " must be >= 0", ctx->seed);
  if (has_matrices) { /* the family options do not apply */
    PetscCheck(!has_mesh && !ctx->samples, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-matrices takes the matrices from files: drop -mesh and -samples");
    PetscCheck(ctx->max_n >= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-max_n %" PetscInt_FMT " must be >= 1", ctx->max_n);
    if (!has_family) PetscCall(PetscStrncpy(ctx->family, "recorded", sizeof(ctx->family)));
    PetscFunctionReturn(0);
  }
  PetscCheck(has_family, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "Missing -family (poisson or biharmonic), or -matrices FILES");
  PetscCall(GCVAEFamilyGet(ctx->family, &ctx->fam));
  PetscCheck(ctx->sigma > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-sigma %g must be > 0", (double)ctx->sigma);
  PetscCheck(has_mesh, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "Missing -mesh FILE");
  PetscCheck(ctx->samples > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-samples %" PetscInt_FMT " must be > 0", ctx->samples);
  PetscCheck(ctx->degree >= 1 && ctx->degree <= GCVAE_COEFF_MAX_DEGREE, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-degree %" PetscInt_FMT " must be in [1, %d]", ctx->degree, GCVAE_COEFF_MAX_DEGREE);
  PetscCheck(ctx->cmin >= 1 && ctx->cmax >= ctx->cmin, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-contrast_min %g and -contrast_max %g must satisfy 1 <= min <= max", (double)ctx->cmin, (double)ctx->cmax);
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(AppCtx *ctx, GCVAEDatasetWriter *writer)
{
  DM                 dm;
  Mat                A, B = NULL;
  IS                 rperm, cperm;
  PetscRandom        rnd;
  PetscInt           n, nnz = 0, *rowptr = NULL, *colind = NULL, nc = GCVAECoeffCount(ctx->degree), P = ctx->image_size;
  PetscReal          c[GCVAE_COEFF_MAX_COUNT], *coords, *coords_rcm;
  PetscScalar       *dense;
  float             *image;
  GCVAEDatasetHeader hdr;
  PetscLogDouble     t0, t;
  const PetscInt     every = PetscMax(1, ctx->samples / 20);

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(GCVAEMeshLoad(PETSC_COMM_SELF, ctx->mesh, ctx->refine, &dm));
  PetscCall(ctx->fam->setup(dm, ctx->degree, ctx->sigma));
  PetscCall(ctx->fam->create_matrix(dm, &A));
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "datagen: family %s, mesh %s, n = %" PetscInt_FMT ", %" PetscInt_FMT " samples, seed %" PetscInt_FMT "\n", ctx->family, ctx->mesh, n, ctx->samples, ctx->seed));

  /* RCM from the (coefficient-independent) pattern */
  PetscCall(ctx->fam->assemble(dm, A));
  PetscCall(MatGetOrdering(A, MATORDERINGRCM, &rperm, &cperm));
  PetscCall(PetscMalloc2(2 * n, &coords, 2 * n, &coords_rcm));
  PetscCall(GCVAEDofCoordinates(dm, coords));
  {
    const PetscInt *p;
    PetscCall(ISGetIndices(rperm, &p));
    for (PetscInt i = 0; i < n; i++) {
      coords_rcm[2 * i]     = coords[2 * p[i]];
      coords_rcm[2 * i + 1] = coords[2 * p[i] + 1];
    }
    PetscCall(ISRestoreIndices(rperm, &p));
  }

  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)(2 * ctx->seed), &rnd));
  if (!ctx->block) PetscCall(PetscMalloc1((size_t)n * n, &dense));
  else dense = NULL;
  PetscCall(PetscMalloc1(P * P, &image));
  for (PetscInt s = 0; s < ctx->samples; s++) {
    const PetscInt    *ia, *ja;
    const PetscScalar *va;
    PetscInt           nrows;
    PetscBool          done, sym;
    PetscReal          amax;

    PetscCall(GCVAECoeffRandom(rnd, ctx->degree, ctx->cmin, ctx->cmax, c));
    PetscCall(GCVAEFamilySetCoefficient(dm, ctx->degree, c));
    PetscCall(ctx->fam->assemble(dm, A));
    PetscCall(MatDestroy(&B));
    PetscCall(MatPermute(A, rperm, cperm, &B));
    PetscCall(MatNorm(B, NORM_MAX, &amax));
    PetscCall(MatIsSymmetric(B, 1e-12 * amax, &sym));
    PetscCheck(sym, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Sample %" PetscInt_FMT ": assembled matrix is not symmetric", s);
    PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nrows, &ia, &ja, &done));
    PetscCheck(done && nrows == n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cannot read the CSR pattern");
    if (!rowptr) { /* first sample: the shared pattern, and the file */
      nnz = ia[n];
      PetscCall(PetscMalloc2(n + 1, &rowptr, nnz, &colind));
      PetscCall(PetscArraycpy(rowptr, ia, n + 1));
      PetscCall(PetscArraycpy(colind, ja, nnz));
      PetscCall(PetscMemzero(&hdr, sizeof(hdr)));
      PetscCall(PetscStrncpy(hdr.family, ctx->family, sizeof(hdr.family)));
      PetscCall(PetscStrncpy(hdr.mesh, ctx->mesh, sizeof(hdr.mesh)));
      hdr.refine       = ctx->refine;
      hdr.n            = n;
      hdr.nnz          = nnz;
      hdr.nsamples     = ctx->samples;
      hdr.seed         = ctx->seed;
      hdr.ncoeffs      = nc;
      hdr.degree       = ctx->degree;
      hdr.image_size   = P;
      PetscCall(PetscStrncpy(hdr.image, ctx->block ? "block" : "dense", sizeof(hdr.image)));
      hdr.contrast_min = ctx->cmin;
      hdr.contrast_max = ctx->cmax;
      hdr.sigma        = strcmp(ctx->family, "biharmonic") ? 0 : ctx->sigma;
      {
        const PetscInt *p;
        PetscCall(ISGetIndices(rperm, &p));
        PetscCall(GCVAEDatasetWriterCreate(ctx->out, &hdr, rowptr, colind, p, coords_rcm, writer));
        PetscCall(ISRestoreIndices(rperm, &p));
      }
    } else {
      PetscBool same;
      PetscCall(PetscArraycmp(rowptr, ia, n + 1, &same));
      if (same) PetscCall(PetscArraycmp(colind, ja, nnz, &same));
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Sample %" PetscInt_FMT " has a different sparsity pattern", s);
    }
    PetscCall(GCVAEMatInverseImage(B, ctx->block, dense, P, image)); /* also the SPD check: Cholesky or inertia */
    PetscCall(MatSeqAIJGetArrayRead(B, &va));
    PetscCall(GCVAEDatasetWriterAddSample(*writer, s, va, c, image));
    PetscCall(GCVAETestKillPoint("datagen_sample", s + 1));
    PetscCall(MatSeqAIJRestoreArrayRead(B, &va));
    PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nrows, &ia, &ja, &done));
    if ((s + 1) % every == 0 || s + 1 == ctx->samples) {
      PetscCall(PetscTime(&t));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "datagen: %6" PetscInt_FMT "/%" PetscInt_FMT " samples  %8.1f s  eta %8.1f s\n", s + 1, ctx->samples, t - t0, (t - t0) / (s + 1) * (ctx->samples - s - 1)));
    }
  }
  {
    PetscInt ntest = 0, *test = NULL;
    PetscCall(GCVAETestSplit(ctx->seed, ctx->samples, ctx->test_fraction, &ntest, &test));
    PetscCall(GCVAETestHold());
    PetscCall(GCVAEDatasetWriterFinish(writer, ntest, test));
    PetscCall(PetscTime(&t));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "datagen: wrote %s: n = %" PetscInt_FMT ", nnz = %" PetscInt_FMT ", %" PetscInt_FMT " train + %" PetscInt_FMT " test, %.1f s\n", ctx->out, n, nnz, ctx->samples - ntest, ntest, t - t0));
    PetscCall(PetscFree(test));
  }
  PetscCall(PetscFree(image));
  PetscCall(PetscFree(dense));
  PetscCall(PetscFree2(rowptr, colind));
  PetscCall(PetscFree2(coords, coords_rcm));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(ISDestroy(&rperm));
  PetscCall(ISDestroy(&cperm));
  PetscCall(MatDestroy(&B));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx             ctx;
  GCVAEDatasetWriter writer = NULL;
  PetscMPIInt        size;
  PetscErrorCode     ierr;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size == 1, PETSC_COMM_WORLD, PETSC_ERR_SUP, "gcvae-datagen runs on one process (dense inverses use threaded BLAS)");
  PetscCall(ProcessOptions(&ctx));
  /* leftovers of SIGKILLed runs; then the name GCVAEDatasetWriterCreate will use (same
     process, same name), so that the handlers can remove it */
  PetscCall(GCVAETempRemoveStale(ctx.out, "datagen"));
  PetscCall(GCVAETempName(ctx.out, tmp_path, sizeof(tmp_path)));
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGHUP, OnSignal);
  if (ctx.matrices[0]) { /* training/recorded.c; it leaves nothing on an error (several patterns: the
                           handlers remove the temporary of <o> only, the next run the others) */
    GCVAERecordedOptions o = {ctx.matrices, ctx.family, ctx.out, ctx.image_size, ctx.seed, ctx.test_fraction, ctx.max_n, ctx.block};
    ierr = GCVAERecordedDatasets(&o);
    if (ierr) {
      PetscFinalize();
      return (int)ierr;
    }
    PetscCall(PetscFinalize());
    return 0;
  }
  ierr = Run(&ctx, &writer);
  if (ierr) { /* leave no partial output behind */
    PetscCall(GCVAEDatasetWriterAbort(&writer));
    (void)unlink(tmp_path);
    PetscFinalize();
    return (int)ierr;
  }
  PetscCall(PetscFinalize());
  return 0;
}
