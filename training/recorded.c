/* gcvae-datagen -matrices: datasets from PETSc binary matrices, e.g. those a PETSc program saved
   with -pc_gcvae_record DIR (petsc-plugin/pcgcvaerecord.c).

   Two passes, so that a bad file leaves no output: the first loads and checks every matrix
   (square, finite, positive diagonal, symmetric) and groups them by sparsity pattern; the
   second writes one dataset per pattern (RCM order, as gcvae-datagen's family datasets) with
   the |A^-1| image of each matrix (its Cholesky is the SPD check), and the datasets are
   renamed into place only when every one is complete. Every error names its file. */
#include "recorded.h"
#include <glob.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode GCVAETestSplit(PetscInt seed, PetscInt N, PetscReal fraction, PetscInt *ntest, PetscInt **test)
{
  PetscInt *perm;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(N, &perm));
  PetscCall(GCVAERandomPermutation((unsigned long)(2 * seed + 1), N, perm));
  *ntest = (PetscInt)PetscFloorReal(fraction * N + 0.5);
  PetscCall(PetscSortInt(*ntest, perm));
  *test = perm;
  PetscFunctionReturn(0);
}

/* A PETSc error raised inside a call, caught so that it can be reported with the file's name
   in front (PETSc's own messages do not know which file a Mat came from). */
typedef struct {
  char msg[1024];
} Caught;

static PetscErrorCode Catch(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  Caught *c = (Caught *)ctx;

  if (p == PETSC_ERROR_INITIAL && mess && !c->msg[0]) strncpy(c->msg, mess, sizeof(c->msg) - 1);
  return n;
}

#define NAMED(path, call) \
  do { \
    Caught         c_ = {{0}}; \
    PetscErrorCode e_; \
    PetscCall(PetscPushErrorHandler(Catch, &c_)); \
    e_ = (call); \
    PetscCall(PetscPopErrorHandler()); \
    PetscCheck(!e_, PETSC_COMM_SELF, e_, "%s: %s", path, c_.msg[0] ? c_.msg : "PETSc error"); \
  } while (0)

/* The files of the list, in order: each item a path, a glob (sorted) or a directory (its *.bin) */
static PetscErrorCode ExpandList(const char list[], PetscInt *nfiles, char ***files)
{
  char   **items;
  int      nitems;
  PetscInt n = 0, cap = 16;
  char   **f;

  PetscFunctionBegin;
  PetscCall(PetscStrToArray(list, ',', &nitems, &items));
  PetscCheck(nitems > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-matrices: empty list");
  PetscCall(PetscMalloc1(cap, &f));
  for (int i = 0; i < nitems; i++) {
    char        pattern[PETSC_MAX_PATH_LEN];
    struct stat st;
    glob_t      g;
    int         r;
    PetscBool   isdir = (PetscBool)(!stat(items[i], &st) && S_ISDIR(st.st_mode));

    PetscCall(PetscSNPrintf(pattern, sizeof(pattern), isdir ? "%s/*.bin" : "%s", items[i]));
    r = glob(pattern, 0, NULL, &g);
    if (r == GLOB_NOMATCH) {
      PetscCheck(!isdir, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-matrices: the directory %s holds no *.bin file", items[i]);
      PetscCheck(!strpbrk(items[i], "*?["), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-matrices: no file matches %s (is the directory right?)", items[i]);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-matrices: %s: no such file", items[i]);
    }
    PetscCheck(r == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-matrices: cannot expand %s (glob error %d)", pattern, r);
    for (size_t k = 0; k < g.gl_pathc; k++) {
      if (n == cap) PetscCall(PetscRealloc(sizeof(*f) * (cap *= 2), &f));
      PetscCall(PetscStrallocpy(g.gl_pathv[k], &f[n++]));
    }
    globfree(&g);
  }
  PetscCall(PetscStrToArrayDestroy(nitems, items));
  *nfiles = n;
  *files  = f;
  PetscFunctionReturn(0);
}

/* MatLoad and the checks of a training matrix, each error naming the file */
static PetscErrorCode LoadChecked(const char path[], PetscInt max_n, PetscBool block, Mat *A)
{
  PetscViewer v;
  PetscInt    m, n;
  PetscReal   asym;

  PetscFunctionBegin;
  PetscCall(PetscViewerCreate(PETSC_COMM_SELF, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE)); /* a stray .info must not set options */
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_READ));
  NAMED(path, PetscViewerFileSetName(v, path));
  PetscCall(MatCreate(PETSC_COMM_SELF, A));
  PetscCall(MatSetType(*A, MATSEQAIJ));
  NAMED(path, MatLoad(*A, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(MatGetSize(*A, &m, &n));
  PetscCheck(m == n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the matrix is %" PetscInt_FMT " x %" PetscInt_FMT ", not square", path, m, n);
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: the matrix is empty (0 x 0)", path);
  PetscCheck(block || n <= max_n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: n = %" PetscInt_FMT ": the dataset's |A^-1| image needs a dense inverse (%.2g GB here), so gcvae-datagen takes n <= %" PetscInt_FMT " (-max_n), or use -image block (no dense inverse)", path, n, 8.0 * n * n / 1e9, max_n);
  NAMED(path, GCVAECheckMatrix(*A)); /* finite, positive diagonal */
  PetscCall(GCVAEMatAsymmetry(*A, &asym));
  PetscCheck(asym <= GCVAE_SYMMETRY_TOL, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: the matrix is not symmetric (max_i ||row_i(A) - row_i(A^T)||_1 / ||row_i(A)||_1 = %g > %g); PCGCVAE learns SPD matrices", path, (double)asym, (double)GCVAE_SYMMETRY_TOL);
  PetscFunctionReturn(0);
}

static PetscErrorCode SamePattern(Mat A, Mat B, PetscBool *same)
{
  const PetscInt *ia, *ja, *ib, *jb;
  PetscInt        na, nb;
  PetscBool       da, db;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &na, &ia, &ja, &da));
  PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nb, &ib, &jb, &db));
  PetscCheck(da && db, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cannot read the CSR pattern");
  *same = (PetscBool)(na == nb && ia[na] == ib[nb]);
  if (*same) PetscCall(PetscArraycmp(ia, ib, na + 1, same));
  if (*same) PetscCall(PetscArraycmp(ja, jb, ia[na], same));
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &na, &ia, &ja, &da));
  PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nb, &ib, &jb, &db));
  PetscFunctionReturn(0);
}

/* Dataset of group g: its matrices in RCM order of their common pattern, their images */
static PetscErrorCode WriteGroup(const GCVAERecordedOptions *o, const char out[], PetscInt nm, Mat A[], char *files[], GCVAEDatasetWriter *w)
{
  IS                 rperm, cperm;
  Mat                B;
  PetscInt           n, nr, P = o->image_size;
  const PetscInt    *ia, *ja, *p;
  PetscBool          done;
  PetscReal         *coords;
  PetscScalar       *dense;
  float             *image;
  GCVAEDatasetHeader hdr;

  PetscFunctionBegin;
  PetscCall(MatGetOrdering(A[0], MATORDERINGRCM, &rperm, &cperm));
  PetscCall(MatPermute(A[0], rperm, cperm, &B));
  PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &n, &ia, &ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cannot read the CSR pattern");
  PetscCall(PetscMemzero(&hdr, sizeof(hdr)));
  PetscCall(PetscStrncpy(hdr.family, o->family, sizeof(hdr.family)));
  PetscCall(PetscSNPrintf(hdr.mesh, sizeof(hdr.mesh), "recorded:%s", files[0])); /* no mesh: the first file */
  hdr.n          = n;
  hdr.nnz        = ia[n];
  hdr.nsamples   = nm;
  hdr.seed       = o->seed;
  hdr.image_size = P; /* ncoeffs, degree, contrast, sigma: 0, there is no coefficient */
  PetscCall(PetscStrncpy(hdr.image, o->block ? "block" : "dense", sizeof(hdr.image)));
  PetscCall(PetscCalloc1(2 * n, &coords)); /* no coordinates either: zeros (no model reads them) */
  PetscCall(ISGetIndices(rperm, &p));
  PetscCall(GCVAETempRemoveStale(out, "datagen"));
  PetscCall(GCVAEDatasetWriterCreate(out, &hdr, ia, ja, p, coords, w));
  PetscCall(ISRestoreIndices(rperm, &p));
  PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &nr, &ia, &ja, &done)); /* nr: Restore may zero it */
  PetscCall(MatDestroy(&B));
  PetscCall(PetscFree(coords));
  if (!o->block) PetscCall(PetscMalloc1((size_t)n * n, &dense));
  else dense = NULL;
  PetscCall(PetscMalloc1(P * P, &image));
  for (PetscInt s = 0; s < nm; s++) {
    const PetscScalar *va;
    PetscCall(MatPermute(A[s], rperm, cperm, &B));
    NAMED(files[s], GCVAEMatInverseImage(B, o->block, dense, P, image)); /* the SPD check: Cholesky or inertia */
    PetscCall(MatSeqAIJGetArrayRead(B, &va));
    PetscCall(GCVAEDatasetWriterAddSample(*w, s, va, NULL, image));
    PetscCall(MatSeqAIJRestoreArrayRead(B, &va));
    PetscCall(MatDestroy(&B));
  }
  PetscCall(PetscFree(image));
  PetscCall(PetscFree(dense));
  PetscCall(ISDestroy(&rperm));
  PetscCall(ISDestroy(&cperm));
  PetscFunctionReturn(0);
}

/* The output of group g of ngroups: out itself, or <stem>_<g>.h5 */
static PetscErrorCode GroupName(const char out[], PetscInt g, PetscInt ngroups, char name[], size_t len)
{
  size_t l = strlen(out);

  PetscFunctionBegin;
  if (ngroups == 1) PetscCall(PetscStrncpy(name, out, len));
  else {
    const size_t stem = (l > 3 && !strcmp(out + l - 3, ".h5")) ? l - 3 : l;
    PetscCall(PetscSNPrintf(name, len, "%.*s_%" PetscInt_FMT ".h5", (int)stem, out, g));
  }
  PetscFunctionReturn(0);
}

/* Every group's dataset to its writer's temporary, and its test split (ntest[g], test[g]) */
static PetscErrorCode WriteAll(const GCVAERecordedOptions *o, PetscInt nfiles, Mat A[], char *files[], PetscInt ngroups, const PetscInt group[], GCVAEDatasetWriter w[], PetscInt ntest[], PetscInt *test[])
{
  Mat  *Ag;
  char **fg, name[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nfiles, &Ag, nfiles, &fg));
  for (PetscInt g = 0; g < ngroups; g++) {
    PetscInt nm = 0;
    for (PetscInt i = 0; i < nfiles; i++)
      if (group[i] == g) {
        Ag[nm]   = A[i];
        fg[nm++] = files[i];
      }
    PetscCall(GroupName(o->out, g, ngroups, name, sizeof(name)));
    PetscCall(WriteGroup(o, name, nm, Ag, fg, &w[g]));
    PetscCall(GCVAETestSplit(o->seed, nm, o->test_fraction, &ntest[g], &test[g]));
  }
  PetscCall(PetscFree2(Ag, fg));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAERecordedDatasets(const GCVAERecordedOptions *o)
{
  PetscInt            nfiles = 0, ngroups = 0, *group, *first, *ntest, **test;
  char              **files = NULL, name[PETSC_MAX_PATH_LEN];
  Mat                *A;
  GCVAEDatasetWriter *w;
  PetscErrorCode      ierr;

  PetscFunctionBegin;
  PetscCall(ExpandList(o->list, &nfiles, &files));
  PetscCall(PetscCalloc3(nfiles, &A, nfiles, &group, nfiles, &first));
  for (PetscInt i = 0; i < nfiles; i++) {
    PetscCall(LoadChecked(files[i], o->max_n, o->block, &A[i]));
    group[i] = -1;
    for (PetscInt g = 0; g < ngroups && group[i] < 0; g++) {
      PetscBool same;
      PetscCall(SamePattern(A[first[g]], A[i], &same));
      if (same) group[i] = g;
    }
    if (group[i] < 0) {
      first[ngroups] = i;
      group[i]       = ngroups++;
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "datagen: %" PetscInt_FMT " matrices from %s, %" PetscInt_FMT " sparsity pattern%s\n", nfiles, o->list, ngroups, ngroups > 1 ? "s: one dataset each" : ""));
  PetscCall(PetscCalloc3(ngroups, &w, ngroups, &ntest, ngroups, &test));
  ierr = WriteAll(o, nfiles, A, files, ngroups, group, w, ntest, test);
  if (ierr) { /* leave nothing: no writer has renamed its file yet */
    for (PetscInt g = 0; g < ngroups; g++) PetscCall(GCVAEDatasetWriterAbort(&w[g]));
    return ierr;
  }
  for (PetscInt g = 0; g < ngroups; g++) {
    PetscInt n, cnt = 0;
    PetscCall(MatGetSize(A[first[g]], &n, NULL));
    for (PetscInt i = 0; i < nfiles; i++) cnt += group[i] == g;
    PetscCall(GroupName(o->out, g, ngroups, name, sizeof(name)));
    PetscCall(GCVAEDatasetWriterFinish(&w[g], ntest[g], test[g]));
    PetscCall(PetscFree(test[g]));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "datagen: wrote %s: n = %" PetscInt_FMT ", %" PetscInt_FMT " matrices (first %s)\n", name, n, cnt, files[first[g]]));
  }
  for (PetscInt i = 0; i < nfiles; i++) {
    PetscCall(MatDestroy(&A[i]));
    PetscCall(PetscFree(files[i]));
  }
  PetscCall(PetscFree(files));
  PetscCall(PetscFree3(w, ntest, test));
  PetscCall(PetscFree3(A, group, first));
  PetscFunctionReturn(0);
}
