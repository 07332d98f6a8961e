/* PCGCVAE model: hyperparameters, the model file, and (model.c) the network. */
#ifndef GCVAE_MODEL_H
#define GCVAE_MODEL_H

#include <stdio.h>
#include <gcvae.h>
#include <gcvae_nn.h>

typedef enum {
  GCVAE_DECODER_GRAPH = 0, /* size-independent: r~_ij = MLP(edge state, h_i, h_j, z) per mask entry */
  GCVAE_DECODER_CNN   = 1  /* the paper's: [z, g] -> MLP -> transposed convs -> n x n image, fixed n */
} GCVAEDecoderKind;

#define GCVAE_MODEL_NAME_LEN 256

/* Everything that defines a model's architecture and how it was trained. The model
   file stores it field by field (little-endian, fixed widths), never as a raw struct. */
typedef struct {
  /* architecture */
  GCVAEDecoderKind decoder;
  PetscInt node_features;  /* input features per node */
  PetscInt edge_features;  /* input features per edge / mask entry */
  PetscInt hidden;         /* width of node and edge states */
  PetscInt gat_layers;     /* GATv2 layers of the graph encoder */
  PetscInt edge_layers;    /* graph decoder: edge-state layers on the mask entries, after the last
                              edge_layers GATv2 layers (0 <= edge_layers <= gat_layers; 0 for cnn) */
  PetscInt heads;          /* attention heads per GATv2 layer (hidden % heads == 0) */
  PetscInt latent;         /* latent dimension k */
  PetscInt image_size;     /* P: the CNN encoder's input is the P x P pooled |A^-1| */
  PetscInt cnn_channels;   /* channels of the CNN encoder / decoder */
  PetscInt cnn_layers;     /* stride-2 conv layers of the CNN encoder */
  PetscInt decoder_hidden; /* width of the decoder MLP */
  PetscInt cnn_n;          /* cnn decoder: the matrix size it generates (0 for graph) */
  PetscReal mask_extra;    /* mask = pattern(A) + this fraction of nnz(A) (GCVAEMaskBuild) */
  PetscInt  scaling;       /* 1: Jacobi scaling (the only one so far) */
  /* training summary */
  char      family[GCVAE_MODEL_NAME_LEN]; /* dataset family */
  char      mesh[GCVAE_MODEL_NAME_LEN];   /* dataset mesh; several datasets: "m1,m2,..." (each once,
                                             cut to the field, ending "..." when cut) */
  PetscInt  train_n;       /* n of the training matrices (several datasets: the largest) */
  PetscInt  train_samples; /* number of training matrices (several datasets: all together) */
  PetscInt  epochs;        /* epochs trained */
  PetscInt  seed;          /* training seed */
  PetscReal train_loss, test_loss, kl; /* final losses */
  PetscReal train_seconds; /* wall time of training */
  PetscInt  nparams;       /* number of float parameters that follow the header */
} GCVAEModelHeader;

/* ---- modelio.c: the model file --------------------------------------------
   Layout (all little-endian): magic "PCGCVAE\0" (8 bytes), format version (uint32),
   endianness marker 0x01020304 (uint32), header length in bytes (uint64), the header
   fields in the order of GCVAEModelHeader (int64 for PetscInt and enums, float64 for
   reals, 256-byte zero-padded strings), nparams float32 parameters, and a CRC-32
   (zlib) of everything before it (uint32). */
#define GCVAE_MODEL_MAGIC          "PCGCVAE"
#define GCVAE_MODEL_FORMAT_VERSION 1
/* Atomic: writes this process's "<path>.tmp.<host>.<pid>" (GCVAETempName), fsyncs and renames
   it (of concurrent writers the last rename wins); on error nothing is left behind. */
PETSC_EXTERN PetscErrorCode GCVAEModelWrite(const char path[], const GCVAEModelHeader *, const float params[]);
/* The same bytes at a stream's position, inside a larger file (gcvae-train's checkpoint);
   *nbytes is their count. The reader checks exactly nbytes like GCVAEModelRead; name labels
   the messages. Not collective. */
PETSC_EXTERN PetscErrorCode GCVAEModelWriteStream(FILE *, const char name[], const GCVAEModelHeader *, const float params[], size_t *nbytes);
PETSC_EXTERN PetscErrorCode GCVAEModelReadStream(FILE *, const char name[], size_t nbytes, GCVAEModelHeader *, float **params);
/* Reads and validates everything (magic, version, endianness, header ranges, size,
   checksum) and says exactly what is wrong; *params is PetscMalloc'ed (PetscFree it). */
PETSC_EXTERN PetscErrorCode GCVAEModelRead(MPI_Comm, const char path[], GCVAEModelHeader *, float **params);
/* Prints the header (PCView, tools). */
PETSC_EXTERN PetscErrorCode GCVAEModelHeaderView(const GCVAEModelHeader *, PetscViewer);

/* ---- model.c: the network ------------------------------------------------
   A prepared matrix (GCVAEInput) holds what the network reads from one SPD matrix:
   the Jacobi-scaled graph (pattern(A~) with self loops), node and edge features,
   the mask entries with their features, and (training only) the pooled |A^-1|
   image. The model maps it to r~ on the mask entries (CSR order of the mask):
   R~ = I + correction, so a model whose last decoder layer is zero is Jacobi. */
/* Node features (src/input.c): log s_i - mean_i log s_i with s_i = sum_j |a~_ij| (a_ii itself
   is not recoverable from A~, whose diagonal is 1), row nnz / mean row nnz, s_i, (A~^2)_ii. */
#define GCVAE_NODE_FEATURES 4
#define GCVAE_EDGE_FEATURES 2 /* a~_ij, [i == j] */
#define GCVAE_MASK_FEATURES 4 /* a~_ij (0 off pattern), (A~^2)_ij, [(i,j) in pattern(A)], [i == j] */

typedef struct _n_GCVAEInput *GCVAEInput;
typedef struct _n_GCVAEModel *GCVAEModel;

/* Prepare A~ (MATSEQAIJ, unit diagonal, from GCVAEScale) with mask M (GCVAEMaskBuild). */
PETSC_EXTERN PetscErrorCode GCVAEInputCreate(Mat At, Mat M, GCVAEInput *);
/* Attach the pooled |A^-1| image (P x P, row-major, P = the model's image_size), stored as
   log(1 + image / mean(image)) (scale-free, O(1)); needed by GCVAEModelForward in training mode. */
PETSC_EXTERN PetscErrorCode GCVAEInputSetImage(GCVAEInput, PetscInt P, const float image[]);
PETSC_EXTERN PetscErrorCode GCVAEInputGetSizes(GCVAEInput, PetscInt *n, PetscInt *mask_nnz);
PETSC_EXTERN PetscErrorCode GCVAEInputDestroy(GCVAEInput *);

/* A model with hdr's architecture; parameters random (seeded) with the decoder's
   last layer zero (exactly Jacobi). hdr->nparams is set. */
PETSC_EXTERN PetscErrorCode GCVAEModelCreate(const GCVAEModelHeader *hdr, PetscInt seed, GCVAEModel *);
/* Load / save through modelio.c (the loader checks nparams against the architecture). */
PETSC_EXTERN PetscErrorCode GCVAEModelLoad(MPI_Comm, const char path[], GCVAEModel *);
/* The model of a header and its hdr->nparams parameters (as read from a file called name). */
PETSC_EXTERN PetscErrorCode GCVAEModelCreateFromParams(MPI_Comm, const char name[], const GCVAEModelHeader *, const float params[], GCVAEModel *);
PETSC_EXTERN PetscErrorCode GCVAEModelSave(GCVAEModel, const char path[]);
PETSC_EXTERN PetscErrorCode GCVAEModelDestroy(GCVAEModel *);
/* modelcache.c: the model of a file, loaded once per process (collective on comm) and read again
   when the file changes; owned by the cache (freed at PetscFinalize), never destroyed by the caller. */
PETSC_EXTERN PetscErrorCode GCVAEModelCacheGet(MPI_Comm, const char path[], GCVAEModel *);
/* Errors (naming both sizes) when the model cannot serve a matrix of size n (a cnn decoder's fixed n). */
PETSC_EXTERN PetscErrorCode GCVAEModelCheckSize(GCVAEModel, PetscInt n);
/* The header (architecture + training summary; the caller may update the summary). */
PETSC_EXTERN PetscErrorCode GCVAEModelGetHeader(GCVAEModel, GCVAEModelHeader **);
/* The flat parameter buffer (params, grads, AdamW moments), include/gcvae_nn.h. */
PETSC_EXTERN PetscErrorCode GCVAEModelGetParams(GCVAEModel, NNParamBuffer **);

typedef enum {
  GCVAE_LATENT_TRAIN  = 0, /* z = mu + sigma eps from the encoders (graph + inverse image) */
  GCVAE_LATENT_MEAN   = 1, /* inference: z = 0, the prior's mean */
  GCVAE_LATENT_SAMPLE = 2  /* inference: z = eps ~ N(0, I) given by the caller */
} GCVAELatentMode;
/* r (mask_nnz) = r~ on the mask entries; eps (latent) used by TRAIN and SAMPLE; kl
   (may be NULL) = KL(N(mu, sigma^2) || N(0, I)) in TRAIN mode, 0 otherwise. Saves
   what GCVAEModelBackward needs (one input at a time). */
PETSC_EXTERN PetscErrorCode GCVAEModelForward(GCVAEModel, GCVAEInput, GCVAELatentMode, const nnreal eps[], nnreal r[], double *kl);
/* Accumulates into the parameter gradients (the caller zeroes them): dr (mask_nnz) =
   dObjective/dr~ and kl_weight = dObjective/dKL, for the last forward on this input. After
   a TRAIN forward every tensor gets a gradient; after MEAN or SAMPLE the latent is fixed,
   so the inverse encoder and latent MLP get none (kl_weight unused). */
PETSC_EXTERN PetscErrorCode GCVAEModelBackward(GCVAEModel, GCVAEInput, const nnreal dr[], double kl_weight);
/* Inference only (MEAN or SAMPLE): the same r as GCVAEModelForward with a small workspace
   (graph decoders without edge states; the others run the forward), and no backward after it. */
PETSC_EXTERN PetscErrorCode GCVAEModelInfer(GCVAEModel, GCVAEInput, GCVAELatentMode, const nnreal eps[], nnreal r[]);

/* ---- generate.c: Mat -> R ------------------------------------------------- */
/* k standard normal values from rnd (uniform in [0, 1)): latent draws for training and sampling. */
PETSC_EXTERN PetscErrorCode GCVAELatentDraw(PetscRandom rnd, PetscInt k, nnreal eps[]);
/* R = D^{-1/2} R~ with R~ = mask M (pattern) carrying the values r (mask CSR order);
   errors on a non-finite value. */
PETSC_EXTERN PetscErrorCode GCVAEFactorFromValues(Mat M, const nnreal r[], Vec dinvsqrt, Mat *R);
/* r (mask_nnz values, the mask's CSR order) of a prepared input: GCVAEModelInfer, or the
   device's GCVAECudaModelForward (include/gcvae_cuda.h) */
typedef PetscErrorCode (*GCVAEForwardFn)(GCVAEModel, GCVAEInput, GCVAELatentMode, const nnreal eps[], nnreal r[]);
/* The pipeline for an SPD Mat (AIJ, one process or many), prepared once and run for any number
   of latents: scale (with its input checks, on the whole matrix), mask (extra < 0: the model's),
   input features; Apply runs the network (forward) in MEAN or SAMPLE mode (eps: latent values)
   and assembles R in A's layout without the entries below droptol times their row's largest.
   On several processes each runs the pipeline on its rows and a halo of GCVAEHaloDepth hops
   (graph decoders only: a cnn decoder is serial) and R's rows are those one process makes, to
   rounding (for the default depth and a structurally symmetric A, which the PC checks): whole-matrix quantities (feature means, the mask's top-k) are reduced on A's comm.
   reorder: the piece in RCM order. A cnn-decoder model needs it (the order of its training
   matrices; dataset matrices are already in it: give reorder false for them); a graph-decoder
   model gives the same R to rounding, faster: its gathers of neighbour states touch rows i and
   j of every edge, nearly all cache misses in a mesh generator's numbering, nearly none in RCM's
   band, which repays the permutation several times over from n ~ 1e4 on. For a graph decoder
   the piece is left as it is when its order is banded already (every row within 8192 columns
   of its diagonal: RCM would buy nothing there). */
typedef struct _n_GCVAEGenerator *GCVAEGenerator;
/* depth < 0: the halo GCVAEHaloDepth (R as one process makes it); a smaller depth gives an
   approximate R from smaller pieces (rows near a piece's border see a truncated graph) */
PETSC_EXTERN PetscErrorCode GCVAEGeneratorCreate(GCVAEModel, Mat A, PetscReal extra, PetscBool reorder, PetscInt depth, GCVAEGenerator *);
PETSC_EXTERN PetscErrorCode GCVAEGeneratorApply(GCVAEGenerator, GCVAELatentMode, const nnreal eps[], GCVAEForwardFn forward, PetscReal droptol, Mat *R);
/* halo hops, rows and nonzeros of this process's piece (rows it owns + halo), and whether the
   network sees it in RCM order */
PETSC_EXTERN PetscErrorCode GCVAEGeneratorGetSizes(GCVAEGenerator, PetscInt *depth, PetscInt *nlocal, PetscInt *nnzlocal, PetscBool *reordered);
PETSC_EXTERN PetscErrorCode GCVAEGeneratorDestroy(GCVAEGenerator *);
/* Hops of A's graph that a row of R depends on for this architecture and mask extra fraction */
PETSC_EXTERN PetscInt GCVAEHaloDepth(const GCVAEModelHeader *, PetscReal extra);
/* Create, Apply with GCVAEModelInfer and droptol 0, Destroy */
PETSC_EXTERN PetscErrorCode GCVAEGenerate(GCVAEModel, Mat A, PetscReal extra, GCVAELatentMode, const nnreal eps[], PetscBool reorder, Mat *R);

#endif
