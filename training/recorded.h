/* Datasets from matrices on disk (gcvae-datagen -matrices), and the held-out split every
   dataset of gcvae-datagen uses. */
#ifndef GCVAE_RECORDED_H
#define GCVAE_RECORDED_H

#include <gcvae.h>

/* The held-out samples of N: the first round(fraction N) of a permutation seeded by seed, sorted
   (*test, PetscMalloc'd, has N entries of room). */
PetscErrorCode GCVAETestSplit(PetscInt seed, PetscInt N, PetscReal fraction, PetscInt *ntest, PetscInt **test);

typedef struct {
  const char *list;          /* files: a comma-separated list of paths, quoted globs (DIR/x*.bin) or directories (their .bin files) */
  const char *family;        /* the dataset's family name (models trained on it carry it) */
  const char *out;           /* output; several patterns: <stem>_<k>.h5, k = 0, 1, ... */
  PetscInt    image_size;    /* P of the pooled |A^-1| image */
  PetscInt    seed;          /* of the test split */
  PetscReal   test_fraction; /* held-out fraction */
  PetscInt    max_n;         /* largest n with a dense inverse image */
  PetscBool   block;         /* the image by GCVAEBlockInverseImage (no dense inverse, no max_n) */
} GCVAERecordedOptions;

/* Reads PETSc binary matrices (MatLoad) and writes one dataset per sparsity pattern, in RCM order
   like the family datasets. Every matrix is checked first (square, finite, positive diagonal,
   symmetric to 1e-8; SPD by the image's Cholesky or inertia), with an error naming its file; on any error
   no output is left. */
PetscErrorCode GCVAERecordedDatasets(const GCVAERecordedOptions *);

#endif
