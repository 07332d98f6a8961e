/* The public PCGCVAESet...() and PCGCVAEGet...() functions: each checks its arguments and calls
   the PC's composed implementation (pcgcvae.c, pcgcvaerecord.c), PETSc's PetscTryMethod /
   PetscUseMethod pattern, so that calling them on a PC of another type does nothing (setters)
   or errors (getters). */
#include "pcgcvaeimpl.h" /*I "petscpc.h" I*/

/*@C
   PCGCVAESetModel - Sets the trained model file that PCSetUp() reads.

   Logically Collective

   Input Parameters:
+  pc - the preconditioner context
-  file - model file written by gcvae-train

   Options Database Key:
.  -pc_gcvae_model <file> - the model

   Level: intermediate

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetModel(PC pc, const char file[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscTryMethod(pc, "PCGCVAESetModel_C", (PC, const char[]), (pc, file));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetSamples - Draws k latents and keeps the R with the smallest probe loss.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_samples <k> - number of draws (requires -pc_gcvae_latent sample when k > 1)

   Level: intermediate

.seealso: `PCGCVAE`, `PCGCVAESetLatent()`
@*/
PetscErrorCode PCGCVAESetSamples(PC pc, PetscInt k)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveInt(pc, k, 2);
  PetscTryMethod(pc, "PCGCVAESetSamples_C", (PC, PetscInt), (pc, k));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetSeed - Seed of the latent draws.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_seed <s> - the seed

   Level: intermediate

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetSeed(PC pc, PetscInt seed)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveInt(pc, seed, 2);
  PetscTryMethod(pc, "PCGCVAESetSeed_C", (PC, PetscInt), (pc, seed));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetLatent - mean (z = 0, deterministic) or sample (z ~ N(0, I)).

   Logically Collective

   Options Database Key:
.  -pc_gcvae_latent <mean,sample> - the latent mode

   Level: intermediate

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetLatent(PC pc, PCGCVAELatent latent)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveEnum(pc, latent, 2);
  PetscTryMethod(pc, "PCGCVAESetLatent_C", (PC, PCGCVAELatent), (pc, latent));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetExtra - Mask of R: pattern(A) plus this fraction of nnz(A) (negative: the model's).

   Logically Collective

   Options Database Key:
.  -pc_gcvae_extra <f> - the fraction

   Level: advanced

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetExtra(PC pc, PetscReal extra)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveReal(pc, extra, 2);
  PetscTryMethod(pc, "PCGCVAESetExtra_C", (PC, PetscReal), (pc, extra));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetDroptol - Drops the entries of the generated R below tol times the largest |entry| of
   their row (the diagonal stays), before the probe.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_droptol <tol> - in [0, 1) (default 0.02; 0: keep every entry)

   Notes:
   Each nonzero of R is read twice per CG iteration; the smallest buy the fewest iterations. With
   the shipped biharmonic model (mask pattern(A) + 0.5 nnz(A)) 0.02 cuts nnz(R) from 1.5 to 0.88
   nnz(A) for 5% more iterations; the Poisson model's entries are all above it.

   Level: advanced

.seealso: `PCGCVAE`, `PCGCVAESetExtra()`
@*/
PetscErrorCode PCGCVAESetDroptol(PC pc, PetscReal tol)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveReal(pc, tol, 2);
  PetscTryMethod(pc, "PCGCVAESetDroptol_C", (PC, PetscReal), (pc, tol));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetFallback - What PCSetUp() does when the generated R is worse than Jacobi.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_fallback <jacobi,error,none> - the policy (default jacobi)

   Level: intermediate

.seealso: `PCGCVAE`, `PCGCVAEGetProbe()`
@*/
PetscErrorCode PCGCVAESetFallback(PC pc, PCGCVAEFallback fallback)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveEnum(pc, fallback, 2);
  PetscTryMethod(pc, "PCGCVAESetFallback_C", (PC, PCGCVAEFallback), (pc, fallback));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetDevice - Where PCSetUp() generates R and PCApply() applies it: the host or a CUDA device.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_device <cpu,cuda> - the device (default cpu)

   Notes:
   cuda needs a build with make CUDA=1, a device, one process and a graph-decoder model; PCSetUp()
   errors clearly otherwise. The network runs on the device and R, R^T live there as cuSPARSE
   matrices; with PETSc's host Vecs each apply copies x to the device and y back (2 x 8n bytes).
   When PETSc itself has CUDA and A is MATAIJCUSPARSE, R is MATAIJCUSPARSE and nothing is copied.
   PCGCVAEGetFactor() still returns a host copy of R.

   Level: intermediate

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetDevice(PC pc, PCGCVAEDevice device)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveEnum(pc, device, 2);
  PetscTryMethod(pc, "PCGCVAESetDevice_C", (PC, PCGCVAEDevice), (pc, device));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAESetPrecision - Precision of R's values in the host apply.

   Logically Collective

   Options Database Key:
.  -pc_gcvae_precision <single,double> - the precision (default single)

   Notes:
   SpMV is memory-bound: with single-precision values each product with R or R^T reads 8 bytes per
   nonzero instead of 12. Vectors and sums stay double. R is rounded to single first, so
   PCGCVAEGetFactor() returns exactly the R applied and R R^T stays SPD. The device apply
   (-pc_gcvae_device cuda, MATAIJCUSPARSE) keeps double values.

   Level: intermediate

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAESetPrecision(PC pc, PCGCVAEPrecision precision)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveEnum(pc, precision, 2);
  PetscTryMethod(pc, "PCGCVAESetPrecision_C", (PC, PCGCVAEPrecision), (pc, precision));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAEGetFactor - The factor R of M^{-1} = R R^T (owned by the PC).

   Not Collective

   Level: advanced

.seealso: `PCGCVAE`
@*/
PetscErrorCode PCGCVAEGetFactor(PC pc, Mat *R)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCGCVAEGetFactor_C", (PC, Mat *), (pc, R));
  PetscFunctionReturn(0);
}

/*@
   PCGCVAEGetProbe - Probe estimates of ||I - R^T A R||_F^2 / n for the generated R and for
   Jacobi, and whether the fallback replaced R.

   Not Collective

   Level: advanced

.seealso: `PCGCVAE`, `PCGCVAESetFallback()`
@*/
PetscErrorCode PCGCVAEGetProbe(PC pc, PetscReal *probe, PetscReal *jacobi, PetscBool *fell_back)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscUseMethod(pc, "PCGCVAEGetProbe_C", (PC, PetscReal *, PetscReal *, PetscBool *), (pc, probe, jacobi, fell_back));
  PetscFunctionReturn(0);
}
