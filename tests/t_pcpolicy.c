static char help[] = "PCGCVAE's policies, each an assertion that could fail:\n"
                     "  -test nonsym   [-grid 33] [-pc_gcvae_fallback jacobi|error|none]: 3-D 7-point Laplacian whose\n"
                     "                 Dirichlet rows are identity rows with their columns kept (A nonsymmetric)\n"
                     "  -test sym      [-grid 33]: the same with the columns eliminated: symmetric, generated R used\n"
                     "  -test worse    a model whose R is worse than Jacobi: fallback jacobi, error and none\n"
                     "  -test resetup  PCGCVAEGenerate events over repeated KSPSetFromOptions + KSPSolve\n"
                     "  -test inputs   0 x 0 system, aijcrl, finite entries near 1e153\n"
                     "  -test setters  every public setter, good and bad values; getters before setup\n"
                     "  -test symmetric PCApplySymmetricLeft/Right against PCApply and R, -ksp_pc_side symmetric\n"
                     "Common: -model FILE (default models/poisson.bin), -dir DIR for written files.\n";

#include <gcvae_model.h>
#include <pcgcvae.h>
#include <gcvae_cuda.h>

static char last_message[4096];

static PetscErrorCode RecordError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) PetscStrncpy(last_message, mess, sizeof(last_message));
  return n;
}

static PetscInt fails = 0;

/* Prints "ok"/"FAIL" and counts the failures */
static PetscErrorCode Check(PetscBool ok, const char what[], const char detail[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-4s %s%s%s\n", ok ? "ok" : "FAIL", what, detail && detail[0] ? ": " : "", detail ? detail : ""));
  if (!ok) fails++;
  PetscFunctionReturn(0);
}

/* A call expected to fail with a message containing words */
#define EXPECT_ERROR(call, what, words) \
  do { \
    PetscErrorCode _e; \
    char          *_f  = NULL; \
    last_message[0] = 0; \
    PetscCall(PetscPushErrorHandler(RecordError, NULL)); \
    _e = (call); \
    PetscCall(PetscPopErrorHandler()); \
    if (_e) PetscCall(PetscStrstr(last_message, words, &_f)); \
    PetscCall(Check((PetscBool)(_e && _f), what, _e ? last_message : "(no error)")); \
  } while (0)

/* 3-D 7-point Laplacian on a g^3 grid of all points; the boundary points' rows are identity
   rows. eliminate: their columns are removed from the interior rows too (symmetric); else
   the interior rows keep them (nonsymmetric, as an application that sets Dirichlet rows
   with MatZeroRows and no column elimination). */
static PetscErrorCode Laplacian3D(PetscInt g, PetscBool eliminate, Mat *A)
{
  PetscInt rstart, rend, N = g * g * g;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, N, N, 7, NULL, 3, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &rstart, &rend));
  for (PetscInt row = rstart; row < rend; row++) {
    PetscInt i = row % g, j = (row / g) % g, k = row / (g * g);
    if (i == 0 || j == 0 || k == 0 || i == g - 1 || j == g - 1 || k == g - 1) {
      PetscCall(MatSetValue(*A, row, row, 1.0, INSERT_VALUES));
      continue;
    }
    const PetscInt nb[6][3] = {
      {i - 1, j,     k    },
      {i + 1, j,     k    },
      {i,     j - 1, k    },
      {i,     j + 1, k    },
      {i,     j,     k - 1},
      {i,     j,     k + 1}
    };
    PetscCall(MatSetValue(*A, row, row, 6.0, INSERT_VALUES));
    for (PetscInt q = 0; q < 6; q++) {
      PetscInt  ii = nb[q][0], jj = nb[q][1], kk = nb[q][2];
      PetscBool bnd = (PetscBool)(ii == 0 || jj == 0 || kk == 0 || ii == g - 1 || jj == g - 1 || kk == g - 1);
      if (bnd && eliminate) continue;
      PetscCall(MatSetValue(*A, row, ii + g * (jj + g * kk), -1.0, INSERT_VALUES));
    }
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* 2-D 5-point Laplacian, g x g interior points (as PETSc's ksp ex2) */
static PetscErrorCode Laplacian2D(PetscInt g, Mat *A)
{
  PetscInt rstart, rend, N = g * g;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, N, N, 5, NULL, 2, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &rstart, &rend));
  for (PetscInt row = rstart; row < rend; row++) {
    PetscInt i = row % g, j = row / g;
    PetscCall(MatSetValue(*A, row, row, 4.0, INSERT_VALUES));
    if (i > 0) PetscCall(MatSetValue(*A, row, row - 1, -1.0, INSERT_VALUES));
    if (i < g - 1) PetscCall(MatSetValue(*A, row, row + 1, -1.0, INSERT_VALUES));
    if (j > 0) PetscCall(MatSetValue(*A, row, row - g, -1.0, INSERT_VALUES));
    if (j < g - 1) PetscCall(MatSetValue(*A, row, row + g, -1.0, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* The right-hand side of Solve(): NULL means b = 1 */
static Vec rhs = NULL;

/* CG (unpreconditioned norm, rtol 1e-5, b = rhs or 1) with PC type `type`; the KSP is returned
   set up and solved (the caller destroys it) with its iterations and reason */
static PetscErrorCode Solve(Mat A, const char type[], const char model[], PetscInt maxit, KSP *ksp, PetscInt *its, KSPConvergedReason *reason)
{
  PC  pc;
  Vec x, b;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)A), ksp));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetNormType(*ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(*ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, maxit));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSetType(pc, type));
  if (model) PetscCall(PCGCVAESetModel(pc, model));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscCall(MatCreateVecs(A, &x, &b));
  if (rhs) PetscCall(VecCopy(rhs, b));
  else PetscCall(VecSet(b, 1.0));
  PetscCall(KSPSolve(*ksp, b, x));
  PetscCall(KSPGetIterationNumber(*ksp, its));
  PetscCall(KSPGetConvergedReason(*ksp, reason));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestNonsymmetric(const char model[], PetscInt g, PetscBool eliminate)
{
  Mat                A;
  KSP                ksp, kspj;
  PC                 pc;
  PetscInt           its, itsj;
  KSPConvergedReason reason, reasonj;
  PetscReal          asym, probe, pj;
  PetscBool          fell;
  PCGCVAEFallback    policy = PC_GCVAE_FALLBACK_JACOBI;
  char               buf[512];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetEnum(NULL, NULL, "-pc_gcvae_fallback", PCGCVAEFallbacks, (PetscEnum *)&policy, NULL));
  PetscCall(Laplacian3D(g, eliminate, &A));
  { /* u = 0 on the boundary: b = 0 on the identity rows, 1 inside. Then Jacobi's Krylov space
       keeps zero boundary components, where A acts symmetrically, and CG converges with it;
       an R that mixes boundary and interior values leaves that space (CG then stalls) */
    PetscInt     rstart, rend;
    PetscScalar *v;
    PetscCall(MatCreateVecs(A, NULL, &rhs));
    PetscCall(VecGetOwnershipRange(rhs, &rstart, &rend));
    PetscCall(VecGetArray(rhs, &v));
    for (PetscInt row = rstart; row < rend; row++) {
      PetscInt i = row % g, j = (row / g) % g, k = row / (g * g);
      v[row - rstart] = (i == 0 || j == 0 || k == 0 || i == g - 1 || j == g - 1 || k == g - 1) ? 0.0 : 1.0;
    }
    PetscCall(VecRestoreArray(rhs, &v));
  }
  PetscCall(GCVAEMatAsymmetry(A, &asym));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%g", (double)asym));
  if (eliminate) PetscCall(Check((PetscBool)(asym == 0), "asymmetry of the eliminated matrix is 0", buf));
  else PetscCall(Check((PetscBool)(asym > 0.1), "asymmetry of the non-eliminated matrix > 0.1", buf));
  PetscCall(Solve(A, PCJACOBI, NULL, 2000, &kspj, &itsj, &reasonj));
  PetscCall(KSPDestroy(&kspj));
  if (policy == PC_GCVAE_FALLBACK_ERROR && !eliminate) {
    EXPECT_ERROR(Solve(A, PCGCVAE, model, 2000, &ksp, &its, &reason), "fallback error: nonsymmetric A is an error", "the matrix is not symmetric");
    PetscCall(KSPDestroy(&ksp));
    PetscCall(VecDestroy(&rhs));
    PetscCall(MatDestroy(&A));
    PetscFunctionReturn(0);
  }
  PetscCall(Solve(A, PCGCVAE, model, 2000, &ksp, &its, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGCVAEGetProbe(pc, &probe, &pj, &fell));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "gcvae %" PetscInt_FMT " its (%s), jacobi %" PetscInt_FMT " (%s), probe %g, Jacobi's %g", its, KSPConvergedReasons[reason], itsj, KSPConvergedReasons[reasonj], (double)probe, (double)pj));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "n %" PetscInt_FMT ", %s\n", g * g * g, buf));
  if (eliminate) {
    /* symmetric: the generated R is used and beats Jacobi clearly (poisson.bin on a 3-D problem
       it never saw: its R halves Jacobi's count or better on this grid) */
    PetscCall(Check((PetscBool)(!fell && probe >= 0 && probe < pj), "symmetric A: generated R used, probe below Jacobi's", buf));
    PetscCall(Check((PetscBool)(reason > 0 && its < itsj), "symmetric A: CG converges in fewer its than Jacobi", buf));
  } else if (policy == PC_GCVAE_FALLBACK_JACOBI) {
    /* Jacobi's R R^T = D^-1 is PCJACOBI's preconditioner up to rounding: same count to +-1 */
    PetscCall(Check((PetscBool)(fell && probe < 0), "nonsymmetric A: fallback to Jacobi, nothing generated", buf));
    PetscCall(Check((PetscBool)(reason > 0 && PetscAbsInt(its - itsj) <= 1), "nonsymmetric A: converges like PCJACOBI (+-1 it)", buf));
  } else { /* none: the generated R is used; reported, nothing asserted about convergence */
    PetscCall(Check((PetscBool)(!fell && probe >= 0), "fallback none: the generated R is kept", buf));
  }
  PetscCall(KSPView(ksp, PETSC_VIEWER_STDOUT_WORLD)); /* the reason line; the tests grep it */
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&rhs));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

/* A copy of `model` with every parameter times `factor`: its R is far from Jacobi's */
static PetscErrorCode WriteSpoiledModel(const char model[], PetscReal factor, const char out[])
{
  GCVAEModel     m;
  NNParamBuffer *pb;
  PetscMPIInt    rank;

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, model, &m));
  PetscCall(GCVAEModelGetParams(m, &pb));
  for (size_t i = 0; i < pb->count; i++) pb->params[i] *= (nnreal)factor;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) PetscCall(GCVAEModelSave(m, out)); /* the writer is not collective */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(GCVAEModelDestroy(&m));
  PetscFunctionReturn(0);
}

/* The fallback policy on an R worse than Jacobi */
static PetscErrorCode TestWorse(const char model[], const char dir[])
{
  Mat                A;
  KSP                ksp, kspj;
  PC                 pc;
  PetscInt           its, itsj;
  KSPConvergedReason reason, reasonj;
  PetscReal          probe, pj;
  PetscBool          fell;
  char               bad[PETSC_MAX_PATH_LEN], buf[512];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(bad, sizeof(bad), "%s/spoiled.bin", dir));
  PetscCall(WriteSpoiledModel(model, 8.0, bad));
  PetscCall(Laplacian2D(48, &A));
  PetscCall(Solve(A, PCJACOBI, NULL, 2000, &kspj, &itsj, &reasonj));
  PetscCall(KSPDestroy(&kspj));
  /* jacobi (the default): Jacobi's count, the reason recorded */
  PetscCall(Solve(A, PCGCVAE, bad, 2000, &ksp, &its, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGCVAEGetProbe(pc, &probe, &pj, &fell));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "probe %g vs Jacobi's %g; gcvae %" PetscInt_FMT " its, jacobi %" PetscInt_FMT, (double)probe, (double)pj, its, itsj));
  PetscCall(Check((PetscBool)(probe > pj), "the spoiled model's R is worse than Jacobi (precondition)", buf));
  PetscCall(Check((PetscBool)(fell && reason > 0 && PetscAbsInt(its - itsj) <= 1), "fallback jacobi: Jacobi used, its like PCJACOBI (+-1)", buf));
  PetscCall(KSPView(ksp, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(KSPDestroy(&ksp));
  /* error */
  PetscCall(PetscOptionsSetValue(NULL, "-pc_gcvae_fallback", "error"));
  EXPECT_ERROR(Solve(A, PCGCVAE, bad, 2000, &ksp, &its, &reason), "fallback error: an error naming the cause", "worse than Jacobi");
  PetscCall(KSPDestroy(&ksp));
  /* none: the generated R is applied (nnz(R) > nnz of a diagonal) */
  PetscCall(PetscOptionsSetValue(NULL, "-pc_gcvae_fallback", "none"));
  PetscCall(Solve(A, PCGCVAE, bad, 2000, &ksp, &its, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGCVAEGetProbe(pc, &probe, &pj, &fell));
  {
    Mat      R;
    MatInfo  info;
    PetscInt N;
    PetscCall(PCGCVAEGetFactor(pc, &R));
    PetscCall(MatGetInfo(R, MAT_GLOBAL_SUM, &info));
    PetscCall(MatGetSize(R, &N, NULL));
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "nnz(R) %g, n %" PetscInt_FMT ", %" PetscInt_FMT " its (%s)", info.nz_used, N, its, KSPConvergedReasons[reason]));
    PetscCall(Check((PetscBool)(!fell && info.nz_used > 3 * N), "fallback none: the generated R is kept", buf));
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(PetscOptionsClearValue(NULL, "-pc_gcvae_fallback"));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static PetscErrorCode GenerateCount(PetscInt *count)
{
  PetscLogEvent      ev;
  PetscEventPerfInfo info;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventGetId("PCGCVAEGenerate", &ev));
  PetscCall(PetscLogEventGetPerfInfo(0, ev, &info));
  *count = info.count;
  PetscFunctionReturn(0);
}

/* R is generated again only when the matrix or a setting changed */
static PetscErrorCode TestResetup(const char model[])
{
  Mat      A;
  KSP      ksp;
  PC       pc;
  Vec      x, b;
  PetscInt c;
  char     buf[128];

  PetscFunctionBeginUser;
  PetscCall(Laplacian2D(32, &A));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOptionsPrefix(ksp, "r_"));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  PetscCall(PetscOptionsSetValue(NULL, "-r_pc_gcvae_model", model));
  for (PetscInt k = 0; k < 3; k++) {
    PetscCall(KSPSetFromOptions(ksp));
    PetscCall(KSPSolve(ksp, b, x));
  }
  PetscCall(GenerateCount(&c));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT " generations", c));
  PetscCall(Check((PetscBool)(c == 1), "3 x (KSPSetFromOptions + KSPSolve), one matrix: 1 generation", buf));
  /* setters and KSPSetOperators with the values already set */
  PetscCall(PCGCVAESetModel(pc, model));
  PetscCall(PCGCVAESetSeed(pc, 0));
  PetscCall(PCGCVAESetSamples(pc, 1));
  PetscCall(PCGCVAESetExtra(pc, -1));
  PetscCall(PCGCVAESetLatent(pc, PC_GCVAE_LATENT_MEAN));
  PetscCall(PCGCVAESetFallback(pc, PC_GCVAE_FALLBACK_JACOBI));
  PetscCall(PCGCVAESetDevice(pc, PC_GCVAE_DEVICE_CPU));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(GenerateCount(&c));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT " generations", c));
  PetscCall(Check((PetscBool)(c == 1), "setters with unchanged values, same operators: still 1", buf));
  /* new values of A: PETSc's PCSetUp sees the changed state */
  PetscCall(MatScale(A, 2.0));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(GenerateCount(&c));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT " generations", c));
  PetscCall(Check((PetscBool)(c == 2), "changed matrix values: generated again (2)", buf));
  /* a changed setting, from code and then the same from the options */
  PetscCall(PCGCVAESetExtra(pc, 0.1));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(PetscOptionsSetValue(NULL, "-r_pc_gcvae_extra", "0.1"));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(GenerateCount(&c));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT " generations", c));
  PetscCall(Check((PetscBool)(c == 3), "changed -extra (setter), then the same value as an option: 3", buf));
  PetscCall(PetscOptionsSetValue(NULL, "-r_pc_gcvae_extra", "0.2"));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(GenerateCount(&c));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT " generations", c));
  PetscCall(Check((PetscBool)(c == 4), "a changed option: 4", buf));
  /* an invalid option after a set-up PC is reported at the next solve, not ignored */
  PetscCall(PetscOptionsSetValue(NULL, "-r_pc_gcvae_samples", "0"));
  PetscCall(KSPSetFromOptions(ksp));
  EXPECT_ERROR(KSPSolve(ksp, b, x), "an invalid option on a set-up PC errors at the next solve", "-pc_gcvae_samples 0 must be in");
  PetscCall(PetscOptionsClearValue(NULL, "-r_pc_gcvae_samples"));
  PetscCall(PetscOptionsClearValue(NULL, "-r_pc_gcvae_extra"));
  PetscCall(PetscOptionsClearValue(NULL, "-r_pc_gcvae_model"));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestInputs(const char model[])
{
  Mat                A, B;
  KSP                ksp;
  PetscInt           its, its2;
  KSPConvergedReason reason, reason2;
  char               buf[256];

  PetscFunctionBeginUser;
  /* 0 x 0: returns like other PCs */
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, 0, 0, 0, 0, 0, NULL, 0, NULL, &A));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  {
    PetscErrorCode e;
    PetscCall(PetscPushErrorHandler(RecordError, NULL));
    last_message[0] = 0;
    e               = Solve(A, PCGCVAE, model, 100, &ksp, &its, &reason);
    PetscCall(PetscPopErrorHandler());
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "%s%s", e ? "error: " : "", e ? last_message : KSPConvergedReasons[reason]));
    PetscCall(Check((PetscBool)(!e && its == 0), "0 x 0 system solves without an error", buf));
    if (!e) PetscCall(KSPView(ksp, PETSC_VIEWER_STDOUT_WORLD));
    PetscCall(KSPDestroy(&ksp));
  }
  PetscCall(MatDestroy(&A));
  /* AIJ subtypes with private data: refused by name */
  PetscCall(Laplacian2D(16, &A));
  PetscCall(MatConvert(A, MATAIJCRL, MAT_INITIAL_MATRIX, &B));
  EXPECT_ERROR(Solve(B, PCGCVAE, model, 100, &ksp, &its, &reason), "aijcrl: refused with the type named", "needs a matrix of type aij");
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&B));
  PetscCall(MatDestroy(&A));
  /* finite entries near 1e153 (||A||_F overflows): accepted; D^-1/2 A D^-1/2 is the same, so
     is the preconditioned system, and CG takes the unscaled count (+-1 for rounding) */
  PetscCall(Laplacian2D(40, &A));
  PetscCall(Solve(A, PCGCVAE, model, 1000, &ksp, &its, &reason));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDuplicate(A, MAT_COPY_VALUES, &B));
  PetscCall(MatScale(B, 2.5e152));
  {
    PetscErrorCode e;
    PetscReal      nrm;
    PetscCall(MatNorm(B, NORM_FROBENIUS, &nrm));
    PetscCall(PetscPushErrorHandler(RecordError, NULL));
    last_message[0] = 0;
    e               = Solve(B, PCGCVAE, model, 1000, &ksp, &its2, &reason2);
    PetscCall(PetscPopErrorHandler());
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "||A||_F = %g; %" PetscInt_FMT " its unscaled, %" PetscInt_FMT " scaled %s", (double)nrm, its, its2, e ? last_message : ""));
    PetscCall(Check((PetscBool)(!e && reason2 > 0 && PetscAbsInt(its - its2) <= 1), "entries up to 1e153: accepted, same CG count", buf));
    PetscCall(KSPDestroy(&ksp));
  }
  PetscCall(MatDestroy(&B));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

static PetscErrorCode NnzRatio(PC pc, Mat A, PetscReal *ratio)
{
  Mat     R;
  MatInfo ia, ir;

  PetscFunctionBeginUser;
  PetscCall(PCGCVAEGetFactor(pc, &R));
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &ia));
  PetscCall(MatGetInfo(R, MAT_GLOBAL_SUM, &ir));
  *ratio = ir.nz_used / ia.nz_used;
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSetters(const char model[])
{
  Mat       A;
  KSP       ksp;
  PC        pc;
  PetscReal ratio, p1, p3, pj;
  PetscBool fell;
  char      buf[256];

  PetscFunctionBeginUser;
  PetscCall(Laplacian2D(24, &A));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGCVAE));
  /* PCSetUp() directly: KSPSetUp() sets the PC up only at its first call or after KSPSetOperators() */
  EXPECT_ERROR(PCGCVAESetSamples(pc, 0), "PCGCVAESetSamples(0)", "must be in [1, 1000]");
  EXPECT_ERROR(PCGCVAESetSamples(pc, 1001), "PCGCVAESetSamples(1001)", "must be in [1, 1000]");
  EXPECT_ERROR(PCGCVAESetSeed(pc, -1), "PCGCVAESetSeed(-1)", "must be >= 0");
  EXPECT_ERROR(PCGCVAESetExtra(pc, 11), "PCGCVAESetExtra(11)", "must be in [0, 10]");
  EXPECT_ERROR(PCGCVAESetLatent(pc, (PCGCVAELatent)7), "PCGCVAESetLatent(7)", "must be PC_GCVAE_LATENT_MEAN or");
  EXPECT_ERROR(PCGCVAESetFallback(pc, (PCGCVAEFallback)9), "PCGCVAESetFallback(9)", "must be PC_GCVAE_FALLBACK_JACOBI");
  EXPECT_ERROR(PCGCVAESetDevice(pc, (PCGCVAEDevice)5), "PCGCVAESetDevice(5)", "must be PC_GCVAE_DEVICE_CPU or");
  EXPECT_ERROR(PCGCVAESetModel(pc, NULL), "PCGCVAESetModel(NULL)", "file name is NULL");
  {
    Mat R;
    EXPECT_ERROR(PCGCVAEGetFactor(pc, &R), "PCGCVAEGetFactor before PCSetUp", "call PCSetUp() first");
    EXPECT_ERROR(PCGCVAEGetProbe(pc, &p1, &pj, &fell), "PCGCVAEGetProbe before PCSetUp", "call PCSetUp() first");
  }
  PetscCall(PCGCVAESetModel(pc, "no/such/model.bin"));
  EXPECT_ERROR(PCSetUp(pc), "PCGCVAESetModel(missing file): PCSetUp names it", "no/such/model.bin");
  PetscCall(PCGCVAESetModel(pc, model));
  /* extra: the mask is pattern(A) (0) or pattern(A) + 50% of nnz(A) in symmetric pairs (0.5) */
  PetscCall(PCGCVAESetExtra(pc, 0));
  PetscCall(PCSetUp(pc));
  PetscCall(NnzRatio(pc, A, &ratio));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "nnz(R)/nnz(A) = %.4f", (double)ratio));
  PetscCall(Check((PetscBool)(ratio == 1), "PCGCVAESetExtra(0): R on pattern(A)", buf));
  PetscCall(PCGCVAESetExtra(pc, 0.5));
  PetscCall(PCSetUp(pc));
  PetscCall(NnzRatio(pc, A, &ratio));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "nnz(R)/nnz(A) = %.4f", (double)ratio));
  PetscCall(Check((PetscBool)(ratio > 1.45 && ratio < 1.55), "PCGCVAESetExtra(0.5): 1.5 nnz(A)", buf));
  PetscCall(PCGCVAESetExtra(pc, -1));
  /* samples: the best of 3 draws is no worse than draw 0 alone (draw 0 is among the 3) */
  PetscCall(PCGCVAESetLatent(pc, PC_GCVAE_LATENT_SAMPLE));
  PetscCall(PCGCVAESetSeed(pc, 3));
  PetscCall(PCSetUp(pc));
  PetscCall(PCGCVAEGetProbe(pc, &p1, &pj, &fell));
  PetscCall(PCGCVAESetSamples(pc, 3));
  PetscCall(PCSetUp(pc));
  PetscCall(PCGCVAEGetProbe(pc, &p3, &pj, &fell));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "probe of 1 draw %.10g, best of 3 %.10g, Jacobi %.6g", (double)p1, (double)p3, (double)pj));
  PetscCall(Check((PetscBool)(p3 <= p1 && p1 < pj), "PCGCVAESetSamples(3) keeps the best draw", buf));
  PetscCall(PCGCVAESetSamples(pc, 1));
  PetscCall(PCGCVAESetLatent(pc, PC_GCVAE_LATENT_MEAN));
  /* samples > 1 needs the sample latent */
  PetscCall(PCGCVAESetSamples(pc, 2));
  EXPECT_ERROR(PCSetUp(pc), "PCGCVAESetSamples(2) with the mean latent", "use -pc_gcvae_latent sample");
  PetscCall(PCGCVAESetSamples(pc, 1));
  /* device cuda: without a device (or a CUDA=1 build) a clear error; with one it sets up */
  {
    PetscBool compiled;
    int       ndev = 0;
    char      why[256];
    PetscCall(GCVAECudaAvailable(&compiled, &ndev, why, sizeof(why)));
    PetscCall(PCGCVAESetDevice(pc, PC_GCVAE_DEVICE_CUDA));
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
    if (size > 1) EXPECT_ERROR(PCSetUp(pc), "PCGCVAESetDevice(cuda) on 2 processes", "runs on one process for now");
    else if (!compiled || ndev < 1) EXPECT_ERROR(PCSetUp(pc), "PCGCVAESetDevice(cuda) without a device", compiled ? "no CUDA device" : "built without CUDA=1");
    else PetscCall(PCSetUp(pc));
    PetscCall(PCGCVAESetDevice(pc, PC_GCVAE_DEVICE_CPU));
  }
  /* fallback error on a model that fits: no error */
  PetscCall(PCGCVAESetFallback(pc, PC_GCVAE_FALLBACK_ERROR));
  PetscCall(PCSetUp(pc));
  PetscCall(PCGCVAEGetProbe(pc, &p1, &pj, &fell));
  PetscCall(Check((PetscBool)(!fell && p1 < pj), "PCGCVAESetFallback(error) with a fitting model sets up", NULL));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

/* PCApplySymmetricLeft/Right are R^T and R: their product is PCApply */
static PetscErrorCode TestSymmetricApply(const char model[])
{
  Mat                A, R;
  KSP                ksp;
  PC                 pc;
  Vec                x, y, t, z, w;
  PetscRandom        rnd;
  PetscReal          e1, e2, e3, ny;
  PetscInt           its, itss;
  KSPConvergedReason reason, reasons;
  char               buf[256];

  PetscFunctionBeginUser;
  PetscCall(Laplacian2D(32, &A));
  PetscCall(Solve(A, PCGCVAE, model, 1000, &ksp, &its, &reason));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGCVAEGetFactor(pc, &R));
  PetscCall(MatCreateVecs(A, &x, &y));
  PetscCall(VecDuplicate(x, &t));
  PetscCall(VecDuplicate(x, &z));
  PetscCall(VecDuplicate(x, &w));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(PCApply(pc, x, y));
  PetscCall(PCApplySymmetricLeft(pc, x, t));
  PetscCall(PCApplySymmetricRight(pc, t, z));
  PetscCall(VecNorm(y, NORM_2, &ny));
  PetscCall(VecAXPY(z, -1, y));
  PetscCall(VecNorm(z, NORM_2, &e1));
  PetscCall(MatMultTranspose(R, x, w)); /* R^T x without the stored transpose */
  PetscCall(VecAXPY(w, -1, t));
  PetscCall(VecNorm(w, NORM_2, &e2));
  PetscCall(VecNorm(t, NORM_2, &e3));
  e2 /= e3;
  PetscCall(PCApplySymmetricRight(pc, x, t));
  PetscCall(MatMult(R, x, w));
  PetscCall(VecAXPY(w, -1, t));
  PetscCall(VecNorm(w, NORM_2, &e3));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "|Right(Left x) - PCApply x| / |PCApply x| = %.2e, |Left x - R^T x| rel %.2e, |Right x - R x| = %.2e", (double)(e1 / ny), (double)e2, (double)e3));
  PetscCall(Check((PetscBool)(e1 / ny <= 1e-15 && e2 <= 1e-13 && e3 == 0), "Left = R^T, Right = R, Right Left = PCApply", buf));
  PetscCall(KSPDestroy(&ksp));
  /* GMRES with the preconditioner split symmetrically: converges, in no more iterations than
     1.5 x CG's (the same Krylov space; GMRES minimises the residual of R^T A R, unrestarted here) */
  PetscCall(PetscOptionsSetValue(NULL, "-ksp_pc_side", "symmetric"));
  PetscCall(PetscOptionsSetValue(NULL, "-ksp_type", "gmres"));
  PetscCall(PetscOptionsSetValue(NULL, "-ksp_gmres_restart", "200"));
  PetscCall(PetscOptionsSetValue(NULL, "-ksp_norm_type", "preconditioned")); /* the only norm of the symmetric side */
  PetscCall(Solve(A, PCGCVAE, model, 1000, &ksp, &itss, &reasons));
  PetscCall(PetscOptionsClearValue(NULL, "-ksp_pc_side"));
  PetscCall(PetscOptionsClearValue(NULL, "-ksp_type"));
  PetscCall(PetscOptionsClearValue(NULL, "-ksp_gmres_restart"));
  PetscCall(PetscOptionsClearValue(NULL, "-ksp_norm_type"));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "gmres symmetric %" PetscInt_FMT " its (%s), cg left %" PetscInt_FMT, itss, KSPConvergedReasons[reasons], its));
  PetscCall(Check((PetscBool)(reasons > 0 && reason > 0 && itss <= 1.5 * its), "-ksp_pc_side symmetric converges", buf));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&z));
  PetscCall(VecDestroy(&w));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      test[32] = "", model[PETSC_MAX_PATH_LEN] = "models/poisson.bin", dir[PETSC_MAX_PATH_LEN] = "tests/out";
  PetscInt  grid = 33;
  PetscBool is;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscLogDefaultBegin()); /* the event counts of -test resetup */
  PetscCall(PCGCVAEInitializePackage());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test", test, sizeof(test), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof(model), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-grid", &grid, NULL));
  if ((PetscStrcmp(test, "nonsym", &is), is)) PetscCall(TestNonsymmetric(model, grid, PETSC_FALSE));
  else if ((PetscStrcmp(test, "sym", &is), is)) PetscCall(TestNonsymmetric(model, grid, PETSC_TRUE));
  else if ((PetscStrcmp(test, "worse", &is), is)) PetscCall(TestWorse(model, dir));
  else if ((PetscStrcmp(test, "resetup", &is), is)) PetscCall(TestResetup(model));
  else if ((PetscStrcmp(test, "inputs", &is), is)) PetscCall(TestInputs(model));
  else if ((PetscStrcmp(test, "setters", &is), is)) PetscCall(TestSetters(model));
  else if ((PetscStrcmp(test, "symmetric", &is), is)) PetscCall(TestSymmetricApply(model));
  else SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-test %s: use nonsym, sym, worse, resetup, inputs, setters or symmetric", test);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", fails ? "FAIL" : "PASS"));
  PetscCheck(!fails, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%" PetscInt_FMT " checks failed", fails);
  PetscCall(PetscFinalize());
  return 0;
}
