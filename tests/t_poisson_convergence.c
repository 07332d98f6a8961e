static char help[] = "P1 Poisson family: observed L2 order against u = sin(pi x) sin(pi y) with variable f.\n"
                     "Refines a gmsh mesh uniformly and asserts every observed order in [omin, omax].\n"
                     "  -mesh FILE -levels L -degree D -contrast C -omin -omax\n";

#include "../training/family.h"

static PetscErrorCode SolveLevel(const char mesh[], PetscInt level, PetscInt degree, const PetscReal c[], PetscReal *err, PetscInt *n)
{
  DM        dm;
  SNES      snes;
  Vec       u;
  PetscErrorCode (*exact[1])(PetscInt, PetscReal, const PetscReal[], PetscInt, PetscScalar[], void *) = {GCVAEPoissonExact};

  PetscFunctionBeginUser;
  PetscCall(GCVAEMeshLoad(PETSC_COMM_WORLD, mesh, level, &dm));
  PetscCall(GCVAEPoissonSetUp(dm, degree, PETSC_TRUE));
  PetscCall(GCVAEFamilySetCoefficient(dm, degree, c));
  PetscCall(SNESCreate(PETSC_COMM_WORLD, &snes));
  PetscCall(SNESSetDM(snes, dm));
  PetscCall(DMPlexSetSNESLocalFEM(dm, NULL, NULL, NULL));
  PetscCall(SNESSetType(snes, SNESKSPONLY));
  {
    KSP ksp;
    PC  pc;
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPSetTolerances(ksp, 1e-12, 1e-14, PETSC_DEFAULT, 10000));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCGAMG));
  }
  PetscCall(SNESSetFromOptions(snes));
  PetscCall(DMCreateGlobalVector(dm, &u));
  PetscCall(VecSet(u, 0));
  PetscCall(SNESSolve(snes, NULL, u));
  PetscCall(DMComputeL2Diff(dm, 0, exact, NULL, u, err));
  PetscCall(VecGetSize(u, n));
  PetscCall(VecDestroy(&u));
  PetscCall(SNESDestroy(&snes));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        mesh[PETSC_MAX_PATH_LEN] = "meshes/square_102.msh";
  PetscInt    levels = 4, degree = 2, fails = 0;
  PetscReal   contrast = 1e3, omin = 1.8, omax = 2.2, c[GCVAE_COEFF_MAX_COUNT], prev = 0;
  PetscRandom rnd;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Poisson convergence test", NULL);
  PetscCall(PetscOptionsString("-mesh", "gmsh mesh", NULL, mesh, mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsInt("-levels", "number of meshes (uniform refinements + 1)", NULL, levels, &levels, NULL));
  PetscCall(PetscOptionsInt("-degree", "coefficient polynomial degree", NULL, degree, &degree, NULL));
  PetscCall(PetscOptionsReal("-contrast", "max f / min f", NULL, contrast, &contrast, NULL));
  PetscCall(PetscOptionsReal("-omin", "smallest accepted order", NULL, omin, &omin, NULL));
  PetscCall(PetscOptionsReal("-omax", "largest accepted order", NULL, omax, &omax, NULL));
  PetscOptionsEnd();
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, 7, &rnd));
  PetscCall(GCVAECoeffRandom(rnd, degree, contrast, contrast, c));
  PetscCall(PetscRandomDestroy(&rnd));
  for (PetscInt l = 0; l < levels; l++) {
    PetscReal err;
    PetscInt  n;
    PetscCall(SolveLevel(mesh, l, degree, c, &err, &n));
    if (l == 0) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "level %" PetscInt_FMT "  n %7" PetscInt_FMT "  L2 error %.4e\n", l, n, (double)err));
    else {
      const PetscReal order = PetscLog2Real(prev / err);
      const PetscBool ok    = (PetscBool)(order >= omin && order <= omax);
      if (!ok) fails++;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "level %" PetscInt_FMT "  n %7" PetscInt_FMT "  L2 error %.4e  order %.3f %s\n", l, n, (double)err, (double)order, ok ? "ok" : "OUT OF WINDOW"));
    }
    prev = err;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: orders in [%g, %g] (contrast %g, degree %" PetscInt_FMT ")\n", fails ? "FAIL" : "PASS", (double)omin, (double)omax, (double)contrast, degree));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
