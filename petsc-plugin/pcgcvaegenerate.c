/*
   The generation step of PCGCVAE's PCSetUp: the network's R from the PETSc Mat (the best of
   -pc_gcvae_samples latents by a probe estimate of ||I - R^T A R||_F^2 / n), and the same probe
   for Jacobi, which the fallback policy in pcgcvae.c compares it with.

   Parallel runs: the network runs on a sequential copy of the matrix on every process (the same
   computation everywhere; tests/pcgcvae_mpi.sh asserts R equal to a single process's to a
   relative 1e-6 and the same CG iterations), and each process keeps its rows of R. Not scalable
   in memory: every process holds the whole matrix.
*/
#include "pcgcvaeimpl.h"

/* Random vectors of the probe estimate: 8 for n <= 1e4, fewer above (at least 2). One Rademacher
   vector's estimate of ||E||_F^2 / n has a relative spread of about sqrt(2 / n_eff) (n_eff ~ n for
   a sparse E), so at n 1e5 two vectors are as accurate as eight at n 2.5e4, and the probe's cost,
   3 SpMVs per vector, stays a few percent of the setup. */
static PetscInt ProbeCount(PetscInt n)
{
  return PetscMax(2, PetscMin(8, 80000 / PetscMax(n, 1)));
}

/* ||(I - R^T A R) v||^2 / n averaged over Rademacher vectors v (R NULL: Jacobi, R = D^{-1/2}) */
static PetscErrorCode Probe(Mat A, Mat R, Vec dinvsqrt, PetscReal *est)
{
  Vec         v, t, u, w;
  PetscRandom rnd;
  PetscInt    n, nprobe;
  PetscReal   sum = 0, nrm;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PC_GCVAE_Probe, A, 0, 0, 0));
  PetscCall(MatCreateVecs(A, &v, &t));
  PetscCall(VecDuplicate(v, &u));
  PetscCall(VecDuplicate(v, &w));
  PetscCall(VecGetSize(v, &n));
  nprobe = ProbeCount(n);
  PetscCall(GCVAERandomCreate(PetscObjectComm((PetscObject)A), 20231125, &rnd));
  for (PetscInt k = 0; k < nprobe; k++) {
    PetscScalar *va;
    PetscInt     nl;
    PetscCall(VecSetRandom(v, rnd));
    PetscCall(VecGetLocalSize(v, &nl));
    PetscCall(VecGetArray(v, &va));
    for (PetscInt i = 0; i < nl; i++) va[i] = PetscRealPart(va[i]) < 0.5 ? -1.0 : 1.0;
    PetscCall(VecRestoreArray(v, &va));
    if (R) PetscCall(MatMult(R, v, u));
    else PetscCall(VecPointwiseMult(u, dinvsqrt, v));
    PetscCall(MatMult(A, u, t));
    if (R) PetscCall(MatMultTranspose(R, t, w));
    else PetscCall(VecPointwiseMult(w, dinvsqrt, t));
    PetscCall(VecAYPX(w, -1.0, v)); /* w = v - R^T A R v */
    PetscCall(VecNorm(w, NORM_2, &nrm));
    sum += nrm * nrm;
  }
  *est = sum / nprobe / n;
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(VecDestroy(&v));
  PetscCall(VecDestroy(&t));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&w));
  PetscCall(PetscLogEventEnd(PC_GCVAE_Probe, A, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The latent of draw number `draw` for a seed (reproducible, independent of the other draws) */
static PetscErrorCode DrawLatent(PetscInt seed, PetscInt draw, PetscInt k, nnreal eps[])
{
  PetscRandom rnd;

  PetscFunctionBegin;
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)(1000003 * seed + draw), &rnd));
  PetscCall(GCVAELatentDraw(rnd, k, eps));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

/* R without its entries below tol times the largest |entry| of their row (the diagonal always
   stays): every nonzero of R is read twice per CG iteration, and the smallest buy the least.
   Relative to the row, so the same entries drop from R = D^{-1/2} R~ as from R~. In place
   (*R replaced) when anything drops. */
static PetscErrorCode DropSmall(Mat *R, PetscReal tol)
{
  const PetscInt    *ri, *rj;
  const PetscScalar *rv;
  PetscInt           n, *ni, *nj, keep = 0;
  PetscScalar       *nv;
  PetscBool          done;
  Mat                D;

  PetscFunctionBegin;
  if (tol <= 0) PetscFunctionReturn(0);
  PetscCall(MatGetRowIJ(*R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscCall(MatSeqAIJGetArrayRead(*R, &rv));
  PetscCall(PetscMalloc3(n + 1, &ni, ri[n], &nj, ri[n], &nv));
  ni[0] = 0;
  for (PetscInt i = 0; i < n; i++) {
    PetscReal rmax = 0;
    for (PetscInt k = ri[i]; k < ri[i + 1]; k++) rmax = PetscMax(rmax, PetscAbsScalar(rv[k]));
    for (PetscInt k = ri[i]; k < ri[i + 1]; k++)
      if (rj[k] == i || PetscAbsScalar(rv[k]) >= tol * rmax) {
        nj[keep]   = rj[k];
        nv[keep++] = rv[k];
      }
    ni[i + 1] = keep;
  }
  PetscCall(MatSeqAIJRestoreArrayRead(*R, &rv));
  if (keep < ri[n]) {
    PetscCall(MatCreate(PETSC_COMM_SELF, &D));
    PetscCall(MatSetSizes(D, n, n, n, n));
    PetscCall(MatSetType(D, MATSEQAIJ));
    PetscCall(MatSeqAIJSetPreallocationCSR(D, ni, nj, nv));
  } else D = NULL;
  PetscCall(MatRestoreRowIJ(*R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscCall(PetscFree3(ni, nj, nv));
  if (D) {
    PetscCall(MatDestroy(R));
    *R = D;
  }
  PetscFunctionReturn(0);
}

/* Rows of the sequential Rseq that this process owns in A's layout, as a Mat like A */
static PetscErrorCode Distribute(Mat A, Mat Rseq, Mat *R)
{
  PetscInt           rstart, rend, m, n, *dnz, *onz, cstart, cend;
  const PetscInt    *ri, *rj;
  const PetscScalar *rv;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  PetscCall(MatGetOwnershipRangeColumn(A, &cstart, &cend));
  PetscCall(MatGetLocalSize(A, &m, &n));
  PetscCall(MatGetRowIJ(Rseq, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscCall(MatSeqAIJGetArrayRead(Rseq, &rv));
  PetscCall(PetscCalloc2(m, &dnz, m, &onz));
  for (PetscInt i = rstart; i < rend; i++)
    for (PetscInt k = ri[i]; k < ri[i + 1]; k++) {
      if (rj[k] >= cstart && rj[k] < cend) dnz[i - rstart]++;
      else onz[i - rstart]++;
    }
  PetscCall(MatCreate(PetscObjectComm((PetscObject)A), R));
  PetscCall(MatSetSizes(*R, m, m, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(*R, MATAIJ));
  PetscCall(MatXAIJSetPreallocation(*R, 1, dnz, onz, NULL, NULL));
  for (PetscInt i = rstart; i < rend; i++) PetscCall(MatSetValues(*R, 1, &i, ri[i + 1] - ri[i], rj + ri[i], rv + ri[i], INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*R, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*R, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscFree2(dnz, onz));
  PetscCall(MatSeqAIJRestoreArrayRead(Rseq, &rv));
  PetscCall(MatRestoreRowIJ(Rseq, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscFunctionReturn(0);
}

/* The network's R for A, the best of gc->samples latents by the probe, and the probes of
   it and of Jacobi */
PetscErrorCode PCGCVAEGenerate_Private(PC pc, Mat A, Mat *R)
{
  PC_GCVAE         *gc = (PC_GCVAE *)pc->data;
  MPI_Comm          comm = PetscObjectComm((PetscObject)pc);
  Mat               Aseq, Rseq = NULL;
  PetscMPIInt       size;
  GCVAEModelHeader *hdr;
  nnreal           *eps;
  GCVAELatentMode   mode = gc->latent == PC_GCVAE_LATENT_SAMPLE ? GCVAE_LATENT_SAMPLE : GCVAE_LATENT_MEAN;

  PetscFunctionBegin;
  PetscCall(GCVAEModelGetHeader(gc->model, &hdr));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) PetscCall(MatCreateRedundantMatrix(A, size, MPI_COMM_NULL, MAT_INITIAL_MATRIX, &Aseq)); /* a MATSEQAIJ copy on each process */
  else {
    PetscCall(PetscObjectReference((PetscObject)A));
    Aseq = A;
  }
  PetscCall(PetscMalloc1(hdr->latent, &eps));
  gc->probe = PETSC_MAX_REAL;
  for (PetscInt s = 0; s < gc->samples; s++) {
    Mat       Rs;
    PetscReal p;
    if (mode == GCVAE_LATENT_SAMPLE) PetscCall(DrawLatent(gc->seed, s, hdr->latent, eps));
    if (gc->device == PC_GCVAE_DEVICE_CUDA) PetscCall(GCVAECudaGenerate(gc->model, Aseq, gc->extra, mode, eps, &Rs));
    else PetscCall(GCVAEGenerate(gc->model, Aseq, gc->extra, mode, eps, gc->reorder, &Rs));
    PetscCall(DropSmall(&Rs, gc->droptol));
    PetscCall(Probe(Aseq, Rs, NULL, &p));
    if (p < gc->probe) {
      gc->probe = p;
      PetscCall(MatDestroy(&Rseq));
      Rseq = Rs;
    } else PetscCall(MatDestroy(&Rs));
  }
  PetscCall(PetscFree(eps));
  { /* the Jacobi probe on the same sequential matrix and random vectors: the verdict does
       not depend on the number of processes */
    Vec d;
    PetscCall(MatCreateVecs(Aseq, &d, NULL));
    PetscCall(MatGetDiagonal(Aseq, d));
    PetscCall(VecSqrtAbs(d));
    PetscCall(VecReciprocal(d));
    PetscCall(Probe(Aseq, NULL, d, &gc->probe_jacobi));
    PetscCall(VecDestroy(&d));
  }
  if (size > 1) {
    PetscCall(Distribute(A, Rseq, R));
    PetscCall(MatDestroy(&Rseq));
  } else *R = Rseq;
  PetscCall(MatDestroy(&Aseq));
  PetscFunctionReturn(0);
}

