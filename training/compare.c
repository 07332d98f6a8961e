static char help[] = "gcvae-compare: the baseline preconditioners of doc/design.md section 13 on the test split of a dataset.\n\
Every test matrix is solved with CG (unpreconditioned norm, rtol 1e-5, zero initial guess, the same\n\
random right-hand side) under each preconditioner; one row per preconditioner.\n\
  -data FILE          dataset written by gcvae-datagen (required)\n\
  -pcs a,b,...        rows, from: none,jacobi,icc,ilu,sor,parasails,gamg,boomeramg,fsai,gcvae,optimum\n\
                      (default: all but optimum; gcvae needs -model)\n\
  -model FILE         trained model: the gcvae row (PCGCVAE, -pc_gcvae_* options apply)\n\
  -extra F            mask of the optimum row: pattern(A) + F nnz(A) (default: -model's mask_extra,\n\
                      the mask its gcvae row uses; 0.2 without -model)\n\
  -format table|csv   output format (default table)\n\
  -max_samples K      use the first K test matrices only\n\
  -droptol T          SuperLU ILU drop tolerance (default 0.12 poisson, 1.2e-4 biharmonic)\n\
  -rhs_seed S         seed of the right-hand side (default 1)\n\
Any other PETSc option on the command line (e.g. -ksp_rtol 1e-8, -mat_superlu_ilu_droptol 0.05,\n\
-pc_gamg_threshold 0.02) is applied to every row and wins over the row's defaults.\n\
The loss column is ||I - R^T A R||_F^2 / n for the rows of factor form M^-1 = R R^T (jacobi: R = D^-1/2,\n\
fsai: R = G^T, gcvae, optimum: the per-matrix minimiser of that loss on the mask, TAO L-BFGS from Jacobi,\n\
options -optimum_tao_*); serial only.\n\n";

#include <gcvae.h>
#include <pcgcvae.h>
#include <gcvae_model.h>
#include <petsctime.h>
#include <petsc/private/matimpl.h> /* F->data of a SuperLU factor, see SuperLUFactorNnz() */
#if defined(PETSC_HAVE_SUPERLU) && !defined(PETSC_USE_COMPLEX) && defined(PETSC_USE_REAL_DOUBLE)
  #include <slu_ddefs.h>
  #define HAVE_SUPERLU_NNZ 1
#endif

/* One row of the comparison: a name for -pcs and the PETSc options that define it. */
typedef struct {
  const char *name;     /* row name, as given to -pcs */
  const char *options;  /* the row's defaults, overridden by the command line */
  const char *parallel; /* the defaults on more than one process; NULL: sequential only, skipped */
} Baseline;

/* ilu: + -mat_superlu_ilu_droptol T; NOROWPERM since Debian's SuperLU has no MC64 (its
   LargeDiag default aborts the process) and A is SPD. sor: PETSc's parallel SOR is SSOR on
   each process's block (-pc_sor_local_symmetric). */
static const Baseline Baselines[] = {
  {"none",      "-pc_type none", "-pc_type none"},
  {"jacobi",    "-pc_type jacobi", "-pc_type jacobi"},
  {"icc",       "-pc_type icc -pc_factor_levels 0", NULL},
  {"ilu",       "-pc_type ilu -pc_factor_mat_solver_type superlu -mat_superlu_rowperm NOROWPERM", NULL},
  {"sor",       "-pc_type sor -pc_sor_symmetric", "-pc_type sor -pc_sor_local_symmetric"},
  {"parasails", "-pc_type hypre -pc_hypre_type parasails -pc_hypre_parasails_sym SPD", "-pc_type hypre -pc_hypre_type parasails -pc_hypre_parasails_sym SPD"},
  {"gamg",      "-pc_type gamg", "-pc_type gamg"},
  {"boomeramg", "-pc_type hypre -pc_hypre_type boomeramg", "-pc_type hypre -pc_hypre_type boomeramg"},
  {"fsai",      "-pc_type fsai", "-pc_type fsai"},
  /* + -pc_gcvae_model from -model; dataset matrices are already in the training (RCM) order */
  {"gcvae",     "-pc_type gcvae -pc_gcvae_reorder 0", "-pc_type gcvae -pc_gcvae_reorder 0"},
  {"optimum",   "-pc_type shell", NULL},              /* R set per matrix, see SolveOne() */
};
#define NBASELINES ((PetscInt)(sizeof(Baselines) / sizeof(Baselines[0])))

/* Options every row starts from (doc/design.md section 13). */
static const char CommonOptions[] = "-ksp_type cg -ksp_norm_type unpreconditioned -ksp_rtol 1e-5";

/* Results of one row over the test matrices. */
typedef struct {
  PetscInt       count;           /* matrices solved */
  PetscInt       its_sum, its_min, its_max;
  PetscInt       not_converged;   /* KSPConvergedReason < 0 */
  PetscReal      kappa_sum;       /* sum of sigma_max / sigma_min estimates */
  PetscInt       kappa_count;     /* matrices with an estimate (at least one iteration) */
  PetscLogDouble setup, solve;    /* summed wall times (s) of KSPSetUp and KSPSolve */
  PetscReal      nnz_sum;         /* summed preconditioner nnz / nnz(A) */
  PetscInt       nnz_count;       /* matrices where PETSc could tell the preconditioner's nnz */
  PetscReal      loss_sum;        /* summed ||I - R^T A R||_F^2 / n (factor-form rows, serial) */
  PetscInt       loss_count;
} RowStats;

typedef struct {
  char      data[PETSC_MAX_PATH_LEN]; /* -data */
  PetscBool csv;                      /* -format csv */
  PetscInt  max_samples;              /* -max_samples, <0: all */
  PetscReal droptol;                  /* -droptol; <0: the family's default */
  PetscInt  rhs_seed;                 /* -rhs_seed */
  PetscInt  nrows, rows[32];          /* indices into Baselines[], from -pcs */
  char      model[PETSC_MAX_PATH_LEN]; /* -model: the gcvae row */
  PetscReal extra;                    /* -extra: mask of the optimum row */
} AppCtx;

static PetscErrorCode ProcessOptions(AppCtx *user)
{
  char      format[16] = "table", *names[32];
  PetscInt  nnames = 32, i, k;
  PetscBool flg, pcsset;

  PetscFunctionBeginUser;
  user->data[0]     = 0;
  user->max_samples = -1;
  user->droptol     = -1;
  user->rhs_seed    = 1;
  user->model[0]    = 0;
  user->extra       = -1;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "gcvae-compare options", NULL);
  PetscCall(PetscOptionsString("-data", "dataset (HDF5) from gcvae-datagen", NULL, user->data, user->data, sizeof(user->data), NULL));
  PetscCall(PetscOptionsString("-format", "table or csv", NULL, format, format, sizeof(format), NULL));
  PetscCall(PetscOptionsInt("-max_samples", "use at most this many test matrices", NULL, user->max_samples, &user->max_samples, NULL));
  PetscCall(PetscOptionsReal("-droptol", "SuperLU ILU drop tolerance", NULL, user->droptol, &user->droptol, NULL));
  PetscCall(PetscOptionsInt("-rhs_seed", "seed of the random right-hand side", NULL, user->rhs_seed, &user->rhs_seed, NULL));
  PetscCall(PetscOptionsString("-model", "trained model for the gcvae row", NULL, user->model, user->model, sizeof(user->model), NULL));
  PetscCall(PetscOptionsReal("-extra", "mask extra fraction of the optimum row", NULL, user->extra, &user->extra, NULL));
  PetscCall(PetscOptionsStringArray("-pcs", "preconditioners (rows), comma separated", NULL, names, &nnames, &pcsset));
  PetscOptionsEnd();

  PetscCheck(user->data[0], PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give the dataset with -data FILE (see -help)");
  PetscCall(PetscStrcasecmp(format, "csv", &user->csv));
  if (!user->csv) {
    PetscCall(PetscStrcasecmp(format, "table", &flg));
    PetscCheck(flg, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-format %s: unknown, use table or csv", format);
  }
  if (!pcsset) nnames = 0; /* default: every row */
  user->nrows = 0;
  for (i = 0; i < nnames; i++) {
    for (k = 0; k < NBASELINES; k++) {
      PetscCall(PetscStrcasecmp(names[i], Baselines[k].name, &flg));
      if (flg) break;
    }
    PetscCheck(k < NBASELINES, PETSC_COMM_WORLD, PETSC_ERR_ARG_UNKNOWN_TYPE, "-pcs: unknown preconditioner '%s'; known: none, jacobi, icc, ilu, sor, parasails, gamg, boomeramg, fsai, gcvae, optimum", names[i]);
    PetscCheck(strcmp(Baselines[k].name, "gcvae") || user->model[0], PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-pcs gcvae needs a trained model: -model FILE");
    user->rows[user->nrows++] = k;
  }
  for (i = 0; i < nnames; i++) PetscCall(PetscFree(names[i]));
  if (!user->nrows) /* default: the baselines, and gcvae when a model is given */
    for (k = 0; k < NBASELINES; k++) {
      if (!strcmp(Baselines[k].name, "optimum") || (!strcmp(Baselines[k].name, "gcvae") && !user->model[0])) continue;
      user->rows[user->nrows++] = k;
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode MatNnz(Mat M, PetscReal *nnz)
{
  MatInfo info;

  PetscFunctionBeginUser;
  PetscCall(MatGetInfo(M, MAT_GLOBAL_SUM, &info));
  *nnz = info.nz_used;
  PetscFunctionReturn(0);
}

/*
   nnz(L) + nnz(U) - n of a SuperLU (I)LU factor, as SuperLU's own statistics count it
   (-mat_superlu_printstat). MatGetInfo() reports nothing for it, so this reads the factor's
   SuperMatrix L and U, which PETSc 3.18 keeps at the start of F->data (Mat_SuperLU, after A);
   the storage types and sizes are checked first, so another layout gives "unknown", not garbage.
*/
static PetscErrorCode SuperLUFactorNnz(Mat F, PetscReal *nnz, PetscBool *known)
{
  PetscFunctionBeginUser;
  *known = PETSC_FALSE;
#if defined(HAVE_SUPERLU_NNZ)
  MatSolverType type;
  PetscBool     issuperlu;

  PetscCall(MatFactorGetSolverType(F, &type));
  PetscCall(PetscStrcmp(type, MATSOLVERSUPERLU, &issuperlu));
  if (issuperlu && F->data) {
    const struct {
      SuperMatrix A, L, U;
    } *lu = F->data;
    PetscInt n;

    PetscCall(MatGetSize(F, &n, NULL));
    if (lu->L.Stype == SLU_SC && lu->L.Dtype == SLU_D && lu->L.Mtype == SLU_TRLU && lu->L.nrow == n && lu->U.Stype == SLU_NC && lu->U.Mtype == SLU_TRU && lu->U.nrow == n && lu->L.Store && lu->U.Store) {
      *nnz   = (PetscReal)((SCformat *)lu->L.Store)->nnz + (PetscReal)((NCformat *)lu->U.Store)->nnz - n;
      *known = PETSC_TRUE;
    }
  }
#endif
  PetscFunctionReturn(0);
}

static PetscErrorCode FactorOf(PC, Mat, Mat *);

/*
   Nonzeros the set-up preconditioner stores, over nnz(A), by the PC type actually in use
   (the command line may have changed it): *known is false where PETSc cannot tell (hypre).
*/
static PetscErrorCode PreconditionerNnz(PC pc, Mat A, PetscReal *ratio, PetscBool *known)
{
  PetscReal nnzA = 0, nnz = 0;
  PetscBool isnone, isjacobi, isfactor, issor, isfsai, ismg;
  PetscInt  N;

  PetscFunctionBeginUser;
  *known = PETSC_TRUE;
  PetscCall(MatNnz(A, &nnzA));
  PetscCall(MatGetSize(A, &N, NULL));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCNONE, &isnone));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCJACOBI, &isjacobi));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &isfactor, PCICC, PCILU, PCCHOLESKY, PCLU, ""));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCSOR, &issor));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCFSAI, &isfsai));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)pc, &ismg, PCGAMG, PCMG, ""));
  if (isnone) nnz = 0;
  else if (isjacobi) nnz = N;
  else if (issor) nnz = nnzA;
  else if (isfactor) {
    Mat F;

    PetscCall(PCFactorGetMatrix(pc, &F));
    PetscCall(MatNnz(F, &nnz));
    if (nnz <= 0) PetscCall(SuperLUFactorNnz(F, &nnz, known)); /* external factors do not report it */
  } else if (isfsai) {
    Mat G;

    PetscCall(PCFSAIGetFactor(pc, &G));
    PetscCall(MatNnz(G, &nnz));
  } else if (ismg) { /* operator complexity: sum over the levels of nnz(A_l) */
    PetscInt l, nlevels;

    PetscCall(PCMGGetLevels(pc, &nlevels));
    for (l = 0; l < nlevels; l++) {
      KSP       smoother;
      Mat       Al;
      PetscReal z = 0;

      PetscCall(PCMGGetSmoother(pc, l, &smoother));
      PetscCall(KSPGetOperators(smoother, NULL, &Al));
      PetscCall(MatNnz(Al, &z));
      nnz += z;
    }
  } else { /* a factor-form preconditioner of ours: nnz(R) */
    Mat R;
    PetscCall(FactorOf(pc, A, &R));
    if (R) PetscCall(MatNnz(R, &nnz));
    else *known = PETSC_FALSE;
    PetscCall(MatDestroy(&R));
  }
  *ratio = nnzA > 0 ? nnz / nnzA : 0;
  PetscFunctionReturn(0);
}

/*
   The factor R of a factor-form preconditioner (M^{-1} = R R^T) as a new Mat, or NULL:
   jacobi R = D^{-1/2}, fsai R = G^T, gcvae and optimum their R.
*/
static PetscErrorCode FactorOf(PC pc, Mat A, Mat *R)
{
  PetscBool isjacobi, isfsai, isgcvae, isshell;

  PetscFunctionBeginUser;
  *R = NULL;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCJACOBI, &isjacobi));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCFSAI, &isfsai));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCGCVAE, &isgcvae));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCSHELL, &isshell));
  if (isjacobi) {
    PetscCall(GCVAEJacobiFactor(A, R));
  } else if (isfsai) {
    Mat G;
    PetscCall(PCFSAIGetFactor(pc, &G));
    PetscCall(MatTranspose(G, MAT_INITIAL_MATRIX, R));
  } else if (isgcvae) {
    PetscCall(PCGCVAEGetFactor(pc, R));
    PetscCall(PetscObjectReference((PetscObject)*R));
  } else if (isshell) {
    PetscCall(PetscObjectQuery((PetscObject)pc, "gcvae_compare_R", (PetscObject *)R));
    if (*R) PetscCall(PetscObjectReference((PetscObject)*R));
  }
  PetscFunctionReturn(0);
}

/* The optimum row's PC: R = D^{-1/2} R~ with R~ minimising the loss on the mask */
static PetscErrorCode SetUpOptimum(PC pc, Mat A, PetscReal extra)
{
  Mat       At, M, R;
  Vec       d;
  PetscReal loss;
  PetscInt  its;

  PetscFunctionBeginUser;
  PetscCall(GCVAEScale(A, &At, &d));
  PetscCall(GCVAEMaskBuild(At, extra, &M));
  PetscCall(GCVAEOptimum(At, M, &loss, &its));
  PetscCall(MatDuplicate(M, MAT_COPY_VALUES, &R));
  PetscCall(MatDiagonalScale(R, d, NULL));
  PetscCall(GCVAEPCSetFactor(pc, R));
  PetscCall(PetscObjectCompose((PetscObject)pc, "gcvae_compare_R", (PetscObject)R));
  PetscCall(MatDestroy(&R));
  PetscCall(MatDestroy(&M));
  PetscCall(MatDestroy(&At));
  PetscCall(VecDestroy(&d));
  PetscFunctionReturn(0);
}

/*
   One solve under the options database in force (the row's, pushed by the caller):
   KSPSetUp (which sets up the PC) and KSPSolve are timed separately.
*/
static PetscErrorCode SolveOne(Mat A, Vec b, PetscBool optimum, PetscReal extra, RowStats *st)
{
  KSP                ksp;
  PC                 pc;
  Vec                x;
  KSPConvergedReason reason;
  PetscInt           its;
  PetscReal          smax, smin, ratio = 0;
  PetscBool          known;
  PetscLogDouble     t0, t1, t2;
  MPI_Comm           comm = PetscObjectComm((PetscObject)A);

  PetscFunctionBeginUser;
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPCreate(comm, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetComputeSingularValues(ksp, PETSC_TRUE));
  PetscCall(KSPSetInitialGuessNonzero(ksp, PETSC_FALSE));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscTime(&t0));
  if (optimum) {
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(SetUpOptimum(pc, A, extra));
  }
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPSetUpOnBlocks(ksp));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscTime(&t2));

  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  st->its_sum += its;
  st->its_min = st->count ? PetscMin(st->its_min, its) : its;
  st->its_max = st->count ? PetscMax(st->its_max, its) : its;
  st->count++;
  if (reason < 0) st->not_converged++;
  if (its > 0) {
    PetscCall(KSPComputeExtremeSingularValues(ksp, &smax, &smin));
    if (smin > 0) {
      st->kappa_sum += smax / smin;
      st->kappa_count++;
    }
  }
  st->setup += t1 - t0;
  st->solve += t2 - t1;
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PreconditionerNnz(pc, A, &ratio, &known));
  if (known) {
    st->nnz_sum += ratio;
    st->nnz_count++;
  }
  {
    PetscMPIInt size;
    Mat         R;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(FactorOf(pc, A, &R));
    if (R && size == 1) { /* scale-invariant: ||I - R^T A R|| = ||I - R~^T A~ R~|| */
      GCVAELoss l;
      PetscReal loss;
      PetscCall(GCVAELossCreate(A, R, &l));
      PetscCall(GCVAELossEvaluate(l, R, &loss, NULL));
      PetscCall(GCVAELossDestroy(&l));
      st->loss_sum += loss;
      st->loss_count++;
    }
    PetscCall(MatDestroy(&R));
  }
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

/*
   A fresh options database for the row: common options, the row's defaults, then the
   user's command line (and PETSC_OPTIONS, option files) on top, so the user wins.
*/
static PetscErrorCode CreateRowOptions(const char *rowoptions, PetscReal droptol, const char *model, PetscOptions *opts)
{
  char   buf[PETSC_MAX_PATH_LEN + 32];
  int    argc;
  char **args;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsCreate(opts));
  PetscCall(PetscOptionsInsertString(*opts, CommonOptions));
  PetscCall(PetscOptionsInsertString(*opts, rowoptions));
  if (droptol >= 0) {
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "-mat_superlu_ilu_droptol %g", (double)droptol));
    PetscCall(PetscOptionsInsertString(*opts, buf));
  }
  if (model) {
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "-pc_gcvae_model %s", model));
    PetscCall(PetscOptionsInsertString(*opts, buf));
  }
  PetscCall(PetscGetArgs(&argc, &args));
  PetscCall(PetscOptionsInsert(*opts, &argc, &args, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrintRow(const AppCtx *user, const char *name, const RowStats *st)
{
  char      kappa[32] = "-", nnz[32] = "-", loss[32] = "-";
  PetscReal n = (PetscReal)st->count;

  PetscFunctionBeginUser;
  if (st->kappa_count) PetscCall(PetscSNPrintf(kappa, sizeof(kappa), "%.4g", (double)(st->kappa_sum / st->kappa_count)));
  if (st->nnz_count) PetscCall(PetscSNPrintf(nnz, sizeof(nnz), "%.3f", (double)(st->nnz_sum / st->nnz_count)));
  if (st->loss_count) PetscCall(PetscSNPrintf(loss, sizeof(loss), "%.4e", (double)(st->loss_sum / st->loss_count)));
  if (user->csv) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s,%.2f,%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT ",%s,%.4f,%.4f,%s,%s\n", name, (double)(st->its_sum / n), st->its_min, st->its_max, st->not_converged, kappa, 1e3 * st->setup / n, 1e3 * st->solve / n, nnz, loss));
  } else {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-10s %8.1f %6" PetscInt_FMT " %6" PetscInt_FMT " %7" PetscInt_FMT " %10s %10.3f %10.3f %11s %11s\n", name, (double)(st->its_sum / n), st->its_min, st->its_max, st->not_converged, kappa, 1e3 * st->setup / n, 1e3 * st->solve / n, nnz, loss));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx                    user;
  GCVAEDataset              ds;
  const GCVAEDatasetHeader *hdr;
  const PetscInt           *test;
  PetscInt                  ntest, nuse, i, r;
  PetscBool                 readable, ispoisson, isbiharmonic, needilu = PETSC_FALSE;
  PetscReal                 droptol, nnzA = 0, extra;
  Mat                      *A;
  Vec                       b;
  PetscMPIInt               size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscDLLibraryRegister_pcgcvae()); /* gcvae and fsai */
  PetscCall(ProcessOptions(&user));

  PetscCall(PetscTestFile(user.data, 'r', &readable));
  PetscCheck(readable, PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "-data %s: no such file, or not readable", user.data);
  PetscCall(GCVAEDatasetOpen(PETSC_COMM_WORLD, user.data, &ds));
  PetscCall(GCVAEDatasetGetHeader(ds, &hdr));
  PetscCall(GCVAEDatasetGetSplit(ds, GCVAE_SPLIT_TEST, &ntest, &test));
  nuse = user.max_samples >= 0 ? PetscMin(ntest, user.max_samples) : ntest;
  PetscCheck(nuse > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "%s: no test matrices to solve (test split has %" PetscInt_FMT ", -max_samples %" PetscInt_FMT ")", user.data, ntest, user.max_samples);

  /* SuperLU's drop tolerance: the paper's per family, unless given */
  for (r = 0; r < user.nrows; r++) needilu = (PetscBool)(needilu || !strcmp(Baselines[user.rows[r]].name, "ilu"));
  PetscCall(PetscStrcmp(hdr->family, "poisson", &ispoisson));
  PetscCall(PetscStrcmp(hdr->family, "biharmonic", &isbiharmonic));
  droptol = user.droptol >= 0 ? user.droptol : ispoisson ? 0.12 : isbiharmonic ? 1.2e-4 : -1;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mat_superlu_ilu_droptol", &droptol, NULL)); /* it would win anyway */
  PetscCheck(!needilu || droptol >= 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "no default ILU drop tolerance for family '%s': give -droptol", hdr->family);

  /* the optimum's mask: the model's own (the ceiling of that model), unless -extra says otherwise */
  extra = user.extra;
  if (extra < 0 && user.model[0]) {
    GCVAEModel        model;
    GCVAEModelHeader *mh;

    PetscCall(GCVAEModelLoad(PETSC_COMM_WORLD, user.model, &model));
    PetscCall(GCVAEModelGetHeader(model, &mh));
    extra = mh->mask_extra;
    PetscCall(GCVAEModelDestroy(&model));
  }
  if (extra < 0) extra = 0.2;

  PetscCall(PetscMalloc1(nuse, &A));
  for (i = 0; i < nuse; i++) PetscCall(GCVAEDatasetCreateMat(ds, PETSC_COMM_WORLD, test[i], &A[i]));
  PetscCall(GCVAECreateRHS(A[0], user.rhs_seed, &b));
  PetscCall(MatNnz(A[0], &nnzA));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# family %s, mesh %s, n %" PetscInt_FMT ", nnz %.0f, test matrices %" PetscInt_FMT " (of %" PetscInt_FMT "), contrast %g-%g\n", hdr->family, hdr->mesh, hdr->n, nnzA, nuse, ntest, (double)hdr->contrast_min, (double)hdr->contrast_max));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# CG, %s unless overridden, rhs seed %" PetscInt_FMT ", ILU drop tolerance %g, optimum's mask pattern(A) + %g nnz(A); times: mean per matrix, after an untimed warm-up solve\n", CommonOptions, user.rhs_seed, (double)droptol, (double)extra));
  if (user.csv) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "pc,its_mean,its_min,its_max,not_converged,kappa_mean,setup_ms,solve_ms,nnz_ratio,loss\n"));
  else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-10s %8s %6s %6s %7s %10s %10s %10s %11s %11s\n", "pc", "its", "min", "max", "failed", "kappa", "setup(ms)", "solve(ms)", "nnz/nnz(A)", "loss"));

  for (r = 0; r < user.nrows; r++) {
    const Baseline *row = &Baselines[user.rows[r]];
    PetscOptions    opts;
    PetscLogStage   stage;
    RowStats        st;

    if (size > 1 && !row->parallel) {
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "# %s: skipped, sequential only (run on one process)\n", row->name));
      continue;
    }
    PetscCall(PetscMemzero(&st, sizeof(st)));
    PetscCall(PetscLogStageRegister(row->name, &stage));
    PetscCall(CreateRowOptions(size > 1 ? row->parallel : row->options, !strcmp(row->name, "ilu") ? droptol : -1, !strcmp(row->name, "gcvae") ? user.model : NULL, &opts));
    PetscCall(PetscOptionsPush(opts));
    PetscCall(PetscLogStagePush(stage));
    {
      const PetscBool optimum = (PetscBool)!strcmp(row->name, "optimum");
      if (!optimum) PetscCall(SolveOne(A[0], b, optimum, extra, &st)); /* untimed warm-up: first-use costs (libraries, caches) */
      PetscCall(PetscMemzero(&st, sizeof(st)));
      for (i = 0; i < nuse; i++) PetscCall(SolveOne(A[i], b, optimum, extra, &st));
    }
    PetscCall(PetscLogStagePop());
    PetscCall(PetscOptionsPop());
    PetscCall(PetscOptionsDestroy(&opts));
    PetscCall(PrintRow(&user, row->name, &st));
  }

  for (i = 0; i < nuse; i++) PetscCall(MatDestroy(&A[i]));
  PetscCall(PetscFree(A));
  PetscCall(VecDestroy(&b));
  PetscCall(GCVAEDatasetClose(&ds));
  PetscCall(PetscFinalize());
  return 0;
}
