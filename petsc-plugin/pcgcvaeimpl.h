/* The private state of PCGCVAE, shared by pcgcvae.c (host) and pcgcvae_cuda.c (device apply). */
#ifndef PCGCVAEIMPL_H
#define PCGCVAEIMPL_H

#include <petsc/private/pcimpl.h>
#include <gcvae_model.h>
#include <gcvae_cuda.h>
#include <pcgcvae.h>

typedef struct _n_PCGCVAESingle *PCGCVAESingle;

typedef struct {
  char            modelfile[PETSC_MAX_PATH_LEN]; /* -pc_gcvae_model */
  GCVAEModel      model;                         /* the network, borrowed from the model cache */
  PetscInt        samples;                       /* -pc_gcvae_samples: latents drawn, best kept */
  PetscInt        seed;                          /* -pc_gcvae_seed: latent draws */
  PCGCVAELatent   latent;                        /* -pc_gcvae_latent */
  PetscReal       extra;                         /* -pc_gcvae_extra; < 0: the model's */
  PetscReal       droptol;                       /* -pc_gcvae_droptol: entries below it x their row's max dropped */
  PCGCVAEFallback fallback;                      /* -pc_gcvae_fallback */
  PetscBool       reorder;                       /* -pc_gcvae_reorder: cnn models read A in RCM order */
  PCGCVAEDevice   device;                        /* -pc_gcvae_device: where R is generated and applied */
  GCVAECudaFactor dR;                            /* device cuda (host Vecs): R and R^T in cuSPARSE, or NULL */
  Mat             R;                             /* the factor in use, A's layout */
  Mat             Rt;                            /* R^T, stored: MatMult is faster than MatMultTranspose */
  Vec             work;                          /* R^T x */
  PCGCVAEPrecision precision;                    /* -pc_gcvae_precision: of R's values in the host apply */
  PCGCVAESingle   single;                        /* precision single, host: R~ = D^{1/2} R and R~^T in float (then Rt is NULL) */
  PetscReal       asym;                          /* relative asymmetry of A (GCVAEMatAsymmetry) */
  PetscReal       probe, probe_jacobi;           /* ||I - R^T A R||_F^2 / n estimates; probe < 0: none generated */
  PetscBool       fell_back;                     /* R is Jacobi's (fallback), see reason */
  char            reason[640];                   /* why the fallback was taken (or not taken, with none) */
  PetscLogDouble  gen_time;                      /* seconds of the last generation */
  PetscReal       nnz_ratio;                     /* nnz(R) / nnz(A) */
  PetscInt        halo;                          /* -pc_gcvae_halo_depth: < 0 exact (GCVAEHaloDepth) */
  PetscInt        halo_depth;                    /* hops of the halo each process generated with (0: one process) */
  PetscInt        piece_max;                     /* rows (owned + halo) of the largest process's piece */
  PetscBool       reordered;                     /* the network saw some process's piece in RCM order */
  char            bad_option[512];               /* an invalid option value, reported by PCSetUp */
  char            record[PETSC_MAX_PATH_LEN];    /* -pc_gcvae_record: directory, or "" */
  PetscInt        record_every;                  /* -pc_gcvae_record_every */
  PetscInt        record_seen, record_written;   /* setups seen, matrices recorded by this PC */
} PC_GCVAE;


PETSC_INTERN PetscLogEvent PC_GCVAE_Probe; /* the probe estimates (pcgcvaegenerate.c) */
/* pcgcvaegenerate.c: R for A (A's layout) from the network; sets gc->probe and gc->probe_jacobi */
PETSC_INTERN PetscErrorCode PCGCVAEGenerate_Private(PC, Mat A, Mat *R);
PETSC_INTERN PetscErrorCode PCApply_GCVAE(PC, Vec, Vec);
/* pcgcvaesingle.c: the host apply with R's values in single precision */
/* R~ = D^{1/2} R in float (and its transpose); R becomes D^{-1/2} float(R~), the R applied */
PETSC_INTERN PetscErrorCode PCGCVAESingleCreate(Mat A, Mat R, PCGCVAESingle *);
PETSC_INTERN PetscErrorCode PCGCVAESingleDestroy(PCGCVAESingle *);
PETSC_INTERN PetscErrorCode PCGCVAESingleMultR(PCGCVAESingle, Vec x, Vec y);
PETSC_INTERN PetscErrorCode PCGCVAESingleMultRt(PCGCVAESingle, Vec x, Vec y);
PETSC_INTERN PetscErrorCode PCApplySymmetricLeft_GCVAE(PC, Vec, Vec);
PETSC_INTERN PetscErrorCode PCApplySymmetricRight_GCVAE(PC, Vec, Vec);
/* pcgcvaerecord.c: -pc_gcvae_record; Record_Private saves A (every K-th call) */
PETSC_INTERN PetscErrorCode PCGCVAERecord_Private(PC, Mat A);
PETSC_INTERN PetscErrorCode PCGCVAERecordSetFromOptions_Private(PC, PetscOptionItems *);
PETSC_INTERN PetscErrorCode PCGCVAERecordView_Private(PC, PetscViewer);
PETSC_INTERN PetscErrorCode PCGCVAERecordCreate_Private(PC);
/* pcgcvae_cuda.c: R and R^T to the device and the ops to the device apply; and back */
PETSC_INTERN PetscErrorCode PCGCVAESetUpDevice_CUDA(PC);
PETSC_INTERN PetscErrorCode PCGCVAEResetDevice_CUDA(PC);

#endif
