static char help[] = "Cost of PCGCVAE against FSAI, ParaSails and ICC(0) on one P1 Poisson matrix (make bench).\n"
                     "Make the matrix once:\n"
                     "  -mesh FILE -refine R -o FILE.bin   assemble -div(f grad u), f = exp(p) of contrast\n"
                     "                                     -contrast C (1e3), -coeff_seed S (1), and save it\n"
                     "Measure one preconditioner on it (one process per PC: a clean memory peak):\n"
                     "  -load FILE.bin -pc gcvae|fsai|parasails|icc|jacobi [-model FILE (models/poisson.bin)]\n"
                     "  -reps K     timed setups, each of a fresh PC, the fastest reported (3; 1 when nnz >= 1e6)\n"
                     "  -rcm        measure on the matrix in RCM order (memory locality of every product; one process)\n"
                     "  -load FILE.bin -rcm -o OUT.bin   write the matrix in RCM order (for runs on several processes)\n"
                     "prints one line 'bench pc=... key=value ...' (times in seconds, memory in MB): setup,\n"
                     "apply and spmv (one PCApply and one MatMult with A, the fastest of 3 rounds of many),\n"
                     "CG iterations and solve time (rtol 1e-5, unpreconditioned norm), nnz of the\n"
                     "preconditioner's stored factors, setup_peak = peak RSS during the setups above the RSS\n"
                     "before them, held = RSS the set-up PC keeps, base = RSS with the matrix loaded.\n"
                     "On several processes (mpiexec -n P): times and memory are the largest process's.\n";

#include <sys/resource.h>
#if defined(__GLIBC__)
  #include <malloc.h>
#endif
#include <petsctime.h>
#include <gcvae_model.h>
#include <pcgcvae.h>
#include "../training/family.h"

typedef struct {
  char      mesh[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN], load[PETSC_MAX_PATH_LEN], model[PETSC_MAX_PATH_LEN];
  char      pc[32];
  PetscInt  refine, seed, reps;
  PetscBool rcm;
  PetscReal contrast;
} AppCtx;

static PetscErrorCode ProcessOptions(MPI_Comm comm, AppCtx *user)
{
  PetscFunctionBeginUser;
  user->mesh[0] = user->out[0] = user->load[0] = 0;
  PetscCall(PetscStrncpy(user->model, "models/poisson.bin", sizeof(user->model)));
  PetscCall(PetscStrncpy(user->pc, "gcvae", sizeof(user->pc)));
  user->refine   = 0;
  user->seed     = 1;
  user->reps     = -1;
  user->rcm      = PETSC_FALSE;
  user->contrast = 1e3;
  PetscOptionsBegin(comm, "", "Benchmark options", "");
  PetscCall(PetscOptionsString("-mesh", "gmsh mesh of the unit square", "bench.c", user->mesh, user->mesh, sizeof(user->mesh), NULL));
  PetscCall(PetscOptionsInt("-refine", "uniform refinements", "bench.c", user->refine, &user->refine, NULL));
  PetscCall(PetscOptionsString("-o", "write the matrix here (PETSc binary)", "bench.c", user->out, user->out, sizeof(user->out), NULL));
  PetscCall(PetscOptionsReal("-contrast", "max f / min f", "bench.c", user->contrast, &user->contrast, NULL));
  PetscCall(PetscOptionsInt("-coeff_seed", "seed of the coefficient", "bench.c", user->seed, &user->seed, NULL));
  PetscCall(PetscOptionsString("-load", "matrix to measure on (PETSc binary)", "bench.c", user->load, user->load, sizeof(user->load), NULL));
  PetscCall(PetscOptionsString("-pc", "gcvae, fsai, parasails, icc or jacobi", "bench.c", user->pc, user->pc, sizeof(user->pc), NULL));
  PetscCall(PetscOptionsString("-model", "gcvae model", "bench.c", user->model, user->model, sizeof(user->model), NULL));
  PetscCall(PetscOptionsInt("-reps", "timed setups", "bench.c", user->reps, &user->reps, NULL));
  PetscCall(PetscOptionsBool("-rcm", "measure on the matrix in RCM order (memory locality)", "bench.c", user->rcm, &user->rcm, NULL));
  PetscOptionsEnd();
  PetscCheck(user->load[0] || (user->mesh[0] && user->out[0]), comm, PETSC_ERR_USER_INPUT, "give -mesh FILE -o FILE.bin (make the matrix) or -load FILE.bin -pc NAME (measure)");
  PetscFunctionReturn(0);
}

/* Current and peak resident set size (MB) from /proc/self/status; reset = 1 first restarts the
   peak (VmHWM) at the current size. Falls back to PETSc's current usage and getrusage's peak. */
static PetscErrorCode MemoryMB(PetscBool reset, double *cur, double *peak)
{
  FILE *f;
  char  line[256];

  PetscFunctionBeginUser;
  *cur = *peak = -1;
  if (reset && (f = fopen("/proc/self/clear_refs", "w"))) {
    fputs("5", f);
    fclose(f);
  }
  if ((f = fopen("/proc/self/status", "r"))) {
    while (fgets(line, sizeof(line), f)) {
      double kb;
      if (sscanf(line, "VmRSS: %lf", &kb) == 1) *cur = kb / 1024;
      if (sscanf(line, "VmHWM: %lf", &kb) == 1) *peak = kb / 1024;
    }
    fclose(f);
  }
  if (*cur < 0 || *peak < 0) {
    PetscLogDouble c, p;
    PetscCall(PetscMemoryGetCurrentUsage(&c));
    PetscCall(PetscMemoryGetMaximumUsage(&p));
    *cur  = c / 1048576;
    *peak = p / 1048576;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MakeMatrix(MPI_Comm comm, const AppCtx *user)
{
  DM             dm;
  Mat            A;
  PetscRandom    rnd;
  PetscReal      c[GCVAE_COEFF_MAX_COUNT];
  PetscViewer    viewer;
  PetscInt       n;
  MatInfo        info;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(GCVAEMeshLoad(comm, user->mesh, user->refine, &dm));
  PetscCall(GCVAEPoissonSetUp(dm, 2, PETSC_FALSE));
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)user->seed, &rnd));
  PetscCall(GCVAECoeffRandom(rnd, 2, user->contrast, user->contrast, c));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(GCVAEFamilySetCoefficient(dm, 2, c));
  PetscCall(DMCreateMatrix(dm, &A));
  PetscCall(GCVAEPoissonAssemble(dm, A));
  PetscCall(DMDestroy(&dm));
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  PetscCall(PetscViewerBinaryOpen(comm, user->out, FILE_MODE_WRITE, &viewer));
  PetscCall(MatView(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(comm, "matrix n=%" PetscInt_FMT " nnz=%.0f time=%.1f file=%s\n", n, info.nz_used, t1 - t0, user->out));
  PetscFunctionReturn(0);
}

/* CPU seconds (user + system) of this process: on a shared machine the setups' CPU time is
   what the wall time would be without the other processes */
static double CPUSeconds(void)
{
  struct rusage ru;

  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* A KSP (CG, rtol 1e-5, unpreconditioned norm) with the PC named by user->pc; PCSetUp timed
   (wall and CPU seconds) */
static PetscErrorCode CreateSolver(Mat A, const AppCtx *user, KSP *ksp, PetscLogDouble *setup, double *cpu)
{
  PC             pc;
  PetscBool      is;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)A), ksp));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, KSPCG));
  PetscCall(KSPSetNormType(*ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(*ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, 100000));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PetscStrcmp(user->pc, "parasails", &is));
  if (is) {
    PetscCall(PCSetType(pc, PCHYPRE));
    PetscCall(PCHYPRESetType(pc, "parasails"));
    PetscCall(PetscOptionsSetValue(NULL, "-pc_hypre_parasails_sym", "SPD")); /* its default is nonsymmetric: not for CG */
  } else PetscCall(PCSetType(pc, user->pc));
  PetscCall(PetscStrcmp(user->pc, "gcvae", &is));
  if (is) PetscCall(PCGCVAESetModel(pc, user->model));
  PetscCall(KSPSetFromOptions(*ksp));
  *cpu = CPUSeconds();
  PetscCall(PetscTime(&t0));
  PetscCall(PCSetUp(pc));
  PetscCall(PetscTime(&t1));
  *cpu   = CPUSeconds() - *cpu;
  *setup = t1 - t0;
  PetscCall(KSPSetUp(*ksp));
  PetscFunctionReturn(0);
}

/* nonzeros of the factors the preconditioner stores (-1 when not known: ParaSails inside hypre) */
static PetscErrorCode StoredNonzeros(PC pc, const AppCtx *user, PetscReal *nz)
{
  Mat       F = NULL;
  MatInfo   info;
  PetscBool is;

  PetscFunctionBeginUser;
  *nz = -1;
  PetscCall(PetscStrcmp(user->pc, "gcvae", &is));
  if (is) PetscCall(PCGCVAEGetFactor(pc, &F)); /* R, and R^T stored beside it: 2 nnz(R) */
  PetscCall(PetscStrcmp(user->pc, "fsai", &is));
  if (is) PetscCall(PCFSAIGetFactor(pc, &F));
  PetscCall(PetscStrcmp(user->pc, "icc", &is));
  if (is) PetscCall(PCFactorGetMatrix(pc, &F));
  PetscCall(PetscStrcmp(user->pc, "jacobi", &is));
  if (is) {
    Mat      P;
    PetscInt n;
    PetscCall(PCGetOperators(pc, NULL, &P));
    PetscCall(MatGetSize(P, &n, NULL));
    *nz = n;
  }
  if (F) {
    PetscCall(MatGetInfo(F, MAT_GLOBAL_SUM, &info));
    *nz = info.nz_used;
    PetscCall(PetscStrcmp(user->pc, "gcvae", &is));
    if (is) *nz *= 2;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Measure(MPI_Comm comm, const AppCtx *user)
{
  Mat                A;
  KSP                ksp = NULL;
  PC                 pc;
  Vec                b, x, y;
  PetscViewer        viewer;
  PetscInt           n, reps, k, its;
  MatInfo            info;
  PetscLogDouble     setup = PETSC_MAX_REAL, apply = PETSC_MAX_REAL, spmv = PETSC_MAX_REAL, t0, t1;
  double             base, c0, cur, peak, speak, lpeak, cpu = 1e300;
  PetscReal          pcnz;
  KSPConvergedReason reason;
  PetscRandom        rnd;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerBinaryOpen(comm, user->load, FILE_MODE_READ, &viewer));
  PetscCall(MatCreate(comm, &A));
  PetscCall(MatSetFromOptions(A));
  PetscCall(MatLoad(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  if (user->rcm) {
    IS          rperm, cperm;
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCheck(size == 1, comm, PETSC_ERR_SUP, "-rcm is serial (MatGetOrdering): write the matrix in RCM order on one process (-load FILE -rcm -o OUT) and load that");
    Mat Ap;
    PetscCall(MatGetOrdering(A, MATORDERINGRCM, &rperm, &cperm));
    PetscCall(MatPermute(A, rperm, cperm, &Ap));
    PetscCall(MatDestroy(&A));
    PetscCall(ISDestroy(&rperm));
    PetscCall(ISDestroy(&cperm));
    A = Ap;
  }
  if (user->out[0]) { /* -load -rcm -o: only the reordered matrix */
    PetscCall(PetscViewerBinaryOpen(comm, user->out, FILE_MODE_WRITE, &viewer));
    PetscCall(MatView(A, viewer));
    PetscCall(PetscViewerDestroy(&viewer));
    PetscCall(MatDestroy(&A));
    PetscFunctionReturn(0);
  }
  PetscCall(MatGetSize(A, &n, NULL));
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  PetscCall(GCVAECreateRHS(A, 1, &b));
  PetscCall(VecDuplicate(b, &x));
  PetscCall(VecDuplicate(b, &y));
  PetscCall(MemoryMB(PETSC_FALSE, &base, &lpeak)); /* lpeak: loading the matrix */
  PetscCall(MemoryMB(PETSC_TRUE, &base, &peak));
  reps = user->reps > 0 ? user->reps : (info.nz_used >= 1e6 ? 1 : 3);
  /* a first setup when several are timed: shared libraries, the model cache, page faults of a
     first large allocation are a process's one-off costs, not a setup's */
  for (PetscInt r = (reps > 1 ? -1 : 0); r < reps; r++) {
    PetscLogDouble s = 0;
    double         c = 0;
    PetscCall(KSPDestroy(&ksp));
    PetscCall(CreateSolver(A, user, &ksp, &s, &c));
    if (r >= 0) {
      setup = PetscMin(setup, s);
      cpu   = PetscMin(cpu, c);
    }
  }
#if defined(__GLIBC__)
  malloc_trim(0); /* freed memory back to the system: 'held' is what the PC keeps, not glibc's heap */
#endif
  PetscCall(MemoryMB(PETSC_FALSE, &c0, &speak));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(StoredNonzeros(pc, user, &pcnz));
  /* one PCApply against one MatMult with A: interleaved rounds, the fastest of each */
  PetscCall(GCVAERandomCreate(comm, 7, &rnd));
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(PetscRandomDestroy(&rnd));
  k = (PetscInt)PetscMax(5, 3e7 / info.nz_used);
  PetscCall(PCApply(pc, x, y));
  PetscCall(MatMult(A, x, y));
  for (PetscInt round = 0; round < 3; round++) {
    PetscCall(PetscTime(&t0));
    for (PetscInt i = 0; i < k; i++) PetscCall(MatMult(A, x, y));
    PetscCall(PetscTime(&t1));
    spmv = PetscMin(spmv, (t1 - t0) / k);
    PetscCall(PetscTime(&t0));
    for (PetscInt i = 0; i < k; i++) PetscCall(PCApply(pc, x, y));
    PetscCall(PetscTime(&t1));
    apply = PetscMin(apply, (t1 - t0) / k);
  }
  PetscCall(VecSet(x, 0));
  PetscCall(PetscTime(&t0));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(PetscTime(&t1));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(MemoryMB(PETSC_FALSE, &cur, &peak));
  { /* the largest process's: times and memory per process */
    double      loc[7] = {setup, cpu, apply, spmv, speak - base, c0 - base, base}, mx[7];
    PetscMPIInt size;
    PetscCallMPI(MPI_Allreduce(loc, mx, 7, MPI_DOUBLE, MPI_MAX, comm));
    setup = mx[0];
    cpu   = mx[1];
    apply = mx[2];
    spmv  = mx[3];
    speak = mx[4] + mx[6]; /* printed as speak - base */
    c0    = mx[5] + mx[6];
    base  = mx[6];
    lpeak = PetscMax(lpeak, peak);
    PetscCallMPI(MPI_Allreduce(&lpeak, &peak, 1, MPI_DOUBLE, MPI_MAX, comm));
    lpeak = peak;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(PetscPrintf(comm, "bench np=%d ", (int)size));
  }
  PetscCall(PetscPrintf(comm, "pc=%s n=%" PetscInt_FMT " nnz=%.0f setup=%.4e setup_cpu=%.4e apply=%.4e spmv=%.4e its=%" PetscInt_FMT " converged=%d solve=%.4e pcnnz=%.0f setup_peak=%.1f held=%.1f base=%.1f peak=%.1f reps=%" PetscInt_FMT "\n", user->pc, n, info.nz_used, setup, cpu, apply, spmv, its, reason > 0, t1 - t0, pcnz, speak - base, c0 - base, base, PetscMax(lpeak, peak), reps));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(MatDestroy(&A));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx user;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscMemorySetGetMaximumUsage());
  PetscCall(PetscDLLibraryRegister_pcgcvae()); /* gcvae and fsai */
  PetscCall(ProcessOptions(PETSC_COMM_WORLD, &user));
  if (user.load[0]) PetscCall(Measure(PETSC_COMM_WORLD, &user));
  else PetscCall(MakeMatrix(PETSC_COMM_WORLD, &user));
  PetscCall(PetscFinalize());
  return 0;
}
