static char help[] = "PCGCVAE: bad inputs give PETSc errors naming the cause, the fallback policy, and\n"
                     "(-mode report) the generated R and CG iterations for serial/MPI comparison.\n"
                     "  -mode errors [-mesh FILE -dir DIR] | -mode report -model FILE -data DATASET [-save_R FILE] [-pc_gcvae_... options]\n"
                     "  -mode diffR -a FILE -b FILE: ||R_a - R_b||_F / ||R_a||_F of two factors saved by -save_R\n";

#include <ctype.h>
#include <gcvae_model.h>
#include <pcgcvae.h>
#include "../training/family.h"

static char last_message[4096];

/* Records the message of the first error of a failing call. */
static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) PetscStrncpy(last_message, mess, sizeof(last_message));
  return n;
}

/* PCSetUp with model file and options; returns the error code (0: fine). Each call has its
   own options prefix, so the options of one case never reach another. */
static PetscErrorCode TrySetUp(Mat A, const char model[], const char options[], PetscErrorCode *ierr)
{
  static int call = 0;
  KSP        ksp;
  PC         pc;
  char       prefix[32], prefixed[1024] = "";

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "case%d_", call++));
  if (options) { /* "-a 1 -b x" -> "-case7_a 1 -case7_b x" */
    char   *copy, *tok, *save = NULL;
    size_t  len = 0;
    PetscCall(PetscStrallocpy(options, &copy));
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
      const PetscBool name = (PetscBool)(tok[0] == '-' && isalpha((unsigned char)tok[1])); /* not "-1" */
      len += (size_t)snprintf(prefixed + len, sizeof(prefixed) - len, name ? "-%s%s " : "%s%s ", name ? prefix : "", name ? tok + 1 : tok);
    }
    PetscCall(PetscFree(copy));
    PetscCall(PetscOptionsInsertString(NULL, prefixed));
  }
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)A), &ksp));
  PetscCall(KSPSetOptionsPrefix(ksp, prefix));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  if (model) PetscCall(PCGCVAESetModel(pc, model));
  last_message[0] = 0;
  PetscCall(PetscPushErrorHandler(RecordError, NULL));
  *ierr = KSPSetFromOptions(ksp);
  if (!*ierr) *ierr = KSPSetUp(ksp);
  PetscCall(PetscPopErrorHandler());
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

static PetscErrorCode Expect(Mat A, const char what[], const char model[], const char options[], const char words[], PetscInt *fails)
{
  PetscErrorCode ierr;
  char          *found = NULL;

  PetscFunctionBeginUser;
  PetscCall(TrySetUp(A, model, options, &ierr));
  if (ierr) PetscCall(PetscStrstr(last_message, words, &found));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-4s %-26s %s\n", ierr && found ? "ok" : "FAIL", what, ierr ? last_message : "(no error)"));
  if (!ierr || !found) (*fails)++;
  PetscFunctionReturn(0);
}

/* rank 0 writes, everyone waits */
static PetscErrorCode WriteBytes(const char path[], const unsigned char *b, size_t len)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) {
    FILE *f = fopen(path, "wb");
    PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
    PetscCheck(fwrite(b, 1, len, f) == len && !fclose(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

static PetscErrorCode Errors(const char mesh[], const char dir[])
{
  Mat              A, B;
  GCVAEModel       model;
  GCVAEModelHeader hdr;
  char             good[PETSC_MAX_PATH_LEN], bad[PETSC_MAX_PATH_LEN], cnn[PETSC_MAX_PATH_LEN];
  unsigned char   *bytes;
  size_t           len;
  PetscInt         fails = 0, n;
  FILE            *f;
  PetscMPIInt      rank;

  PetscFunctionBeginUser;
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_WORLD, mesh, 0, 3, 1e3, &A));
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCall(PetscMemzero(&hdr, sizeof(hdr)));
  hdr.decoder        = GCVAE_DECODER_GRAPH;
  hdr.node_features  = GCVAE_NODE_FEATURES;
  hdr.edge_features  = GCVAE_EDGE_FEATURES;
  hdr.hidden         = 8;
  hdr.gat_layers     = 2;
  hdr.heads          = 2;
  hdr.latent         = 4;
  hdr.image_size     = 16;
  hdr.cnn_channels   = 2;
  hdr.cnn_layers     = 2;
  hdr.decoder_hidden = 8;
  hdr.mask_extra     = 0.2;
  hdr.scaling        = 1;
  PetscCall(PetscSNPrintf(good, sizeof(good), "%s/good.bin", dir));
  PetscCall(PetscSNPrintf(bad, sizeof(bad), "%s/bad.bin", dir));
  PetscCall(PetscSNPrintf(cnn, sizeof(cnn), "%s/cnn.bin", dir));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(GCVAEModelCreate(&hdr, 1, &model));
  if (!rank) PetscCall(GCVAEModelSave(model, good)); /* the writer is not collective */
  PetscCall(GCVAEModelDestroy(&model));
  hdr.decoder = GCVAE_DECODER_CNN;
  hdr.cnn_n   = n + 7;
  PetscCall(GCVAEModelCreate(&hdr, 1, &model));
  if (!rank) PetscCall(GCVAEModelSave(model, cnn));
  PetscCall(GCVAEModelDestroy(&model));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));

  f = fopen(good, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot read %s", good);
  fseek(f, 0, SEEK_END);
  len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  PetscCall(PetscMalloc1(len, &bytes));
  PetscCheck(fread(bytes, 1, len, f) == len, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read %s", good);
  fclose(f);

  /* a sane model sets up (an untrained model is Jacobi: no fallback needed, probe equal) */
  {
    PetscErrorCode ierr;
    PetscCall(TrySetUp(A, good, NULL, &ierr));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-4s %-26s %s\n", ierr ? "FAIL" : "ok", "untrained model sets up", ierr ? last_message : ""));
    if (ierr) fails++;
  }
  PetscCall(Expect(A, "no model given", NULL, NULL, "needs a trained model", &fails));
  PetscCall(Expect(A, "missing model file", "no/such/model.bin", NULL, "cannot open", &fails));
  PetscCall(WriteBytes(bad, bytes, len / 2));
  PetscCall(Expect(A, "truncated file", bad, NULL, "truncated", &fails));
  bytes[0] ^= 0xff;
  PetscCall(WriteBytes(bad, bytes, len));
  PetscCall(Expect(A, "wrong magic", bad, NULL, "not a PCGCVAE model file", &fails));
  bytes[0] ^= 0xff;
  bytes[8] = 2; /* format version (little-endian uint32 at byte 8) */
  PetscCall(WriteBytes(bad, bytes, len));
  PetscCall(Expect(A, "future version", bad, NULL, "newer than this build reads", &fails));
  bytes[8] = 1;
  bytes[len - 100] ^= 0x01;
  PetscCall(WriteBytes(bad, bytes, len));
  PetscCall(Expect(A, "one flipped byte", bad, NULL, "checksum mismatch", &fails));
  bytes[len - 100] ^= 0x01;
  PetscCall(Expect(A, "cnn model, other n", cnn, NULL, "trained for n", &fails));

  /* matrices */
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, 10, 12, 1, NULL, 1, NULL, &B));
  PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
  PetscCall(Expect(B, "non-square matrix", good, NULL, "square", &fails));
  PetscCall(MatDestroy(&B));
  {
    const PetscReal values[3] = {0.0, -2.0, PETSC_MAX_REAL * 10};
    const char     *names[3]  = {"zero diagonal", "negative diagonal", "Inf diagonal"};
    const char     *words[3]  = {"diagonal must be positive", "diagonal must be positive", "NaN or Inf"};
    for (PetscInt k = 0; k < 3; k++) {
      PetscInt rstart;
      PetscCall(MatDuplicate(A, MAT_COPY_VALUES, &B));
      PetscCall(MatGetOwnershipRange(B, &rstart, NULL));
      PetscCall(MatSetValue(B, rstart, rstart, values[k], INSERT_VALUES));
      PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
      PetscCall(Expect(B, names[k], good, NULL, words[k], &fails));
      PetscCall(MatDestroy(&B));
    }
    PetscCall(MatDuplicate(A, MAT_COPY_VALUES, &B));
    {
      PetscInt rstart;
      PetscCall(MatGetOwnershipRange(B, &rstart, NULL));
      PetscCall(MatSetValue(B, rstart, rstart, NAN, INSERT_VALUES));
    }
    PetscCall(MatAssemblyBegin(B, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(B, MAT_FINAL_ASSEMBLY));
    PetscCall(Expect(B, "NaN entry", good, NULL, "NaN or Inf", &fails));
    PetscCall(MatDestroy(&B));
  }
  /* options out of range */
  PetscCall(Expect(A, "samples 0", good, "-pc_gcvae_samples 0", "-pc_gcvae_samples 0 must be in", &fails));
  PetscCall(Expect(A, "extra 11", good, "-pc_gcvae_extra 11", "-pc_gcvae_extra 11", &fails));
  PetscCall(Expect(A, "seed -1", good, "-pc_gcvae_seed -1", "-pc_gcvae_seed -1", &fails));
  PetscCall(Expect(A, "samples 4 with mean latent", good, "-pc_gcvae_samples 4", "use -pc_gcvae_latent sample", &fails));
  PetscCall(Expect(A, "unknown fallback", good, "-pc_gcvae_fallback maybe", "-pc_gcvae_fallback maybe: use jacobi, error or none", &fails));
  PetscCall(Expect(A, "unknown latent", good, "-pc_gcvae_latent median", "-pc_gcvae_latent median: use mean or sample", &fails));
  PetscCall(Expect(A, "droptol out of range", good, "-pc_gcvae_droptol 1.5", "-pc_gcvae_droptol 1.5 must be in [0, 1)", &fails));
  PetscCall(Expect(A, "negative droptol", good, "-pc_gcvae_droptol -0.1", "-pc_gcvae_droptol -0.1 must be in [0, 1)", &fails));
  PetscCall(Expect(A, "unknown precision", good, "-pc_gcvae_precision half", "-pc_gcvae_precision half: use single or double", &fails));
  PetscCall(PetscFree(bytes));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", fails ? "FAIL" : "PASS"));
  PetscCheck(!fails, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " bad inputs not rejected as expected", fails);
  PetscFunctionReturn(0);
}

/* The generated R (norm, nnz, probe) and CG iterations: identical for any number of processes */
static PetscErrorCode Report(const char data[], const char model[], const char save[])
{
  GCVAEDataset ds;
  Mat                A, R;
  KSP                ksp;
  PC                 pc;
  Vec                b, x;
  PetscInt           its;
  PetscReal          nrm, probe, pj, applyerr;
  PetscBool          fell;
  MatInfo            info;

  PetscFunctionBeginUser;
  /* a dataset matrix: the same global ordering for any number of processes */
  PetscCall(GCVAEDatasetOpen(PETSC_COMM_WORLD, data, &ds));
  PetscCall(GCVAEDatasetCreateMat(ds, PETSC_COMM_WORLD, 0, &A));
  PetscCall(GCVAEDatasetClose(&ds));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, 10000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  PetscCall(PCGCVAESetModel(pc, model));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSetUp(ksp));
  PetscCall(GCVAECreateRHS(A, 1, &b));
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(PCGCVAEGetFactor(pc, &R));
  PetscCall(MatNorm(R, NORM_FROBENIUS, &nrm));
  PetscCall(MatGetInfo(R, MAT_GLOBAL_SUM, &info));
  PetscCall(PCGCVAEGetProbe(pc, &probe, &pj, &fell));
  { /* the apply is R (R^T b) with the R that PCGCVAEGetFactor returns (any -pc_gcvae_precision) */
    Vec       y, w, z;
    PetscReal ny, nz;
    PetscCall(MatCreateVecs(R, &w, &z));
    PetscCall(VecDuplicate(z, &y));
    PetscCall(PCApply(pc, b, y));
    PetscCall(MatMultTranspose(R, b, w));
    PetscCall(MatMult(R, w, z));
    PetscCall(VecAXPY(y, -1, z));
    PetscCall(VecNorm(y, NORM_2, &ny));
    PetscCall(VecNorm(z, NORM_2, &nz));
    applyerr = ny / nz;
    PetscCall(VecDestroy(&y));
    PetscCall(VecDestroy(&w));
    PetscCall(VecDestroy(&z));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "its %" PetscInt_FMT " nnzR %.0f normR %.15e probe %.6e jacobi %.6e fallback %d applyerr %.3e\n", its, info.nz_used, (double)nrm, (double)probe, (double)pj, (int)fell, (double)applyerr));
  if (save[0]) { /* in the global ordering, whatever the number of processes */
    PetscViewer v;
    PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, save, FILE_MODE_WRITE, &v));
    PetscCall(MatView(R, v));
    PetscCall(PetscViewerDestroy(&v));
  }
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

/* ||R_a - R_b||_F / ||R_a||_F (and whether the patterns agree) of two factors saved by -save_R */
static PetscErrorCode DiffR(const char fa[], const char fb[])
{
  const char *files[2] = {fa, fb};
  Mat         R[2];
  PetscReal   na, nd;
  PetscBool   same;

  PetscFunctionBeginUser;
  for (int i = 0; i < 2; i++) {
    PetscViewer v;
    PetscCall(PetscViewerBinaryOpen(PETSC_COMM_SELF, files[i], FILE_MODE_READ, &v));
    PetscCall(MatCreate(PETSC_COMM_SELF, &R[i]));
    PetscCall(MatSetType(R[i], MATSEQAIJ));
    PetscCall(MatLoad(R[i], v));
    PetscCall(PetscViewerDestroy(&v));
  }
  PetscCall(MatNorm(R[0], NORM_FROBENIUS, &na));
  { /* the same CSR pattern */
    const PetscInt *ia[2], *ja[2];
    PetscInt        n[2];
    PetscBool       done;
    for (int i = 0; i < 2; i++) PetscCall(MatGetRowIJ(R[i], 0, PETSC_FALSE, PETSC_FALSE, &n[i], &ia[i], &ja[i], &done));
    same = (PetscBool)(n[0] == n[1]);
    for (PetscInt r = 0; same && r <= n[0]; r++) same = (PetscBool)(ia[0][r] == ia[1][r]);
    for (PetscInt k = 0; same && k < ia[0][n[0]]; k++) same = (PetscBool)(ja[0][k] == ja[1][k]);
    for (int i = 0; i < 2; i++) PetscCall(MatRestoreRowIJ(R[i], 0, PETSC_FALSE, PETSC_FALSE, &n[i], &ia[i], &ja[i], &done));
  }
  PetscCall(MatAXPY(R[1], -1, R[0], DIFFERENT_NONZERO_PATTERN));
  PetscCall(MatNorm(R[1], NORM_FROBENIUS, &nd));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "samepattern %d reldiff %.3e\n", (int)same, (double)(nd / na)));
  for (int i = 0; i < 2; i++) PetscCall(MatDestroy(&R[i]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      mode[16] = "errors", mesh[PETSC_MAX_PATH_LEN] = "meshes/square_102.msh", data[PETSC_MAX_PATH_LEN] = "", model[PETSC_MAX_PATH_LEN] = "", dir[PETSC_MAX_PATH_LEN] = "tests/out";
  char      save[PETSC_MAX_PATH_LEN] = "", fa[PETSC_MAX_PATH_LEN] = "", fb[PETSC_MAX_PATH_LEN] = "";
  PetscBool isreport, isdiff;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscDLLibraryRegister_pcgcvae());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mode", mode, sizeof(mode), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh", mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof(model), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", data, sizeof(data), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-save_R", save, sizeof(save), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-a", fa, sizeof(fa), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-b", fb, sizeof(fb), NULL));
  PetscCall(PetscStrcmp(mode, "report", &isreport));
  PetscCall(PetscStrcmp(mode, "diffR", &isdiff));
  if (isreport) PetscCall(Report(data, model, save)); /* -pc_gcvae_* options on the command line apply */
  else if (isdiff) PetscCall(DiffR(fa, fb));
  else PetscCall(Errors(mesh, dir));
  PetscCall(PetscFinalize());
  return 0;
}
