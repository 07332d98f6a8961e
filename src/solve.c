/* The CG solve every comparison in the project uses (doc/design.md section 13): KSPCG,
   unpreconditioned residual norm, rtol 1e-5, zero initial guess, and a right-hand
   side drawn from a seed (the same vector for any number of processes). */
#include <gcvae.h>

PetscErrorCode GCVAERandomCreate(MPI_Comm comm, unsigned long seed, PetscRandom *rnd)
{
  PetscFunctionBegin;
  PetscCall(PetscRandomCreate(comm, rnd));
  PetscCall(PetscRandomSetType(*rnd, PETSCRAND48));
  PetscCall(PetscRandomSetSeed(*rnd, seed));
  PetscCall(PetscRandomSeed(*rnd));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAERandomPermutation(unsigned long seed, PetscInt n, PetscInt perm[])
{
  PetscRandom rnd;

  PetscFunctionBegin;
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, seed, &rnd));
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) { /* Fisher-Yates */
    PetscReal u;
    PetscInt  j, t;
    PetscCall(PetscRandomGetValueReal(rnd, &u));
    j       = PetscMin((PetscInt)(u * (i + 1)), i);
    t       = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECreateRHS(Mat A, PetscInt seed, Vec *b)
{
  PetscRandom  rnd;
  PetscInt     N, rstart, rend;
  PetscScalar *full, *barr;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(A, NULL, b));
  PetscCall(VecGetSize(*b, &N));
  PetscCall(VecGetOwnershipRange(*b, &rstart, &rend));
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)seed, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1.0, 1.0));
  PetscCall(PetscMalloc1(N, &full));
  for (PetscInt i = 0; i < N; i++) PetscCall(PetscRandomGetValue(rnd, &full[i]));
  PetscCall(VecGetArray(*b, &barr));
  for (PetscInt i = rstart; i < rend; i++) barr[i - rstart] = full[i];
  PetscCall(VecRestoreArray(*b, &barr));
  PetscCall(PetscFree(full));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAESolveCG(Mat A, Mat R, Vec b, PetscInt *its, KSPConvergedReason *reason)
{
  KSP ksp;
  PC  pc;
  Vec x;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(b, &x));
  PetscCall(KSPCreate(PetscObjectComm((PetscObject)A), &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, 100000));
  PetscCall(KSPGetPC(ksp, &pc));
  if (R) PetscCall(GCVAEPCSetFactor(pc, R));
  else PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, its));
  if (reason) PetscCall(KSPGetConvergedReason(ksp, reason));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}
