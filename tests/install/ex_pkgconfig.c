static char help[] = "A program built against an installed PCGCVAE with pkg-config only (tests/install.sh):\n"
                     "CG on the 5-point Laplacian of an m x m grid, b = A 1, with PCGCVAE and then with Jacobi.\n"
                     "  -m M          grid points per side (32)\n"
                     "  -model FILE   PCGCVAE's model (required: the installed share/pcgcvae/models/poisson.bin)\n"
                     "  -ratio R      fails unless gcvae's iterations < R x Jacobi's (0.8)\n"
                     "  -cuda_backend also print whether the CUDA backend (lib/libgcvae_cuda.so) was found beside libgcvae.so\n";

#include <pcgcvae.h>
#include <gcvae_cuda.h>

/* The 5-point Laplacian (Dirichlet boundary eliminated), rows distributed by PETSc. */
static PetscErrorCode Laplacian(PetscInt m, Mat *A)
{
  PetscInt rstart, rend;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, m * m, m * m, 5, NULL, 4, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &rstart, &rend));
  for (PetscInt row = rstart; row < rend; row++) {
    PetscInt i = row / m, j = row % m;
    if (i > 0) PetscCall(MatSetValue(*A, row, row - m, -1.0, INSERT_VALUES));
    if (i < m - 1) PetscCall(MatSetValue(*A, row, row + m, -1.0, INSERT_VALUES));
    if (j > 0) PetscCall(MatSetValue(*A, row, row - 1, -1.0, INSERT_VALUES));
    if (j < m - 1) PetscCall(MatSetValue(*A, row, row + 1, -1.0, INSERT_VALUES));
    PetscCall(MatSetValue(*A, row, row, 4.0, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* CG to rtol 1e-8 in the unpreconditioned norm (the same stopping test for both PCs); returns
   the iterations, the reason and the max error against the exact solution 1. */
static PetscErrorCode Solve(Mat A, Vec b, PCType type, const char model[], PetscInt *its, KSPConvergedReason *reason, PetscReal *err)
{
  KSP       ksp;
  PC        pc;
  Vec       x;
  PCType    got;
  PetscBool same;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 1000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, type));
  if (!strcmp(type, PCGCVAE)) {
    PetscCall(PCGCVAESetModel(pc, model));
    /* an error, not Jacobi in disguise, if the model does not fit the matrix */
    PetscCall(PCGCVAESetFallback(pc, PC_GCVAE_FALLBACK_ERROR));
  }
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(MatCreateVecs(A, &x, NULL));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(PCGetType(pc, &got));
  PetscCall(PetscStrcmp(got, type, &same));
  PetscCheck(same, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "PC type is %s, not %s", got, type);
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, reason));
  PetscCall(VecShift(x, -1.0));
  PetscCall(VecNorm(x, NORM_INFINITY, err)); /* max error: the exact solution is 1 */
  if (!strcmp(type, PCGCVAE)) {
    PetscReal probe, probe_jacobi;
    PetscBool fell_back;
    PetscCall(PCGCVAEGetProbe(pc, &probe, &probe_jacobi, &fell_back));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "gcvae probe ||I - R^T A R||_F^2/n %.4f (jacobi %.4f)%s\n", (double)probe, (double)probe_jacobi, fell_back ? ", fell back to jacobi" : ""));
  }
  PetscCall(VecDestroy(&x));
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Mat                A;
  Vec                one, b;
  PetscInt           m = 32, itg, itj;
  PetscReal          ratio = 0.8, errg, errj;
  char               model[PETSC_MAX_PATH_LEN] = "";
  KSPConvergedReason rg, rj;
  PetscBool          ok, cuda = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  /* a program linked with -lpcgcvae registers the PC types itself (-dll_append would do it for a
     program that is not linked with it) */
  PetscCall(PetscDLLibraryRegister_pcgcvae());
  PetscOptionsBegin(PETSC_COMM_WORLD, "", "ex_pkgconfig options", "");
  PetscCall(PetscOptionsInt("-m", "grid points per side", "ex_pkgconfig.c", m, &m, NULL));
  PetscCall(PetscOptionsString("-model", "PCGCVAE model file", "PCGCVAESetModel", model, model, sizeof(model), NULL));
  PetscCall(PetscOptionsReal("-ratio", "gcvae iterations < ratio x jacobi's", "ex_pkgconfig.c", ratio, &ratio, NULL));
  PetscCall(PetscOptionsBool("-cuda_backend", "print whether the CUDA backend loads", "GCVAECudaAvailable", cuda, &cuda, NULL));
  PetscOptionsEnd();
  if (cuda) {
    PetscBool compiled;
    int       ndevices;
    char      why[PETSC_MAX_PATH_LEN + 512] = "";
    /* loads the backend from libgcvae.so's own directory (src/cuda/dispatch.c) */
    PetscCall(GCVAECudaAvailable(&compiled, &ndevices, why, sizeof(why)));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "cuda backend: compiled %d, devices %d (%s)\n", (int)compiled, ndevices, why));
  }
  PetscCheck(model[0], PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give -model FILE (the installed share/pcgcvae/models/poisson.bin)");

  PetscCall(Laplacian(m, &A));
  PetscCall(MatCreateVecs(A, &one, &b));
  PetscCall(VecSet(one, 1.0));
  PetscCall(MatMult(A, one, b));
  PetscCall(Solve(A, b, PCGCVAE, model, &itg, &rg, &errg));
  PetscCall(Solve(A, b, PCJACOBI, NULL, &itj, &rj, &errj));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "5-point Laplacian %" PetscInt_FMT " x %" PetscInt_FMT ", CG rtol 1e-8: gcvae %" PetscInt_FMT " iterations (%s, error %.1e), jacobi %" PetscInt_FMT " (%s, error %.1e); asserted gcvae < %.2f x jacobi = %.1f\n", m, m, itg, KSPConvergedReasons[rg], (double)errg, itj, KSPConvergedReasons[rj], (double)errj, (double)ratio, (double)(ratio * itj)));
  ok = (PetscBool)(rg > 0 && rj > 0 && errg < 1e-5 && errj < 1e-5 && itg < ratio * itj);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", ok ? "PASS" : "FAIL"));
  PetscCall(VecDestroy(&one));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFinalize());
  return ok ? 0 : 1;
}
