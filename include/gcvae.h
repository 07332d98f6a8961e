/* PCGCVAE core library: public C API.
   Everything returns PetscErrorCode and follows PETSc's error discipline. */
#ifndef GCVAE_H
#define GCVAE_H

#include <petscksp.h>

/* ---- tmpfile.c: atomic output files ------------------------------------- */
/* Every output file of the tools is written to "<path>.tmp.<host>.<pid>" and renamed onto
   <path> when complete: a reader sees the old file or the new one, never a part, and of
   concurrent writers of one path the last rename wins. */
PETSC_EXTERN PetscErrorCode GCVAETempName(const char path[], char tmp[], size_t len);
/* Removes path's temporaries of processes of this host that no longer run (SIGKILL). */
PETSC_EXTERN PetscErrorCode GCVAETempRemoveStale(const char path[], const char who[]);
/* fsync a closed file; fsync (best effort) the directory of path after a rename. */
PETSC_EXTERN PetscErrorCode GCVAESyncFile(const char path[]);
PETSC_EXTERN PetscErrorCode GCVAESyncDirectory(const char path[]);

/* ---- Registration ------------------------------------------------------- */
/* Registers the project's PC types (fsai) with PETSc. Called by the tools, and
   by PetscDLLibraryRegister_gcvae when the library is loaded with -dll_append. */
PETSC_EXTERN PetscErrorCode GCVAEInitializePackage(void);

/* ---- FSAI: factorized sparse approximate inverse (Kolotilina-Yeremin) ---- */
/* PC type "fsai": M^{-1} = G^T G, G lower triangular on the pattern of tril(A),
   rows scaled so that diag(G A G^T) = I. */
#define PCFSAI "fsai"
PETSC_EXTERN PetscErrorCode PCCreate_FSAI(PC);
/* The factor G (owned by the PC; valid after PCSetUp). */
PETSC_EXTERN PetscErrorCode PCFSAIGetFactor(PC, Mat *);

/* ---- Datasets (HDF5, doc/design.md section 5) --------------------------- */
/* File layout, one file per (family, mesh):
     attributes  format_version, family, mesh, refine, n, nnz, nsamples, seed, ncoeffs,
                 degree, image_size, image ("dense" or "block"; absent: dense), contrast_min, contrast_max, sigma
     /rowptr     int32   [n+1]        shared CSR pattern (RCM order, sorted columns)
     /colind     int32   [nnz]
     /perm       int32   [n]          RCM: new index -> natural global dof index
     /coords     float64 [n][2]       dof coordinates in RCM order (edge dofs: midpoints)
     /values     float64 [N][nnz]     matrix values per sample
     /coeffs     float64 [N][ncoeffs] coefficient polynomial p, f = exp(p)
     /inv_image  float32 [N][P][P]    |A^{-1}| average-pooled to P x P
     /split/train, /split/test int32  sample indices (80/20) */
#define GCVAE_DATASET_FORMAT_VERSION 1
#define GCVAE_NAME_LEN               256

typedef struct {
  char      family[GCVAE_NAME_LEN]; /* "poisson" or "biharmonic" */
  char      mesh[GCVAE_NAME_LEN];   /* mesh file the matrices were assembled on */
  PetscInt  refine;                 /* uniform refinements applied to it */
  PetscInt  n, nnz;                 /* matrix size and nonzeros of the shared pattern */
  PetscInt  nsamples;               /* N */
  PetscInt  seed;                   /* generator seed */
  PetscInt  ncoeffs, degree;        /* coefficient polynomial: number of monomials, total degree */
  PetscInt  image_size;             /* P of the pooled inverse image */
  char      image[16];              /* how it was computed: "dense" (pooled |A^-1|) or "block" (|pooled A^-1|, GCVAEBlockInverseImage) */
  PetscReal contrast_min, contrast_max; /* max f / min f is drawn log-uniform in this range */
  PetscReal sigma;                  /* interior penalty (biharmonic; 0 for poisson) */
} GCVAEDatasetHeader;

typedef enum { GCVAE_SPLIT_TRAIN = 0, GCVAE_SPLIT_TEST = 1 } GCVAESplit;

typedef struct _n_GCVAEDataset *GCVAEDataset;

/* Reading: every rank opens the file read-only. */
PETSC_EXTERN PetscErrorCode GCVAEDatasetOpen(MPI_Comm, const char[], GCVAEDataset *);
PETSC_EXTERN PetscErrorCode GCVAEDatasetClose(GCVAEDataset *);
PETSC_EXTERN PetscErrorCode GCVAEDatasetGetHeader(GCVAEDataset, const GCVAEDatasetHeader **);
/* CSR pattern (RCM order), borrowed. */
PETSC_EXTERN PetscErrorCode GCVAEDatasetGetPattern(GCVAEDataset, const PetscInt **rowptr, const PetscInt **colind);
/* RCM permutation (new index -> natural global dof of the mesh's DM), borrowed. */
PETSC_EXTERN PetscErrorCode GCVAEDatasetGetPermutation(GCVAEDataset, const PetscInt **perm);
/* Sample indices of one split, borrowed. */
PETSC_EXTERN PetscErrorCode GCVAEDatasetGetSplit(GCVAEDataset, GCVAESplit, PetscInt *count, const PetscInt **idx);
PETSC_EXTERN PetscErrorCode GCVAEDatasetReadValues(GCVAEDataset, PetscInt sample, PetscScalar values[]);   /* [nnz] */
PETSC_EXTERN PetscErrorCode GCVAEDatasetReadCoeffs(GCVAEDataset, PetscInt sample, PetscReal coeffs[]);     /* [ncoeffs] */
PETSC_EXTERN PetscErrorCode GCVAEDatasetReadImage(GCVAEDataset, PetscInt sample, float image[]);           /* [P*P] */
/* Assemble sample's matrix as AIJ on comm (rows split by PETSC_DECIDE). */
PETSC_EXTERN PetscErrorCode GCVAEDatasetCreateMat(GCVAEDataset, MPI_Comm, PetscInt sample, Mat *);

/* Writing: one process. Data goes to this process's temporary "<path>.tmp.<host>.<pid>"
   (GCVAETempName), flushed to the disk and renamed to <path> by GCVAEDatasetWriterFinish:
   concurrent writers of one path do not disturb each other and the last rename wins.
   GCVAEDatasetWriterAbort removes the temporary file, so a failed run leaves no partial
   output (a SIGKILLed one leaves its temporary: see GCVAETempRemoveStale). */
typedef struct _n_GCVAEDatasetWriter *GCVAEDatasetWriter;
PETSC_EXTERN PetscErrorCode GCVAEDatasetWriterCreate(const char path[], const GCVAEDatasetHeader *, const PetscInt rowptr[], const PetscInt colind[], const PetscInt perm[], const PetscReal coords[], GCVAEDatasetWriter *);
PETSC_EXTERN PetscErrorCode GCVAEDatasetWriterAddSample(GCVAEDatasetWriter, PetscInt sample, const PetscScalar values[], const PetscReal coeffs[], const float image[]);
PETSC_EXTERN PetscErrorCode GCVAEDatasetWriterFinish(GCVAEDatasetWriter *, PetscInt ntest, const PetscInt test[]);
PETSC_EXTERN PetscErrorCode GCVAEDatasetWriterAbort(GCVAEDatasetWriter *);

/* ---- Scaling, mask, loss (doc/design.md sections 6, 8) ------------------ */
/* A~ = D^{-1/2} A D^{-1/2} (new Mat) and D^{-1/2} (new Vec, may be NULL). Errors for a
   non-square matrix, NaN/Inf entries, or a diagonal entry <= 0 (naming it). */
PETSC_EXTERN PetscErrorCode GCVAEScale(Mat A, Mat *At, Vec *dinvsqrt);
/* The checks of GCVAEScale alone (allocating nothing that an error would leak). */
PETSC_EXTERN PetscErrorCode GCVAECheckMatrix(Mat A);
/* Relative asymmetry max_i ||row_i(A) - row_i(A^T)||_1 / ||row_i(A)||_1 (0 for a symmetric
   A; rounding-level for one assembled symmetric; O(1) for a structurally nonsymmetric one). */
/* Above this a matrix counts as nonsymmetric (the PC's test and gcvae-datagen -matrices'): far
   above the rounding of any assembly of a symmetric matrix (1e-16..1e-13), far below the
   O(1e-2..1) of a structurally nonsymmetric one (Dirichlet rows without eliminated columns). */
#define GCVAE_SYMMETRY_TOL 1e-8
PETSC_EXTERN PetscErrorCode GCVAEMatAsymmetry(Mat A, PetscReal *asym);
/* R = D^{-1/2} in A's layout (MATAIJ): Jacobi as a factor of M^{-1} = R R^T (any size, 0 x 0 too). */
PETSC_EXTERN PetscErrorCode GCVAEJacobiFactor(Mat A, Mat *R);
/* Mask of R~ (serial): pattern(A~) plus the `extra` fraction of nnz(A~) of the largest
   entries of |A~||A~| outside it, in symmetric pairs. M is MATSEQAIJ with A~'s values
   on pattern(A~) and explicit zeros on the extra entries. */
PETSC_EXTERN PetscErrorCode GCVAEMaskBuild(Mat At, PetscReal extra, Mat *M);
/* The name under which GCVAEMaskBuild composes on M a Vec of (A~^2)_ij on M's entries (CSR order),
   which GCVAEInputCreate reads instead of forming A~^2 again (it forms it for other masks). */
#define GCVAE_MASK_SQUARE "GCVAEMaskSquare"
/* L(R~) = ||I - R~^T A~ R~||_F^2 / n and dL/dR~ on R~'s pattern (serial, MATSEQAIJ).
   Create once per pattern (symbolic products); Evaluate reads R~'s current values and
   writes grad[] in R~'s CSR order (grad may be NULL). */
typedef struct _n_GCVAELoss *GCVAELoss;
PETSC_EXTERN PetscErrorCode GCVAELossCreate(Mat At, Mat R, GCVAELoss *);
PETSC_EXTERN PetscErrorCode GCVAELossEvaluate(GCVAELoss, Mat R, PetscReal *value, PetscScalar grad[]);
PETSC_EXTERN PetscErrorCode GCVAELossDestroy(GCVAELoss *);

/* Per-matrix optimum: minimise L over R~'s values on its pattern (TAO L-BFGS from
   R~ = I; options prefix "optimum_"). R~ holds the minimiser on return. */
PETSC_EXTERN PetscErrorCode GCVAEOptimum(Mat At, Mat R, PetscReal *loss, PetscInt *its);
/* Make pc a PCSHELL applying M^{-1} = R R^T (y = R (R^T x)); keeps a reference to R. */
PETSC_EXTERN PetscErrorCode GCVAEPCSetFactor(PC pc, Mat R);

/* ---- solve.c: the project's CG, and its random numbers --------------------- */
/* A PETSCRAND48 generator on comm seeded with seed: the same stream on every machine. */
PETSC_EXTERN PetscErrorCode GCVAERandomCreate(MPI_Comm, unsigned long seed, PetscRandom *);
/* A random permutation of 0..n-1 (Fisher-Yates with GCVAERandomCreate(seed)). */
PETSC_EXTERN PetscErrorCode GCVAERandomPermutation(unsigned long seed, PetscInt n, PetscInt perm[]);
/* b uniform in [-1, 1) from seed (PETSCRAND48), the same for any number of processes. */
PETSC_EXTERN PetscErrorCode GCVAECreateRHS(Mat A, PetscInt seed, Vec *b);
/* CG (unpreconditioned norm, rtol 1e-5, zero guess) with M^{-1} = R R^T, or Jacobi if
   R is NULL; iterations and (may be NULL) the converged reason. */
PETSC_EXTERN PetscErrorCode GCVAESolveCG(Mat A, Mat R, Vec b, PetscInt *its, KSPConvergedReason *reason);

/* ---- Inverse images (training only) -------------------------------------- */
/* |A^{-1}| of a dense SPD matrix (column-major n x n, overwritten) average-pooled
   to P x P: dense Cholesky (LAPACK potrf/potri). Errors if A is not SPD. */
PETSC_EXTERN PetscErrorCode GCVAEInverseImage(PetscInt n, PetscScalar dense[], PetscInt P, float image[]);
/* The image without a dense inverse: |B^T A^{-1} B| / (c_i c_j) for the P bin indicators B (c the
   bin sizes), i.e. the absolute value of the block average of A^{-1} rather than the block average
   of |A^{-1}| (the same where A^{-1} >= 0, as for M-matrices). A sparse Cholesky (MUMPS) and P
   solves: memory O(nnz(L) + n P), not 8 n^2. A (MATSEQAIJ) must be SPD: the factor's inertia is
   checked, and an error names it otherwise. */
PETSC_EXTERN PetscErrorCode GCVAEBlockInverseImage(Mat A, PetscInt P, float image[]);
/* The image of a MATSEQAIJ A the way a dataset asks for it: block (GCVAEBlockInverseImage) or
   dense (A copied into work, n x n column-major, then GCVAEInverseImage; work unused for block). */
PETSC_EXTERN PetscErrorCode GCVAEMatInverseImage(Mat A, PetscBool block, PetscScalar work[], PetscInt P, float image[]);
/* Average-pool an n x n (column-major, |.| taken) array to P x P: bin of row i is floor(i*P/n). */
PETSC_EXTERN PetscErrorCode GCVAEPoolAbs(PetscInt n, const PetscScalar dense[], PetscInt P, float image[]);

#endif
