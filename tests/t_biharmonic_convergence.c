static char help[] = "Biharmonic family (P2 C0 interior penalty): observed L2 and broken-H2 orders against\n"
                     "u = sin(pi x) sin(pi y), with constant or variable f, on uniformly refined gmsh meshes.\n"
                     "  -mesh FILE -levels L -degree D -contrast C -sigma S\n"
                     "  -l2_min -l2_max -h2_min -h2_max   accepted windows for the observed orders\n";

#include "../training/family.h"

static PetscErrorCode SolveLevel(const char mesh[], PetscInt level, PetscInt degree, const PetscReal c[], PetscReal sigma, PetscReal *l2, PetscReal *h2, PetscInt *n)
{
  DM  dm;
  Mat A;
  Vec u, b;
  KSP ksp;
  PC  pc;

  PetscFunctionBeginUser;
  PetscCall(GCVAEMeshLoad(PETSC_COMM_WORLD, mesh, level, &dm));
  PetscCall(GCVAEBiharmonicSetUp(dm, degree, sigma));
  PetscCall(GCVAEFamilySetCoefficient(dm, degree, c));
  PetscCall(GCVAEBiharmonicCreateMatrix(dm, &A));
  PetscCall(GCVAEBiharmonicAssemble(dm, A));
  PetscCall(DMCreateGlobalVector(dm, &u));
  PetscCall(VecDuplicate(u, &b));
  PetscCall(GCVAEBiharmonicManufacturedRHS(dm, b));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPPREONLY));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCCHOLESKY));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, u));
  PetscCall(GCVAEBiharmonicErrors(dm, u, l2, h2));
  PetscCall(VecGetSize(u, n));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        mesh[PETSC_MAX_PATH_LEN] = "meshes/square_102.msh";
  PetscInt    levels = 4, degree = 2, fails = 0;
  PetscReal   contrast = 1e2, sigma = GCVAE_BIHARMONIC_SIGMA, c[GCVAE_COEFF_MAX_COUNT], pl2 = 0, ph2 = 0;
  PetscReal   l2min = 1.8, l2max = 2.3, h2min = 0.9, h2max = 1.15;
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Biharmonic convergence test", NULL);
  PetscCall(PetscOptionsString("-mesh", "gmsh mesh", NULL, mesh, mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsInt("-levels", "number of meshes (uniform refinements + 1)", NULL, levels, &levels, NULL));
  PetscCall(PetscOptionsInt("-degree", "coefficient polynomial degree", NULL, degree, &degree, NULL));
  PetscCall(PetscOptionsReal("-contrast", "max f / min f (1: constant f)", NULL, contrast, &contrast, NULL));
  PetscCall(PetscOptionsReal("-sigma", "interior penalty", NULL, sigma, &sigma, NULL));
  PetscCall(PetscOptionsReal("-l2_min", "", NULL, l2min, &l2min, NULL));
  PetscCall(PetscOptionsReal("-l2_max", "", NULL, l2max, &l2max, NULL));
  PetscCall(PetscOptionsReal("-h2_min", "", NULL, h2min, &h2min, NULL));
  PetscCall(PetscOptionsReal("-h2_max", "", NULL, h2max, &h2max, NULL));
  PetscOptionsEnd();
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 7, &rnd));
  PetscCall(GCVAECoeffRandom(rnd, degree, contrast, contrast, c));
  PetscCall(PetscRandomDestroy(&rnd));
  for (PetscInt l = 0; l < levels; l++) {
    PetscReal l2, h2;
    PetscInt  n;
    PetscCall(SolveLevel(mesh, l, degree, c, sigma, &l2, &h2, &n));
    if (l == 0) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "level %" PetscInt_FMT "  n %7" PetscInt_FMT "  L2 %.4e  H2 %.4e\n", l, n, (double)l2, (double)h2));
    else {
      const PetscReal ol2 = PetscLog2Real(pl2 / l2), oh2 = PetscLog2Real(ph2 / h2);
      const PetscBool ok  = (PetscBool)(ol2 >= l2min && ol2 <= l2max && oh2 >= h2min && oh2 <= h2max);
      if (!ok) fails++;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "level %" PetscInt_FMT "  n %7" PetscInt_FMT "  L2 %.4e (order %.3f)  H2 %.4e (order %.3f) %s\n", l, n, (double)l2, (double)ol2, (double)h2, (double)oh2, ok ? "ok" : "OUT OF WINDOW"));
    }
    pl2 = l2;
    ph2 = h2;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: L2 orders in [%g, %g], broken-H2 orders in [%g, %g] (contrast %g, sigma %g)\n", fails ? "FAIL" : "PASS", (double)l2min, (double)l2max, (double)h2min, (double)h2max, (double)contrast, (double)sigma));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
