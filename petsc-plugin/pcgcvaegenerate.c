/*
   The generation step of PCGCVAE's PCSetUp: the network's R from the PETSc Mat (the best of
   -pc_gcvae_samples latents by a probe estimate of ||I - R^T A R||_F^2 / n), and the same probe
   for Jacobi, which the fallback policy in pcgcvae.c compares it with.

   Parallel runs: each process generates its rows of R from its rows of A and a halo around them
   (GCVAEGeneratorCreate, src/local.c), so no process holds more than its piece; R and the
   probes are those of one process to rounding (tests/pcgcvae_mpi.sh: R to a relative 1e-6, the
   same CG iterations, on 1, 2 and 3 processes).
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

/* +-1 for entry g (global index) of probe vector k: a hash of (k, g), so the vectors, and the
   estimate, are the same on any number of processes (PetscRandom streams are per process) */
static PetscScalar Rademacher(PetscInt k, PetscInt g)
{
  uint64_t x = ((uint64_t)(k + 1) << 40) ^ (uint64_t)g ^ 0x9E3779B97F4A7C15ull; /* splitmix64 */
  x          = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x          = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  return (x >> 63) ? 1.0 : -1.0;
}

/* ||(I - R^T A R) v||^2 / n averaged over Rademacher vectors v (R NULL: Jacobi, R = D^{-1/2}) */
static PetscErrorCode Probe(Mat A, Mat R, Vec dinvsqrt, PetscReal *est)
{
  Vec       v, t, u, w;
  PetscInt  n, nprobe, rstart, rend;
  PetscReal sum = 0, nrm;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PC_GCVAE_Probe, A, 0, 0, 0));
  PetscCall(MatCreateVecs(A, &v, &t));
  PetscCall(VecDuplicate(v, &u));
  PetscCall(VecDuplicate(v, &w));
  PetscCall(VecGetSize(v, &n));
  PetscCall(VecGetOwnershipRange(v, &rstart, &rend));
  nprobe = ProbeCount(n);
  for (PetscInt k = 0; k < nprobe; k++) {
    PetscScalar *va;
    PetscCall(VecGetArrayWrite(v, &va));
    for (PetscInt i = rstart; i < rend; i++) va[i - rstart] = Rademacher(k, i);
    PetscCall(VecRestoreArrayWrite(v, &va));
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

/* The network's R for A, the best of gc->samples latents by the probe, and the probes of
   it and of Jacobi */
PetscErrorCode PCGCVAEGenerate_Private(PC pc, Mat A, Mat *R)
{
  PC_GCVAE         *gc = (PC_GCVAE *)pc->data;
  GCVAEModelHeader *hdr;
  GCVAEGenerator    gen;
  nnreal           *eps;
  GCVAELatentMode   mode    = gc->latent == PC_GCVAE_LATENT_SAMPLE ? GCVAE_LATENT_SAMPLE : GCVAE_LATENT_MEAN;
  GCVAEForwardFn    forward = gc->device == PC_GCVAE_DEVICE_CUDA ? GCVAECudaModelForward : GCVAEModelInfer;

  PetscFunctionBegin;
  PetscCall(GCVAEModelGetHeader(gc->model, &hdr));
  PetscCall(GCVAEGeneratorCreate(gc->model, A, gc->extra, gc->reorder, gc->halo, &gen)); /* scale, mask, features: once for all samples */
  {
    PetscInt nl;
    PetscCall(GCVAEGeneratorGetSizes(gen, &gc->halo_depth, &nl, NULL, &gc->reordered));
    PetscCall(MPIU_Allreduce(&nl, &gc->piece_max, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)pc)));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &gc->reordered, 1, MPIU_BOOL, MPI_LOR, PetscObjectComm((PetscObject)pc))); /* any piece */
  }
  PetscCall(PetscMalloc1(hdr->latent, &eps));
  gc->probe = PETSC_MAX_REAL;
  *R        = NULL;
  for (PetscInt s = 0; s < gc->samples; s++) {
    Mat       Rs;
    PetscReal p;
    if (mode == GCVAE_LATENT_SAMPLE) PetscCall(DrawLatent(gc->seed, s, hdr->latent, eps));
    PetscCall(GCVAEGeneratorApply(gen, mode, eps, forward, gc->droptol, &Rs));
    PetscCall(Probe(A, Rs, NULL, &p));
    if (!*R || p < gc->probe) { /* the first sample is kept whatever its probe (a NaN falls back below) */
      gc->probe = p;
      PetscCall(MatDestroy(R));
      *R = Rs;
    } else PetscCall(MatDestroy(&Rs));
  }
  PetscCall(PetscFree(eps));
  PetscCall(GCVAEGeneratorDestroy(&gen));
  { /* the Jacobi probe on the same random vectors */
    Vec d;
    PetscCall(MatCreateVecs(A, &d, NULL));
    PetscCall(MatGetDiagonal(A, d));
    PetscCall(VecSqrtAbs(d));
    PetscCall(VecReciprocal(d));
    PetscCall(Probe(A, NULL, d, &gc->probe_jacobi));
    PetscCall(VecDestroy(&d));
  }
  PetscFunctionReturn(0);
}
