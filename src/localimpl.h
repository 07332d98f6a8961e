/* Private to src: the piece of a matrix one process runs the network on (src/local.c), and the
   steps of the pipeline that read it (mask.c, input.c, generate.c). */
#ifndef GCVAE_LOCALIMPL_H
#define GCVAE_LOCALIMPL_H
#include <gcvae_model.h>

/* This process's rows of A and the halo around them: the rows within `depth` hops of A's graph
   (MatIncreaseOverlap) as a MATSEQAIJ in local order. Rows farther than depth - 1 hops are
   incomplete (their columns outside the piece are dropped); GCVAEHaloDepth makes depth large
   enough that the owned rows' R does not see them. */
typedef struct {
  MPI_Comm   comm;  /* A's communicator: the whole-matrix quantities are reduced on it */
  Mat        A;     /* MATSEQAIJ, local order (one process and no reorder: A itself) */
  PetscInt   n, N;  /* local rows, global size */
  PetscInt  *gidx;  /* (n) global index of each local row; NULL: the identity */
  PetscBool *owned; /* (n) row owned by this process; NULL: every row */
  PetscInt   depth; /* hops of the halo (0 on one process) */
  PetscBool  reordered; /* the piece is in RCM order */
} GCVAELocal;

typedef enum {
  GCVAE_LOCAL_ORDER_GIVEN,         /* the piece in A's order */
  GCVAE_LOCAL_ORDER_RCM,           /* in RCM order (a cnn decoder's training order) */
  GCVAE_LOCAL_ORDER_UNLESS_BANDED  /* in RCM order unless A's is banded already (graph decoders:
                                      the order changes R only by rounding) */
} GCVAELocalOrder;

#define GCVAELocalGlobal(loc, i) ((loc)->gidx ? (loc)->gidx[i] : (i))
#define GCVAELocalOwns(loc, i)   ((loc)->owned ? (loc)->owned[i] : PETSC_TRUE)

/* gidx says where each row of the piece came from */
PETSC_INTERN PetscErrorCode GCVAELocalCreate(Mat A, PetscInt depth, GCVAELocalOrder, GCVAELocal *);
PETSC_INTERN PetscErrorCode GCVAELocalDestroy(GCVAELocal *);
/* A sequential matrix as its own piece (every row owned, no halo, its own order): the serial
   entry points (GCVAEMaskBuild, GCVAEInputCreate, GCVAEFactorFromValues); borrows A, nothing to destroy */
PETSC_INTERN PetscErrorCode GCVAELocalSerial(Mat A, GCVAELocal *);
/* GCVAEScale without its checks (made once on the whole matrix) */
PETSC_INTERN PetscErrorCode GCVAEScale_Private(Mat A, Mat *At, Vec *dinvsqrt);
/* GCVAEMaskBuild on the piece: the extra entries are the global top-k of |A~||A~| (candidates of
   owned rows counted, ties broken by global (row, column)), so the mask of a row is the one a
   single process would build, in any local order */
PETSC_INTERN PetscErrorCode GCVAEMaskBuildLocal_Private(const GCVAELocal *, Mat At, PetscReal extra, Mat *M);
/* GCVAEInputCreate on the piece: the per-matrix means of the node features over the owned rows
   of all processes */
PETSC_INTERN PetscErrorCode GCVAEInputCreateLocal_Private(const GCVAELocal *, Mat At, Mat M, GCVAEInput *);
#endif
