static char help[] = "PCFSAI on bad matrices: each set-up must fail with a nonzero PETSc error code\n\
and a message that names the cause (and the row). Runs on any number of processes.\n\n";

#include <gcvae.h>

typedef enum { BAD_NONSQUARE, BAD_NEGDIAG, BAD_ZERODIAG, BAD_NAN, BAD_INF, BAD_INDEFINITE, BAD_NCASES } BadCase;

static const char *const CaseName[] = {"non-square", "negative diagonal", "missing diagonal", "NaN entry", "Inf entry", "indefinite"};
/* substrings the error message must contain */
static const char *const Expect1[] = {"square", "negative", "zero diagonal", "not finite", "not finite", "not positive definite"};
static const char *const Expect2[] = {"12 x 10", "A(6,6) = -2", "row 3", "A(5,4) = nan", "A(8,0) = inf", "row 7"};

/* 1D Laplacian tridiag(-1, 2, -1) of size n, spoiled according to the case */
static PetscErrorCode BuildBad(BadCase c, Mat *A)
{
  PetscInt n = 10, m = c == BAD_NONSQUARE ? 12 : n, rstart, rend, i;

  PetscFunctionBeginUser;
  PetscCall(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, m, n, 4, NULL, 3, NULL, A));
  PetscCall(MatGetOwnershipRange(*A, &rstart, &rend));
  for (i = rstart; i < rend; i++) {
    PetscScalar d = 2.0, off = -1.0;

    if (i < n && !(c == BAD_ZERODIAG && i == 3)) {
      if (c == BAD_NEGDIAG && i == 6) d = -2.0;
      PetscCall(MatSetValue(*A, i, i, d, INSERT_VALUES));
    }
    if (i > 0 && i - 1 < n) {
      if (c == BAD_INDEFINITE && i == 7) off = -3.0; /* [[2,-3],[-3,2]] is indefinite */
      if (c == BAD_NAN && i == 5) off = NAN;
      PetscCall(MatSetValue(*A, i, i - 1, off, INSERT_VALUES));
    }
    if (i + 1 < n) {
      if (c == BAD_INDEFINITE && i == 6) off = -3.0;
      else off = -1.0;
      PetscCall(MatSetValue(*A, i, i + 1, off, INSERT_VALUES));
    }
    if (c == BAD_INF && i == 8) PetscCall(MatSetValue(*A, i, 0, INFINITY, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt nfail = 0, c;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(GCVAEInitializePackage());
  for (c = 0; c < BAD_NCASES; c++) {
    Mat            A;
    KSP            ksp;
    PC             pc;
    PetscErrorCode ierr;
    const char    *text = NULL;
    char          *msg  = NULL;
    PetscBool      has1 = PETSC_FALSE, has2 = PETSC_FALSE;

    PetscCall(BuildBad((BadCase)c, &A));
    PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
    PetscCall(KSPSetOperators(ksp, A, A));
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCFSAI));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PCSetUp(pc);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      PetscCall(PetscErrorMessage(ierr, &text, &msg));
      if (msg) {
        PetscCall(PetscStrstr(msg, Expect1[c], (char **)&text));
        has1 = (PetscBool)!!text;
        PetscCall(PetscStrstr(msg, Expect2[c], (char **)&text));
        has2 = (PetscBool)!!text;
      }
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-18s error code %d: %s\n", CaseName[c], (int)ierr, msg ? msg : "(no message)"));
    if (!ierr || !has1 || !has2) {
      nfail++;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  FAILED: expected a nonzero error code and a message with '%s' and '%s'\n", Expect1[c], Expect2[c]));
    }
    PetscCall(KSPDestroy(&ksp));
    PetscCall(MatDestroy(&A));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", nfail ? "FAIL" : "PASS"));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
