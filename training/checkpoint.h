/* gcvae-train's checkpoint (training/checkpoint.c) and the tools' test hooks
   (training/testhooks.c). */
#ifndef GCVAE_CHECKPOINT_H
#define GCVAE_CHECKPOINT_H

#include <gcvae_model.h>

/* One file holds everything a resumed run needs: the model (a complete model-file image:
   architecture, header, parameters), the AdamW moments and step, the epochs finished and
   the seed. The seed and the epoch are the whole random state: shuffling and latent noise
   are drawn from generators seeded by (seed, epoch) at the start of each epoch. Written
   atomically (GCVAETempName, fsync, rename), so a kill at any moment leaves the previous
   checkpoint or the new one, never a mix.
   datasets: the run's dataset list (TrainSetDescribe), stored so that -resume can refuse others. */
PetscErrorCode GCVAECheckpointWrite(const char path[], GCVAEModel, PetscInt epoch, PetscInt seed, const char datasets[]);
/* *found = PETSC_FALSE when path does not exist (nothing read). A file of the older
   two-file format (a model file beside "<path>.state") is an error that says so. *datasets:
   the stored dataset list (PetscFree it), NULL for a version-1 checkpoint, which has none. */
PetscErrorCode GCVAECheckpointRead(const char path[], GCVAEModel *, PetscInt *epoch, PetscInt *seed, char **datasets, PetscBool *found);

/* ---- test hooks: environment variables for the tests only (not in -help) ----
   GCVAE_TEST_KILL=<point>:<K>  the process raises SIGKILL at a precise point, so the tests
     need no sleep-then-kill: datagen_sample (after sample K is in the temporary),
     ckpt_partial (half of epoch K's checkpoint is in its temporary), ckpt_written (right
     after epoch K's checkpoint is renamed into place). An unknown point is an error.
   GCVAE_TEST_HOLD=<file>  before the rename of datagen's dataset or of train's checkpoint,
     wait until <file> exists (at most 300 s): makes concurrent writers overlap for sure. */
PetscErrorCode GCVAETestKillPoint(const char point[], PetscInt k);
PetscErrorCode GCVAETestHold(void);

#endif
