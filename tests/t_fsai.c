static char help[] = "PCFSAI on a variable-coefficient 5-point Laplacian: the defining properties of G,\n\
CG iterations against Jacobi, and the symmetric (split) application.\n\
  -grid <N>         interior grid points per direction (default 30)\n\
  -contrast <c>     coefficient contrast of the checkerboard (default 1e3)\n\
Prints 'fsai_its I jacobi_its J normG_F X nnzG K', compared between -n 1 and -n 2 by t_fsai_mpi.sh.\n\n";

#include <gcvae.h>

typedef struct {
  PetscInt  N;        /* interior points per direction; n = N^2 */
  PetscReal contrast; /* max k / min k */
} AppCtx;

static PetscErrorCode ProcessOptions(AppCtx *user)
{
  PetscFunctionBeginUser;
  user->N        = 30;
  user->contrast = 1e3;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "t_fsai options", NULL);
  PetscCall(PetscOptionsInt("-grid", "interior points per direction", NULL, user->N, &user->N, NULL));
  PetscCall(PetscOptionsReal("-contrast", "coefficient contrast", NULL, user->contrast, &user->contrast, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* coefficient: 4 x 4 checkerboard of 1 and contrast on the unit square */
static PetscReal Coefficient(const AppCtx *user, PetscInt p, PetscInt q)
{
  PetscReal x = (p + 1.0) / (user->N + 1.0), y = (q + 1.0) / (user->N + 1.0);
  PetscInt  cx = (PetscInt)(4 * x), cy = (PetscInt)(4 * y);

  return ((cx + cy) % 2) ? user->contrast : 1.0;
}

/* -div(k grad u) with u = 0 on the boundary; face coefficients are harmonic means */
static PetscErrorCode BuildLaplacian(const AppCtx *user, Mat *A)
{
  PetscInt N = user->N, n = N * N, rstart, rend, row;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, n, n, 5, NULL, 2, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &rstart, &rend));
  for (row = rstart; row < rend; row++) {
    PetscInt    p = row % N, q = row / N, d, cols[5], nc = 0;
    PetscInt    dp[4] = {1, -1, 0, 0}, dq[4] = {0, 0, 1, -1};
    PetscScalar vals[5], diag = 0;
    PetscReal   kc = Coefficient(user, p, q);

    for (d = 0; d < 4; d++) {
      PetscInt  pp = p + dp[d], qq = q + dq[d];
      PetscBool inside = (PetscBool)(pp >= 0 && pp < N && qq >= 0 && qq < N);
      PetscReal kn = inside ? Coefficient(user, pp, qq) : kc, kf = 2 * kc * kn / (kc + kn);

      diag += kf;
      if (inside) {
        cols[nc]   = qq * N + pp;
        vals[nc++] = -kf;
      }
    }
    cols[nc]   = row;
    vals[nc++] = diag;
    PetscCall(MatSetValues(*A, 1, &row, nc, cols, vals, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* CG iterations to rtol 1e-8 with the given PC type on A x = 1 */
static PetscErrorCode SolveIts(Mat A, const char *pctype, PetscInt *its, KSP *kspout)
{
  KSP                ksp;
  PC                 pc;
  Vec                x, b;
  KSPConvergedReason reason;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 10000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, pctype));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCheck(reason > 0, PETSC_COMM_WORLD, PETSC_ERR_CONV_FAILED, "CG with %s did not converge (reason %s)", pctype, KSPConvergedReasons[reason]);
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  if (kspout) *kspout = ksp;
  else PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

/*
   max_i |(G A G^T)_ii - 1| and max_{j in J_i, j != i} |(G A)_ij| / |(G A)_ii|, from C = G A:
   (G A G^T)_ii = sum_j C_ij G_ij over the pattern of row i of G. Also checks G is lower triangular.
*/
static PetscErrorCode CheckFactor(Mat A, Mat G, PetscReal *differr, PetscReal *offerr, PetscInt *upper)
{
  Mat       C;
  PetscInt  rstart, rend, i;
  PetscReal loc[2] = {0, 0}, glob[2];
  PetscInt  lup = 0;

  PetscFunctionBeginUser;
  PetscCall(MatMatMult(G, A, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &C));
  PetscCall(MatGetOwnershipRange(G, &rstart, &rend));
  for (i = rstart; i < rend; i++) {
    const PetscInt    *gc, *cc;
    const PetscScalar *gv, *cv;
    PetscInt           ng, nc, k, l = 0;
    PetscScalar        d = 0, cii = 0;
    PetscReal          off = 0;

    PetscCall(MatGetRow(G, i, &ng, &gc, &gv));
    PetscCall(MatGetRow(C, i, &nc, &cc, &cv));
    for (k = 0; k < nc; k++)
      if (cc[k] == i) cii = cv[k];
    for (k = 0; k < ng; k++) {
      PetscScalar cij = 0;

      if (gc[k] > i) lup++;
      while (l < nc && cc[l] < gc[k]) l++;
      if (l < nc && cc[l] == gc[k]) cij = cv[l];
      d += cij * gv[k];
      if (gc[k] != i) off = PetscMax(off, PetscAbsScalar(cij));
    }
    loc[0] = PetscMax(loc[0], PetscAbsScalar(d - 1.0));
    loc[1] = PetscMax(loc[1], off / PetscAbsScalar(cii));
    PetscCall(MatRestoreRow(C, i, &nc, &cc, &cv));
    PetscCall(MatRestoreRow(G, i, &ng, &gc, &gv));
  }
  PetscCall(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscCall(MPIU_Allreduce(&lup, upper, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  *differr = glob[0];
  *offerr  = glob[1];
  PetscCall(MatDestroy(&C));
  PetscFunctionReturn(0);
}

/* PCApply = Right(Left(x)), Left = G; and GMRES with the split preconditioner solves A x = b */
static PetscErrorCode CheckSymmetric(Mat A, PC pc, Mat G, PetscReal *splitdiff, PetscReal *leftdiff, PetscReal *relres)
{
  Vec         x, y, w, y2, b;
  PetscRandom rnd;
  KSP         ksp;
  PC          spc;
  PetscReal   nb;

  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(A, &x, &y));
  PetscCall(VecDuplicate(x, &w));
  PetscCall(VecDuplicate(x, &y2));
  PetscCall(VecDuplicate(x, &b));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 7));
  PetscCall(PetscRandomSeed(rnd));
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(PCApply(pc, x, y));
  PetscCall(PCApplySymmetricLeft(pc, x, w));
  PetscCall(PCApplySymmetricRight(pc, w, y2));
  PetscCall(VecAXPY(y2, -1.0, y));
  PetscCall(VecNorm(y2, NORM_INFINITY, splitdiff));
  PetscCall(MatMult(G, x, y2));
  PetscCall(VecAXPY(y2, -1.0, w));
  PetscCall(VecNorm(y2, NORM_INFINITY, leftdiff));

  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPGMRES));
  PetscCall(KSPSetPCSide(ksp, PC_SYMMETRIC));
  PetscCall(KSPGMRESSetRestart(ksp, 100));
  PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 20000));
  PetscCall(KSPGetPC(ksp, &spc));
  PetscCall(PCSetType(spc, PCFSAI));
  PetscCall(VecSet(b, 1.0));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(MatMult(A, x, y));
  PetscCall(VecAXPY(y, -1.0, b));
  PetscCall(VecNorm(y, NORM_2, relres));
  PetscCall(VecNorm(b, NORM_2, &nb));
  *relres /= nb;
  PetscCall(KSPDestroy(&ksp));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(VecDestroy(&w));
  PetscCall(VecDestroy(&y2));
  PetscCall(VecDestroy(&b));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx    user;
  Mat       A, G;
  KSP       ksp;
  PC        pc;
  PetscInt  its_fsai = 0, its_jac = 0, upper = -1, nfail = 0;
  PetscReal differr = PETSC_MAX_REAL, offerr = PETSC_MAX_REAL, normG = 0, splitdiff = PETSC_MAX_REAL, leftdiff = PETSC_MAX_REAL, relres = PETSC_MAX_REAL;
  MatInfo   infoG, infoA;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(GCVAEInitializePackage());
  PetscCall(ProcessOptions(&user));
  PetscCall(BuildLaplacian(&user, &A));

  PetscCall(SolveIts(A, PCJACOBI, &its_jac, NULL));
  PetscCall(SolveIts(A, PCFSAI, &its_fsai, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCFSAIGetFactor(pc, &G));
  PetscCall(MatNorm(G, NORM_FROBENIUS, &normG));
  PetscCall(MatGetInfo(G, MAT_GLOBAL_SUM, &infoG));
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &infoA));

  PetscCall(CheckFactor(A, G, &differr, &offerr, &upper));
  PetscCall(CheckSymmetric(A, pc, G, &splitdiff, &leftdiff, &relres));

  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "max |diag(G A G^T) - 1|        = %.3e\n", (double)differr));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "max |(G A)_ij|/|(G A)_ii|, J_i  = %.3e\n", (double)offerr));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "entries of G above the diagonal = %" PetscInt_FMT "\n", upper));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "nnz(G) = %.0f, (nnz(A) + n)/2 = %.0f\n", infoG.nz_used, (infoA.nz_used + user.N * user.N) / 2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "|Right(Left x) - PCApply x|_inf = %.3e, |Left x - G x|_inf = %.3e\n", (double)splitdiff, (double)leftdiff));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "GMRES with PC_SYMMETRIC: relative residual %.3e\n", (double)relres));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fsai_its %" PetscInt_FMT " jacobi_its %" PetscInt_FMT " normG_F %.16e nnzG %.0f\n", its_fsai, its_jac, (double)normG, infoG.nz_used));

#define EXPECT(cond, what) \
  do { \
    if (!(cond)) { \
      nfail++; \
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "FAILED: %s\n", what)); \
    } \
  } while (0)
  EXPECT(differr < 1e-10, "diag(G A G^T) = 1 to 1e-10");
  EXPECT(offerr < 1e-10, "(G A)_ij = 0 on J_i \\ {i} to 1e-10 relative");
  EXPECT(upper == 0, "G lower triangular");
  EXPECT(infoG.nz_used == (infoA.nz_used + user.N * user.N) / 2, "pattern of G = pattern of tril(A)");
  EXPECT(its_fsai < its_jac, "CG iterations with fsai < with jacobi");
  EXPECT(splitdiff < 1e-12 * normG * normG, "PCApply = Right(Left(.))");
  EXPECT(leftdiff == 0, "Left = G");
  EXPECT(relres < 1e-8, "GMRES with the split preconditioner converges to the solution");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", nfail ? "FAIL" : "PASS"));

  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
