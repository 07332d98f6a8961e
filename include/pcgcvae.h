/* PCGCVAE: the learned SPAI preconditioner as a PETSc PC type (lib/libpcgcvae.so). */
#ifndef PCGCVAE_H
#define PCGCVAE_H

#include <petscksp.h>

#define PCGCVAE "gcvae"

/* What PCSetUp does when A is not symmetric or the generated R is worse than Jacobi (probe estimate of ||I - R^T A R||_F). */
typedef enum {
  PC_GCVAE_FALLBACK_JACOBI = 0, /* use R = D^{-1/2}, i.e. Jacobi */
  PC_GCVAE_FALLBACK_ERROR  = 1, /* raise a PETSc error */
  PC_GCVAE_FALLBACK_NONE   = 2  /* keep the generated R */
} PCGCVAEFallback;
PETSC_EXTERN const char *const PCGCVAEFallbacks[];

typedef enum {
  PC_GCVAE_LATENT_MEAN   = 0, /* z = 0: deterministic R */
  PC_GCVAE_LATENT_SAMPLE = 1  /* z ~ N(0, I) from the seed */
} PCGCVAELatent;
PETSC_EXTERN const char *const PCGCVAELatents[];

/* Where R is generated and applied (-pc_gcvae_device). */
typedef enum {
  PC_GCVAE_DEVICE_CPU  = 0, /* generation and apply on the host */
  PC_GCVAE_DEVICE_CUDA = 1  /* generation and apply on a CUDA device (make CUDA=1; serial) */
} PCGCVAEDevice;
PETSC_EXTERN const char *const PCGCVAEDevices[];

/* Precision of R's values in the host apply (-pc_gcvae_precision); vectors and sums are double. */
typedef enum {
  PC_GCVAE_PRECISION_SINGLE = 0, /* R rounded to float values: 1/3 fewer bytes per product */
  PC_GCVAE_PRECISION_DOUBLE = 1  /* R as generated, PETSc's MatMult */
} PCGCVAEPrecision;
PETSC_EXTERN const char *const PCGCVAEPrecisions[];

PETSC_EXTERN PetscErrorCode PCCreate_GCVAE(PC);
PETSC_EXTERN PetscErrorCode PCGCVAESetModel(PC, const char[]);
PETSC_EXTERN PetscErrorCode PCGCVAESetSamples(PC, PetscInt);
PETSC_EXTERN PetscErrorCode PCGCVAESetSeed(PC, PetscInt);
PETSC_EXTERN PetscErrorCode PCGCVAESetLatent(PC, PCGCVAELatent);
PETSC_EXTERN PetscErrorCode PCGCVAESetExtra(PC, PetscReal);
PETSC_EXTERN PetscErrorCode PCGCVAESetFallback(PC, PCGCVAEFallback);
PETSC_EXTERN PetscErrorCode PCGCVAESetDroptol(PC, PetscReal);
PETSC_EXTERN PetscErrorCode PCGCVAESetDevice(PC, PCGCVAEDevice);
PETSC_EXTERN PetscErrorCode PCGCVAESetPrecision(PC, PCGCVAEPrecision);
/* Save each matrix PCSetUp sees (every k-th) to dir, PETSc binary, for gcvae-datagen -matrices. */
PETSC_EXTERN PetscErrorCode PCGCVAESetRecord(PC, const char dir[], PetscInt every);
/* The factor R (M^{-1} = R R^T) built by PCSetUp, owned by the PC. */
PETSC_EXTERN PetscErrorCode PCGCVAEGetFactor(PC, Mat *);
/* Probe estimates of ||I - R^T A R||_F^2 / n for the R in use and for Jacobi, and whether the fallback was taken. */
PETSC_EXTERN PetscErrorCode PCGCVAEGetProbe(PC, PetscReal *, PetscReal *, PetscBool *);

/* Registers PCGCVAE (and PCFSAI) and its log events; programs linking -lpcgcvae call it once. */
PETSC_EXTERN PetscErrorCode PCGCVAEInitializePackage(void);
/* The same; PETSc calls it when it opens libpcgcvae.so (-dll_append). */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_pcgcvae(void);

#endif
