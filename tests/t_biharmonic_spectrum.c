static char help[] = "Biharmonic family (P2 C0-IP): A symmetric positive definite (MUMPS LDL^T inertia) and\n"
                     "kappa(A) growing ~16x per halving of h (lambda_max by Lanczos, lambda_min by inverse iteration).\n"
                     "  -mesh FILE -first_level F -levels L -contrast C -sigma S -ratio_min -ratio_max\n";

#include "../training/family.h"

static PetscErrorCode Extremes(Mat A, Mat F, PetscReal *lmin, PetscReal *lmax)
{
  Vec         x, y;
  KSP         ksp;
  PC          pc;
  PetscRandom rnd;
  PetscReal   nrm, emin;

  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(A, &x, &y));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 3));
  PetscCall(PetscRandomSeed(rnd));
  PetscCall(VecSetRandom(x, rnd));
  /* inverse iteration: lambda_min is well separated from lambda_2 */
  for (PetscInt it = 0; it < 60; it++) {
    PetscCall(VecNormalize(x, &nrm));
    PetscCall(MatSolve(F, x, y));
    PetscCall(VecCopy(y, x));
  }
  PetscCall(VecNormalize(x, &nrm));
  PetscCall(MatMult(A, x, y));
  PetscCall(VecDot(x, y, lmin));
  /* Lanczos through unpreconditioned CG: the largest Ritz value converges first */
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCNONE));
  PetscCall(KSPSetTolerances(ksp, 1e-30, 1e-30, PETSC_DEFAULT, 300));
  PetscCall(KSPSetComputeSingularValues(ksp, PETSC_TRUE));
  PetscCall(KSPSetConvergenceTest(ksp, KSPConvergedSkip, NULL, NULL));
  PetscCall(VecSetRandom(y, rnd));
  PetscCall(KSPSolve(ksp, y, x));
  PetscCall(KSPComputeExtremeSingularValues(ksp, lmax, &emin));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        mesh[PETSC_MAX_PATH_LEN] = "meshes/square_102.msh";
  PetscInt    first = 0, levels = 3, degree = 2, fails = 0;
  PetscReal   contrast = 1e2, sigma = GCVAE_BIHARMONIC_SIGMA, c[GCVAE_COEFF_MAX_COUNT], prev = 0, rmin = 12, rmax = 20;
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Biharmonic spectrum test", NULL);
  PetscCall(PetscOptionsString("-mesh", "gmsh mesh", NULL, mesh, mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsInt("-first_level", "refinements of the first mesh", NULL, first, &first, NULL));
  PetscCall(PetscOptionsInt("-levels", "number of meshes", NULL, levels, &levels, NULL));
  PetscCall(PetscOptionsReal("-contrast", "max f / min f", NULL, contrast, &contrast, NULL));
  PetscCall(PetscOptionsReal("-sigma", "interior penalty", NULL, sigma, &sigma, NULL));
  PetscCall(PetscOptionsReal("-ratio_min", "smallest accepted kappa ratio per halving", NULL, rmin, &rmin, NULL));
  PetscCall(PetscOptionsReal("-ratio_max", "largest accepted kappa ratio per halving", NULL, rmax, &rmax, NULL));
  PetscOptionsEnd();
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 7, &rnd));
  PetscCall(GCVAECoeffRandom(rnd, degree, contrast, contrast, c));
  PetscCall(PetscRandomDestroy(&rnd));
  for (PetscInt l = first; l < first + levels; l++) {
    DM        dm;
    Mat       A, F;
    PetscInt  n, nneg, nzero, npos;
    PetscReal amax, lmin, lmax, kappa;
    PetscBool sym;

    PetscCall(GCVAEMeshLoad(PETSC_COMM_WORLD, mesh, l, &dm));
    PetscCall(GCVAEBiharmonicSetUp(dm, degree, sigma));
    PetscCall(GCVAEFamilySetCoefficient(dm, degree, c));
    PetscCall(GCVAEBiharmonicCreateMatrix(dm, &A));
    PetscCall(GCVAEBiharmonicAssemble(dm, A));
    PetscCall(MatGetSize(A, &n, NULL));
    PetscCall(MatNorm(A, NORM_MAX, &amax));
    PetscCall(MatIsSymmetric(A, 1e-12 * amax, &sym));
    /* LDL^T (MUMPS sym = 2: A is not flagged SPD) and its inertia */
    PetscCall(MatGetFactor(A, MATSOLVERMUMPS, MAT_FACTOR_CHOLESKY, &F));
    PetscCall(MatMumpsSetIcntl(F, 24, 1)); /* null pivot detection, needed for the inertia */
    PetscCall(MatCholeskyFactorSymbolic(F, A, NULL, NULL));
    PetscCall(MatCholeskyFactorNumeric(F, A, NULL));
    PetscCall(MatGetInertia(F, &nneg, &nzero, &npos));
    PetscCall(Extremes(A, F, &lmin, &lmax));
    kappa = lmax / lmin;
    if (!sym || nneg || nzero || npos != n) fails++;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "level %" PetscInt_FMT "  n %6" PetscInt_FMT "  symmetric %s  inertia (-%" PetscInt_FMT ", 0:%" PetscInt_FMT ", +%" PetscInt_FMT ")  lambda [%.4e, %.4e]  kappa %.4e", l, n, sym ? "yes" : "NO", nneg, nzero, npos, (double)lmin, (double)lmax, (double)kappa));
    if (l > first) {
      const PetscBool ok = (PetscBool)(kappa / prev >= rmin && kappa / prev <= rmax);
      if (!ok) fails++;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  ratio %.2f %s", (double)(kappa / prev), ok ? "ok" : "OUT OF WINDOW"));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
    prev = kappa;
    PetscCall(MatDestroy(&F));
    PetscCall(MatDestroy(&A));
    PetscCall(DMDestroy(&dm));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: SPD at every level, kappa ratio per halving in [%g, %g] (contrast %g, sigma %g)\n", fails ? "FAIL" : "PASS", (double)rmin, (double)rmax, (double)contrast, (double)sigma));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
