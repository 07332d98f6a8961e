/* Private to src/generate.c and the CUDA backend (src/cuda/forward.c): the one pipeline
   A -> scale -> mask -> input features -> network -> R that the CPU (GCVAEGenerate) and the
   device (GCVAECudaGenerate) share; only the network's forward differs. */
#ifndef GCVAE_GENERATEIMPL_H
#define GCVAE_GENERATEIMPL_H
#include <gcvae_model.h>

/* r (mnnz values, M's CSR order) of the prepared input: GCVAEModelInfer or GCVAECudaModelForward */
typedef PetscErrorCode (*GCVAEForwardFn)(GCVAEModel, GCVAEInput, GCVAELatentMode, const nnreal eps[], nnreal r[]);

/* R for A as given (no reordering). PETSC_EXTERN, not PETSC_INTERN: lib/libgcvae_cuda.so,
   a library of its own, calls it in lib/libgcvae.so. */
PETSC_EXTERN PetscErrorCode GCVAEGenerateOrdered_Private(GCVAEModel, Mat A, PetscReal extra, GCVAELatentMode, const nnreal eps[], GCVAEForwardFn, Mat *R);
#endif
